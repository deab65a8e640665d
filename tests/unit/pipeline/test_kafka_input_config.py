"""The kafka input's settings: wrong shapes are refused with the field and the expected shape."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from logyard.pipeline.inputs.kafka import KafkaInput, KafkaInputConfig


def test_brokers_given_as_a_string_is_refused_with_the_expected_shape() -> None:
    """brokers = "kafka:9092" (not a list) fails on `brokers`, showing the list shape wanted."""
    with pytest.raises(ValidationError) as info:
        KafkaInputConfig.model_validate(
            {"type": "kafka", "brokers": "kafka:9092", "topics": ["logs.mes"]}
        )
    [error] = info.value.errors()
    assert error["loc"] == ("brokers",)
    assert error["msg"] == (
        'Value error, expected a list of "host:port" strings, e.g. ["kafka-1:9092"], '
        "got 'kafka:9092'"
    )


def test_a_broker_without_a_port_is_refused() -> None:
    """Each broker must be "host:port"; the bad entry is named."""
    with pytest.raises(ValidationError) as info:
        KafkaInputConfig.model_validate(
            {"type": "kafka", "brokers": ["kafka-1:9092", "kafka-2"], "topics": ["logs.mes"]}
        )
    [error] = info.value.errors()
    assert error["loc"] == ("brokers",)
    assert "got 'kafka-2' in the list" in error["msg"]


def test_options_that_would_break_the_commit_rule_are_refused() -> None:
    """enable.auto.commit cannot be switched on: offsets are committed only after the store."""
    with pytest.raises(ValidationError) as info:
        KafkaInputConfig.model_validate(
            {
                "type": "kafka",
                "brokers": ["kafka:9092"],
                "topics": ["logs.mes"],
                "options": {"enable.auto.commit": "true"},
            }
        )
    [error] = info.value.errors()
    assert error["loc"] == ("options",)
    assert "'enable.auto.commit' cannot be set here" in error["msg"]


def test_a_minimal_config_parses_with_the_documented_defaults() -> None:
    """The minimal example parses: group "logyard", no options, no password, 10 s to connect."""
    config = KafkaInputConfig.model_validate(
        {"type": "kafka", "brokers": ["kafka:9092"], "topics": ["^logs\\..*", "legacy"]}
    )
    assert (config.group, config.options, config.password_env, config.connect_timeout_secs) == (
        "logyard",
        {},
        None,
        10.0,
    )
    assert KafkaInput.config_class is KafkaInputConfig
