"""The ``logyard`` command end to end: the real console script in a child process.

Every test runs ``.venv/bin/logyard`` with a clean environment (no ``LOGYARD_*`` variables
and ``XDG_DATA_HOME`` in a temporary dir, so nothing reads or writes the real home) and,
where a server is needed, a real ``logyard up`` started by :class:`LogyardProcess`.
"""

from __future__ import annotations

import json
import os
import queue
import select
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest
from tests.e2e._server import TOKEN, LogyardProcess, free_port

from logyard.catalog import CATALOG, EventCodec, encode_event
from logyard.store import SearchRequest
from logyard.store.duckdb import DuckDBStore

LOGYARD = Path(sys.executable).with_name("logyard")


# -- helpers ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def clean_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """os.environ without LOGYARD_* and with a throwaway XDG_DATA_HOME."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOGYARD_")}
    env["XDG_DATA_HOME"] = str(tmp_path_factory.mktemp("xdg"))
    return env


def logyard(
    *args: str, env: dict[str, str], timeout: float = 30.0
) -> subprocess.CompletedProcess[str]:
    """Run the console script to completion."""
    return subprocess.run(
        [str(LOGYARD), *args], env=env, capture_output=True, text=True, timeout=timeout
    )


def at(ts: datetime) -> str:
    """RFC 3339 with milliseconds and ``Z``."""
    return ts.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def line(ts: datetime, service: str, level: str, action: str, who: str, summary: str) -> str:
    """One line of ``logyard search`` text output, as the format promises it."""
    when = ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:23]
    return f"{when:<23}  {service:<13} {level:<5}  {action:<18} {who:<16} {summary}"


class Lines:
    """Reads a child's stdout in a thread so a test can wait for a line with a timeout."""

    def __init__(self, stream: IO[str]) -> None:
        self._q: queue.Queue[str] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, args=(stream,), daemon=True)
        self._thread.start()

    def _pump(self, stream: IO[str]) -> None:
        for text in stream:
            self._q.put(text.rstrip("\n"))

    def join(self) -> None:
        """Wait for the end of the stream (after the child is gone)."""
        self._thread.join(10)

    def next(self, timeout: float) -> str:
        return self._q.get(timeout=timeout)

    def rest(self, wait_secs: float) -> list[str]:
        """Whatever arrives within ``wait_secs``."""
        time.sleep(wait_secs)
        out = []
        while not self._q.empty():
            out.append(self._q.get_nowait())
        return out


def post(server: LogyardProcess, events: list[dict[str, Any]]) -> None:
    answer = server.request("POST", "/api/v1/events", events)
    assert (answer["accepted"], answer["rejected"]) == (len(events), 0), answer


# -- a shared server with a known set of events --------------------------------------------------
NOW = datetime.now(UTC).replace(microsecond=0)
T_3H = NOW - timedelta(hours=3)  # whole second: the store keeps no fraction
T_2H = NOW - timedelta(hours=2, microseconds=-250_000)
T_30M = NOW - timedelta(minutes=30, microseconds=-500_000)
T_10M = NOW - timedelta(minutes=10, microseconds=-125_000)
T_5M = NOW - timedelta(minutes=5, microseconds=-750_000)

