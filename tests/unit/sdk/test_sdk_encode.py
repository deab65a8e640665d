"""Event ids are UUIDv7 carrying the event's millisecond; the pooled ids are unique too."""

from __future__ import annotations

import time
import uuid

import pytest

from logyard.catalog import ServiceStarted
from logyard.sdk._encode import EventEncoder, uuid7


def test_uuid7_has_version_7_the_rfc_variant_and_the_millisecond() -> None:
    """uuid7(ms) parses as a version-7 RFC 9562 UUID whose top 48 bits are ms."""
    ms = 1_764_135_000_123
    value = uuid.UUID(uuid7(ms))
    assert (value.version, value.variant, value.int >> 80) == (7, uuid.RFC_4122, ms)


@pytest.mark.parametrize("pooled", [False, True])
def test_finished_events_get_distinct_uuid7_ids_of_their_millisecond(pooled: bool) -> None:
    """Ids made by the encoder (pooled or not) are valid UUIDv7, unique, with the event's ms."""
    encoder = EventEncoder("mes", "1", "h", pooled_ids=pooled)
    ts_ns = time.time_ns()
    events = [
        ServiceStarted(timestamp=ts_ns, event_id="", service="mes")  # type: ignore[arg-type]
        for _ in range(3000)
    ]
    raws, errors = encoder.encode_many(events)
    ids = [uuid.UUID(e.event_id) for e in events]
    assert (len(raws), errors) == (3000, [])
    assert len(set(ids)) == 3000
    assert {(i.version, i.variant, i.int >> 80) for i in ids} == {
        (7, uuid.RFC_4122, ts_ns // 1_000_000)
    }
