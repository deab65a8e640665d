"""The RabbitMQ input's settings: what a config may say, and what it may not."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from logyard.pipeline._config import parse_config
from logyard.pipeline.inputs import input_class
from logyard.pipeline.inputs.rabbitmq import RabbitMQInput, RabbitMQInputConfig

DOC = Path(__file__).parents[3] / "docs" / "inputs" / "rabbitmq.md"


def errors(**settings: Any) -> list[tuple[str, str]]:
    """(path, message) of every problem with ``settings``."""
    with pytest.raises(ValidationError) as info:
        RabbitMQInputConfig.model_validate({"type": "rabbitmq", **settings})
    return [(".".join(map(str, e["loc"])), e["msg"]) for e in info.value.errors()]


def test_the_registry_names_this_input() -> None:
    """``type = "rabbitmq"`` resolves to the input and its config class."""
    cls = input_class("rabbitmq")
    assert (cls, cls.config_class) == (RabbitMQInput, RabbitMQInputConfig)


def test_defaults() -> None:
    """A queue and a URL are enough: durable, prefetch 1000, events mode."""
    config = RabbitMQInputConfig(url="amqp://127.0.0.1/", queue="q")
    assert (config.durable, config.passive, config.prefetch, config.mode) == (
        True,
        False,
        1000,
        "events",
    )


def test_the_documented_example_parses() -> None:
    """The example of docs/inputs/rabbitmq.md is a valid pipeline config."""
    block = re.search(r"```toml\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None
    config = parse_config(tomllib.loads(block.group(1)))
    assert {name: c.model_dump()["mode"] for name, c in config.inputs.items()} == {
        "crm_orders": "orders",
        "legacy_events": "events",
    }


def test_a_password_in_the_url_is_refused() -> None:
    """The file never holds a secret: the error says where to put the password instead."""
    ((path, message),) = errors(url="amqp://logyard:s3cret@mq:5672/crm", queue="q")
    assert path == "url"
    assert "contains a password; keep the URL without it and set `password_env`" in message
    assert "s3cret" not in message


def test_exactly_one_of_url_and_url_env() -> None:
    """Neither or both is an error naming both options."""
    neither = errors(queue="q")
    both = errors(url="amqp://mq/", url_env="MQ_URL", queue="q")
    assert [m for _, m in neither] == [m for _, m in both]
    assert "set exactly one of `url` (without password) and `url_env`" in neither[0][1]


@pytest.mark.parametrize("prefetch", [0, -1, 65536])
def test_prefetch_is_bounded(prefetch: int) -> None:
    """``prefetch`` is an AMQP short count: 1..65535."""
    assert [p for p, _ in errors(url="amqp://mq/", queue="q", prefetch=prefetch)] == ["prefetch"]


@pytest.mark.parametrize(
    ("settings", "path"),
    [
        ({"url": "http://mq/"}, "url"),
        ({"url": "amqp://mq:99999/"}, "url"),
        ({"url_env": "not a name"}, "url_env"),
        ({"url": "amqp://mq/", "mode": "rows"}, "mode"),
        ({"url": "amqp://mq/", "queue": ""}, "queue"),
        ({"url": "amqp://mq/", "exchange": "x"}, "exchange"),
    ],
)
def test_bad_settings_name_their_path(settings: dict[str, Any], path: str) -> None:
    """Each wrong setting is reported at its own path."""
    merged = {"queue": "q", **settings}
    assert path in [p for p, _ in errors(**merged)]


def test_password_env_goes_with_url() -> None:
    """``password_env`` with ``url_env`` is refused: that URL holds the password already."""
    ((_, message),) = errors(url_env="MQ_URL", password_env="MQ_PW", queue="q")
    assert "`password_env` goes with `url`" in message
