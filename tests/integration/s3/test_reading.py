"""The s3 input reads NDJSON and gzip NDJSON objects line by line, in key order, resumably."""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from logyard.pipeline.inputs import input_class
from logyard.pipeline.inputs.s3 import S3Input

from ._drain import coordinates, drain

Put = Callable[..., str]
Make = Callable[..., S3Input]


def test_registry_resolves_s3() -> None:
    """``type = "s3"`` resolves to this input through the registry."""
    assert input_class("s3") is S3Input


def test_objects_are_read_line_by_line_in_key_order(
    make_input: Make, put: Put, bucket: str
) -> None:
    """Plain and gzip objects under the prefix are read in key order, every line once;
    objects outside the prefix or with other suffixes are ignored."""
    put("exports/b.ndjson.gz", ['{"n": 3}', '{"n": 4}'])
    put("exports/a.ndjson", ['{"n": 1}', '{"n": 2}'])
    put("exports/c.jsonl", ['{"n": 5}'])
    put("exports/d.gz", ['{"n": 6}'])
    put("exports/readme.txt", ["not a log"])
    put("other/e.ndjson", ['{"n": 99}'])
    source = make_input(prefix="exports/")
    source.open()

    messages = drain(source)

    assert [m.payload for m in messages] == [f'{{"n": {n}}}'.encode() for n in range(1, 7)]
    assert coordinates(messages) == [
        f"s3:{bucket}/exports/a.ndjson/1",
        f"s3:{bucket}/exports/a.ndjson/2",
        f"s3:{bucket}/exports/b.ndjson.gz/1",
        f"s3:{bucket}/exports/b.ndjson.gz/2",
        f"s3:{bucket}/exports/c.jsonl/1",
        f"s3:{bucket}/exports/d.gz/1",
    ]


def test_messages_carry_the_etag(make_input: Make, put: Put) -> None:
    """Each message names the version of the object it came from."""
    etag = put("a.ndjson", ['{"n": 1}'])
    source = make_input()
    source.open()

    [message] = drain(source)

    assert message.headers == {"etag": etag}


def test_blank_lines_are_skipped_but_counted(make_input: Make, put: Put, bucket: str) -> None:
    """Blank lines produce no message, yet the line numbers stay those of the file."""
    put("a.ndjson", b'{"n": 1}\n\n   \n{"n": 4}\r\n\n{"n": 6}')
    source = make_input()
    source.open()

    messages = drain(source)

    assert [(m.coordinates, m.payload) for m in messages] == [
        (f"s3:{bucket}/a.ndjson/1", b'{"n": 1}'),
        (f"s3:{bucket}/a.ndjson/4", b'{"n": 4}'),
        (f"s3:{bucket}/a.ndjson/6", b'{"n": 6}'),
    ]


def test_concatenated_gzip_members_are_one_stream(make_input: Make, put: Put) -> None:
    """``cat a.gz b.gz`` (several members) is read through, as gzip -d does."""
    body = gzip.compress(b'{"n": 1}\n{"n"') + gzip.compress(b': 2}\n{"n": 3}\n')
    put("a.ndjson.gz", body)
    source = make_input()
    source.open()

    messages = drain(source)

    assert [m.payload for m in messages] == [b'{"n": 1}', b'{"n": 2}', b'{"n": 3}']


@pytest.mark.parametrize("suffix", [".ndjson", ".ndjson.gz"])
def test_bounded_batches_resume_exactly_after_restart(
    make_input: Make, put: Put, bucket: str, suffix: str
) -> None:
    """Batches of 7 cut objects mid-way; acked batches are never read again by a new input
    on the same state dir, and every line is read exactly once overall."""
    for name in ("a", "b", "c"):
        put(f"{name}{suffix}", [json.dumps({"obj": name, "n": n}) for n in range(1, 11)])
    expected = [f"s3:{bucket}/{name}{suffix}/{n}" for name in "abc" for n in range(1, 11)]
    first = make_input()
    first.open()
    before: list[str] = []
    for _ in range(3):
        batch = first.poll(7, 0.05)
        first.ack(batch)
        before += coordinates(batch.messages)
    first.close()

    second = make_input()
    second.open()
    after = coordinates(drain(second, max_messages=7))

    assert (len(before), before + after) == (21, expected)


