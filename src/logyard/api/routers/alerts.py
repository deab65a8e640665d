"""Alerts over HTTP: firing alerts, history, silences (admin), rules (admin).

::

    GET    /api/v1/alerts?status=firing|resolved|fired|all&rule=&limit=
    GET    /api/v1/alerts/history?rule=&since=&limit=
    GET    /api/v1/alerts/silences
    POST   /api/v1/alerts/silences     {"rule": "api-*", "group": "*", "until": "now+2h" | RFC 3339,
                                        "comment": "..."}
    DELETE /api/v1/alerts/silences/{id}
    GET    /api/v1/alerts/rules
    POST   /api/v1/alerts/rules/check  (a rule file as the body: every problem at once)

``Support_Logs`` (and auditors) read alerts; admins manage silences and see the rules.
The state lives in ``<data dir>/alerts.db``, written by the alerting service of ``up``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import msgspec
from fastapi import APIRouter, Depends, Query, Request, Response

from logyard.api._auth import Principal
from logyard.api._routes import ApiError, require
from logyard.api._time import parse_time
from logyard.errors import QueryError

__all__ = ["router"]

router = APIRouter()
_JSON = msgspec.json.Encoder()
_AHEAD = re.compile(r"^now\+(\d+)([smhdw])$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

Reader = Annotated[Principal, Depends(require("alerts.read"))]
Manager = Annotated[Principal, Depends(require("alerts.manage"))]


def _json(content: object, status: int = 200) -> Response:
    return Response(_JSON.encode(content), status_code=status, media_type="application/json")


def _state(request: Request) -> Any:
    from logyard.alerting import AlertState
    from logyard.api.services.alerting import STATE_FILE

    return AlertState(request.app.state.runtime.data_dir / STATE_FILE)


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def alert_json(row: dict[str, Any]) -> dict[str, Any]:
    """An alert row with times as RFC 3339."""
    out = dict(row)
    out["group"] = out.pop("grp")
    for key in ("window_start", "window_end", "last_end", "resolved_end", "opened_at",
                "resolved_at"):  # fmt: skip
        out[key] = _iso(out[key])
    out["notified"] = bool(out["notified"])
    out["silenced"] = bool(out["silenced"])
    return out


def history_json(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["group"] = out.pop("grp")
    out["at"] = _iso(out["at"])
    return out


def silence_json(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["group"] = out.pop("grp")
    for key in ("until", "created_at", "removed_at"):
        out[key] = _iso(out[key])
    return out


@router.get("/api/v1/alerts")
def list_alerts(
    request: Request,
    _: Reader,
    status: Annotated[str, Query(pattern="^(firing|resolved|fired|all)$")] = "firing",
    rule: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> Response:
    """Alerts, newest first: firing by default, or ``status=all`` for every one."""
    state = _state(request)
    try:
        rows = state.alerts(status=None if status == "all" else status, rule=rule, limit=limit)
    finally:
        state.close()
    return _json({"alerts": [alert_json(r) for r in rows]})


@router.get("/api/v1/alerts/history")
def alert_history(
    request: Request,
    _: Reader,
    rule: str | None = None,
    since: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> Response:
    """What happened to alerts (opened, silenced, cooldown, notified, failed, resolved)."""
    try:
        start = parse_time(since, "since")
    except QueryError as exc:
        raise ApiError(400, "Bad Request", str(exc)) from exc
    state = _state(request)
    try:
        rows = state.history(
            rule=rule, since_ms=int(start.timestamp() * 1000) if start else None, limit=limit
        )
    finally:
        state.close()
    return _json({"history": [history_json(r) for r in rows]})


@router.get("/api/v1/alerts/silences")
def list_silences(request: Request, _: Reader) -> Response:
    """Silences not removed yet (expired ones included, with their ``until``)."""
    state = _state(request)
    try:
        rows = state.silences()
    finally:
        state.close()
    return _json({"silences": [silence_json(r) for r in rows]})


class SilenceIn(msgspec.Struct, forbid_unknown_fields=True):
    rule: str
    until: str
    group: str = "*"
    comment: str = ""


def parse_until(text: str, now: datetime) -> datetime:
    """``now+2h`` or an RFC 3339 time in the future."""
    match = _AHEAD.match(text.strip())
    if match:
        return now + timedelta(seconds=int(match.group(1)) * _UNITS[match.group(2)])
    try:
        when = parse_time(text, "until", now=now)
    except QueryError:
        when = None
    if when is None or when <= now:
        raise ApiError(
            400, "Bad Request", f"until: {text!r} is not a future time; write now+2h or RFC 3339"
        )
    return when


@router.post("/api/v1/alerts/silences", status_code=201)
async def add_silence(request: Request, who: Manager) -> Response:
    """Mute alerts of rules matching ``rule`` (and groups matching ``group``; globs) until
    ``until``; alerts still open and are kept in the history, without notifications."""
    try:
        body = msgspec.json.decode(await request.body(), type=SilenceIn)
    except msgspec.MsgspecError as exc:
        raise ApiError(
            400, "Bad Request", f'body: {exc}; send {{"rule": "...", "until": "now+2h"}}'
        ) from exc
    if not body.rule.strip():
        raise ApiError(400, "Bad Request", 'rule: empty; name a rule or a pattern like "api-*"')
    now = datetime.now(UTC)
    until = parse_until(body.until, now)
    state = _state(request)
    try:
        row = state.add_silence(
            body.rule, body.group or "*", int(until.timestamp() * 1000),
            comment=body.comment, created_by=who.name, now_ms=int(now.timestamp() * 1000),
        )  # fmt: skip
    finally:
        state.close()
    return _json(silence_json(row), status=201)


@router.delete("/api/v1/alerts/silences/{silence_id}", status_code=204)
def remove_silence(silence_id: int, request: Request, who: Manager) -> Response:
    """End a silence now."""
    state = _state(request)
    try:
        removed = state.remove_silence(
            silence_id, now_ms=int(datetime.now(UTC).timestamp() * 1000), removed_by=who.name
        )
    finally:
        state.close()
    if not removed:
        raise ApiError(404, "Not Found", f"silence {silence_id}: no such active silence")
    return Response(status_code=204)


@router.get("/api/v1/alerts/rules")
def list_rules(_: Manager) -> Response:
    """The rules ``up`` evaluates (from ``LOGYARD_ALERT_RULES`` or the shipped defaults)."""
    from logyard.alerting import load_rules
    from logyard.api.services.alerting import rules_path

    path = rules_path()
    if path is None:
        return _json({"source": None, "rules": []})
    rules = load_rules(path)
    return _json(
        {
            "source": str(path),
            "rules": [r.model_dump(mode="json") for r in rules.rules],
            "notifiers": sorted(rules.notifiers),
        }
    )


@router.post("/api/v1/alerts/rules/check")
async def check_rules(request: Request, _: Manager) -> Response:
    """Validate a rule file sent as the body (TOML, or YAML with a YAML content type):
    ``{"valid": true, "rules": n}`` or ``{"valid": false, "problems": [...]}``, every problem
    at once. Install a checked file with ``LOGYARD_ALERT_RULES`` and a restart."""
    import tomllib

    from logyard.alerting import RuleFileError, rules_from_dict

    raw = (await request.body()).decode("utf-8", "replace")
    kind = request.headers.get("content-type", "")
    try:
        if "yaml" in kind:
            import yaml  # type: ignore[import-untyped]

            data = yaml.safe_load(raw) or {}
        else:
            data = tomllib.loads(raw)
    except Exception as exc:  # TOMLDecodeError, yaml.YAMLError (imported lazily)
        return _json({"valid": False, "problems": [f"body: {exc}; fix the syntax"]})
    try:
        rules = rules_from_dict(data, source="body")
    except RuleFileError as exc:
        return _json({"valid": False, "problems": exc.problems})
    return _json({"valid": True, "rules": len(rules.rules)})
