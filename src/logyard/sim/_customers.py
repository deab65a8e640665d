"""A visit to the web shop: enter, browse, click, register or log in, order, rate, leave.

Every page view is one request chain (one trace id) through internet-shop and shop-api.
An order placed here starts its own journey (:mod:`logyard.sim._orders`).
"""

from __future__ import annotations

import math
from typing import Final, Literal

from logyard.catalog import (
    FeedbackSubmitted,
    LinkClicked,
    OrderCreated,
    PageViewed,
    SiteEntered,
    UserLoggedIn,
    UserLoggedOut,
    UserRegistered,
)
from logyard.sim._api import api_call, error_event
from logyard.sim._orders import order_change, order_changed, order_journey, order_params
from logyard.sim._people import Person
from logyard.sim._shop import SITE
from logyard.sim._texts import feedback_comment, payment_error
from logyard.sim._world import TABLE_BITS, THINK_MS, Emit, Story, World

__all__ = ["SCORES", "feedback", "visit"]

# CSAT 1-5, skewed positive: P(5) = 7/16, P(4) = 5/16, P(3) = 2/16, P(2) = P(1) = 1/16.
SCORES = (1, 2, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5)
_SHOP: Final = "internet-shop"


def visit(w: World, t: int) -> Story:
    """One visitor's session; a few percent are crawlers."""
    if w.rnd() < 0.025:
        yield from _crawl(w, t)
        return
    rnd, bits, ts, eid, span = w.rnd, w.bits, w.ts, w.eid, w.span
    ip = w.ips[bits(12)]
    host = w.host(_SHOP)
    url = w.pick(w.landings)
    trace = w.trace()
    yield t, SiteEntered(
        timestamp=ts(t), event_id=eid(t), service=_SHOP, host=host, trace_id=trace,
        span_id=span(), client_ip=ip, url=url, referrer=w.pick(w.referrers),
    )  # fmt: skip
    yield from (calls := api_call(w, t, "shop-api", "GET", "/api/products", trace=trace, ip=ip))
    t = calls[-1][0]
    r = rnd()
    person: Person | None = w.customer() if r < 0.35 else None
    registers = 0.35 <= r < 0.43
    user: str | None = None
    pool = w.pages
    size = len(pool)
    pages = 1 + int(-4.0 * math.log(1.0 - rnd()))  # exponential tail, mean about 4.5
    for i in range(pages):
        t += int(THINK_MS[bits(TABLE_BITS)])
        trace = "%032x" % bits(128)  # noqa: UP031 - hot path
        target, route = pool[int(rnd() * size)]
        if rnd() < 0.6:
            yield t, LinkClicked(
                timestamp=ts(t), event_id=eid(t), service=_SHOP, host=host, trace_id=trace,
                span_id=span(), user_name=user, client_ip=ip, url=target, referrer=url,
            )  # fmt: skip
            t += 150 + bits(8)
        yield t, PageViewed(
            timestamp=ts(t), event_id=eid(t), service=_SHOP, host=host, trace_id=trace,
            span_id=span(), user_name=user, client_ip=ip, url=target, referrer=url,
        )  # fmt: skip
        yield from (
            calls := api_call(w, t, "shop-api", "GET", route, trace=trace, user=user, ip=ip)
        )
        t = calls[-1][0]
        url = target
        if i == 0 and person is not None:
            t = yield from _sign_in(w, t, person, ip, host)
            user = person.login
        elif i == 1 and registers:
            person = w.new_customer()
            t = yield from _register(w, t, person, ip, host)
            user = person.login
    if person is not None and user is not None and rnd() < 0.45:
        t = yield from _order(w, t, person, ip, host)
        if rnd() < 0.25:
            t += int(THINK_MS[w.bits(12)])
            yield t, feedback(w, t, _SHOP, person, ip)
    elif rnd() < 0.01:
        yield t, feedback(w, t, _SHOP, None, ip)
    if user is not None and rnd() < 0.45:
        t += int(THINK_MS[w.bits(12)])
        trace = w.trace()
        yield t, UserLoggedOut(
            timestamp=w.ts(t), event_id=w.eid(t), service=_SHOP, host=host, trace_id=trace,
            span_id=w.span(), user_name=user, client_ip=ip,
        )  # fmt: skip
        yield from api_call(
            w, t, "shop-api", "POST", "/api/auth/logout", trace=trace, user=user, ip=ip
        )


