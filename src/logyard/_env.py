"""Secrets named by ``..._env`` options: read from the environment, or a clear error.

A neutral home: both the pipeline's inputs and the store backends read their secrets this
way, and ``logyard.store`` must not import ``logyard.pipeline``.
"""

from __future__ import annotations

import os

from logyard.errors import ConfigError

__all__ = ["secret_from_env"]


def secret_from_env(where: str, option: str, variable: str, what: str) -> str:
    """The value of ``variable``; :class:`ConfigError` naming ``<where>.<option>`` when it is
    unset or empty (a missing variable does not fix itself: the component stops and says so).
    ``what`` says what to export, e.g. ``"the cluster user's password"``."""
    value = os.environ.get(variable)
    if not value:
        raise ConfigError(
            f"{where}.{option}: environment variable {variable} is not set; export it with {what}"
        )
    return value