EVENTS: list[dict[str, Any]] = [
    {
        "@timestamp": at(T_3H),
        "event.action": "order.assigned",
        "service.name": "mes",
        "user.name": "ivanova",
        "order.id": "ORD-1",
        "order.operator": "petrov",
    },
    {
        "@timestamp": at(T_2H),
        "event.action": "order.assigned",
        "service.name": "mes",
        "log.level": "warning",
        "user.name": "sidorov",
        "order.id": "ORD-2",
        "order.operator": "petrov",
        "message": "assigned late",
    },
    {
        "@timestamp": at(T_30M),
        "event.action": "order.created",
        "service.name": "crm",
        "user.name": "ivanova",
        "order.id": "ORD-3",
        "order.params": {"qty": 2},
    },
    {
        "@timestamp": at(T_10M),
        "event.action": "error",
        "service.name": "mes-api",
        "error.type": "TimeoutError",
        "error.message": "db timeout",
        "message": "calc failed",
    },
    {
        "@timestamp": at(T_5M),
        "event.action": "order.assigned",
        "service.name": "mes",
        "user.name": "ivanova",
        "order.id": "ORD-4",
        "order.operator": "kuznetsova",
    },
]
# What `logyard search` prints for each of them (the text format is part of the CLI's promise).
LINE_1 = line(
    T_3H, "mes", "INFO", "order.assigned", "ivanova", 'order.id="ORD-1" order.operator="petrov"'
)
LINE_2 = line(T_2H, "mes", "WARN", "order.assigned", "sidorov", "assigned late")
LINE_3 = line(
    T_30M, "crm", "INFO", "order.created", "ivanova", 'order.id="ORD-3" order.params={"qty": 2}'
)
LINE_4 = line(T_10M, "mes-api", "ERROR", "error", "-", "calc failed")
LINE_5 = line(
    T_5M, "mes", "INFO", "order.assigned", "ivanova", 'order.id="ORD-4" order.operator="kuznetsova"'
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LogyardProcess]:
    """One `logyard up` for the module, holding EVENTS (tests that add events use other systems)."""
    proc = LogyardProcess(tmp_path_factory.mktemp("shared") / "data")
    proc.start()
    try:
        post(proc, EVENTS)
        proc.wait_drained()
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def authed(clean_env: dict[str, str]) -> dict[str, str]:
    return dict(clean_env, LOGYARD_TOKEN=TOKEN)


# -- catalog ---------------------------------------------------------------------------------
def test_catalog_prints_one_row_per_event_with_level_and_systems(clean_env: dict[str, str]) -> None:
    """`logyard catalog` exits 0 and prints a header, then each catalogue event in order with
    its default level and systems, then the envelope note."""
    result = logyard("catalog", env=clean_env)
    assert (result.returncode, result.stderr) == (0, "")
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["event", "level", "systems", "fields"]
    rows = lines[1 : 1 + len(CATALOG)]
    expected = [(s.action, s.level, ", ".join(s.systems)) for s in CATALOG.values()]
    actual = []
    for row in rows:
        action, level, rest = row.split(maxsplit=2)
        systems = rest.split("  ")[0].strip()
        actual.append((action, level, systems))
    assert actual == expected
    assert lines[1 + len(CATALOG)] == ""
    assert lines[2 + len(CATALOG)].startswith("Every event also carries the envelope: @timestamp")


def sample_event(action: str) -> dict[str, Any]:
    """A valid event of ``action`` with every required field, checked by the codec."""
    spec = CATALOG[action]
    values = {"string": "x", "integer": 200, "number": 1.5, "object": {"k": 1}}
    doc: dict[str, Any] = {"event.action": action}
    for f in spec.fields:
        if not f.required:
            continue
        if f.name == "service.name":
            doc[f.name] = spec.systems[0]
        elif f.type == "datetime":
            doc[f.name] = at(NOW)
        elif "|" in f.type:
            doc[f.name] = f.type.split("|")[0]
        elif f.name == "feedback.score":
            doc[f.name] = 5
        else:
            doc[f.name] = values[f.type]
    event = EventCodec().decode(json.dumps(doc).encode())  # raises if the sample is not valid
    decoded: dict[str, Any] = json.loads(encode_event(event))
    return decoded


