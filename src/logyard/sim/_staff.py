"""The company's people at work: CRM sellers, MES operators, MES API clients.

Each is a session: log in, a handful of actions minutes apart, usually log out.
"""

from __future__ import annotations

from logyard.catalog import (
    OrderCalculated,
    OrderCreated,
    OrderListViewed,
    System,
    UserLoggedIn,
    UserLoggedOut,
    WarningEvent,
)
from logyard.sim._api import api_call
from logyard.sim._customers import feedback
from logyard.sim._orders import order_change, order_changed, order_journey, order_params
from logyard.sim._world import CALC_MS, FETCH_MS, WORK_MS, Emit, Story, World

__all__ = ["integration_session", "operator_shift", "seller_shift"]

_LIST_STATUSES = ("new", "confirmed", "assigned", "printing", "printed", None)


def _login(
    w: World, t: int, system: System, user: str, roles: list[str], ip: str | None, trace: str
) -> UserLoggedIn:
    return UserLoggedIn(
        timestamp=w.ts(t), event_id=w.eid(t), service=system, host=w.host(system),
        trace_id=trace, span_id=w.span(), user_name=user, user_roles=roles, client_ip=ip,
    )  # fmt: skip


def _logout(w: World, t: int, system: System, user: str, ip: str | None) -> UserLoggedOut:
    return UserLoggedOut(
        timestamp=w.ts(t), event_id=w.eid(t), service=system, host=w.host(system),
        trace_id=w.trace(), span_id=w.span(), user_name=user, client_ip=ip,
    )  # fmt: skip


def seller_shift(w: World, t: int) -> Story:
    """A CRM seller: opens orders, edits them, takes orders by phone, asks for a rating."""
    rnd = w.rnd
    seller = w.pick(w.staff.sellers)
    ip = w.pick(w.office_ips)
    trace = w.trace()
    yield t, _login(w, t, "crm", seller, ["seller"], ip, trace)
    yield from (
        calls := api_call(w, t, "crm-api", "POST", "/api/auth/login", trace=trace, user=seller)
    )
    t = calls[-1][0]
    for _ in range(3 + int(rnd() * 8)):
        t += int(WORK_MS[w.bits(12)])
        trace = w.trace()
        r = rnd()
        order_id = w.recent_order()
        if r < 0.4 or order_id is None:
            route = "/api/orders" if r < 0.3 else "/api/customers/{id}"
            yield from (
                calls := api_call(w, t, "crm-api", "GET", route, trace=trace, user=seller, ip=ip)
            )
            t = calls[-1][0]
        elif r < 0.75:
            old, new = order_change(w, t, w.customer())
            yield t, order_changed(w, t, "crm", seller, order_id, old, new, trace, ip)
            yield from (
                calls := api_call(
                    w, t, "crm-api", "PATCH", "/api/orders/{id}", trace=trace, user=seller, ip=ip
                )
            )
            t = calls[-1][0]
        elif r < 0.92:
            t = yield from _phone_order(w, t, seller, ip, trace)
        else:
            yield t, feedback(w, t, "crm", w.customer(), None)
    if rnd() < 0.85:
        t += int(WORK_MS[w.bits(12)])
        yield t, _logout(w, t, "crm", seller, ip)


def _phone_order(w: World, t: int, seller: str, ip: str, trace: str) -> Emit:
    person = w.customer() if w.rnd() < 0.7 else w.new_customer()
    order_id = w.new_order_id()
    yield t, OrderCreated(
        timestamp=w.ts(t), event_id=w.eid(t), service="crm", host=w.host("crm"), trace_id=trace,
        span_id=w.span(), user_name=seller, client_ip=ip,
        message=f"order {order_id} taken by phone for {person.name}", order_id=order_id,
        params=order_params(w, person, "phone"),
    )  # fmt: skip
    yield from (
        calls := api_call(
            w, t, "crm-api", "POST", "/api/orders", trace=trace, user=seller, ip=ip, ok=201
        )
    )
    t = calls[-1][0]
    w.spawn(order_journey(w, t, order_id, trace, via_queue=False, confirmed=True))
    return t


