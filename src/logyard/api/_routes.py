"""The HTTP API: ingest, search, aggregate, dead letters, sessions, health, metrics."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from logyard.api._auth import SESSION_COOKIE, Principal
from logyard.api._body import split_events
from logyard.api._problems import problem
from logyard.api._replay import replay
from logyard.api._runtime import Runtime
from logyard.api._time import parse_time
from logyard.catalog import CATALOG
from logyard.errors import DecodeError, KQLSyntaxError, QueryError
from logyard.security.access import Permission, allowed
from logyard.store import SearchRequest, Sort, aggregate_request_from_json

__all__ = ["MAX_BODY_BYTES", "ApiError", "router"]

MAX_BODY_BYTES = 32 << 20
MAX_QUERY_BYTES = 1 << 20
MAX_PAGE = 10_000
_JSON = msgspec.json.Encoder()
router = APIRouter()


class ApiError(Exception):
    """Turned into problem details by the app's exception handler."""

    def __init__(self, status: int, title: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.extra = extra


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def principal(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Principal:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        found = rt.tokens.check_token(header[7:].strip())
        if found is not None:
            return found
        raise ApiError(
            401,
            "Unauthorized",
            "authorization: unknown token; use a token from the data dir's tokens.json",
        )
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        found = rt.tokens.session(sid)
        if found is not None:
            return found
    raise ApiError(
        401,
        "Unauthorized",
        "authorization: missing; send 'Authorization: Bearer <token>' or sign in to the console",
    )


def require(permission: Permission) -> Callable[[Principal], Principal]:
    """A dependency that lets through only principals whose role has ``permission``."""

    def check(who: Annotated[Principal, Depends(principal)]) -> Principal:
        if not allowed(who.role, permission):
            raise ApiError(
                403,
                "Forbidden",
                f"{who.name}: the role {who.role} may not {permission}; ask an admin for a "
                "role that may",
            )
        return who

    return check


Searcher = Annotated[Principal, Depends(require("search"))]
Aggregator = Annotated[Principal, Depends(require("aggregate"))]
DlqReader = Annotated[Principal, Depends(require("dlq.read"))]
DlqReplayer = Annotated[Principal, Depends(require("dlq.replay"))]
Ingester = Annotated[Principal, Depends(require("ingest"))]
CatalogReader = Annotated[Principal, Depends(require("catalog"))]
Decrypter = Annotated[Principal, Depends(require("decrypt"))]


def _json(content: object, status: int = 200) -> Response:
    return Response(_JSON.encode(content), status_code=status, media_type="application/json")


@router.get("/api/v1/health")
def health(rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    """Liveness and the processor's backlog (no authentication)."""
    rt.store.health_check()
    return _json(
        {
            "status": "ok",
            "queue_depth_bytes": rt.queue.depth(rt.processor.position),
            "processor_position": rt.processor.position,
        }
    )


@router.get("/metrics")
def metrics(rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    """Prometheus metrics (no authentication)."""
    rt.metrics.queue_depth.set(rt.queue.depth(rt.processor.position))
    return Response(generate_latest(rt.metrics.registry), media_type=CONTENT_TYPE_LATEST)


class SessionIn(msgspec.Struct, forbid_unknown_fields=True):
    token: str | None = None
    username: str | None = None
    password: str | None = None


@router.post("/api/v1/session", status_code=204)
async def open_session(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    """Sign the console in with a token; sets the HttpOnly session cookie."""
    try:
        body = msgspec.json.decode(await request.body(), type=SessionIn)
    except msgspec.MsgspecError as exc:
        raise ApiError(400, "Bad Request", f'body: {exc}; send {{"token": "..."}}') from exc
    if body.token is not None:
        who = rt.tokens.check_token(body.token)
    elif body.username is not None and body.password is not None:
        who = await run_in_threadpool(rt.tokens.check_password, body.username, body.password)
    else:
        raise ApiError(400, "Bad Request", "body: send a token, or a username and a password")
    if who is None:
        raise ApiError(401, "Unauthorized", "sign-in: unknown token or wrong name/password")
    if who.role == "ingest":
        raise ApiError(403, "Forbidden", f"{who.name}: ingest tokens cannot sign in")
    response = Response(status_code=204)
    response.set_cookie(
        SESSION_COOKIE, rt.tokens.open_session(who), httponly=True, samesite="strict"
    )
    return response


@router.delete("/api/v1/session", status_code=204)
def close_session(request: Request, rt: Annotated[Runtime, Depends(runtime)]) -> Response:
    """Sign out."""
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        rt.tokens.close_session(sid)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/api/v1/events")
async def ingest_events(
    request: Request,
    rt: Annotated[Runtime, Depends(runtime)],
    who: Ingester,
) -> Response:
    """Ingest a JSON array or NDJSON; answers per event, after the accepted ones are on disk.

    While the processor is more than the backlog limit behind, answers 429 with
    ``Retry-After`` (the SDK spools and retries) instead of queueing without bound.
    """
    if rt.ingest.overloaded:
        raise ApiError(
            429,
            "Too Many Requests",
            "ingest: the processor is behind (queue backlog over "
            f"{rt.ingest.max_backlog_bytes:,} bytes); retry after a second",
            headers={"Retry-After": "1"},
        )
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ApiError(
                413,
                "Payload Too Large",
                f"body: over {MAX_BODY_BYTES:,} bytes; send smaller batches",
            )
    raw = bytes(body)
    try:
        items = split_events(raw)
    except DecodeError as exc:
        if exc.code != "empty_body":
            await run_in_threadpool(rt.ingest.submit_reject, raw, exc)
        raise ApiError(400, "Bad Request", str(exc), code=exc.code) from exc
    results = await run_in_threadpool(
        functools.partial(rt.ingest.submit_raw, items, only_service=who.service)
    )
    rejected = sum(1 for r in results if r.status == "rejected")
    return _json(
        {
            "accepted": len(results) - rejected,
            "rejected": rejected,
            "errors": rejected > 0,
            "items": [_item(r) for r in results],
        }
    )


def _item(result: Any) -> dict[str, Any]:
    out = {"index": result.index, "status": result.status}
    for key in ("id", "code", "reason", "path"):
        value = getattr(result, key)
        if value is not None:
            out[key] = value
    return out


def _cursor_out(values: tuple[Any, ...] | None) -> str | None:
    if values is None:
        return None
    return base64.urlsafe_b64encode(_JSON.encode(list(values))).decode().rstrip("=")


def _cursor_in(text: str | None) -> tuple[Any, ...] | None:
    if not text:
        return None
    try:
        padded = text + "=" * (-len(text) % 4)
        return tuple(msgspec.json.decode(base64.urlsafe_b64decode(padded), type=list[Any]))
    except (ValueError, msgspec.MsgspecError):
        raise ApiError(
            400, "Bad Request", "search_after: not a cursor this API returned; start over"
        ) from None


@router.get("/api/v1/search")
def search(
    rt: Annotated[Runtime, Depends(runtime)],
    _: Searcher,
    q: str = "",
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    size: Annotated[int, Query(ge=0, le=MAX_PAGE)] = 100,
    search_after: str | None = None,
    systems: str | None = None,
    sort: Annotated[str, Query(pattern="^(asc|desc)$")] = "desc",
) -> Response:
    """Events matching KQL in ``[from, to)``, newest first; ``next`` pages on."""
    try:
        request = SearchRequest(
            query=q,
            time_from=parse_time(from_, "from"),
            time_to=parse_time(to, "to"),
            systems=tuple(s for s in systems.split(",") if s) if systems else None,
            size=size,
            sort=(Sort("@timestamp", "asc" if sort == "asc" else "desc"),),
            search_after=_cursor_in(search_after),
        )
        result = rt.store.search(request)
    except QueryError as exc:
        raise _query_problem(exc) from exc
    return _json({"total": result.total, "hits": result.hits, "next": _cursor_out(result.next)})


@router.post("/api/v1/aggregate")
async def aggregate(
    request: Request,
    rt: Annotated[Runtime, Depends(runtime)],
    _: Aggregator,
) -> Response:
    """Aggregations (Elasticsearch-shaped request and answer) over matching events."""
    raw = await request.body()
    if len(raw) > MAX_QUERY_BYTES:
        raise ApiError(
            413, "Payload Too Large", f"body: over {MAX_QUERY_BYTES:,} bytes; send a smaller query"
        )
    try:
        body = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise ApiError(400, "Bad Request", f"body: not JSON ({exc}); send a JSON object") from exc
    except RecursionError:
        raise ApiError(400, "Bad Request", "body: nested too deeply; flatten the request") from None
    if not isinstance(body, dict):
        raise ApiError(400, "Bad Request", "body: expected a JSON object with 'aggs'")
    try:
        for key in ("from", "to"):
            if isinstance(body.get(key), str):
                parsed = parse_time(body[key], key)
                body[key] = parsed.isoformat() if parsed else None
        req = aggregate_request_from_json(body)
        result = await run_in_threadpool(rt.store.aggregate, req)
    except QueryError as exc:
        raise _query_problem(exc) from exc
    return _json({"total": result.total, "aggregations": result.aggregations})


@router.get("/api/v1/dlq")
def dead_letters(
    rt: Annotated[Runtime, Depends(runtime)],
    _: DlqReader,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 100,
    reason: str | None = None,
    since: str | None = None,
) -> Response:
    """Rejected events, newest first, with their reasons."""
    try:
        letters = rt.store.dead_letters(
            limit=limit, reason_code=reason, since=parse_time(since, "since")
        )
    except QueryError as exc:
        raise _query_problem(exc) from exc
    return _json(
        {
            "dead_letters": [
                {
                    "id": d.id,
                    "received_at": d.received_at,
                    "source": d.source,
                    "reason_code": d.reason_code,
                    "reason": d.reason,
                    "path": d.path,
                    "step": d.step,
                    "component": d.component,
                    "raw": d.raw.decode("utf-8", "replace"),
                }
                for d in letters
            ]
        }
    )


class ReplayIn(msgspec.Struct, forbid_unknown_fields=True):
    ids: list[str] | None = None
    reason: str | None = None
    limit: int = 1000


@router.post("/api/v1/dlq/replay")
async def replay_dead_letters(
    request: Request,
    rt: Annotated[Runtime, Depends(runtime)],
    _: DlqReplayer,
) -> Response:
    """Send dead letters through validation again (after a fix): those that pass are
    ingested and removed from the dead-letter table; the others stay, with today's reason."""
    try:
        body = msgspec.json.decode(await request.body(), type=ReplayIn)
    except msgspec.MsgspecError as exc:
        raise ApiError(
            400, "Bad Request", f'body: {exc}; send {{"ids": [...]}} or {{"reason": "..."}}'
        ) from exc
    if (body.ids is None) == (body.reason is None):
        raise ApiError(400, "Bad Request", "body: name either ids or reason (one of them)")
    result = await run_in_threadpool(replay, rt, body.ids, body.reason, body.limit)
    return _json(result)


@router.get("/api/v1/events/{event_id}/originals")
def originals(event_id: str, rt: Annotated[Runtime, Depends(runtime)], who: Decrypter) -> Response:
    """The originals of an event's masked personal values (auditor only; audited)."""
    from logyard.security.crypto import EncryptionError, SubjectForgotten

    if rt.encryptor is None:
        raise ApiError(404, "Not Found", "originals: field encryption is off on this server")
    sealed = rt.store.originals(event_id)
    out: list[dict[str, object]] = []
    for field, _subject, envelope in sealed:
        try:
            out.append(
                {
                    "field": field,
                    "value": rt.encryptor.open(envelope, event_id=event_id, field=field),
                }
            )
        except SubjectForgotten:
            out.append({"field": field, "forgotten": True})
        except EncryptionError as exc:
            out.append({"field": field, "error": str(exc)})
    fields = ",".join(str(o["field"]) for o in out)  # names only: never a value in the audit log
    rt.store.audit(who.name, who.role, "decrypt", event_id, f"fields={fields}")
    return _json({"event_id": event_id, "originals": out})


@router.get("/api/v1/audit")
def audit_log(
    rt: Annotated[Runtime, Depends(runtime)], _: Annotated[Principal, Depends(require("users"))]
) -> Response:
    """The audit log (admin): who decrypted what, when."""
    return _json({"entries": rt.store.audit_log()})


@router.get("/api/v1/catalog")
def catalog(_: CatalogReader) -> Response:
    """The event catalogue: actions, systems, levels, fields."""
    return _json(
        [
            {
                "action": s.action,
                "systems": list(s.systems),
                "level": s.level,
                "description": s.description,
                "fields": [
                    {"name": f.name, "type": f.type, "required": f.required} for f in s.fields
                ],
            }
            for s in CATALOG.values()
        ]
    )


def _query_problem(exc: QueryError) -> ApiError:
    if isinstance(exc, KQLSyntaxError):
        return ApiError(400, "Bad Request", str(exc), position=exc.position)
    return ApiError(400, "Bad Request", str(exc))


def problem_for(exc: ApiError) -> Response:
    """Problem details for an :class:`ApiError` (``headers`` go to the response)."""
    headers = exc.extra.pop("headers", None)
    response = problem(exc.status, exc.title, exc.detail, **exc.extra)
    if headers:
        response.headers.update(headers)
    return response
