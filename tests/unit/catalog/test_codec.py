"""The codec validates and normalizes events and names the field when it refuses one."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from logyard.catalog import EventCodec, OrderAssigned, encode_event
from logyard.errors import DecodeError, EventError, InvalidEventError, UnknownEventError

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def codec() -> EventCodec:
    return EventCodec(now=lambda: NOW)


def assigned(**over: object) -> bytes:
    doc: dict[str, object] = {
        "@timestamp": "2026-11-26T11:59:00.123Z",
        "event.id": "0193b0a0-0000-7000-8000-000000000001",
        "event.action": "order.assigned",
        "service.name": "mes",
        "user.name": "ivanova",
        "order.id": "ORD-1",
        "order.operator": "petrov",
    }
    doc.update(over)
    return json.dumps({k: v for k, v in doc.items() if v is not None}).encode()


def test_valid_event_round_trips_unchanged() -> None:
    """A valid event decodes to its struct and encodes back to the same document."""
    event = codec().decode(assigned())
    assert isinstance(event, OrderAssigned)
    assert msgspec.json.decode(encode_event(event)) == {
        "@timestamp": "2026-11-26T11:59:00.123000Z",
        "event.id": "0193b0a0-0000-7000-8000-000000000001",
        "event.action": "order.assigned",
        "log.level": "INFO",
        "service.name": "mes",
        "user.name": "ivanova",
        "order.id": "ORD-1",
        "order.operator": "petrov",
    }


def test_default_level_is_always_written() -> None:
    """An ERROR event without an explicit level is stored with log.level ERROR."""
    raw = b'{"@timestamp": "2026-11-26T11:00:00Z", "event.action": "error", "service.name": "crm",'
    raw += b' "error.type": "DbError", "error.message": "lost"}'
    assert msgspec.json.decode(encode_event(codec().decode(raw)))["log.level"] == "ERROR"


def test_offset_timestamp_becomes_utc_with_ms() -> None:
    """+03:00 is converted to UTC; sub-millisecond digits are cut."""
    event = codec().decode(assigned(**{"@timestamp": "2026-11-26T14:00:00.123456+03:00"}))
    assert event.timestamp == datetime(2026, 11, 26, 11, 0, 0, 123000, tzinfo=UTC)


@pytest.mark.parametrize(
    ("alias", "level"),
    [("warning", "WARN"), ("err", "ERROR"), ("critical", "FATAL"), ("Info", "INFO")],
)
def test_level_aliases_are_normalized(alias: str, level: str) -> None:
    """Common level spellings map to the catalogue's levels."""
    assert codec().decode(assigned(**{"log.level": alias})).level == level


def test_nested_ecs_objects_are_flattened_and_unknown_fields_kept_in_labels() -> None:
    """{"log": {"level": ...}} is read as log.level; unknown keys move under labels."""
    raw = json.dumps(
        {
            "@timestamp": 1_764_158_340_123,
            "event": {"action": "order.assigned", "id": "e-1"},
            "log": {"level": "warning"},
            "service": {"name": "mes"},
            "user": {"name": "ivanova"},
            "order.id": "ORD-1",
            "order.operator": "petrov",
            "shift": {"number": 2},
        }
    ).encode()
    event = codec().decode(raw)
    assert (event.level, event.event_id, event.user_name) == ("WARN", "e-1", "ivanova")
    assert event.labels == {"shift": {"number": 2}}
    assert event.timestamp == datetime(2025, 11, 26, 11, 59, 0, 123000, tzinfo=UTC)


def test_missing_event_id_gets_a_uuid7() -> None:
    """Producers without ids get a UUIDv7 at ingest."""
    event = codec().decode(assigned(**{"event.id": None}))
    assert event.event_id[14] == "7"


def test_mistyped_field_names_event_and_path() -> None:
    """order.id as a number: the reason names the event and `$.order.id`."""
    with pytest.raises(InvalidEventError) as info:
        codec().decode(assigned(**{"order.id": 12}))
    assert info.value.path == "$.order.id"
    assert str(info.value).startswith("order.assigned: Expected `str`, got `int` - at `$.order.id`")


def test_missing_required_field_is_named() -> None:
    """A missing operator is reported with its JSON name."""
    with pytest.raises(InvalidEventError, match=r"order\.operator"):
        codec().decode(assigned(**{"order.operator": None}))


def test_unknown_event_is_refused_with_hint() -> None:
    """An action outside the catalogue is an UnknownEventError that points to `logyard catalog`."""
    with pytest.raises(UnknownEventError, match=r"logyard catalog"):
        codec().decode(assigned(**{"event.action": "order.teleported"}))


def test_event_from_wrong_system_is_refused() -> None:
    """order.assigned belongs to mes; crm may not send it."""
    with pytest.raises(InvalidEventError) as info:
        codec().decode(assigned(**{"service.name": "crm"}))
    assert info.value.code == "wrong_system"


def test_timestamp_without_zone_is_refused() -> None:
    """A naive timestamp is ambiguous: the reason says to send UTC or an offset."""
    with pytest.raises(InvalidEventError, match="explicit offset") as info:
        codec().decode(assigned(**{"@timestamp": "2026-11-26T11:59:00"}))
    assert info.value.path == "$.@timestamp"


def test_far_future_timestamp_is_refused() -> None:
    """A timestamp more than max_future ahead is a broken clock, not an event."""
    future = (NOW + timedelta(days=400)).isoformat()
    with pytest.raises(InvalidEventError) as info:
        codec().decode(assigned(**{"@timestamp": future}))
    assert info.value.code == "future_timestamp"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (b"not json", "invalid_json"),
        (b"42", "not_an_object"),
        (b'{"message": "\xff\xfe"}', "invalid_utf8"),
        (b"[" * 10_000 + b"]" * 10_000, "too_deep"),
        (b'{"order.params": ' + b'{"a":' * 10_000 + b"1" + b"}" * 10_001, "too_deep"),
    ],
)
def test_bad_payloads_get_a_reason_code(raw: bytes, code: str) -> None:
    """Garbage, scalars, bad UTF-8 and deep nesting are refused with a clear code."""
    with pytest.raises(DecodeError) as info:
        codec().decode(raw)
    assert info.value.code == code


def test_duplicate_keys_last_one_wins() -> None:
    """Duplicate keys resolve like JSON.parse: the last value is kept (documented)."""
    raw = assigned()[:-1] + b', "order.id": "ORD-2"}'
    assert codec().decode(raw).order_id == "ORD-2"  # type: ignore[attr-defined]


@given(
    st.dictionaries(
        st.text(max_size=12),
        st.recursive(
            st.none()
            | st.booleans()
            | st.integers()
            | st.floats(allow_nan=False)
            | st.text(max_size=8),
            lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
            max_leaves=8,
        ),
        max_size=8,
    )
)
def test_arbitrary_objects_only_ever_raise_event_errors(obj: dict[str, object]) -> None:
    """Whatever object arrives, the codec answers with an event or an EventError, never a crash."""
    with contextlib.suppress(EventError):
        codec().decode(msgspec.json.encode(obj))


@given(st.sampled_from(["warn", "WARNING", "Err", "CRITICAL", "notice", "debug", "fatal"]))
def test_level_alias_case_never_matters(alias: str) -> None:
    """Any casing of a known level alias lands on a catalogue level."""
    assert codec().decode(assigned(**{"log.level": alias})).level in {
        "DEBUG",
        "INFO",
        "WARN",
        "ERROR",
        "FATAL",
    }
