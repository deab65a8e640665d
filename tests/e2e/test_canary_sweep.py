"""Canary sweep (issue 4, point 7): valid card numbers of every issuer, in every disguise,
anywhere in random events, never reach a byte that logyard writes or answers.

One real ``logyard up`` (a child process, its own log file) receives each example's event
either from the SDK — masking on, delivered first into a disk spool (the server address is
dead), then replayed from that spool by a second logger pointed at the live server — or as
raw JSON over HTTP (the server's own masker), plus a rejected event carrying the same PAN
(the dead-letter queue). Each example checks the API's answers at once; at the end the
server stops and every file is read: SDK spools, the write-ahead queue, the DuckDB store
(through SQL and as raw bytes), the keyring, the server's log, the metrics.
"""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata
import urllib.request
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import duckdb
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.e2e._server import TOKEN, LogyardProcess, free_port

from logyard.sdk import EventLogger, HttpTransport
from logyard.security.mask._pan import _ISSUERS, is_pan
from logyard.sim._cards import luhn_check_digit

FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@st.composite
def pans(draw: st.DrawFn) -> str:
    """A Luhn-valid card number of a random row of the masker's issuer table (``_ISSUERS``):
    a prefix from that row's own range and a length from that row's own length set."""
    _name, low, high, _digits, lengths = draw(st.sampled_from(_ISSUERS))
    prefix = str(draw(st.integers(low, high)))
    length = draw(st.sampled_from(sorted(lengths)))
    rest = draw(st.text("0123456789", min_size=length - len(prefix) - 1,
                        max_size=length - len(prefix) - 1))  # fmt: skip
    body = prefix + rest
    return body + luhn_check_digit(body)


def _groups(pan: str, sep: str) -> str:
    return sep.join(pan[i : i + 4] for i in range(0, len(pan), 4))


DISGUISES = {
    "plain": lambda p: p,
    "spaces": lambda p: _groups(p, " "),
    "dashes": lambda p: _groups(p, "-"),
    "fullwidth": lambda p: p.translate(FULLWIDTH),
    "zero-width": lambda p: "\u200b".join(p),
    "url-query": lambda p: f"https://shop.example/pay?card={p}&cvc=123",
    "url-encoded": lambda p: quote(_groups(p, " ")),
    "percent-digits": lambda p: "".join(f"%{ord(c):02X}" for c in p),
    "json-in-string": lambda p: json.dumps({"payment": {"card": _groups(p, " ")}}),
}

# where the disguised PAN goes: (SDK method name, how to place it)
PLACES = ["message", "error_message", "stack_trace", "params", "nested_params", "labels",
          "url", "comment", "filter", "error_type"]  # fmt: skip


def _digits(text: str) -> str:
    """Every digit of ``text`` after undoing the disguises (percent-encoding, full-width)."""
    for _ in range(3):
        text = unquote(text)
    return re.sub(r"[^0-9]", "", unicodedata.normalize("NFKC", text))


def _leaks(text: str, found: list[str]) -> list[str]:
    digits = _digits(text)
    return [p for p in found if p in digits]


def _emit(log: EventLogger, place: str, text: str, marker: str) -> None:
    """One SDK event with ``text`` at ``place``; ``marker`` in its message finds it later."""
    msg = f"{marker} {text}" if place == "message" else marker
    if place in ("error_message", "stack_trace"):
        log.error(error_type="PaymentError", error_message=text if place == "error_message"
                  else "declined", stack_trace=text if place == "stack_trace" else None,
                  message=msg)  # fmt: skip
    elif place == "error_type":
        log.error(error_type=f"Err{text}"[:128], error_message="declined", message=msg)
    elif place in ("params", "nested_params", "labels", "message"):
        params: dict[str, Any] = {"product": "vase", "note": text}
        if place == "nested_params":
            params = {"product": "vase", "payment": {"details": [text]}}
        labels = {"note": text} if place == "labels" else None
        log.order_created(actor="anna.ivanova92", order_id=f"ORD-{marker}", params=params,
                          message=msg, labels=labels)  # fmt: skip
    elif place == "url":
        log.page_viewed(client_ip="89.70.203.191", url=f"https://shop.example/p?x={text}",
                        message=msg)  # fmt: skip
    elif place == "comment":
        log.feedback_submitted(score=5, comment=text, message=msg)
    else:
        log.order_list_viewed(actor="operator", filter={"q": text}, rows=3,
                              fetch_duration_ms=12.0, message=msg)  # fmt: skip


def _raw_event(place: str, text: str, marker: str) -> dict[str, Any]:
    """The same placements as JSON a service could send without the SDK: the same event
    types as :func:`_emit`, with ``text`` in the real field (``url.full``,
    ``error.message``, ``error.stack_trace``, ``feedback.comment``, ``order_list.filter``)."""
    envelope = {"service.name": "internet-shop", "message": marker}
    if place in ("error_message", "stack_trace", "error_type"):
        event: dict[str, Any] = {
            **envelope, "event.action": "error", "error.type": "PaymentError",
            "error.message": text if place == "error_message" else "declined",
        }  # fmt: skip
        if place == "stack_trace":
            event["error.stack_trace"] = text
        elif place == "error_type":
            event["error.type"] = f"Err{text}"[:128]
        return event
    if place == "url":
        return {**envelope, "event.action": "page.viewed", "client.ip": "89.70.203.191",
                "url.full": f"https://shop.example/p?x={text}"}  # fmt: skip
    if place == "comment":
        return {**envelope, "event.action": "feedback.submitted", "feedback.score": 5,
                "feedback.comment": text}  # fmt: skip
    if place == "filter":
        return {**envelope, "service.name": "mes", "event.action": "order.list_viewed",
                "user.name": "operator", "order_list.filter": {"q": text},
                "order_list.rows": 3, "order_list.fetch_duration_ms": 12.0}  # fmt: skip
    event = {
        **envelope, "event.action": "order.created", "user.name": "anna.ivanova92",
        "order.id": f"ORD-{marker}", "order.params": {"product": "vase", "note": text},
    }  # fmt: skip
    if place == "message":
        event["message"] = f"{marker} {text}"
    elif place == "nested_params":
        event["order.params"] = {"product": "vase", "payment": {"details": [text]}}
    elif place == "labels":
        event["labels"] = {"note": text}
    return event


