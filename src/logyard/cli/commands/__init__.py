"""Commands that live in their own module, found here by name.

Each module in this package defines ``register(sub, setup)``: it adds its parsers to
``sub`` (the top-level subcommands) or ``setup`` (the targets of ``logyard setup``) and
gives each parser ``set_defaults(run=<callable(args) -> int>)``. Modules import their heavy
dependencies inside ``run``, so ``logyard --help`` stays fast. A new command is a new
module; nothing else changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

__all__ = ["register_all"]


def register_all(sub: Any, setup: Any) -> None:
    """Let every command module add its parsers (``sub``/``setup``: subparser actions)."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        module.register(sub, setup)