def test_catalog_json_schema_writes_one_valid_schema_per_event(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    """`logyard catalog --json-schema DIR` writes exactly `<action>.json` per event: JSON Schema
    2020-12 whose `required` covers the catalogue's required fields and which a valid sample
    event satisfies (required keys present, no key outside `properties`, action in its enum)."""
    out = tmp_path / "schemas"
    result = logyard("catalog", "--json-schema", str(out), env=clean_env)
    assert (result.returncode, result.stdout) == (
        0,
        f"wrote {len(CATALOG)} JSON Schemas to {out}\n",
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{a}.json" for a in CATALOG)
    for action, spec in CATALOG.items():
        schema = json.loads((out / f"{action}.json").read_text())
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema", action
        required = {f.name for f in spec.fields if f.required} | {"event.action"}
        assert set(schema["required"]) == required, action
        sample = sample_event(action)
        assert set(schema["required"]) <= sample.keys(), action
        assert schema.get("additionalProperties") is False, action
        assert sample.keys() <= schema["properties"].keys(), action
        assert schema["properties"]["event.action"]["enum"] == [action]


# -- search ----------------------------------------------------------------------------------------
def test_search_prints_matching_rows_newest_first_and_the_total(
    server: LogyardProcess, authed: dict[str, str]
) -> None:
    """A KQL query prints one line per hit, newest first, and `N of M matching events` on stderr."""
    result = logyard(
        "search", "order.operator:petrov or log.level:ERROR", "--url", server.url, env=authed
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{LINE_4}\n{LINE_2}\n{LINE_1}\n",
        "3 of 3 matching events\n",
    )


def test_search_json_prints_the_stored_documents(
    server: LogyardProcess, authed: dict[str, str]
) -> None:
    """`--json` prints NDJSON hits equal to what the API returns for the same query."""
    result = logyard("search", "service.name:mes", "--json", "--url", server.url, env=authed)
    stored = server.request("GET", "/api/v1/search?q=service.name:mes")["hits"]
    assert (result.returncode, result.stderr) == (0, "")
    assert [json.loads(x) for x in result.stdout.splitlines()] == stored
    assert [h["order.id"] for h in stored] == ["ORD-4", "ORD-2", "ORD-1"]


def test_search_size_limits_the_page_but_not_the_total(
    server: LogyardProcess, authed: dict[str, str]
) -> None:
    """`--size 2` prints the two newest hits and reports the full total."""
    result = logyard("search", "service.name:mes", "--size", "2", "--url", server.url, env=authed)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{LINE_5}\n{LINE_2}\n",
        "2 of 3 matching events\n",
    )


def test_search_from_to_rfc3339_is_half_open(
    server: LogyardProcess, authed: dict[str, str]
) -> None:
    """`--from`/`--to` in RFC 3339 keep `[from, to)`: the event at `to` is left out."""
    result = logyard(
        "search", "", "--from", at(T_2H), "--to", at(T_10M), "--url", server.url, env=authed
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{LINE_3}\n{LINE_2}\n",
        "2 of 2 matching events\n",
    )


def test_search_from_relative_time(server: LogyardProcess, authed: dict[str, str]) -> None:
    """`--from now-1h` keeps only the last hour's events."""
    result = logyard(
        "search",
        "not service.name:internet-shop",
        "--from",
        "now-1h",
        "--url",
        server.url,
        env=authed,
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        f"{LINE_5}\n{LINE_4}\n{LINE_3}\n",
        "3 of 3 matching events\n",
    )


def test_search_token_from_flag_equals_token_from_env(
    server: LogyardProcess, clean_env: dict[str, str]
) -> None:
    """`--token` and `LOGYARD_TOKEN` authenticate alike; the flag wins over a wrong env value."""
    args = ("search", "order.id:ORD-3", "--url", server.url)
    by_env = logyard(*args, env=dict(clean_env, LOGYARD_TOKEN=TOKEN))
    by_flag = logyard(*args, "--token", TOKEN, env=dict(clean_env, LOGYARD_TOKEN="wrong"))
    expected = (0, f"{LINE_3}\n", "1 of 1 matching events\n")
    assert (by_env.returncode, by_env.stdout, by_env.stderr) == expected
    assert (by_flag.returncode, by_flag.stdout, by_flag.stderr) == expected


def test_search_url_from_env_equals_url_flag(
    server: LogyardProcess, authed: dict[str, str]
) -> None:
    """`LOGYARD_URL` picks the server as `--url` does, and `--url` wins over it."""
    by_env = logyard("search", "order.id:ORD-3", env=dict(authed, LOGYARD_URL=server.url))
    dead = f"http://127.0.0.1:{free_port()}"
    by_flag = logyard(
        "search", "order.id:ORD-3", "--url", server.url, env=dict(authed, LOGYARD_URL=dead)
    )
    expected = (0, f"{LINE_3}\n", "1 of 1 matching events\n")
    assert (by_env.returncode, by_env.stdout, by_env.stderr) == expected
    assert (by_flag.returncode, by_flag.stdout, by_flag.stderr) == expected


# -- errors ----------------------------------------------------------------------------------------
def test_search_kql_syntax_error_exits_1_naming_the_column(
    server: LogyardProcess, authed: dict[str, str]
) -> None:
    """A KQL syntax error is one `Error: ...` line naming the (0-based) column; exit 1."""
    result = logyard("search", "log.level:ERROR )", "--url", server.url, env=authed)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: {server.url}: HTTP 400: KQL: "), result.stderr
    assert "unexpected ')' at column 16; " in result.stderr
    assert result.stderr.count("\n") == 1


def test_search_without_server_says_how_to_start_one(authed: dict[str, str]) -> None:
    """Nothing listening: exit 1 and a message pointing at `logyard up` and `--url`."""
    url = f"http://127.0.0.1:{free_port()}"
    result = logyard("search", "x", "--url", url, env=authed)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.startswith(f"Error: {url}: cannot reach logyard ("), result.stderr
    assert result.stderr.endswith(
        "); start it with `logyard up` or pass --url / set LOGYARD_URL\n"
    ), result.stderr


def test_search_wrong_token_exits_2_with_a_token_hint(
    server: LogyardProcess, clean_env: dict[str, str]
) -> None:
    """A wrong token is a usage error (exit 2) that says to pass --token or set LOGYARD_TOKEN."""
    result = logyard("search", "x", "--url", server.url, "--token", "nope", env=clean_env)
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"Error: {server.url}: authorization: unknown token; pass --token or set LOGYARD_TOKEN\n",
    )


