"""The envelope every event carries: ECS-style flat dotted keys.

An event travels as one flat JSON object, as ``ecs-logging`` writes it::

    {"@timestamp": "2026-11-26T05:29:26.123Z", "event.id": "0193...",
     "event.action": "order.assigned", "log.level": "INFO", "service.name": "mes",
     "user.name": "ivanova", "order.id": "ORD-1", ...}
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

import msgspec

__all__ = [
    "LEVELS",
    "SYSTEMS",
    "Event",
    "Level",
    "System",
]

Level = Literal["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"]
LEVELS: tuple[Level, ...] = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")

System = Literal["internet-shop", "shop-api", "crm", "crm-api", "mes", "mes-api"]
SYSTEMS: tuple[System, ...] = ("internet-shop", "shop-api", "crm", "crm-api", "mes", "mes-api")

UtcTime = Annotated[datetime, msgspec.Meta(tz=True)]
Id = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
ShortText = Annotated[str, msgspec.Meta(max_length=1024)]
Text = Annotated[str, msgspec.Meta(max_length=65536)]


class Event(
    msgspec.Struct,
    kw_only=True,
    omit_defaults=True,
    forbid_unknown_fields=True,
    tag_field="event.action",
    gc=False,
):
    """The envelope. Every catalogue event subclasses it and adds its body fields.

    ``event.action`` is the tag: it selects the subclass when decoding.
    """

    timestamp: UtcTime = msgspec.field(name="@timestamp")
    event_id: Id = msgspec.field(name="event.id")
    level: Level = msgspec.field(name="log.level", default="INFO")
    service: System = msgspec.field(name="service.name")
    service_version: ShortText | None = msgspec.field(name="service.version", default=None)
    host: ShortText | None = msgspec.field(name="host.name", default=None)
    trace_id: Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{32}$")] | None = msgspec.field(
        name="trace.id", default=None
    )
    span_id: Annotated[str, msgspec.Meta(pattern="^[0-9a-f]{16}$")] | None = msgspec.field(
        name="span.id", default=None
    )
    user_name: ShortText | None = msgspec.field(name="user.name", default=None)
    user_id: ShortText | None = msgspec.field(name="user.id", default=None)
    user_roles: list[ShortText] | None = msgspec.field(name="user.roles", default=None)
    client_ip: ShortText | None = msgspec.field(name="client.ip", default=None)
    message: Text = ""
    labels: dict[str, Any] = msgspec.field(default_factory=dict)

    # Filled in per subclass by the catalogue registry.
    ACTION: ClassVar[str] = ""
