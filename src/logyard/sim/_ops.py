"""Operations: deploys, failures and restarts, warnings, stray errors, plain log records.

These follow the clock rather than the traffic: a deploy every hour or so across the six
systems, a failure every twenty minutes (mostly printers), a warning every few minutes.
"""

from __future__ import annotations

from logyard.catalog import (
    SYSTEMS,
    DeployFinished,
    Level,
    LogRecord,
    ServiceFailure,
    ServiceStarted,
    ServiceStopped,
    System,
    WarningEvent,
)
from logyard.sim._api import error_event
from logyard.sim._texts import payment_error
from logyard.sim._world import Story, World

__all__ = ["background_error", "deploy", "failure", "log_record", "warning"]

_MINUTE = 60_000


def _restart(w: World, t: int, system: System, reason: str) -> Story:
    host = w.host(system)
    version = "%d.%d.%d" % w.versions[system]  # noqa: UP031 - a tuple of three ints
    yield t, ServiceStopped(
        timestamp=w.ts(t), event_id=w.eid(t), service=system, host=host,
        service_version=version, message=f"{system} on {host} stopped: {reason}",
    )  # fmt: skip
    t += 5_000 + int(w.rnd() * 55_000)
    if reason == "deploy":
        major, minor, patch = w.versions[system]
        bump = w.rnd() < 0.3
        w.versions[system] = (major, minor + 1, 0) if bump else (major, minor, patch + 1)
        version = "%d.%d.%d" % w.versions[system]  # noqa: UP031
    yield t, ServiceStarted(
        timestamp=w.ts(t), event_id=w.eid(t), service=system, host=host,
        service_version=version, message=f"{system} {version} started on {host}",
    )  # fmt: skip


def deploy(w: World, t: int) -> Story:
    """A release: the service restarts on the new version, then the deploy is reported.

    A MES API release sometimes makes order calculations slower until the next one.
    """
    system = w.pick(SYSTEMS)
    # lead time for changes: minutes to days between the commit and the deploy
    lead_ms = int(10 * _MINUTE * 2.0 ** (w.rnd() * 9.5))
    for item in _restart(w, t, system, "deploy"):
        t = item[0]
        yield item
    if system == "mes-api":
        w.calc_factor = 2.5 if w.rnd() < 0.35 else 1.0
    t += 2_000 + int(w.rnd() * 8_000)
    version = "%d.%d.%d" % w.versions[system]  # noqa: UP031
    yield t, DeployFinished(
        timestamp=w.ts(t), event_id=w.eid(t), service=system, host=w.host(system),
        service_version=version, message=f"deployed {system} {version}",
        version=version, commit_time=w.ts(t - lead_ms),
    )  # fmt: skip


def failure(w: World, t: int) -> Story:
    """FATAL: a printer breaks (hardware), or a service loses its database and restarts."""
    r = w.rnd()
    if r < 0.5:
        printer = f"printer-{1 + int(w.rnd() * 24):02d}"
        problem = w.pick(("hotend thermistor reads -14°C", "stepper driver overheated",
                          "filament runout sensor stuck", "bed heater short circuit"))  # fmt: skip
        yield t, error_event(w, t, "mes", "PrinterHardwareError", f"{printer}: {problem}", None)
        t += 200
        yield t, _fatal(w, t, "mes", printer, "hardware", f"{printer} halted: {problem}")
        return
    system: System
    if r < 0.8:
        system, component = "crm-api", "postgresql"
        message = 'connection to server at "10.20.0.5", port 5432 failed: Connection refused'
        error_type = "psycopg.OperationalError"
    elif r < 0.9:
        system, component = "mes-api", "calc-worker"
        message, error_type = "worker killed: out of memory (rss 3.9 GiB)", "MemoryError"
    else:
        system, component = "shop-api", "payment-gateway"
        message, error_type = "payment gateway unreachable after 3 attempts", "GatewayError"
    w.degraded_until[system] = t + 2 * _MINUTE
    for _ in range(2 + int(w.rnd() * 3)):
        yield t, error_event(w, t, system, error_type, message, None)
        t += 1_000 + int(w.rnd() * 5_000)
    yield t, _fatal(w, t, system, component, "software", f"{component}: {message}")
    if system != "shop-api":
        for item in _restart(w, t + 500, system, "failure"):
            t = item[0]
            yield item
        w.degraded_until[system] = t


