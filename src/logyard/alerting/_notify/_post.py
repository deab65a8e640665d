"""POST JSON over HTTP(S) with a timeout; any failure is a :class:`NotifyError`."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from logyard.alerting._notify._base import NotifyError

__all__ = ["post_json"]


def post_json(
    where: str, url: str, body: Any, *, timeout_secs: float, headers: dict[str, str] | None = None
) -> bytes:
    """POST ``body`` as JSON; the answer's body on 2xx. ``where`` names the notifier in
    errors; ``url`` is never put in a message (webhook URLs carry secrets)."""
    req = urllib.request.Request(
        url,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Content-Type": "application/json", **(headers or {})},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=timeout_secs) as resp:
            data: bytes = resp.read()
            return data
    except urllib.error.HTTPError as exc:
        raise NotifyError(
            f"{where}: the receiver answered HTTP {exc.code}; check its URL and credentials"
        ) from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise NotifyError(
            f"{where}: cannot reach the receiver ({reason}); it is retried with backoff"
        ) from None
