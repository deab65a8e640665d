"""RFC 9457 problem details for every error the API answers."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse

__all__ = ["problem"]


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    """A ``application/problem+json`` response."""
    body: dict[str, Any] = {
        "type": f"https://logyard.dev/problems/{title.lower().replace(' ', '-')}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")
