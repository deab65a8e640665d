"""The LOGYARD_RETENTION_* variables of the scheduled run."""

from __future__ import annotations

from pathlib import Path

import pytest

from logyard.errors import ConfigError
from logyard.retention import RetentionPolicy, RetentionSettings


def test_defaults_archive_daily_after_180_days_into_the_data_dir() -> None:
    """No variables: enabled, 180 days, daily, first run 10 minutes after the start."""
    s = RetentionSettings.from_env({})
    assert (True, RetentionPolicy(180, {}), 86_400.0, 600.0, "d/archive") == (
        s.enabled,
        s.policy(),
        s.every_secs,
        s.start_delay_secs,
        s.destination(Path("d")),
    )


def test_every_variable_is_read() -> None:
    """Each documented variable sets its setting."""
    s = RetentionSettings.from_env(
        {
            "LOGYARD_RETENTION_ENABLED": "false",
            "LOGYARD_RETENTION_DAYS": "30",
            "LOGYARD_RETENTION_SYSTEMS": "mes=7, crm=365",
            "LOGYARD_RETENTION_TO": "s3://logs/archive",
            "LOGYARD_RETENTION_ENDPOINT_URL": "http://127.0.0.1:9000",
            "LOGYARD_RETENTION_EVERY_SECS": "3600",
            "LOGYARD_RETENTION_START_DELAY_SECS": "0",
        }
    )
    assert (
        RetentionSettings(
            enabled=False,
            days=30,
            systems={"mes": 7, "crm": 365},
            to="s3://logs/archive",
            endpoint_url="http://127.0.0.1:9000",
            every_secs=3600.0,
            start_delay_secs=0.0,
        )
        == s
    )


def test_every_bad_variable_is_reported_at_once() -> None:
    """One error lists each wrong variable with its fix."""
    with pytest.raises(ConfigError) as info:
        RetentionSettings.from_env(
            {
                "LOGYARD_RETENTION_ENABLED": "maybe",
                "LOGYARD_RETENTION_DAYS": "0",
                "LOGYARD_RETENTION_SYSTEMS": "erp=3",
                "LOGYARD_RETENTION_TO": "ftp://host/x",
                "LOGYARD_RETENTION_EVERY_SECS": "daily",
            }
        )
    expected = [
        "LOGYARD_RETENTION_ENABLED: 'maybe' is not a boolean; write true or false",
        "LOGYARD_RETENTION_DAYS: 0 is below 1; use 1 or more",
        "LOGYARD_RETENTION_SYSTEMS: 'erp' is not a system; use one of internet-shop, "
        "shop-api, crm, crm-api, mes, mes-api",
        "LOGYARD_RETENTION_TO: 'ftp://host/x': only s3:// URLs and directories are "
        "supported; write s3://bucket/prefix or a directory path",
        "LOGYARD_RETENTION_EVERY_SECS: 'daily' is not a number; write e.g. 86400",
    ]
    assert expected == str(info.value).split("\n  ")[1:]


def test_the_archive_location_is_checked_as_retention_run_checks_it() -> None:
    """``LOGYARD_RETENTION_TO=s3://`` (no bucket) is refused when the settings load, with the
    message ``open_target`` gives for ``--to`` under the variable's name."""
    from logyard.retention._target import open_target

    with pytest.raises(ConfigError) as loaded:
        RetentionSettings.from_env({"LOGYARD_RETENTION_TO": "s3://"})
    with pytest.raises(ConfigError) as opened:
        open_target("s3://", where="LOGYARD_RETENTION_TO")
    expected = ["LOGYARD_RETENTION_TO: 's3://' names no bucket; write s3://bucket/prefix"] * 2
    assert expected == [str(loaded.value).split("\n  ")[-1], str(opened.value)]
