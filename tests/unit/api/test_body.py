"""Request bodies split into one payload per event; a body that cannot be split says why."""

from __future__ import annotations

from pathlib import Path

import pytest

from logyard.api._body import split_events
from logyard.api._time import parse_time
from logyard.errors import DecodeError, QueryError


def test_array_splits_into_raw_items() -> None:
    """A JSON array gives each element's raw bytes, unparsed."""
    assert split_events(b' [{"a": 1}, 2, "x"] ') == [b'{"a": 1}', b"2", b'"x"']


def test_ndjson_splits_by_line_and_keeps_bad_lines_separate() -> None:
    """NDJSON: a broken line is its own item, so good lines survive."""
    body = b'{"a": 1}\n{broken\r\n\n{"b": 2}\n'
    assert split_events(body) == [b'{"a": 1}', b"{broken", b'{"b": 2}']


def test_pretty_printed_object_is_one_item() -> None:
    """One object over several lines is one event, not several lines."""
    body = b'{\n  "a": 1,\n  "b": 2\n}\n'
    assert split_events(body) == [body.strip()]


@pytest.mark.parametrize("body", [b"", b"  \n "])
def test_empty_body_is_refused(body: bytes) -> None:
    """An empty body is a client error with a hint."""
    with pytest.raises(DecodeError, match="empty"):
        split_events(body)


def test_array_with_broken_elements_is_split_element_by_element() -> None:
    """A bad element does not sink its neighbours: each top-level element stands alone."""
    body = b'[{"a": "x,]"}, {"b": ], ' + b"[" * 5000 + b"]" * 5000 + b', {"c": [1, {"d": 2}]}]'
    assert split_events(body) == [
        b'{"a": "x,]"}',
        b'{"b": ]',
        b"[" * 5000 + b"]" * 5000,
        b'{"c": [1, {"d": 2}]}',
    ]


def test_unclosed_array_is_refused_with_reason() -> None:
    """An array cut off before ']' cannot be split safely: invalid_json, suggesting NDJSON."""
    with pytest.raises(DecodeError, match="NDJSON") as info:
        split_events(b'[{"a": 1}, {"b": 2}')
    assert info.value.code == "invalid_json"


def test_scalar_body_is_one_item() -> None:
    """A bare scalar is passed on as one item (the codec then refuses it by name)."""
    assert split_events(b"42") == [b"42"]


def test_time_parameters() -> None:
    """RFC 3339, epoch ms and now-15m are read; garbage names the parameter."""
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 11, 26, 12, tzinfo=UTC)
    assert parse_time("now-15m", "from", now=now) == now - timedelta(minutes=15)
    assert parse_time("2026-11-26T15:00:00+03:00", "from") == now
    assert parse_time("1795694400000", "from") == now
    assert parse_time(None, "from") is None
    with pytest.raises(QueryError, match=r"^to: cannot read"):
        parse_time("yesterday", "to")


def test_local_token_is_never_sent_to_another_host(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The CLI falls back to the local data dir's admin token only for loopback URLs."""
    import json

    from logyard.cli._client import resolve_token

    (tmp_path / "tokens.json").write_text(json.dumps({"admin": "local-secret"}))
    monkeypatch.delenv("LOGYARD_TOKEN", raising=False)
    assert resolve_token(None, tmp_path, url="http://127.0.0.1:8000") == "local-secret"
    assert resolve_token(None, tmp_path, url="https://logs.example.com") is None


def test_cli_lines_never_carry_terminal_control_sequences() -> None:
    """ANSI/OSC escapes, CR/LF, NUL, DEL, C1 controls and U+2028 in an event are shown
    escaped in `logyard search` output, never executed by the terminal."""
    from logyard.cli._client import format_hit

    hostile = "a\x1b]0;pwned\x07b\x1b[31mred\r\nFAKE LINE\x00\x7f\x9b\u2028end"
    line = format_hit({"message": hostile, "event.action": "error", "service.name": "crm"})
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 or c in "\u2028\u2029" for c in line)
    assert "\\x1b]0;pwned\\x07" in line
    assert "\\x0d\\x0aFAKE LINE" in line
