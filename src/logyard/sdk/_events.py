"""One typed method per catalogue event (generated from the catalogue, then kept by hand).

Every method is keyword-only: the event's body fields first (``actor`` is ``user.name``),
then the envelope options every event shares (``message``, ``labels``, ``user_id``,
``user_roles``, ``client_ip``, ``level``). The caller only builds the struct; the
logger's ``_emit`` stamps it and hands it to the background thread.

``labels`` stays ``None`` until the background thread finishes the event (hence the
``type: ignore[arg-type]``): a struct that holds no container is not tracked by the
garbage collector, which makes a call about a third cheaper while events wait.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from logyard.catalog import (
    ApiRequest,
    DeployFinished,
    ErrorEvent,
    Event,
    FeedbackSubmitted,
    Level,
    LinkClicked,
    LogRecord,
    OrderAssigned,
    OrderCalculated,
    OrderChanged,
    OrderCreated,
    OrderListViewed,
    OrderReceived,
    PageViewed,
    ServiceFailure,
    ServiceStarted,
    ServiceStopped,
    SiteEntered,
    System,
    UserLoggedIn,
    UserLoggedOut,
    UserRegistered,
    WarningEvent,
)

__all__ = ["TypedEvents"]

# Placeholder; ``_emit`` stores the capture time in its place.
_PENDING = datetime(1970, 1, 1, tzinfo=UTC)


class TypedEvents:
    """The catalogue as methods: ``log.order_assigned(order_id=..., operator=..., actor=...)``."""

    service: System
    _emit: Callable[[Event], None]

    def site_entered(
        self,
        *,
        client_ip: str,
        url: str,
        referrer: str | None = None,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        level: Level = "INFO",
    ) -> None:
        """``site.entered``: A visitor entered the site (IP, time, landing url, referrer)."""
        self._emit(
            SiteEntered(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                client_ip=client_ip,
                url=url,
                referrer=referrer,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
            )
        )

    def page_viewed(
        self,
        *,
        client_ip: str,
        url: str,
        referrer: str | None = None,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        level: Level = "INFO",
    ) -> None:
        """``page.viewed``: A page was viewed (IP, time, url, referrer)."""
        self._emit(
            PageViewed(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                client_ip=client_ip,
                url=url,
                referrer=referrer,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
            )
        )

    def link_clicked(
        self,
        *,
        client_ip: str,
        url: str,
        referrer: str | None = None,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        level: Level = "INFO",
    ) -> None:
        """``link.clicked``: A link was clicked (IP, time, target url, the page it was on)."""
        self._emit(
            LinkClicked(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                client_ip=client_ip,
                url=url,
                referrer=referrer,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
            )
        )

    def user_registered(
        self,
        *,
        actor: str,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``user.registered``: A customer registered (login, time)."""
        self._emit(
            UserRegistered(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def user_logged_in(
        self,
        *,
        actor: str,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``user.logged_in``: Someone logged in (who, time)."""
        self._emit(
            UserLoggedIn(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def user_logged_out(
        self,
        *,
        actor: str,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``user.logged_out``: Someone logged out (who, time)."""
        self._emit(
            UserLoggedOut(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def order_created(
        self,
        *,
        actor: str,
        order_id: str,
        params: dict[str, Any],
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``order.created``: An order was created (who, time, parameters)."""
        self._emit(
            OrderCreated(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                order_id=order_id,
                params=params,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def order_changed(
        self,
        *,
        actor: str,
        order_id: str,
        old: dict[str, Any],
        new: dict[str, Any],
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``order.changed``: An order was changed (who, time, old value, new value)."""
        self._emit(
            OrderChanged(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                order_id=order_id,
                old=old,
                new=new,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def order_received(
        self,
        *,
        order_id: str,
        queue: str,
        message_id: str,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``order.received``.

        An order arrived through the queue (order id, time, queue, message id).
        """
        self._emit(
            OrderReceived(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                order_id=order_id,
                queue=queue,
                message_id=message_id,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def order_assigned(
        self,
        *,
        actor: str,
        order_id: str,
        operator: str,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``order.assigned``.

        An order was assigned to an operator (who assigned, order, operator, time).
        """
        self._emit(
            OrderAssigned(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                order_id=order_id,
                operator=operator,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def order_list_viewed(
        self,
        *,
        actor: str,
        filter: dict[str, Any],
        fetch_duration_ms: float,
        rows: int,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``order.list_viewed``.

        The order list was viewed (who, when, filter parameters, data fetch time).
        """
        self._emit(
            OrderListViewed(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                filter=filter,
                fetch_duration_ms=fetch_duration_ms,
                rows=rows,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def order_calculated(
        self,
        *,
        actor: str,
        order_id: str,
        calculation_duration_ms: float,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``order.calculated``: An order was calculated (who, time, order, calculation time)."""
        self._emit(
            OrderCalculated(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                order_id=order_id,
                calculation_duration_ms=calculation_duration_ms,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def api_request(
        self,
        *,
        method: str,
        route: str,
        status_code: int,
        duration_ms: float,
        retry_attempt: int = 0,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``api.request``.

        An API request was served (method, route, status, duration, retry attempt).
        """
        self._emit(
            ApiRequest(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                method=method,
                route=route,
                status_code=status_code,
                duration_ms=duration_ms,
                retry_attempt=retry_attempt,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def service_started(
        self,
        *,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``service.started``: A service instance started."""
        self._emit(
            ServiceStarted(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def service_stopped(
        self,
        *,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``service.stopped``: A service instance stopped."""
        self._emit(
            ServiceStopped(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def service_failure(
        self,
        *,
        component: str,
        kind: Literal["hardware", "software"],
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "FATAL",
    ) -> None:
        """``service.failure``: FATAL: a service or hardware failure."""
        self._emit(
            ServiceFailure(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                component=component,
                kind=kind,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def error(
        self,
        *,
        error_type: str,
        error_message: str,
        stack_trace: str | None = None,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "ERROR",
    ) -> None:
        """``error``: ERROR: an erroneous state."""
        self._emit(
            ErrorEvent(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                error_type=error_type,
                error_message=error_message,
                stack_trace=stack_trace,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def warning(
        self,
        *,
        condition: str,
        threshold: float,
        value: float,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "WARN",
    ) -> None:
        """``warning``: WARN: a state close to abnormal behaviour (what, threshold, value)."""
        self._emit(
            WarningEvent(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                condition=condition,
                threshold=threshold,
                value=value,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def deploy_finished(
        self,
        *,
        version: str,
        commit_time: datetime,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``deploy.finished``.

        A deployment finished (version, commit time): deployment frequency, lead time.
        """
        self._emit(
            DeployFinished(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                version=version,
                commit_time=commit_time,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def feedback_submitted(
        self,
        *,
        score: int,
        comment: str | None = None,
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``feedback.submitted``: A customer rated the service (CSAT score 1-5)."""
        self._emit(
            FeedbackSubmitted(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                score=score,
                comment=comment,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )

    def log_record(
        self,
        *,
        logger: str = "root",
        actor: str | None = None,
        message: str = "",
        labels: dict[str, Any] | None = None,
        user_id: str | None = None,
        user_roles: list[str] | None = None,
        client_ip: str | None = None,
        level: Level = "INFO",
    ) -> None:
        """``log.record``.

        A plain ``logging`` record that is none of the typed events (any level).
        """
        self._emit(
            LogRecord(
                level=level,
                service=self.service,
                timestamp=_PENDING,
                event_id="",
                logger=logger,
                user_name=actor,
                message=message,
                labels=labels,  # type: ignore[arg-type]
                user_id=user_id,
                user_roles=user_roles,
                client_ip=client_ip,
            )
        )
