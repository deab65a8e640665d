"""Every event of the note (MISSION.md §1) and those the metrics of §2 need.

Body fields use ECS names where ECS has one (``url.full``, ``http.request.method``,
``error.type``) and OpenTelemetry's messaging names for queues; durations are in
milliseconds and say so in their name.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

from logyard.catalog._envelope import Event, Id, Level, ShortText, Text, UtcTime

__all__ = [
    "ApiRequest",
    "DeployFinished",
    "ErrorEvent",
    "FeedbackSubmitted",
    "LinkClicked",
    "LogRecord",
    "OrderAssigned",
    "OrderCalculated",
    "OrderChanged",
    "OrderCreated",
    "OrderListViewed",
    "OrderReceived",
    "PageViewed",
    "ServiceFailure",
    "ServiceStarted",
    "ServiceStopped",
    "SiteEntered",
    "UserLoggedIn",
    "UserLoggedOut",
    "UserRegistered",
    "WarningEvent",
]

Actor = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
Millis = Annotated[float, msgspec.Meta(ge=0)]
Params = dict[str, Any]


# --- internet-shop: visitors --------------------------------------------------------------
class SiteEntered(Event, tag="site.entered", kw_only=True):
    """A visitor entered the site (IP, time, landing url, referrer)."""

    client_ip: ShortText = msgspec.field(name="client.ip")
    url: Text = msgspec.field(name="url.full")
    referrer: Text | None = msgspec.field(name="http.request.referrer", default=None)


class PageViewed(Event, tag="page.viewed", kw_only=True):
    """A page was viewed (IP, time, url, referrer)."""

    client_ip: ShortText = msgspec.field(name="client.ip")
    url: Text = msgspec.field(name="url.full")
    referrer: Text | None = msgspec.field(name="http.request.referrer", default=None)


class LinkClicked(Event, tag="link.clicked", kw_only=True):
    """A link was clicked (IP, time, target url, the page it was on)."""

    client_ip: ShortText = msgspec.field(name="client.ip")
    url: Text = msgspec.field(name="url.full")
    referrer: Text | None = msgspec.field(name="http.request.referrer", default=None)


class UserRegistered(Event, tag="user.registered", kw_only=True):
    """A customer registered (login, time)."""

    user_name: Actor = msgspec.field(name="user.name")


# --- sign-in in every system with people ----------------------------------------------------
class UserLoggedIn(Event, tag="user.logged_in", kw_only=True):
    """Someone logged in (who, time)."""

    user_name: Actor = msgspec.field(name="user.name")


class UserLoggedOut(Event, tag="user.logged_out", kw_only=True):
    """Someone logged out (who, time)."""

    user_name: Actor = msgspec.field(name="user.name")


# --- orders -----------------------------------------------------------------------------------
class OrderCreated(Event, tag="order.created", kw_only=True):
    """An order was created (who, time, parameters)."""

    user_name: Actor = msgspec.field(name="user.name")
    order_id: Id = msgspec.field(name="order.id")
    params: Params = msgspec.field(name="order.params")


class OrderChanged(Event, tag="order.changed", kw_only=True):
    """An order was changed (who, time, old value, new value)."""

    user_name: Actor = msgspec.field(name="user.name")
    order_id: Id = msgspec.field(name="order.id")
    old: Params = msgspec.field(name="order.old")
    new: Params = msgspec.field(name="order.new")


class OrderReceived(Event, tag="order.received", kw_only=True):
    """An order arrived through the queue (order id, time, queue, message id)."""

    order_id: Id = msgspec.field(name="order.id")
    queue: ShortText = msgspec.field(name="messaging.destination.name")
    message_id: ShortText = msgspec.field(name="messaging.message.id")


class OrderAssigned(Event, tag="order.assigned", kw_only=True):
    """An order was assigned to an operator (who assigned, order, operator, time)."""

    user_name: Actor = msgspec.field(name="user.name")
    order_id: Id = msgspec.field(name="order.id")
    operator: Actor = msgspec.field(name="order.operator")


class OrderListViewed(Event, tag="order.list_viewed", kw_only=True):
    """The order list was viewed (who, when, filter parameters, data fetch time)."""

    user_name: Actor = msgspec.field(name="user.name")
    filter: Params = msgspec.field(name="order_list.filter")
    fetch_duration_ms: Millis = msgspec.field(name="order_list.fetch_duration_ms")
    rows: Annotated[int, msgspec.Meta(ge=0)] = msgspec.field(name="order_list.rows")


class OrderCalculated(Event, tag="order.calculated", kw_only=True):
    """An order was calculated (who, time, order, calculation time)."""

    user_name: Actor = msgspec.field(name="user.name")
    order_id: Id = msgspec.field(name="order.id")
    calculation_duration_ms: Millis = msgspec.field(name="order.calculation_duration_ms")


# --- APIs and services (what the metrics of §2 need) -----------------------------------------
class ApiRequest(Event, tag="api.request", kw_only=True):
    """An API request was served (method, route, status, duration, retry attempt)."""

    method: Annotated[str, msgspec.Meta(max_length=16)] = msgspec.field(name="http.request.method")
    route: Text = msgspec.field(name="http.route")
    status_code: Annotated[int, msgspec.Meta(ge=100, le=599)] = msgspec.field(
        name="http.response.status_code"
    )
    duration_ms: Millis = msgspec.field(name="http.duration_ms")
    retry_attempt: Annotated[int, msgspec.Meta(ge=0)] = msgspec.field(
        name="http.retry_attempt", default=0
    )


class ServiceStarted(Event, tag="service.started", kw_only=True):
    """A service instance started."""


class ServiceStopped(Event, tag="service.stopped", kw_only=True):
    """A service instance stopped."""


class ServiceFailure(Event, tag="service.failure", kw_only=True):
    """FATAL: a service or hardware failure."""

    level: Level = msgspec.field(name="log.level", default="FATAL")
    component: ShortText = msgspec.field(name="failure.component")
    kind: Literal["hardware", "software"] = msgspec.field(name="failure.kind")


class ErrorEvent(Event, tag="error", kw_only=True):
    """ERROR: an erroneous state."""

    level: Level = msgspec.field(name="log.level", default="ERROR")
    error_type: ShortText = msgspec.field(name="error.type")
    error_message: Text = msgspec.field(name="error.message")
    stack_trace: Text | None = msgspec.field(name="error.stack_trace", default=None)


class WarningEvent(Event, tag="warning", kw_only=True):
    """WARN: a state close to abnormal behaviour (what, threshold, value)."""

    level: Level = msgspec.field(name="log.level", default="WARN")
    condition: ShortText = msgspec.field(name="warning.condition")
    threshold: float = msgspec.field(name="warning.threshold")
    value: float = msgspec.field(name="warning.value")


class DeployFinished(Event, tag="deploy.finished", kw_only=True):
    """A deployment finished (version, commit time): deployment frequency, lead time."""

    version: ShortText = msgspec.field(name="deploy.version")
    commit_time: UtcTime = msgspec.field(name="deploy.commit_time")


class FeedbackSubmitted(Event, tag="feedback.submitted", kw_only=True):
    """A customer rated the service (CSAT score 1-5)."""

    score: Annotated[int, msgspec.Meta(ge=1, le=5)] = msgspec.field(name="feedback.score")
    comment: Text | None = msgspec.field(name="feedback.comment", default=None)


class LogRecord(Event, tag="log.record", kw_only=True):
    """A plain ``logging`` record that is none of the typed events (any level)."""

    logger: ShortText = msgspec.field(name="log.logger", default="root")