def _wait_for(server: LogyardProcess, marker: str) -> dict[str, Any]:
    deadline = time.monotonic() + 20
    while True:
        answer = server.request("GET", f"/api/v1/search?q={marker}&size=10")
        if answer["total"] >= 1 or time.monotonic() > deadline:
            return answer
        time.sleep(0.05)


def test_no_card_number_survives_anywhere(tmp_path: Path) -> None:
    """For random PANs × disguises × placements × routes (SDK spool or raw HTTP), plus a
    rejected twin of each: no API answer, no file of the SDK or the server, no stored row,
    no dead letter, no metric and no line of logyard's own log holds the PAN's digits."""
    server = LogyardProcess(tmp_path / "data")
    server.start()
    pans_sent: list[str] = []
    answers: list[str] = []
    spools: list[Path] = []
    dead = f"http://127.0.0.1:{free_port()}"
    counter = iter(range(10**6))

    @settings(
        max_examples=int(os.environ.get("LOGYARD_CANARY_EXAMPLES", "40")),
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        database=None,
    )
    @given(
        pan=pans(),
        disguise=st.sampled_from(sorted(DISGUISES)),
        place=st.sampled_from(PLACES),
        via=st.sampled_from(["sdk", "http"]),
    )
    def one(pan: str, disguise: str, place: str, via: str) -> None:
        n = next(counter)
        marker = "canary" + uuid.uuid4().hex.translate(str.maketrans("0123456789", "ghijklmnop"))
        assert is_pan(pan), f"{pan}: the strategy drew a number the masker's table refuses"
        text = DISGUISES[disguise](pan)
        pans_sent.append(pan)
        if via == "sdk":
            spool = tmp_path / f"spool-{n}"
            spools.append(spool)
            service = "mes" if place == "filter" else "internet-shop"
            offline = EventLogger(service, transport=HttpTransport(dead, TOKEN),
                                  spool_dir=spool, mask=True, retry_max_ms=50)  # fmt: skip
            _emit(offline, place, text, marker)
            offline.close(timeout_secs=2)
            assert offline.stats().spooled >= 1, "the event did not reach the spool"
            spooled = b"".join(f.read_bytes() for f in spool.rglob("*") if f.is_file())
            assert spooled, "the spool directory is empty"
            assert _leaks(spooled.decode("utf-8", "replace"), [pan]) == [], "PAN in the spool"
            online = EventLogger(service, transport=HttpTransport(server.url, TOKEN),
                                 spool_dir=spool, mask=True)  # fmt: skip
            online.flush(timeout_secs=10)
            online.close()
        else:
            accepted = server.request("POST", "/api/v1/events", [_raw_event(place, text, marker)])
            answers.append(json.dumps(accepted))
            assert accepted["accepted"] == 1, accepted
        rejected = server.request(
            "POST", "/api/v1/events", [{"event.action": "order.teleported", "note": text}]
        )
        answers.append(json.dumps(rejected))
        found = _wait_for(server, marker)
        assert found["total"] == 1, f"{marker} ({via}, {place}) was not stored"
        answers.append(json.dumps(found, ensure_ascii=False))
        assert _leaks(answers[-1], [pan]) == [], f"{disguise} PAN at {place} via {via}"

    one()
    answers.append(json.dumps(server.request("GET", "/api/v1/dlq?limit=1000"), ensure_ascii=False))
    server.wait_drained()
    with urllib.request.urlopen(server.url + "/metrics", timeout=10) as resp:
        answers.append(resp.read().decode())
    assert server.stop() == 0

    leaks: dict[str, list[str]] = {}
    leaks["API answers and metrics"] = _leaks("".join(answers), pans_sent)
    leaks["server log"] = _leaks(server.log.read_text(errors="replace"), pans_sent)
    db = duckdb.connect(str(tmp_path / "data" / "logs.duckdb"), read_only=True)
    rows = db.execute(
        "SELECT string_agg(doc, '') FROM logs UNION ALL "
        "SELECT string_agg(CAST(raw AS VARCHAR), '') FROM dead_letters"
    ).fetchall()
    db.close()
    leaks["stored rows and dead letters"] = _leaks("".join(r[0] or "" for r in rows), pans_sent)
    for root in [tmp_path / "data", *spools]:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            leaks[str(path.relative_to(tmp_path))] = _leaks(
                path.read_bytes().decode("utf-8", "replace"), pans_sent
            )
    assert {where: found for where, found in leaks.items() if found} == {}
    assert len(pans_sent) >= 10
