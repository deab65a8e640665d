"""configure() builds the logger from LOGYARD_* variables; transports keep secrets out of reprs."""

from __future__ import annotations

from pathlib import Path

import pytest

from logyard.errors import ConfigError
from logyard.sdk import HttpTransport, MemoryTransport, configure


def test_configure_builds_an_http_logger_from_the_environment(tmp_path: Path) -> None:
    """LOGYARD_URL/TOKEN make the HTTP transport; LOGYARD_SPOOL_DIR puts the spool on disk."""
    env = {
        "LOGYARD_URL": "http://logyard.internal:8080",
        "LOGYARD_TOKEN": "s3cret",
        "LOGYARD_SPOOL_DIR": str(tmp_path / "spool"),
        "LOGYARD_SPOOL_MAX_BYTES": "1048576",
    }
    log = configure("mes", version="1.4.2", env=env)
    try:
        assert isinstance(log.transport, HttpTransport)
        assert log.transport.url == "http://logyard.internal:8080"
        assert (tmp_path / "spool" / "spool.dat").exists()
    finally:
        log.close(timeout_secs=0.1)


def test_a_missing_url_is_a_config_error_that_says_what_to_set() -> None:
    """Without LOGYARD_URL (and no transport), configure names the variable to set."""
    with pytest.raises(ConfigError, match=r"^LOGYARD_URL: not set; set it"):
        configure("mes", env={})


def test_a_malformed_spool_size_is_a_config_error() -> None:
    """LOGYARD_SPOOL_MAX_BYTES must be a positive integer."""
    with pytest.raises(ConfigError, match=r"^LOGYARD_SPOOL_MAX_BYTES: expected a positive"):
        configure("mes", transport=MemoryTransport(), env={"LOGYARD_SPOOL_MAX_BYTES": "lots"})


def test_the_token_never_appears_in_the_transports_repr() -> None:
    """repr shows [secure] instead of the token."""
    transport = HttpTransport("http://h:1", "s3cret")
    assert repr(transport) == "HttpTransport(url='http://h:1', token=[secure])"


def test_an_unknown_service_is_refused() -> None:
    """A service outside the six systems is a ConfigError."""
    with pytest.raises(ConfigError, match=r"^service: 'billing' is not one of the systems"):
        configure("billing", transport=MemoryTransport(), env={})  # type: ignore[arg-type]
