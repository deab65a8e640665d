"""An order's journey after it is placed: queue → crm-api → CRM seller → MES → MES API.

Each step of the journey is one request chain with its own trace id: the shop's
``order.created``, shop-api's ``POST /api/orders`` and crm-api's ``order.received`` share
the customer's trace (propagated in the message headers); the seller's confirmation is
a second trace; assignment on MES and the calculation on MES API share a third. The order
id links them all.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from logyard.catalog import OrderAssigned, OrderCalculated, OrderChanged, OrderReceived, System
from logyard.sim._api import api_call
from logyard.sim._people import Person
from logyard.sim._shop import COLORS, MATERIALS, PRODUCTS
from logyard.sim._texts import order_comment
from logyard.sim._world import CALC_MS, QUEUE_MS, WORK_MS, Story, World

__all__ = [
    "QUEUE",
    "due_date",
    "order_change",
    "order_changed",
    "order_journey",
    "order_params",
]

QUEUE = "orders.incoming"
_DELIVERY = ("courier", "courier", "pickup", "post", "cdek")
_STATUSES = ("new", "confirmed", "assigned", "printing", "printed", "shipped")


def order_params(w: World, person: Person, source: str) -> dict[str, Any]:
    """What an order carries: the product, price, and the customer's personal data."""
    kind, sku, title, price = w.pick(PRODUCTS)
    material, factor = w.pick(MATERIALS)
    quantity = 1 if w.rnd() < 0.7 else 2 + int(w.rnd() * 4)
    params: dict[str, Any] = {
        "product": kind,
        "sku": sku,
        "title": title,
        "material": material,
        "color": w.pick(COLORS),
        "quantity": quantity,
        "price": round(price * factor * quantity, 2),
        "currency": "RUB",
        "source": source,
        "customer": {
            "name": person.name if w.rnd() < 0.8 else person.name_latin,
            "email": person.email,
            "phone": w.phone(person),
        },
        "delivery": {"method": w.pick(_DELIVERY), "address": person.address},
    }
    comment = order_comment(w, person)
    if comment is not None:
        params["comment"] = comment
    return params


def due_date(w: World, t: int, days: int) -> str:
    """The ISO date ``days`` after the instant ``t``."""
    return (w.ts(t).date() + timedelta(days=days)).isoformat()


