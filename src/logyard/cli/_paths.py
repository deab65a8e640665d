"""Default locations."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["default_demo_dir"]


def default_demo_dir() -> Path:
    """``$LOGYARD_DATA_DIR`` or ``$XDG_DATA_HOME/logyard/demo`` (``~/.local/share/...``)."""
    if os.environ.get("LOGYARD_DATA_DIR"):
        return Path(os.environ["LOGYARD_DATA_DIR"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "logyard" / "demo"
