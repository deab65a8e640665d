"""The FastAPI application: API, metrics and the console, over one :class:`Runtime`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline

from logyard import __version__
from logyard.api._problems import problem
from logyard.api._routes import ApiError, problem_for, router
from logyard.api._runtime import Runtime
from logyard.errors import StoreError

__all__ = ["create_app"]

_STATIC = Path(__file__).parent / "static"


def create_app(
    data_dir: Path,
    admin_token: str | None = None,
    *,
    demo_rate: float | None = None,
    demo_seed: int | None = None,
    runtime: Runtime | None = None,
) -> FastAPI:
    """The app for ``data_dir``; the runtime starts and stops with the app's lifespan."""
    rt = runtime or Runtime(
        data_dir, admin_token=admin_token, demo_rate=demo_rate, demo_seed=demo_seed
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not rt.started:
            rt.start()
        try:
            yield
        finally:
            rt.stop()

    # FastAPIOffline serves Swagger UI and ReDoc from the package, not from a CDN, so /docs
    # works on machines without internet access, like the console.
    app = FastAPIOffline(
        title="logyard",
        version=__version__,
        description="Centralized logging: ingest, search and aggregate events.",
        lifespan=lifespan,
    )
    app.state.runtime = rt
    app.include_router(router)
    from logyard.api.routers import all_routers

    for extra in all_routers():
        app.include_router(extra)

    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> Response:
        return problem_for(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> Response:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return problem(400, "Bad Request", "; ".join(parts) + "; fix the parameter")

    @app.exception_handler(StoreError)
    async def _store_error(_: Request, exc: StoreError) -> Response:
        return problem(503, "Service Unavailable", str(exc))

    if _STATIC.is_dir():
        app.mount("/static", StaticFiles(directory=_STATIC), name="static")

    @app.get("/", include_in_schema=False)
    def console() -> Response:
        index = _STATIC / "index.html"
        if not index.exists():
            return problem(
                404,
                "Not Found",
                "console: its files are missing from this install; reinstall logyard",
            )
        return FileResponse(index, media_type="text/html")

    return app