def operator_shift(w: World, t: int) -> Story:
    """A MES operator or shift lead: looks at the order list again and again."""
    rnd = w.rnd
    lead = rnd() < 0.2
    user = w.pick(w.staff.shift_leads if lead else w.staff.operators)
    ip = w.pick(w.office_ips)
    yield t, _login(w, t, "mes", user, ["shift_lead" if lead else "operator"], ip, w.trace())
    for _ in range(3 + int(rnd() * 10)):
        t += int(WORK_MS[w.bits(12)] * 0.5)
        fetch = FETCH_MS[w.bits(12)]
        if rnd() < 0.04:  # the complaint: sometimes the list takes seconds
            fetch = round(1_500.0 + rnd() * 7_000.0, 1)
        days = 1 + int(rnd() * 14)
        status = w.pick(_LIST_STATUSES)
        mine = not lead and rnd() < 0.5
        t += int(fetch)
        trace = w.trace()
        yield t, OrderListViewed(
            timestamp=w.ts(t), event_id=w.eid(t), service="mes", host=w.host("mes"),
            trace_id=trace, span_id=w.span(), user_name=user, client_ip=ip,
            filter={
                "status": status,
                "operator": user if mine else None,
                "date_from": _date(w, t, -days),
                "date_to": _date(w, t, 0),
            },
            fetch_duration_ms=fetch, rows=int(rnd() * (40 if mine else 400)),
        )  # fmt: skip
        if fetch > 1_000.0 and rnd() < 0.3:
            yield t, WarningEvent(
                timestamp=w.ts(t), event_id=w.eid(t), service="mes", host=w.host("mes"),
                trace_id=trace, span_id=w.span(), user_name=user,
                message=f"order list query took {fetch:.0f} ms (threshold 1000 ms)",
                condition="order_list.slow_query", threshold=1000.0, value=fetch,
            )  # fmt: skip
    if rnd() < 0.8:
        t += int(WORK_MS[w.bits(12)])
        yield t, _logout(w, t, "mes", user, ip)


def _date(w: World, t: int, days: int) -> str:
    return w.day(t // 86_400_000 + days)


def integration_session(w: World, t: int) -> Story:
    """A MES API client (ERP sync, B2B portal, planner): creates, changes, recalculates."""
    rnd = w.rnd
    user = w.pick(w.staff.api_users)
    trace = w.trace()
    yield from (
        calls := api_call(w, t, "mes-api", "POST", "/api/auth/token", trace=trace, user=user)
    )
    t = calls[-1][0]
    yield t, _login(w, t, "mes-api", user, ["api_client"], None, trace)
    for _ in range(2 + int(rnd() * 7)):
        t += int(WORK_MS[w.bits(12)] * 0.3)
        trace = w.trace()
        r = rnd()
        order_id = w.recent_order()
        if r < 0.12 or order_id is None:
            person = w.customer()
            order_id = w.new_order_id()
            yield t, OrderCreated(
                timestamp=w.ts(t), event_id=w.eid(t), service="mes-api", host=w.host("mes-api"),
                trace_id=trace, span_id=w.span(), user_name=user, order_id=order_id,
                params=order_params(w, person, "b2b"),
            )  # fmt: skip
            yield from (
                calls := api_call(
                    w, t, "mes-api", "POST", "/api/orders", trace=trace, user=user, ok=201
                )
            )
            t = calls[-1][0]
            w.spawn(order_journey(w, t, order_id, trace, via_queue=False, confirmed=True))
        elif r < 0.5:
            old, new = order_change(w, t, None)
            yield t, order_changed(w, t, "mes-api", user, order_id, old, new, trace)
            yield from (
                calls := api_call(
                    w, t, "mes-api", "PATCH", "/api/orders/{id}", trace=trace, user=user
                )
            )
            t = calls[-1][0]
        elif r < 0.7:
            calc = round(CALC_MS[w.bits(12)] * w.calc_factor, 1)
            start, t = t, t + int(calc)
            yield t, OrderCalculated(
                timestamp=w.ts(t), event_id=w.eid(t), service="mes-api", host=w.host("mes-api"),
                trace_id=trace, span_id=w.span(), user_name=user, order_id=order_id,
                calculation_duration_ms=calc,
            )  # fmt: skip
            yield from (calls := api_call(
                w, start, "mes-api", "POST", "/api/orders/{id}/calculate", trace=trace,
                user=user, work_ms=calc,
            ))  # fmt: skip
            t = calls[-1][0]
        else:
            route = "/api/orders/{id}" if r < 0.9 else "/api/printers"
            yield from (calls := api_call(w, t, "mes-api", "GET", route, trace=trace, user=user))
            t = calls[-1][0]
    if rnd() < 0.7:
        t += 1_000
        yield t, _logout(w, t, "mes-api", user, None)
