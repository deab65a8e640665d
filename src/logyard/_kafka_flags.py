"""Kafka connection security flags for the command line: TLS and SASL, one way everywhere.

``logyard setup kafka`` and ``logyard sim --kafka`` take the same flags; the processor's
``kafka`` input takes the same librdkafka settings in ``options`` (its password from
``password_env``). Secrets never appear on the command line: ``--sasl-password-env`` names
the variable that holds the password. Kept apart from ``logyard.pipeline`` (standard
library only) because every ``logyard`` command builds its parser with these flags.

::

    logyard setup kafka --bootstrap kafka-1:9093 --security-protocol SASL_SSL \\
        --sasl-mechanism SCRAM-SHA-512 --sasl-username logyard-admin \\
        --sasl-password-env KAFKA_ADMIN_PASSWORD --ssl-ca-file /etc/kafka/ca.pem
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path

from logyard.errors import ConfigError

__all__ = ["MECHANISMS", "PROTOCOLS", "add_security_arguments", "security_config"]

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


def add_security_arguments(parser: argparse.ArgumentParser) -> None:
    """The TLS/SASL flags of every command that talks to Kafka."""
    group = parser.add_argument_group("Kafka security (TLS and SASL)")
    group.add_argument("--security-protocol", choices=PROTOCOLS, default=None,
                       help="default PLAINTEXT; SASL_SSL in production")  # fmt: skip
    group.add_argument("--sasl-mechanism", choices=MECHANISMS, default=None,
                       help="default SCRAM-SHA-512 with a SASL protocol")  # fmt: skip
    group.add_argument("--sasl-username", default=None)
    group.add_argument(
        "--sasl-password-env", default="LOGYARD_KAFKA_PASSWORD", metavar="VAR",
        help="environment variable holding the SASL password (default LOGYARD_KAFKA_PASSWORD)",
    )  # fmt: skip
    group.add_argument("--ssl-ca-file", type=Path, default=None, help="CA certificate (PEM)")
    group.add_argument("--ssl-cert-file", type=Path, default=None, help="client certificate")
    group.add_argument("--ssl-key-file", type=Path, default=None, help="client private key")
    group.add_argument(
        "-X", dest="kafka_options", action="append", default=[], metavar="KEY=VALUE",
        help="any other librdkafka setting (repeatable), e.g. -X ssl.endpoint.identification"
        ".algorithm=none",
    )  # fmt: skip


def security_config(
    args: argparse.Namespace, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The librdkafka settings of the flags; :class:`ConfigError` naming the flag to fix."""
    env = os.environ if environ is None else environ
    config: dict[str, str] = {}
    for item in args.kafka_options:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"-X {item!r}: expected KEY=VALUE, e.g. -X socket.timeout.ms=5000")
        if "password" in key or key.endswith(".pem"):
            raise ConfigError(
                f"-X {key}: secrets do not go on the command line (they show in `ps`); "
                "use --sasl-password-env or a file option"
            )
        config[key.strip()] = value
    protocol = args.security_protocol
    sasl = protocol is not None and protocol.startswith("SASL")
    if not sasl and (args.sasl_username or args.sasl_mechanism):
        raise ConfigError(
            "--sasl-username/--sasl-mechanism: need --security-protocol SASL_SSL "
            "(or SASL_PLAINTEXT)"
        )
    if protocol is not None:
        config["security.protocol"] = protocol
    if sasl:
        if not args.sasl_username:
            raise ConfigError(f"--sasl-username: required with --security-protocol {protocol}")
        password = env.get(args.sasl_password_env)
        if not password:
            raise ConfigError(
                f"--sasl-password-env: environment variable {args.sasl_password_env} is not "
                f"set; export the password of {args.sasl_username} in it"
            )
        config["sasl.mechanism"] = args.sasl_mechanism or "SCRAM-SHA-512"
        config["sasl.username"] = args.sasl_username
        config["sasl.password"] = password
    files = {
        "--ssl-ca-file": ("ssl.ca.location", args.ssl_ca_file),
        "--ssl-cert-file": ("ssl.certificate.location", args.ssl_cert_file),
        "--ssl-key-file": ("ssl.key.location", args.ssl_key_file),
    }
    for flag, (key, path) in files.items():
        if path is None:
            continue
        if protocol not in ("SSL", "SASL_SSL"):
            raise ConfigError(f"{flag}: needs --security-protocol SSL or SASL_SSL")
        if not path.is_file():
            raise ConfigError(f"{flag}: {path} is not a readable file; check the path")
        config[key] = str(path)
    return config