def order_change(w: World, t: int, person: Person | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """An (old, new) pair for one edit: quantity, color, address, price, due date or status."""
    r = w.rnd()
    if r < 0.25:
        q = 1 + int(w.rnd() * 3)
        return {"quantity": q}, {"quantity": q + 1 + int(w.rnd() * 3)}
    if r < 0.45:
        i = int(w.rnd() * len(COLORS))
        j = (i + 1 + int(w.rnd() * (len(COLORS) - 1))) % len(COLORS)
        return {"color": COLORS[i]}, {"color": COLORS[j]}
    if r < 0.6 and person is not None:
        moved = w.customers[int(w.rnd() * len(w.customers))].address
        if moved == person.address:  # same customer drawn: a flat upstairs
            moved = f"{moved.rsplit(', кв. ', 1)[0]}, кв. {1 + int(w.rnd() * 400)}А"
        return {"delivery.address": person.address}, {"delivery.address": moved}
    if r < 0.75:
        price = float(w.pick(PRODUCTS)[3])
        return {"price": price}, {"price": round(price * 0.9, 2), "discount": "10%"}
    if r < 0.85:
        days = 3 + int(w.rnd() * 10)
        return {"due_date": due_date(w, t, days)}, {"due_date": due_date(w, t, days + 2)}
    i = int(w.rnd() * (len(_STATUSES) - 1))
    return {"status": _STATUSES[i]}, {"status": _STATUSES[i + 1]}


def order_changed(
    w: World,
    t: int,
    system: System,
    user: str,
    order_id: str,
    old: dict[str, Any],
    new: dict[str, Any],
    trace: str,
    ip: str | None = None,
) -> OrderChanged:
    """An ``order.changed`` event."""
    return OrderChanged(
        timestamp=w.ts(t),
        event_id=w.eid(t),
        service=system,
        host=w.host(system),
        trace_id=trace,
        span_id=w.span(),
        user_name=user,
        client_ip=ip,
        order_id=order_id,
        old=old,
        new=new,
    )


def order_journey(
    w: World, t: int, order_id: str, trace: str, *, via_queue: bool, confirmed: bool
) -> Story:
    """The order after ``order.created``: a story of its own, interleaved with the others."""
    rnd = w.rnd
    staff = w.staff
    w.remember(order_id)
    if via_queue:
        t += int(QUEUE_MS[w.bits(12)]) + 5
        message_id = f"{w.bits(64):016x}"
        yield t, _received(w, t, order_id, message_id, trace)
        yield from (calls := api_call(w, t, "crm-api", "POST", "/api/orders", trace=trace, ok=201))
        t = calls[-1][0]
        if rnd() < 0.005:  # at-least-once delivery: the broker redelivers now and then
            t += 30_000 + int(rnd() * 60_000)
            yield t, _received(w, t, order_id, message_id, trace)
    if not confirmed:
        t += int(WORK_MS[w.bits(12)]) + 5_000
        seller = w.pick(staff.sellers)
        step = w.trace()
        new: dict[str, Any] = {"status": "confirmed"}
        if rnd() < 0.2:
            new["due_date"] = due_date(w, t, 3 + int(rnd() * 10))
        ip = w.pick(w.office_ips)
        yield t, order_changed(w, t, "crm", seller, order_id, {"status": "new"}, new, step, ip)
        yield from (
            calls := api_call(
                w, t, "crm-api", "PATCH", "/api/orders/{id}", trace=step, user=seller, ip=ip
            )
        )
        t = calls[-1][0]
    # production: a shift lead assigns it, the MES API calculates it
    t += int(WORK_MS[w.bits(12)] * (1 + rnd() * 3))
    step = w.trace()
    operator = w.pick(staff.operators)
    yield t, _assigned(w, t, w.pick(staff.shift_leads), order_id, operator, step)
    start = t
    calc = round(CALC_MS[w.bits(12)] * w.calc_factor, 1)
    t += int(calc)
    yield (
        t,
        OrderCalculated(
            timestamp=w.ts(t),
            event_id=w.eid(t),
            service="mes-api",
            host=w.host("mes-api"),
            trace_id=step,
            span_id=w.span(),
            user_name="planner-svc",
            order_id=order_id,
            calculation_duration_ms=calc,
        ),
    )
    yield from (calls := api_call(
        w, start, "mes-api", "POST", "/api/orders/{id}/calculate", trace=step,
        user="planner-svc", work_ms=calc,
    ))  # fmt: skip
    t = calls[-1][0]
    if rnd() < 0.08:  # the operator went home: reassigned
        t += int(WORK_MS[w.bits(12)])
        yield t, _assigned(w, t, w.pick(staff.shift_leads), order_id, w.pick(staff.operators), step)
    # printing starts, then ends
    for old, new_status in (("assigned", "printing"), ("printing", "printed")):
        t += int(WORK_MS[w.bits(12)] * (2 + rnd() * 8))
        step = w.trace()
        yield (
            t,
            order_changed(
                w,
                t,
                "mes-api",
                "planner-svc",
                order_id,
                {"status": old},
                {"status": new_status},
                step,
            ),
        )
        yield from (
            calls := api_call(
                w, t, "mes-api", "PATCH", "/api/orders/{id}", trace=step, user="planner-svc"
            )
        )
        t = calls[-1][0]


def _received(w: World, t: int, order_id: str, message_id: str, trace: str) -> OrderReceived:
    return OrderReceived(
        timestamp=w.ts(t),
        event_id=w.eid(t),
        service="crm-api",
        host=w.host("crm-api"),
        trace_id=trace,
        span_id=w.span(),
        message=f"order {order_id} received from {QUEUE}",
        order_id=order_id,
        queue=QUEUE,
        message_id=message_id,
    )


def _assigned(
    w: World, t: int, lead: str, order_id: str, operator: str, trace: str
) -> OrderAssigned:
    return OrderAssigned(
        timestamp=w.ts(t),
        event_id=w.eid(t),
        service="mes",
        host=w.host("mes"),
        trace_id=trace,
        span_id=w.span(),
        user_name=lead,
        user_roles=["shift_lead"],
        client_ip=w.pick(w.office_ips),
        order_id=order_id,
        operator=operator,
    )