def test_search_without_any_token_exits_2_with_a_token_hint(
    server: LogyardProcess, clean_env: dict[str, str]
) -> None:
    """No flag, no env, no local data dir token: exit 2 with the same hint."""
    result = logyard("search", "x", "--url", server.url, env=clean_env)
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"Error: {server.url}: authorization: missing; pass --token or set LOGYARD_TOKEN\n",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("bogus",), "logyard: error: argument COMMAND: invalid choice: 'bogus'"),
        (("search", "--nope"), "logyard: error: unrecognized arguments: --nope"),
        (("search", "--size", "many"), "logyard search: error: argument --size: invalid int value"),
        (("search", "--size", "-1"), "Error: --size: -1 is negative; pass 0 or more"),
        ((), "logyard: error: the following arguments are required: COMMAND"),
    ],
)
def test_bad_usage_exits_2(args: tuple[str, ...], message: str, clean_env: dict[str, str]) -> None:
    """Unknown subcommands, options and bad values are usage errors: exit 2, message on stderr."""
    result = logyard(*args, env=clean_env)
    assert (result.returncode, result.stdout) == (2, "")
    assert message in result.stderr, result.stderr


def test_up_on_a_data_dir_in_use_exits_2(server: LogyardProcess, clean_env: dict[str, str]) -> None:
    """A second `logyard up` on a running logyard's data dir stops at the lock, exit 2."""
    result = logyard(
        "up", "--data-dir", str(server.data_dir), "--port", str(free_port()), env=clean_env
    )
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"Error: data dir {server.data_dir}: another logyard is running on it; stop it or pass "
        "--data-dir with another directory\n",
    )


def test_up_on_a_busy_port_exits_2_naming_it(
    server: LogyardProcess, tmp_path: Path, clean_env: dict[str, str]
) -> None:
    """`logyard up --port <busy>` exits 2 naming the port, before creating its data dir."""
    data = tmp_path / "data"
    result = logyard("up", "--data-dir", str(data), "--port", str(server.port), env=clean_env)
    assert (result.returncode, result.stdout, result.stderr) == (
        2,
        "",
        f"Error: --port {server.port}: cannot listen on 127.0.0.1:{server.port} "
        "(Address already in use); stop what uses it or pass another --port\n",
    )
    assert not data.exists()


# -- tail -----------------------------------------------------------------------------------------
def login(user: str, ts: datetime) -> dict[str, Any]:
    return {
        "@timestamp": at(ts),
        "event.action": "user.logged_in",
        "service.name": "internet-shop",
        "user.name": user,
    }


