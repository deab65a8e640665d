"""The Kafka TLS/SASL flags turn into librdkafka settings, or into errors naming the flag."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from logyard._kafka_flags import add_security_arguments, security_config
from logyard.errors import ConfigError


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_security_arguments(parser)
    return parser.parse_args(argv)


def test_no_flags_means_plaintext_defaults() -> None:
    """Without flags nothing is set: librdkafka's PLAINTEXT default applies."""
    assert security_config(parse(), {}) == {}


def test_sasl_ssl_with_scram_and_a_ca(tmp_path: Path) -> None:
    """SASL_SSL + user + password variable + CA file → the five librdkafka settings, the
    mechanism defaulting to SCRAM-SHA-512."""
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    args = parse("--security-protocol", "SASL_SSL", "--sasl-username", "logyard-processor",
                 "--ssl-ca-file", str(ca))  # fmt: skip
    assert security_config(args, {"LOGYARD_KAFKA_PASSWORD": "pw"}) == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "SCRAM-SHA-512",
        "sasl.username": "logyard-processor",
        "sasl.password": "pw",
        "ssl.ca.location": str(ca),
    }


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["--security-protocol", "SASL_SSL"], {"LOGYARD_KAFKA_PASSWORD": "pw"},
         "--sasl-username: required with --security-protocol SASL_SSL"),
        (["--security-protocol", "SASL_SSL", "--sasl-username", "u"], {},
         "--sasl-password-env: environment variable LOGYARD_KAFKA_PASSWORD is not set"),
        (["--sasl-username", "u"], {}, "need --security-protocol SASL_SSL"),
        (["--ssl-ca-file", "/nonexistent.pem"], {}, "--ssl-ca-file: needs --security-protocol"),
        (["--security-protocol", "SSL", "--ssl-ca-file", "/nonexistent.pem"], {},
         "--ssl-ca-file: /nonexistent.pem is not a readable file"),
        (["-X", "no-equals"], {}, "-X 'no-equals': expected KEY=VALUE"),
        (["-X", "sasl.password=leak"], {}, "-X sasl.password: secrets do not go on the command"),
    ],
)  # fmt: skip
def test_bad_flags_name_the_flag(argv: list[str], env: dict[str, str], message: str) -> None:
    """Each wrong combination is a ConfigError whose message starts at the flag to fix."""
    with pytest.raises(ConfigError) as caught:
        security_config(parse(*argv), env)
    assert message in str(caught.value)
    assert "leak" not in str(caught.value)


def test_extra_settings_pass_through() -> None:
    """-X KEY=VALUE reaches librdkafka unchanged (e.g. a socket timeout)."""
    args = parse("-X", "socket.timeout.ms=5000", "-X", "client.id=logyard-setup")
    assert security_config(args, {}) == {"socket.timeout.ms": "5000", "client.id": "logyard-setup"}
