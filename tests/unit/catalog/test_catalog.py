"""The catalogue holds exactly the note's events with exactly the note's fields."""

from __future__ import annotations

import pytest

import logyard.catalog as catalog
from logyard.catalog import CATALOG, SYSTEMS

# MISSION.md §1 and issue 2, field by field (body fields beyond the envelope).
EXPECTED_BODY = {
    "site.entered": {"client.ip", "url.full", "http.request.referrer"},
    "page.viewed": {"client.ip", "url.full", "http.request.referrer"},
    "link.clicked": {"client.ip", "url.full", "http.request.referrer"},
    "user.registered": {"user.name"},
    "user.logged_in": {"user.name"},
    "user.logged_out": {"user.name"},
    "order.created": {"user.name", "order.id", "order.params"},
    "order.changed": {"user.name", "order.id", "order.old", "order.new"},
    "order.received": {"order.id", "messaging.destination.name", "messaging.message.id"},
    "order.assigned": {"user.name", "order.id", "order.operator"},
    "order.list_viewed": {
        "user.name",
        "order_list.filter",
        "order_list.fetch_duration_ms",
        "order_list.rows",
    },
    "order.calculated": {"user.name", "order.id", "order.calculation_duration_ms"},
    "api.request": {
        "http.request.method",
        "http.route",
        "http.response.status_code",
        "http.duration_ms",
        "http.retry_attempt",
    },
    "service.started": set(),
    "service.stopped": set(),
    "service.failure": {"failure.component", "failure.kind"},
    "error": {"error.type", "error.message", "error.stack_trace"},
    "warning": {"warning.condition", "warning.threshold", "warning.value"},
    "deploy.finished": {"deploy.version", "deploy.commit_time"},
    "feedback.submitted": {"feedback.score", "feedback.comment"},
    "log.record": {"log.logger"},
}

ENVELOPE = {
    "@timestamp",
    "event.id",
    "log.level",
    "service.name",
    "service.version",
    "host.name",
    "trace.id",
    "span.id",
    "user.name",
    "user.id",
    "user.roles",
    "client.ip",
    "message",
    "labels",
}


def test_catalogue_lists_exactly_the_expected_events() -> None:
    """No event of the note is missing and none is invented."""
    assert set(CATALOG) == set(EXPECTED_BODY)


@pytest.mark.parametrize("action", sorted(EXPECTED_BODY))
def test_event_has_exactly_the_notes_fields(action: str) -> None:
    """Each event = the envelope + exactly the body fields the note lists."""
    names = {f.name for f in CATALOG[action].fields}
    assert names == ENVELOPE | EXPECTED_BODY[action]


def test_default_levels_follow_the_note() -> None:
    """Catalogue events are INFO; failure FATAL, error ERROR, warning WARN."""
    levels = {a: s.level for a, s in CATALOG.items()}
    special = {"service.failure": "FATAL", "error": "ERROR", "warning": "WARN"}
    assert levels == {a: special.get(a, "INFO") for a in CATALOG}


def test_who_emits_what_follows_the_note() -> None:
    """The note's table: MES assigns orders, CRM API receives them, MES API calculates."""
    assert CATALOG["order.assigned"].systems == ("mes",)
    assert CATALOG["order.received"].systems == ("crm-api",)
    assert CATALOG["order.calculated"].systems == ("mes-api",)
    assert set(CATALOG["user.logged_in"].systems) == {"internet-shop", "crm", "mes", "mes-api"}
    assert set(CATALOG["api.request"].systems) == {"shop-api", "crm-api", "mes-api"}
    assert all(set(s.systems) <= set(SYSTEMS) for s in CATALOG.values())


def test_required_actor_on_every_people_event() -> None:
    """Events that say 'who' require user.name."""
    for action in ("user.logged_in", "order.created", "order.changed", "order.assigned"):
        required = {f.name for f in CATALOG[action].fields if f.required}
        assert "user.name" in required, action


def test_public_surface_is_what_we_meant() -> None:
    """`logyard.catalog.__all__` is the event classes plus the named helpers, all importable."""
    classes = {s.cls.__name__ for s in CATALOG.values()}
    helpers = {
        "CATALOG", "LEVELS", "SYSTEMS", "AnyEvent", "Event", "EventCodec", "EventSpec",
        "FieldSpec", "Level", "System", "encode_event", "event_schema", "new_event_id",
        "spec_for", "to_utc_ms", "write_json_schemas",
    }  # fmt: skip
    assert set(catalog.__all__) == classes | helpers
    assert len(catalog.__all__) == len(set(catalog.__all__))
    for name in catalog.__all__:
        assert getattr(catalog, name) is not None