def test_tail_prints_each_new_event_once(server: LogyardProcess, authed: dict[str, str]) -> None:
    """`logyard tail KQL` prints events posted while it runs, each exactly once, and only
    those that match."""
    user = f"tail-{uuid.uuid4().hex[:8]}"
    args = [str(LOGYARD), "tail", f"user.name:{user}", "--url", server.url, "--interval", "0.2"]
    with subprocess.Popen(
        args, env=authed, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        lines = Lines(proc.stdout)
        try:
            first = datetime.now(UTC).replace(microsecond=123_000)
            post(server, [login(user, first), login("someone-else", first)])
            assert lines.next(timeout=10) == line(
                first, "internet-shop", "INFO", "user.logged_in", user, ""
            )
            assert lines.rest(1.0) == []  # five more polls see the same event: not printed again
            second = datetime.now(UTC).replace(microsecond=456_000)
            post(server, [login(user, second)])
            assert lines.next(timeout=10) == line(
                second, "internet-shop", "INFO", "user.logged_in", user, ""
            )
            assert lines.rest(1.0) == []
            assert proc.poll() is None
        finally:
            proc.terminate()
            proc.wait(10)
            lines.join()
        assert proc.stderr.read() == ""


def test_tail_stops_quietly_when_its_reader_goes_away(
    server: LogyardProcess, authed: dict[str, str]
) -> None:
    """`logyard tail ... | head -1`: once stdout is closed tail exits 1 without a traceback."""
    user = f"pipe-{uuid.uuid4().hex[:8]}"
    args = [str(LOGYARD), "tail", f"user.name:{user}", "--url", server.url, "--interval", "0.2"]
    with subprocess.Popen(args, env=authed, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        try:
            post(server, [login(user, datetime.now(UTC))])
            ready, _, _ = select.select([proc.stdout], [], [], 10)
            assert ready, "tail printed nothing"
            proc.stdout.close()  # as `head -1` does after its line
            post(server, [login(user, datetime.now(UTC))])
            assert proc.wait(10) == 1
            assert proc.stderr.read() == b""
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)


# -- shutdown and demo -----------------------------------------------------------------------------
@pytest.mark.slow
def test_sigterm_drains_then_exits_0_and_events_survive_a_restart(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    """SIGTERM right after a post: `logyard up` exits 0 within seconds, the store already holds
    every acknowledged event when it is gone, and a restart serves them to `logyard search`."""
    data = tmp_path / "data"
    server = LogyardProcess(data)
    server.start()
    ids = [str(uuid.uuid4()) for _ in range(500)]
    when = datetime.now(UTC)
    post(server, [dict(login(f"u{i}", when), **{"event.id": x}) for i, x in enumerate(ids)])
    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 10
    store = DuckDBStore(data / "logs.duckdb")
    try:
        stored = store.search(SearchRequest(size=1000)).hits
    finally:
        store.close()
    assert sorted(h["event.id"] for h in stored) == sorted(ids)

    again = LogyardProcess(data)
    again.start()
    try:
        result = logyard(
            "search",
            "",
            "--json",
            "--size",
            "1000",
            "--url",
            again.url,
            env=dict(clean_env, LOGYARD_TOKEN=TOKEN),
        )
    finally:
        assert again.stop() == 0
    assert (result.returncode, result.stderr) == (0, "")
    assert sorted(json.loads(x)["event.id"] for x in result.stdout.splitlines()) == sorted(ids)


@pytest.mark.slow
def test_demo_prints_url_and_token_and_search_finds_simulated_events(
    tmp_path: Path, clean_env: dict[str, str]
) -> None:
    """`logyard demo` with LOGYARD_DATA_DIR prints the console URL and sign-in token; within
    ~10 s `logyard search 'service.name:mes'` finds simulator events with no token given (it
    reads the demo data dir's token); SIGTERM stops it with exit 0."""
    data = tmp_path / "demo"
    port = free_port()
    env = dict(clean_env, LOGYARD_DATA_DIR=str(data))
    banner = tmp_path / "demo.err"
    with banner.open("w") as err:
        proc = subprocess.Popen(
            [str(LOGYARD), "demo", "--rate", "500", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 15
        hits: list[dict[str, Any]] = []
        while time.monotonic() < deadline and not hits:
            assert proc.poll() is None, banner.read_text()
            result = logyard(
                "search", "service.name:mes", "--json", "--size", "5", "--url", url, env=env
            )
            if result.returncode == 0:
                hits = [json.loads(x) for x in result.stdout.splitlines()]
            else:  # not listening yet
                assert "cannot reach logyard" in result.stderr, result.stderr
            time.sleep(0.2)
        assert hits, f"no simulated mes event within 15 s: {banner.read_text()}"
        assert {h["service.name"] for h in hits} == {"mes"}
        token = json.loads((data / "tokens.json").read_text())["admin"]
        text = banner.read_text()
        assert f"  console:      {url}/\n" in text
        assert f"  sign in with: {token}   (admin token, kept in {data / 'tokens.json'})\n" in text
        assert "  simulator:    six systems at 500 events/s\n" in text
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(20)
    assert code == 0
