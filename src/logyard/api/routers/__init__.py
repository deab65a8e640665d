"""API routers that live in their own module, found here by name.

Each module in this package defines ``router`` (a FastAPI ``APIRouter``); the app includes
every one. Route handlers reach the runtime through ``request.app.state.runtime`` and guard
themselves with :func:`logyard.api._routes.require`.
"""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter

__all__ = ["all_routers"]


def all_routers() -> list[APIRouter]:
    """Every module's ``router``, in module-name order."""
    found: list[APIRouter] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            found.append(importlib.import_module(f"{__name__}.{info.name}").router)
    return found
