"""``GET /api/v1/whoami``: who the console is signed in as, and what that role may do.

The console asks once after signing in, to hide actions the role may not take (an admin
silences alerts; ``Support_Logs`` only reads). The server still checks every call.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from fastapi import APIRouter, Depends, Response

from logyard.api._auth import Principal
from logyard.api._routes import principal
from logyard.security.access import PERMISSIONS

__all__ = ["router"]

router = APIRouter()
_JSON = msgspec.json.Encoder()


@router.get("/api/v1/whoami")
def whoami(who: Annotated[Principal, Depends(principal)]) -> Response:
    """``{"name": ..., "role": ..., "permissions": [...]}`` of the caller (any role)."""
    body = {"name": who.name, "role": who.role, "permissions": sorted(PERMISSIONS[who.role])}
    return Response(_JSON.encode(body), media_type="application/json")