@pytest.mark.parametrize("suffix", [".ndjson", ".ndjson.gz"])
def test_unacked_batch_is_read_again_with_the_same_coordinates(
    make_input: Make, put: Put, suffix: str
) -> None:
    """A batch handed out but never acknowledged (a crash) comes back identical."""
    put(f"a{suffix}", [json.dumps({"n": n}) for n in range(1, 13)])
    first = make_input()
    first.open()
    first.ack(first.poll(5, 0.05))
    lost = first.poll(5, 0.05)
    first.close()  # no ack: as if the processor was killed

    second = make_input()
    second.open()
    again = second.poll(5, 0.05)

    assert [(m.coordinates, m.payload) for m in again.messages] == [
        (m.coordinates, m.payload) for m in lost.messages
    ]


def test_finished_objects_are_not_read_again(make_input: Make, put: Put) -> None:
    """An object read to its end and acknowledged is skipped by later inputs."""
    put("a.ndjson", ['{"n": 1}', '{"n": 2}'])
    first = make_input()
    first.open()
    assert len(drain(first)) == 2
    first.close()

    second = make_input()
    second.open()

    assert drain(second) == []


def test_replaced_object_is_read_again(make_input: Make, put: Put) -> None:
    """An object uploaded again under the same key (new ETag) is read again from line 1."""
    put("a.ndjson", ['{"v": 1}'])
    source = make_input()
    source.open()
    drain(source)

    etag = put("a.ndjson", ['{"v": 2}', '{"v": 3}'])
    messages = drain(source)

    assert [(m.payload, m.headers["etag"]) for m in messages] == [
        (b'{"v": 2}', etag),
        (b'{"v": 3}', etag),
    ]


def test_new_objects_are_found_by_the_next_listing(make_input: Make, put: Put) -> None:
    """Objects uploaded while the input runs are read on a later poll."""
    put("a.ndjson", ['{"n": 1}'])
    source = make_input()
    source.open()
    drain(source)

    put("b.ndjson", ['{"n": 2}'])

    assert [m.payload for m in drain(source)] == [b'{"n": 2}']


def test_state_file_records_key_etag_and_line(
    make_input: Make, put: Put, bucket: str, state_dir: Path
) -> None:
    """After an ack the state file holds each object's ETag, the line reached and whether
    it was read to its end."""
    done = put("a.ndjson", ['{"n": 1}', '{"n": 2}'])
    partial = put("b.ndjson", ['{"n": 3}', '{"n": 4}'])
    source = make_input("erp")
    source.open()
    source.ack(source.poll(3, 0.05))

    state: Any = json.loads((state_dir / "erp.s3state.json").read_text())

    assert state == {
        "version": 1,
        "input": "erp",
        "bucket": bucket,
        "objects": {
            "a.ndjson": {"etag": done, "line": 2, "offset": 18, "done": True},
            "b.ndjson": {"etag": partial, "line": 1, "offset": 9, "done": False},
        },
    }


def test_deleted_objects_are_forgotten(
    make_input: Make, put: Put, s3_client: Any, bucket: str, state_dir: Path
) -> None:
    """Once an object is gone from the bucket, the state file stops listing it."""
    put("a.ndjson", ['{"n": 1}'])
    put("b.ndjson", ['{"n": 2}'])
    source = make_input("erp")
    source.open()
    drain(source)
    s3_client.delete_object(Bucket=bucket, Key="a.ndjson")
    put("c.ndjson", ['{"n": 3}'])

    drain(source)

    state = json.loads((state_dir / "erp.s3state.json").read_text())
    assert sorted(state["objects"]) == ["b.ndjson", "c.ndjson"]


@pytest.mark.parametrize("suffix", [".ndjson", ".ndjson.gz"])
def test_large_object_lines_survive_chunk_boundaries_and_restarts(
    make_input: Make, put: Put, suffix: str
) -> None:
    """A ~1 MB object (lines spanning the 64 KiB read chunks) read in batches of 997 with a
    restart in the middle yields every line once, byte for byte."""
    lines = [json.dumps({"n": n, "pad": "x" * (n % 97)}) for n in range(12_000)]
    put(f"big{suffix}", lines)
    first = make_input()
    first.open()
    payloads: list[bytes] = []
    for _ in range(5):
        batch = first.poll(997, 0.05)
        first.ack(batch)
        payloads += [m.payload or b"" for m in batch.messages]
    first.close()

    second = make_input()
    second.open()
    payloads += [m.payload or b"" for m in drain(second, max_messages=997)]

    assert payloads == [line.encode() for line in lines]
