"""The batch path of the keyring: Keyring.prepare, Encryptor.seal_many, Sealer.many and the
ingest creating a whole batch's new subject keys in one keyring transaction."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import msgspec
import pytest

from logyard.catalog import Event
from logyard.pipeline import Ingest, PipelineMetrics, WriteAheadQueue
from logyard.pipeline._records import ORIGINALS, decode_originals
from logyard.pipeline.steps import StepChain
from logyard.pipeline.steps.mask import build_mask, mask_config_from_env
from logyard.pipeline.steps.seal import make_sealer
from logyard.security.crypto import Encryptor, Keyring, LocalKMS, SubjectForgotten, WrappedKey
from logyard.security.mask import Original


def make(tmp_path: Path) -> tuple[Keyring, Encryptor]:
    keyring = Keyring(tmp_path / "keyring", LocalKMS.load(tmp_path / "master.key", environ={}))
    return keyring, Encryptor(keyring)


def count_commits(keyring: Keyring) -> list[str]:
    """Record the keyring connection's COMMIT statements from now on (SQLite's trace hook)."""
    commits: list[str] = []
    db = keyring._store._db

    def trace(statement: str) -> None:
        if statement.strip().upper() == "COMMIT":
            commits.append(statement)

    db.set_trace_callback(trace)
    return commits


def test_prepare_creates_all_new_keys_in_one_transaction(tmp_path: Path) -> None:
    """500 new subjects cost one COMMIT, and each returned key is the stored one: a fresh
    keyring (another process's view) opens what was sealed with it."""
    keyring, enc = make(tmp_path)
    commits = count_commits(keyring)
    subjects = [f"user:{i}" for i in range(500)]
    keys = keyring.prepare(subjects)
    envelope = enc.seal("v", event_id="ev-1", field="f", subject="user:7")
    fresh = make(tmp_path)[1]
    assert (len(commits), sorted(keys) == sorted(subjects), envelope["kid"]) == (
        1,
        True,
        keys["user:7"].kid,
    )
    assert fresh.open(envelope, event_id="ev-1", field="f") == "v"


def test_prepare_mixes_cached_stored_new_and_forgotten(tmp_path: Path) -> None:
    """Cached, stored-but-not-cached and new subjects get their one key each (in the order
    asked, duplicates once); forgotten subjects are absent and get no new key."""
    keyring, _ = make(tmp_path)
    cached = keyring.key_for_seal("user:1")
    other = make(tmp_path)[0]
    stored = other.key_for_seal("user:2")  # on disk, not in `keyring`'s cache
    keyring.key_for_seal("user:3")
    keyring.forget("user:3")
    keys = keyring.prepare(["user:4", "user:1", "user:3", "user:2", "user:1"])
    assert (list(keys), keys["user:1"].kid, keys["user:2"].kid, keyring.status("user:3")) == (
        ["user:4", "user:1", "user:2"],
        cached.kid,
        stored.kid,
        "forgotten",
    )


def test_prepare_of_known_subjects_writes_nothing(tmp_path: Path) -> None:
    """A batch whose subjects all have keys already commits no transaction at all."""
    keyring, _ = make(tmp_path)
    keyring.prepare(["user:1", "user:2"])
    make(tmp_path)[0].prepare(["user:3"])
    commits = count_commits(keyring)
    keyring.prepare(["user:1", "user:2", "user:3"])
    assert commits == []


def test_prepare_rejects_an_invalid_subject_before_writing(tmp_path: Path) -> None:
    """An invalid subject id in a batch raises ValueError and no key of the batch is made."""
    keyring, _ = make(tmp_path)
    with pytest.raises(ValueError, match="subject"):
        keyring.prepare(["user:1", "not a subject!"])
    assert keyring.status("user:1") == "unknown"


def test_seal_many_returns_none_for_forgotten_subjects(tmp_path: Path) -> None:
    """seal_many seals each item in order, None where the subject is forgotten, and every
    envelope opens at its own event and field."""
    keyring, enc = make(tmp_path)
    keyring.key_for_seal("user:9")
    keyring.forget("user:9")
    items = [
        ("alice", "ev-1", "user.email", "user:1"),
        ("gone", "ev-2", "user.email", "user:9"),
        ("bob", "ev-3", "user.phone", "user:2"),
    ]
    sealed = enc.seal_many(items)
    opened = [
        None if env is None else enc.open(env, event_id=ev, field=f)
        for env, (_, ev, f, _) in zip(sealed, items, strict=True)
    ]
    assert opened == ["alice", None, "bob"]


def test_seal_many_checks_every_item_first(tmp_path: Path) -> None:
    """A non-string value anywhere in the batch raises TypeError naming 'value', and no
    subject of the batch got a key."""
    keyring, enc = make(tmp_path)
    with pytest.raises(TypeError, match="value: expected str"):
        enc.seal_many([("a", "ev-1", "f", "user:1"), (42, "ev-2", "f", "user:2")])  # type: ignore[list-item]
    assert [keyring.status("user:1"), keyring.status("user:2")] == ["unknown", "unknown"]


def _event(n: int, customer: str) -> Event:
    raw = {
        "@timestamp": datetime.now(UTC).isoformat(),
        "event.id": f"order-{n}", "event.action": "order.created",
        "service.name": "internet-shop", "user.name": customer, "order.id": f"ORD-{n}",
        "order.params": {"email": f"{customer}@mail.ru"},
    }  # fmt: skip
    from logyard.catalog import EventCodec

    return EventCodec().decode(json.dumps(raw).encode())


def test_sealer_many_matches_one_by_one_and_skips_forgotten(tmp_path: Path) -> None:
    """Sealer.many gives, per event, what sealing it alone gives (the actor as subject),
    and None for an event whose only subject is forgotten."""
    keyring, enc = make(tmp_path)
    sealer = make_sealer(enc)
    events = [_event(1, "c-1"), _event(2, "c-2"), _event(3, "c-1")]
    originals = [[Original("user.email", "email", f"x{i}@mail.ru")] for i in range(3)]
    keyring.key_for_seal(enc.subject_for("c-2", "user"))
    keyring.forget(enc.subject_for("c-2", "user"))
    batch = sealer.many(list(zip(events, originals, strict=True)))
    single = sealer(events[0], originals[0])
    assert batch[1] is None
    assert [(s.event_id, [(f, subj) for f, subj, _ in s.items]) for s in batch if s] == [
        ("order-1", [("user.email", enc.subject_for("c-1", "user"))]),
        ("order-3", [("user.email", enc.subject_for("c-1", "user"))]),
    ]
    assert single is not None
    assert [
        enc.open(s.items[0][2], event_id=s.event_id, field="user.email") for s in batch if s
    ] + [enc.open(single.items[0][2], event_id="order-1", field="user.email")] == [
        "x0@mail.ru",
        "x2@mail.ru",
        "x0@mail.ru",
    ]


def test_ingest_creates_a_batch_of_new_subjects_in_one_keyring_write(tmp_path: Path) -> None:
    """submit_raw of 300 orders by 300 new customers: one keyring COMMIT, 300 O records in
    the queue, each envelope opening to the customer's email in a fresh keyring."""
    keyring, enc = make(tmp_path)
    step, scrub = build_mask(mask_config_from_env(collect_originals=True))
    metrics = PipelineMetrics()
    queue = WriteAheadQueue(tmp_path / "queue")
    ingest = Ingest(
        queue,
        metrics,
        steps=StepChain([("mask", step)], metrics.dropped),
        scrub=scrub,
        sealer=make_sealer(enc),
        take_originals=step.take_originals,
    )
    commits = count_commits(keyring)
    raws = [msgspec.json.encode(_event(i, f"cust-{i}")) for i in range(300)]
    results = ingest.submit_raw(raws)
    records = queue.read(0).records
    queue.close()
    fresh = make(tmp_path)[1]
    opened = {
        fresh.open(env, event_id=s.event_id, field=f)
        for s in (decode_originals(r) for r in records if r[:1] == ORIGINALS)
        for f, _, env in s.items
    }
    assert (len(commits), {r.status for r in results}, len(opened)) == (1, {"accepted"}, 300)
    assert opened == {f"cust-{i}@mail.ru" for i in range(300)}


def test_key_for_seal_still_raises_for_forgotten(tmp_path: Path) -> None:
    """The single-subject entry point keeps its contract: SubjectForgotten after forget."""
    keyring, _ = make(tmp_path)
    keyring.key_for_seal("user:5")
    keyring.forget("user:5")
    with pytest.raises(SubjectForgotten) as info:
        keyring.key_for_seal("user:5")
    assert (info.value.reason, "forgotten at 20" in str(info.value)) == ("forgotten", True)


class RacingKMS:
    """The real LocalKMS, except that its first ``wrap`` first lets a rival keyring run:
    the interleaving of two processes that both found a subject without a key."""

    def __init__(self, inner: LocalKMS, rival: Callable[[], object]) -> None:
        self._inner = inner
        self._rival: Callable[[], object] | None = rival

    def wrap(self, key: bytes, *, aad: bytes) -> WrappedKey:
        if self._rival is not None:
            rival, self._rival = self._rival, None
            rival()
        return self._inner.wrap(key, aad=aad)

    def unwrap(self, wrapped: WrappedKey, *, aad: bytes) -> bytes:
        return self._inner.unwrap(wrapped, aad=aad)

    def current_master_kid(self) -> str:
        return self._inner.current_master_kid()


def test_two_keyrings_racing_on_new_subjects_agree_on_one_key(tmp_path: Path) -> None:
    """A rival creates user:1 after this keyring saw it missing and before it writes: the
    batch keeps the rival's key for user:1 (envelopes open in both), creates user:2, and
    the database holds one row per subject."""
    kms = LocalKMS.create(tmp_path / "master.key")
    rival = Keyring(tmp_path / "keyring", kms)
    racer = Keyring(tmp_path / "keyring", RacingKMS(kms, lambda: rival.prepare(["user:1"])))
    keys = racer.prepare(["user:1", "user:2"])
    sealed = Encryptor(racer).seal("v", event_id="ev-1", field="f", subject="user:1")
    with contextlib.closing(sqlite3.connect(tmp_path / "keyring" / "keys.db")) as db:
        rows = db.execute("SELECT subj, kid FROM subjects ORDER BY subj").fetchall()
    assert (keys["user:1"].kid, rows) == (
        rival.key_for_seal("user:1").kid,
        [("user:1", keys["user:1"].kid), ("user:2", keys["user:2"].kid)],
    )
    assert Encryptor(rival).open(sealed, event_id="ev-1", field="f") == "v"
