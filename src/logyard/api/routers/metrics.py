"""``GET /api/v1/metrics`` (every metric) and ``GET /api/v1/metrics/{name}`` (one).

Query parameters: ``from``/``to`` (RFC 3339, epoch ms or ``now-1h``; default: each
metric's window up to now), ``system`` (comma-separated systems; default: all). Readable
by every role that may aggregate (``Support_Logs``, ``auditor``, ``admin``). Not to be
confused with ``/metrics``, the processor's Prometheus exposition.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.concurrency import run_in_threadpool

from logyard.api._routes import ApiError, require
from logyard.api._time import parse_time
from logyard.errors import QueryError

__all__ = ["router"]

router = APIRouter()
_JSON = msgspec.json.Encoder()
Reader = Annotated[Any, Depends(require("aggregate"))]


def _answer(content: object) -> Response:
    return Response(_JSON.encode(content), media_type="application/json")


def _compute(
    request: Request, name: str | None, from_: str | None, to: str | None, system: str | None
) -> Any:
    from logyard.analytics.metrics import METRICS, compute, compute_all

    if name is not None and name not in METRICS:
        raise ApiError(
            404, "Not Found", f"metric: unknown metric {name!r}; use one of {', '.join(METRICS)}"
        )
    try:
        time_from = parse_time(from_, "from")
        time_to = parse_time(to, "to")
        systems = tuple(s.strip() for s in system.split(",") if s.strip()) if system else None
        with request.app.state.runtime.store.connection() as cur:
            if name is not None:
                return compute(
                    cur, name, time_from=time_from, time_to=time_to, systems=systems
                ).to_json()
            results = compute_all(cur, time_from=time_from, time_to=time_to, systems=systems)
            return {"metrics": [r.to_json() for r in results]}
    except QueryError as exc:
        raise ApiError(400, "Bad Request", str(exc)) from exc


@router.get("/api/v1/metrics")
async def all_metrics(
    request: Request,
    _: Reader,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    system: str | None = None,
) -> Response:
    """Every metric of docs/metrics.md for the window and systems."""
    return _answer(await run_in_threadpool(_compute, request, None, from_, to, system))


@router.get("/api/v1/metrics/{name}")
async def one_metric(
    name: str,
    request: Request,
    _: Reader,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    system: str | None = None,
) -> Response:
    """One metric (404 for an unknown name)."""
    return _answer(await run_in_threadpool(_compute, request, name, from_, to, system))