def _fatal(
    w: World, t: int, system: System, component: str, kind: str, message: str
) -> ServiceFailure:
    return ServiceFailure(
        timestamp=w.ts(t), event_id=w.eid(t), service=system, host=w.host(system),
        message=message, component=component, kind="hardware" if kind == "hardware" else "software",
    )  # fmt: skip


def warning(w: World, t: int) -> Story:
    """WARN: a value near its limit (queue depth, print farm wait, disk, pool, latency)."""
    r = w.rnd()
    system: System
    if r < 0.25:
        system, cond, limit = "crm-api", "queue.depth", 10_000.0
        value = float(8_000 + int(w.rnd() * 1_990))
        text = f"queue orders.incoming depth {value:.0f} of {limit:.0f}"
    elif r < 0.45:
        system, cond, limit = "mes", "print_farm.queue_wait_minutes", 120.0
        value = float(90 + int(w.rnd() * 29))
        text = f"print farm is slow: jobs wait {value:.0f} min (limit {limit:.0f})"
    elif r < 0.7:
        system, cond, limit = w.pick(SYSTEMS), "disk.used_percent", 85.0
        value = round(85.0 + w.rnd() * 12.0, 1)
        text = f"disk /var/lib/{system} {value}% full (threshold {limit:.0f}%)"
    elif r < 0.85:
        system, cond, limit = "crm-api", "db.pool.in_use", 20.0
        value = float(16 + int(w.rnd() * 4))
        text = f"database pool {value:.0f} of {limit:.0f} connections in use"
    else:
        system, cond, limit = "shop-api", "http.latency_p95_ms", 500.0
        value = round(400.0 + w.rnd() * 99.0, 1)
        text = f"p95 latency {value} ms is close to the {limit:.0f} ms objective"
    yield t, WarningEvent(
        timestamp=w.ts(t), event_id=w.eid(t), service=system, host=w.host(system),
        message=text, condition=cond, threshold=limit, value=value,
    )  # fmt: skip


def background_error(w: World, t: int) -> Story:
    """ERROR: an erroneous state outside any request the simulator traces."""
    r = w.rnd()
    person = w.customer()
    system: System
    if r < 0.3:
        system = "shop-api"
        error_type, message = payment_error(w, person)
    elif r < 0.5:
        system, error_type = "crm", "ValidationError"
        message = f"phone {w.phone(person)!r} of {person.name} does not match +7XXXXXXXXXX"
    elif r < 0.65:
        system, error_type = "mes", "GCodeError"
        message = f"slicer failed for order {w.recent_order() or 'ORD-000000'}: non-manifold mesh"
    elif r < 0.8:
        system, error_type = "internet-shop", "TypeError"
        message = "Cannot read properties of undefined (reading 'price') at /checkout"
    elif r < 0.9:
        system, error_type = "mes-api", "CalculationError"
        message = "no price for material 'resin' in color 'gold'"
    else:
        system, error_type = "crm-api", "DuplicateMessageError"
        message = f"message {w.bits(64):016x} from orders.incoming already processed"
    yield t, error_event(w, t, system, error_type, message, None)


_RECORDS: tuple[tuple[System, str, str], ...] = (
    ("shop-api", "shop_api.cache", "product cache warmed: 1840 items"),
    ("crm-api", "crm_api.consumer", "consumer rebalanced: 3 partitions assigned"),
    ("mes", "mes.scheduler", "scheduler tick: print queue recalculated"),
    ("mes-api", "mes_api.gc", "garbage collection pause 48 ms"),
    ("internet-shop", "shop.sitemap", "sitemap regenerated"),
    ("crm", "crm.reports", "daily sales report queued"),
)


def log_record(w: World, t: int) -> Story:
    """A plain ``logging`` record; notification logs carry the customer's phone or email."""
    r = w.rnd()
    system: System
    level: Level
    if r < 0.3:
        person = w.customer()
        system, logger = "crm", "crm.notify"
        if w.rnd() < 0.5:
            text = f"order confirmation SMS sent to {w.phone(person)}"
        else:
            text = f"order confirmation email sent to {person.email} ({person.name})"
        level = "INFO"
    else:
        system, logger, text = w.pick(_RECORDS)
        level = "DEBUG" if w.rnd() < 0.3 else "INFO"
    yield t, LogRecord(
        timestamp=w.ts(t), event_id=w.eid(t), service=system, host=w.host(system),
        level=level, logger=logger, message=text,
    )  # fmt: skip
