"""Kafka connection checks for the command line (the flags are in :mod:`logyard._kafka_flags`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from logyard._kafka_flags import PROTOCOLS, add_security_arguments, security_config
from logyard.errors import LogyardError

__all__ = [
    "PROTOCOLS",
    "KafkaUnreachable",
    "add_security_arguments",
    "check_reachable",
    "security_config",
]


class KafkaUnreachable(LogyardError):
    """The brokers did not answer, or refused the credentials (the message says which)."""


def check_reachable(bootstrap: str, config: Mapping[str, Any], timeout_secs: float = 10) -> None:
    """List the cluster's topics once; :class:`KafkaUnreachable` with the broker's reason
    (an authentication failure names the user; a timeout names the addresses)."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient

    errors: list[str] = []
    settings = {
        "bootstrap.servers": bootstrap,
        "log_level": 0,
        **config,
        "error_cb": lambda err: errors.append(str(err.str())),
    }
    admin = AdminClient(settings)
    try:
        admin.list_topics(timeout=timeout_secs)
    except KafkaException as exc:
        admin.poll(0)  # serves error_cb: the broker's reason (an auth failure) arrives there
        auth = next((e for e in errors if "authentication" in e.lower()), None)
        who = config.get("sasl.username")
        if auth is not None:
            raise KafkaUnreachable(
                f"kafka {bootstrap}: authentication failed"
                + (f" for user {who!r}" if who else "")
                + f" ({auth}); check --sasl-username, the password in its variable and "
                "--sasl-mechanism"
            ) from None
        reason = errors[-1] if errors else str(exc.args[0].str() if exc.args else exc)
        hint = (
            "the brokers may require authentication: pass --security-protocol SASL_SSL and "
            "--sasl-username"
            if "security.protocol" not in config
            else "check --bootstrap and --security-protocol"
        )
        raise KafkaUnreachable(
            f"kafka {bootstrap}: no answer in {timeout_secs:g}s ({reason}); {hint}"
        ) from None
