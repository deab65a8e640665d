"""``logyard._env``: the one reader of secrets named by ``..._env`` options."""

from __future__ import annotations

import pytest

from logyard._env import secret_from_env
from logyard.errors import ConfigError


def test_secret_from_env_returns_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    """A set variable is returned as it is."""
    monkeypatch.setenv("LOGYARD_TEST_SECRET", "s3cret")
    expected = "s3cret"
    assert expected == secret_from_env("store", "password_env", "LOGYARD_TEST_SECRET", "it")


@pytest.mark.parametrize("value", [None, ""])
def test_secret_from_env_names_option_variable_and_fix(
    monkeypatch: pytest.MonkeyPatch, value: str | None
) -> None:
    """An unset or empty variable is a ConfigError naming the option, the variable and what
    to export."""
    if value is None:
        monkeypatch.delenv("LOGYARD_TEST_SECRET", raising=False)
    else:
        monkeypatch.setenv("LOGYARD_TEST_SECRET", value)
    with pytest.raises(ConfigError) as caught:
        secret_from_env("inputs.orders", "password_env", "LOGYARD_TEST_SECRET", "the password")
    expected = (
        "inputs.orders.password_env: environment variable LOGYARD_TEST_SECRET is not set; "
        "export it with the password"
    )
    assert expected == str(caught.value)
