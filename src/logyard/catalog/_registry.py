"""The catalogue: which event each system may emit, its default level and its fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Union

import msgspec

from logyard.catalog import _events as ev
from logyard.catalog._envelope import SYSTEMS, Event, Level, System

__all__ = [
    "CATALOG",
    "AnyEvent",
    "Classification",
    "EventSpec",
    "FieldSpec",
    "spec_for",
]

Classification = Literal["public", "personal", "secret"]

_ALL: tuple[System, ...] = SYSTEMS
_PEOPLE: tuple[System, ...] = ("internet-shop", "crm", "mes", "mes-api")
_ORDERS: tuple[System, ...] = ("internet-shop", "crm", "mes-api")
_APIS: tuple[System, ...] = ("shop-api", "crm-api", "mes-api")

# Field classification (used by masking): everything not listed is public.
_PERSONAL = {
    "user.name",
    "user.id",
    "client.ip",
    "order.operator",
    "order.params",
    "order.old",
    "order.new",
    "order_list.filter",
    "feedback.comment",
    "message",
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of an event: JSON name, Python attribute, type text, required or not."""

    name: str
    attr: str
    type: str
    required: bool
    classification: Classification


@dataclass(frozen=True, slots=True)
class EventSpec:
    """One catalogue entry."""

    action: str
    cls: type[Event]
    systems: tuple[System, ...]
    level: Level
    description: str

    @property
    def method(self) -> str:
        """SDK method name: ``order.list_viewed`` → ``order_list_viewed``."""
        return self.action.replace(".", "_")

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """Every field of the event, envelope first."""
        info = msgspec.inspect.type_info(self.cls)
        assert isinstance(info, msgspec.inspect.StructType)
        out = []
        for f in info.fields:
            out.append(
                FieldSpec(
                    name=f.encode_name,
                    attr=f.name,
                    type=_type_text(f.type),
                    required=f.required,
                    classification="personal" if f.encode_name in _PERSONAL else "public",
                )
            )
        return tuple(out)

    @property
    def body_fields(self) -> tuple[FieldSpec, ...]:
        """Fields the event adds to (or makes required in) the envelope."""
        base = {f.encode_name: f.required for f in _envelope_fields()}
        return tuple(
            f for f in self.fields if f.name not in base or (f.required and not base[f.name])
        )


def _envelope_fields() -> tuple[Any, ...]:
    info = msgspec.inspect.type_info(ev.ServiceStarted)
    assert isinstance(info, msgspec.inspect.StructType)
    return info.fields


def _type_text(t: msgspec.inspect.Type) -> str:
    match t:
        case msgspec.inspect.UnionType():
            parts = [_type_text(x) for x in t.types if not isinstance(x, msgspec.inspect.NoneType)]
            return " | ".join(parts)
        case msgspec.inspect.StrType():
            return "string"
        case msgspec.inspect.IntType():
            return "integer"
        case msgspec.inspect.FloatType():
            return "number"
        case msgspec.inspect.DateTimeType():
            return "datetime"
        case msgspec.inspect.DictType():
            return "object"
        case msgspec.inspect.ListType():
            return f"list[{_type_text(t.item_type)}]"
        case msgspec.inspect.LiteralType():
            return "|".join(str(v) for v in t.values)
        case _:
            return type(t).__name__.removesuffix("Type").lower()


def _spec(cls: type[Event], systems: tuple[System, ...]) -> EventSpec:
    action = cls.__struct_config__.tag
    assert isinstance(action, str)
    cls.ACTION = action
    level = next(f.default for f in msgspec.structs.fields(cls) if f.encode_name == "log.level")
    return EventSpec(
        action=action,
        cls=cls,
        systems=systems,
        level=level,
        description=(cls.__doc__ or "").strip().splitlines()[0],
    )


CATALOG: dict[str, EventSpec] = {
    s.action: s
    for s in (
        _spec(ev.SiteEntered, ("internet-shop",)),
        _spec(ev.PageViewed, ("internet-shop",)),
        _spec(ev.LinkClicked, ("internet-shop",)),
        _spec(ev.UserRegistered, ("internet-shop",)),
        _spec(ev.UserLoggedIn, _PEOPLE),
        _spec(ev.UserLoggedOut, _PEOPLE),
        _spec(ev.OrderCreated, _ORDERS),
        _spec(ev.OrderChanged, _ORDERS),
        _spec(ev.OrderReceived, ("crm-api",)),
        _spec(ev.OrderAssigned, ("mes",)),
        _spec(ev.OrderListViewed, ("mes",)),
        _spec(ev.OrderCalculated, ("mes-api",)),
        _spec(ev.ApiRequest, _APIS),
        _spec(ev.ServiceStarted, _ALL),
        _spec(ev.ServiceStopped, _ALL),
        _spec(ev.ServiceFailure, _ALL),
        _spec(ev.ErrorEvent, _ALL),
        _spec(ev.WarningEvent, _ALL),
        _spec(ev.DeployFinished, _ALL),
        _spec(ev.FeedbackSubmitted, ("internet-shop", "crm")),
        _spec(ev.LogRecord, _ALL),
    )
}

AnyEvent = Union[  # noqa: UP007 - msgspec needs a real Union object for tagged decoding
    ev.SiteEntered,
    ev.PageViewed,
    ev.LinkClicked,
    ev.UserRegistered,
    ev.UserLoggedIn,
    ev.UserLoggedOut,
    ev.OrderCreated,
    ev.OrderChanged,
    ev.OrderReceived,
    ev.OrderAssigned,
    ev.OrderListViewed,
    ev.OrderCalculated,
    ev.ApiRequest,
    ev.ServiceStarted,
    ev.ServiceStopped,
    ev.ServiceFailure,
    ev.ErrorEvent,
    ev.WarningEvent,
    ev.DeployFinished,
    ev.FeedbackSubmitted,
    ev.LogRecord,
]


def spec_for(action: str) -> EventSpec | None:
    """The catalogue entry for ``action``, or ``None``."""
    return CATALOG.get(action)
