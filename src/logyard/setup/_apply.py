"""Run a :class:`~logyard.setup._steps.Plan` against a server: read, compare, write what differs.

Each step prints one line: ``created``, ``unchanged``, ``replaced``, ``differs`` (with a diff;
replaced only with ``force``), ``skipped`` (the server has no such API: osmem-server, a
cluster without the security plugin or without a license for it) or ``failed`` (with the
server's reason). The last line says whether anything changed. Exit status: 0 when every
step is in place, 1 otherwise. Nothing is written on a dry run (the reads still happen, so
the dry run shows exactly what a real run would change).
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from collections.abc import Callable
from typing import IO, Any

from logyard.errors import StoreError
from logyard.setup._compare import diff, same
from logyard.setup._http import Answer, HttpClient
from logyard.setup._steps import Plan, Request, Step
from logyard.store.opensearch import Flavour
from logyard.store.opensearch._health import (
    MIN_VERSIONS,
    PRODUCT_NAMES,
    flavour_of,
    parse_version,
)

__all__ = [
    "MINIMUM_VERSIONS",
    "apply_plan",
    "check_server",
    "parse_version",
    "read_version",
    "require_version",
]

Write = Callable[[str], None]

#: The oldest versions setup supports, and why: Elasticsearch stricter than the store's 8.0,
#: OpenSearch the store's own minimum.
MINIMUM_VERSIONS: dict[Flavour, tuple[tuple[int, ...], str]] = {
    "elasticsearch": (
        (8, 13),
        "ILM wait_for_snapshot checks that the snapshot holds the index, "
        "elastic/elasticsearch#100911",
    ),
    "opensearch": (MIN_VERSIONS["opensearch"], "the wildcard field type of the catalogue mappings"),
}
#: Outcomes after which a step counts as done (``would``: on a dry run).
_IN_PLACE = frozenset({"created", "replaced", "unchanged", "would"})


def check_server(client: HttpClient, flavour: Flavour) -> str:
    """Check ``GET /`` names the right product at a supported version; return the version."""
    product = PRODUCT_NAMES[flavour]
    number, version = read_version(
        client,
        "/",
        if_failed=f"check --url points at {product} and the user may read cluster info (monitor)",
        if_missing=f"does not answer like {product} (GET / has no version.number); check --url",
    )
    other = flavour_of(version)
    if other != flavour:
        raise StoreError(
            f"{client.url}: is {PRODUCT_NAMES[other]} {number}, not {product}; "
            f"run logyard setup {other} instead"
        )
    minimum, why = MINIMUM_VERSIONS[flavour]
    require_version(client, product, number, minimum, f" ({why}); upgrade the cluster")
    return number


def read_version(
    client: HttpClient, path: str, *, if_failed: str, if_missing: str
) -> tuple[str, dict[str, Any]]:
    """``GET <path>``: the version number and the whole ``version`` object. An error answer
    raises a :class:`StoreError` ending in ``if_failed``; an answer without a version number
    one saying ``if_missing``."""
    answer = client.request("GET", path)
    if not answer.ok:
        raise StoreError(
            f"{client.url}: GET {path} answered {answer.status} ({answer.reason()}); {if_failed}"
        )
    version = answer.body.get("version") if isinstance(answer.body, dict) else None
    number = version.get("number") if isinstance(version, dict) else None
    if not isinstance(number, str):
        raise StoreError(f"{client.url}: {if_missing}")
    assert isinstance(version, dict)  # number came from it
    return number, version


def require_version(
    client: HttpClient, product: str, number: str, minimum: tuple[int, ...], then: str
) -> None:
    """Raise a :class:`StoreError` when version ``number`` is below ``minimum``; ``then``
    ends the message (why that version, and what to do)."""
    if parse_version(number) < minimum:
        wanted = ".".join(str(p) for p in minimum)
        raise StoreError(
            f"{client.url}: {product} {number} is too old; logyard needs {product} "
            f"{wanted} or later{then}"
        )


def apply_plan(
    plan: Plan,
    client: HttpClient,
    *,
    dry_run: bool = False,
    force: bool = False,
    out: IO[str] | None = None,
) -> int:
    """Make the server hold what ``plan`` says; print a line per step; 0 if all in place."""
    stream = out if out is not None else sys.stdout

    def write(line: str) -> None:
        print(line, file=stream)

    for warning in plan.warnings:
        write(f"warning: {warning}")
    if dry_run:
        write(f"dry run: reading {client.url}, writing nothing")
    tally: Counter[str] = Counter()
    outcomes: dict[str, str] = {}
    for step in plan.steps:
        blocked = [r for r in step.requires if outcomes.get(r) not in _IN_PLACE]
        if blocked:
            write(f"{step.label}: not attempted; {blocked[0]} is not in place (see above)")
            outcome = "blocked"
        else:
            outcome = _apply_step(step, client, dry_run=dry_run, force=force, write=write)
        outcomes[step.label] = outcome
        tally[outcome] += 1
    for note in plan.notes:
        write(note)
    write(_summary(tally, dry_run=dry_run))
    return 0 if set(tally) <= _IN_PLACE else 1


def _apply_step(step: Step, client: HttpClient, *, dry_run: bool, force: bool, write: Write) -> str:
    answer = client.request("GET", step.path)
    problem = _unavailable(step, answer, client)
    if problem is not None:
        write(problem)
        return "skipped"
    existing = step.unwrap(answer.body) if answer.ok else None
    if answer.status == 404 or (answer.ok and existing is None):
        return _write(step, step.create_request(), "created", client, dry_run=dry_run, write=write)
    if not answer.ok:
        hint = "; the user lacks the privilege to read it" if answer.status == 403 else ""
        write(
            f"{step.label}: failed; GET {step.path} answered {answer.status} "
            f"({answer.reason()}){hint}"
        )
        return "failed"
    if step.mode == "exists" or same(step.body, existing):
        write(f"{step.label}: exists, unchanged")
        return "unchanged"
    write(f"{step.label}: differs from what logyard would write:")
    write(diff(step.body, existing, name=step.label))
    if not force:
        write(f"{step.label}: left as it is; run again with --force to replace it")
        return "differs"
    return _write(
        step, step.update_request(answer.body), "replaced", client, dry_run=dry_run, write=write
    )


def _write(
    step: Step, request: Request, done: str, client: HttpClient, *, dry_run: bool, write: Write
) -> str:
    if dry_run:
        write(f"{step.label}: would be {done}: {request.method} {request.path}")
        if request.body is not None:
            write(json.dumps(request.body, indent=2, sort_keys=True))
        return "would"
    answer = client.request(request.method, request.path, request.body)
    if answer.ok:
        write(f"{step.label}: {done}")
        return done
    hint = ""
    if answer.status == 403:
        hint = "; the user lacks the privilege to manage it"
    elif "exists with the same name as the alias" in answer.reason():
        hint = (
            f"; a plain index {step.name} exists (written before setup ran, auto-created): "
            f"reindex it into {request.path.lstrip('/')}, delete it, and run setup again"
        )
    write(
        f"{step.label}: failed; {request.method} {request.path} answered {answer.status} "
        f"({answer.reason()}){hint}"
    )
    return "failed"


def _unavailable(step: Step, answer: Answer, client: HttpClient) -> str | None:
    """Why the server cannot hold this step at all (no such API, security off), or None."""
    text = answer.reason().lower()
    if answer.lacks_api():
        return (
            f"{step.label}: skipped; {client.url} has no {step.api} API "
            f"(GET {step.path}: {answer.status} no handler); enable the feature on the "
            "cluster and run setup again"
        )
    if "security must be explicitly enabled" in text or "security is not enabled" in text:
        return (
            f"{step.label}: skipped; security is disabled on {client.url}; enable it "
            "(xpack.security.enabled / the security plugin) and run setup again"
        )
    return None


def _summary(tally: Counter[str], *, dry_run: bool) -> str:
    if dry_run:
        changes = tally["would"]
        head = (
            f"dry run: {changes} change(s) would be made"
            if changes
            else "dry run: nothing would change"
        )
    else:
        changes = tally["created"] + tally["replaced"]
        head = f"done: {changes} change(s) made" if changes else "done: nothing changed"
    parts = [f"{tally[k]} {k}" for k in ("created", "replaced", "unchanged") if tally[k]]
    if tally["differs"]:
        parts.append(f"{tally['differs']} differ (--force replaces them)")
    for key in ("skipped", "failed", "blocked"):
        if tally[key]:
            parts.append(f"{tally[key]} {key}")
    return f"{head} ({', '.join(parts)})" if parts else head
