"""Policy updates on the wire: ISM and Snapshot Management are created with their documented
method and replaced only with ``--force``, carrying the sequence number read.

The cluster is a scripted HTTP peer on loopback (osmem-server has no ISM or SM API).
"""

from __future__ import annotations

import copy

import pytest

from logyard.cli import main
from logyard.setup import cluster_options, ism_policy

from ._peer import Peer

OPENSEARCH = {"version": {"number": "2.19.0", "distribution": "opensearch"}}


def _old_ism() -> dict[str, object]:
    policy = copy.deepcopy(ism_policy(cluster_options())["policy"])
    policy["states"][0]["actions"] = [{"rollover": {"min_primary_shard_size": "50gb"}}]
    return {"_id": "logyard-logs", "_seq_no": 7, "_primary_term": 3, "policy": policy}


def test_a_changed_ism_policy_is_replaced_with_its_sequence_number(
    peer: Peer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --force: diff only, no write. With --force: PUT ?if_seq_no=7&if_primary_term=3;
    the missing SM policy is created with POST."""
    peer.answer("GET", "/", 200, OPENSEARCH)
    peer.answer("GET", "/_plugins/_ism/policies/logyard-logs", 200, _old_ism())
    main(["setup", "opensearch", "--url", peer.url, "--systems", "mes"])
    out = capsys.readouterr().out
    removed = [line.split() for line in out.splitlines() if line.startswith("-  ")]
    assert ["-", '"min_primary_shard_size":', '"50gb"'] in removed
    assert [r for r in peer.seen if r[0] != "GET" and "_ism" in r[1]] == []
    peer.seen.clear()
    main(["setup", "opensearch", "--url", peer.url, "--systems", "mes", "--force"])
    writes = [(m, p) for m, p, _ in peer.seen if m != "GET" and "/_plugins/_" in p]
    assert ("PUT", "/_plugins/_ism/policies/logyard-logs?if_seq_no=7&if_primary_term=3") in writes
    assert ("POST", "/_plugins/_sm/policies/logyard-nightly") in writes
