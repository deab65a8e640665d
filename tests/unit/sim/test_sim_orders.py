"""An order can be followed across the six systems by its id and its trace ids."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

import pytest

from logyard.catalog import Event


def _journeys(hour: list[Event], start: datetime) -> dict[str, list[Any]]:
    """Every event naming an order, per order, for web orders placed in the first 20 minutes."""
    by_order: dict[str, list[Any]] = defaultdict(list)
    for event in hour:
        order_id = getattr(event, "order_id", None)
        if order_id is not None:
            by_order[order_id].append(event)
    cutoff = start + timedelta(minutes=20)
    return {
        order_id: events
        for order_id, events in by_order.items()
        if events[0].ACTION == "order.created"
        and events[0].service == "internet-shop"
        and events[0].timestamp < cutoff
    }


@pytest.fixture(scope="module")
def journeys(hour: list[Event], start: datetime) -> dict[str, list[Any]]:
    """Web orders of the first 20 minutes of the shared hour, with all their events."""
    found = _journeys(hour, start)
    assert len(found) >= 50
    return found


def test_web_order_arrives_at_crm_api_within_seconds_on_the_same_trace(
    journeys: dict[str, list[Any]],
) -> None:
    """Each web order reaches crm-api through `orders.incoming` seconds later, same trace."""
    for events in journeys.values():
        created = events[0]
        received = next(e for e in events if e.ACTION == "order.received")
        assert received.service == "crm-api"
        assert received.queue == "orders.incoming"
        assert received.message_id
        assert received.trace_id == created.trace_id
        assert timedelta(0) < received.timestamp - created.timestamp < timedelta(seconds=30)


def test_shop_api_request_shares_the_order_trace(
    hour: list[Event], journeys: dict[str, Any]
) -> None:
    """shop-api's `POST /api/orders` for each web order is on the order's trace."""
    posts = {
        e.trace_id
        for e in hour
        if e.ACTION == "api.request" and e.service == "shop-api" and e.route == "/api/orders"  # type: ignore[attr-defined]
    }
    assert all(events[0].trace_id in posts for events in journeys.values())


def test_web_orders_reach_mes_assignment_and_mes_api_calculation(
    journeys: dict[str, list[Any]],
) -> None:
    """Nearly all early web orders are assigned on MES and calculated on the MES API within
    the hour, the assignment and its calculation sharing one trace."""
    complete = 0
    for events in journeys.values():
        assigned = [e for e in events if e.ACTION == "order.assigned"]
        calculated = [e for e in events if e.ACTION == "order.calculated"]
        if assigned:
            first = assigned[0]
            assert first.service == "mes"
            assert first.operator
            # API clients may recalculate the order at any time; the planner's calculation
            # is the one on the assignment's trace.
            planned = [e for e in calculated if e.trace_id == first.trace_id]
            if planned:
                complete += 1
                assert planned[0].service == "mes-api"
                assert planned[0].timestamp >= first.timestamp
    assert complete >= 0.9 * len(journeys)


def test_sellers_confirm_web_orders_in_crm(journeys: dict[str, list[Any]]) -> None:
    """A CRM seller moves each web order from `new` to `confirmed`, on a trace of its own."""
    for events in journeys.values():
        confirms = [
            e
            for e in events
            if e.ACTION == "order.changed" and e.service == "crm" and e.old == {"status": "new"}
        ]
        if confirms:
            assert confirms[0].new["status"] == "confirmed"
            assert confirms[0].trace_id != events[0].trace_id


def test_orders_are_also_created_by_phone_and_through_the_mes_api(hour: list[Event]) -> None:
    """Besides the web shop, CRM sellers take phone orders and API clients create orders."""
    sources = {
        (e.service, e.params["source"])  # type: ignore[attr-defined]
        for e in hour
        if e.ACTION == "order.created"
    }
    assert sources == {("internet-shop", "web"), ("crm", "phone"), ("mes-api", "b2b")}


def test_order_params_carry_product_and_customer(hour: list[Event]) -> None:
    """An order's parameters name product, material, color, quantity, price and customer."""
    params = next(e.params for e in hour if e.ACTION == "order.created")  # type: ignore[attr-defined]
    assert params["material"] in {"PLA", "PETG", "resin", "ABS", "TPU"}
    assert params["quantity"] >= 1
    assert params["price"] > 0
    assert {"name", "email", "phone"} <= set(params["customer"])
    assert params["delivery"]["address"]


def test_order_changes_have_old_and_new_values(hour: list[Event]) -> None:
    """Every `order.changed` says what the value was and what it became."""
    changes = [e for e in hour if e.ACTION == "order.changed"]
    assert changes
    assert all(e.old and e.new and e.old != e.new for e in changes)  # type: ignore[attr-defined]