def _sign_in(w: World, t: int, person: Person, ip: str, host: str) -> Emit:
    trace = w.trace()
    yield from (calls := api_call(w, t, "shop-api", "POST", "/api/auth/login", trace=trace, ip=ip))
    t = calls[-1][0]
    yield t, UserLoggedIn(
        timestamp=w.ts(t), event_id=w.eid(t), service=_SHOP, host=host, trace_id=trace,
        span_id=w.span(), user_name=person.login, user_id=person.user_id, client_ip=ip,
    )  # fmt: skip
    return t


def _register(w: World, t: int, person: Person, ip: str, host: str) -> Emit:
    trace = w.trace()
    yield from (
        calls := api_call(w, t, "shop-api", "POST", "/api/users", trace=trace, ip=ip, ok=201)
    )
    t = calls[-1][0]
    yield t, UserRegistered(
        timestamp=w.ts(t), event_id=w.eid(t), service=_SHOP, host=host, trace_id=trace,
        span_id=w.span(), user_name=person.login, user_id=person.user_id, client_ip=ip,
        message=f"registered {person.login} <{person.email}>",
    )  # fmt: skip
    yield t, UserLoggedIn(
        timestamp=w.ts(t), event_id=w.eid(t), service=_SHOP, host=host, trace_id=trace,
        span_id=w.span(), user_name=person.login, user_id=person.user_id, client_ip=ip,
    )  # fmt: skip
    return t


def _order(w: World, t: int, person: Person, ip: str, host: str) -> Emit:
    t += int(THINK_MS[w.bits(12)])
    trace = w.trace()
    order_id = w.new_order_id()
    user = person.login
    yield t, OrderCreated(
        timestamp=w.ts(t), event_id=w.eid(t), service=_SHOP, host=host, trace_id=trace,
        span_id=w.span(), user_name=user, user_id=person.user_id, client_ip=ip,
        message=f"order {order_id} created", order_id=order_id,
        params=order_params(w, person, "web"),
    )  # fmt: skip
    yield from (
        calls := api_call(
            w, t, "shop-api", "POST", "/api/orders", trace=trace, user=user, ip=ip, ok=201
        )
    )
    t = calls[-1][0]
    if w.rnd() < 0.02:
        error_type, message = payment_error(w, person)
        yield t, error_event(w, t, "shop-api", error_type, message, trace)
    w.spawn(order_journey(w, t, order_id, trace, via_queue=True, confirmed=False))
    if w.rnd() < 0.2:
        t += int(THINK_MS[w.bits(12)])
        trace = w.trace()
        old, new = order_change(w, t, person)
        yield t, order_changed(w, t, _SHOP, user, order_id, old, new, trace, ip)
        yield from (
            calls := api_call(
                w, t, "shop-api", "PATCH", "/api/orders/{id}", trace=trace, user=user, ip=ip
            )
        )
        t = calls[-1][0]
    return t


def feedback(
    w: World,
    t: int,
    system: Literal["internet-shop", "crm"],
    person: Person | None,
    ip: str | None,
) -> FeedbackSubmitted:
    """A CSAT answer (internet-shop or crm)."""
    score = SCORES[w.bits(4)]
    return FeedbackSubmitted(
        timestamp=w.ts(t),
        event_id=w.eid(t),
        service=system,
        host=w.host(system),
        user_name=person.login if person is not None else None,
        client_ip=ip,
        score=score,
        comment=feedback_comment(w, person, score),
    )


def _crawl(w: World, t: int) -> Story:
    bot = w.pick(w.staff.bots)
    ip = w.pick(w.bot_ips)
    host = w.host(_SHOP)
    url = f"{SITE}/"
    trace = w.trace()
    yield t, SiteEntered(
        timestamp=w.ts(t), event_id=w.eid(t), service=_SHOP, host=host, trace_id=trace,
        span_id=w.span(), user_name=bot, client_ip=ip, url=url,
    )  # fmt: skip
    for _ in range(5 + w.bits(5)):
        t += 300 + w.bits(11)
        trace = w.trace()
        target, route = w.pick(w.pages)
        yield t, PageViewed(
            timestamp=w.ts(t), event_id=w.eid(t), service=_SHOP, host=host, trace_id=trace,
            span_id=w.span(), user_name=bot, client_ip=ip, url=target, referrer=url,
        )  # fmt: skip
        yield from (calls := api_call(w, t, "shop-api", "GET", route, trace=trace, user=bot, ip=ip))
        t = calls[-1][0]
        url = target
