"""Kafka security options against a Tansu broker that requires SASL (SCRAM-SHA-512).

Tansu authenticates but, with memory storage, cannot hold a user across the restart that
turns authentication on, and refuses user creation once it is on; so these tests prove the
SASL handshake is really made with the flags' settings and that every failure is one clear
sentence — the successful login is covered by the unit tests of the settings and by the
deployment docs.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from logyard.cli import main

from ._tansu import BrokerStartError, TansuBroker
from .conftest import _unavailable


@pytest.fixture(scope="module")
def sasl_broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TansuBroker]:
    """A Tansu broker that requires SASL authentication of every client."""
    broker = TansuBroker(tmp_path_factory.mktemp("tansu-sasl") / "tansu.log", authentication=True)
    try:
        broker.start()
    except (BrokerStartError, OSError) as exc:
        _unavailable(str(exc))
    yield broker
    broker.stop()


def test_setup_without_credentials_says_the_broker_may_require_them(
    sasl_broker: TansuBroker, capsys: pytest.CaptureFixture[str]
) -> None:
    """Against a broker that requires SASL, a plaintext `setup kafka` fails in one line that
    names the broker and the flags to add, instead of hanging or printing a traceback."""
    code = main(["setup", "kafka", "--bootstrap", sasl_broker.bootstrap])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"Error: kafka {sasl_broker.bootstrap}: no answer in 10s")
    assert "--security-protocol SASL_SSL and --sasl-username" in err


def test_setup_with_unknown_user_says_authentication_failed(
    sasl_broker: TansuBroker, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """With SASL flags the SCRAM-SHA-512 exchange reaches the broker, which refuses the
    user: the error names the broker, the user and the broker's reason."""
    monkeypatch.setenv("KAFKA_PW", "not-the-password")
    code = main(
        ["setup", "kafka", "--bootstrap", sasl_broker.bootstrap,
         "--security-protocol", "SASL_PLAINTEXT", "--sasl-username", "svc-crm",
         "--sasl-password-env", "KAFKA_PW"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith(f"Error: kafka {sasl_broker.bootstrap}: authentication failed for user")
    assert "'svc-crm'" in err
    assert "SCRAM" in err
    assert "not-the-password" not in err


def test_a_missing_password_variable_is_a_usage_error(
    sasl_broker: TansuBroker, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A SASL user without its password variable stops before any connection, exit 2."""
    monkeypatch.delenv("LOGYARD_KAFKA_PASSWORD", raising=False)
    code = main(
        ["setup", "kafka", "--bootstrap", sasl_broker.bootstrap,
         "--security-protocol", "SASL_SSL", "--sasl-username", "svc-crm"]
    )  # fmt: skip
    assert code == 2
    assert "LOGYARD_KAFKA_PASSWORD is not set" in capsys.readouterr().err


def test_dry_run_needs_no_broker(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--dry-run` with SASL_SSL flags prints the whole plan (the seven topics) without
    connecting: the address given here has no broker."""
    monkeypatch.setenv("LOGYARD_KAFKA_PASSWORD", "pw")
    code = main(
        ["setup", "kafka", "--bootstrap", "127.0.0.1:1", "--dry-run",
         "--security-protocol", "SASL_SSL", "--sasl-username", "logyard-admin"]
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert code == 0
    assert lines[0] == "dry run: nothing is sent to 127.0.0.1:1"
    assert sum(line.startswith("topic logs.") for line in lines) == 7
