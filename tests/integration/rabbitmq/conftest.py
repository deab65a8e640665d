"""Fixtures of the RabbitMQ input's tests: the machine's broker, one queue per test.

The broker is the machine's own RabbitMQ (``.ci/run`` starts it when it is down) at
``LOGYARD_TEST_AMQP_URL`` (default ``amqp://guest:guest@127.0.0.1:5672/%2F``). When it is
not reachable the tests skip, and fail under ``CI=true``.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pika
import pika.exceptions
import pytest

from logyard.pipeline.inputs.rabbitmq import RabbitMQInput, RabbitMQInputConfig

URL_ENV = "LOGYARD_TEST_AMQP_URL"
DEFAULT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"

Publish = Callable[..., None]
MakeInput = Callable[..., RabbitMQInput]


@pytest.fixture(scope="session")
def amqp_url() -> str:
    """The broker's URL (password included); skips, or fails under CI, when it is down."""
    url = os.environ.get(URL_ENV, DEFAULT_URL)
    try:
        pika.BlockingConnection(pika.URLParameters(url)).close()
    except (pika.exceptions.AMQPError, OSError) as exc:
        reason = f"RabbitMQ is not reachable at {URL_ENV} ({type(exc).__name__})"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true and {reason}")
        pytest.skip(reason)
    return url


@pytest.fixture
def queue(amqp_url: str) -> Iterator[str]:
    """A fresh queue name for this test; the queue is deleted afterwards."""
    name = f"logyard-test-{uuid.uuid4().hex[:12]}"
    yield name
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    try:
        connection.channel().queue_delete(name)
    finally:
        connection.close()


@pytest.fixture
def publish(amqp_url: str, queue: str) -> Iterator[Publish]:
    """``publish(body, **properties)``: a persistent message on the test's (durable) queue."""
    connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
    channel = connection.channel()
    channel.queue_declare(queue, durable=True)
    channel.confirm_delivery()

    def send(body: bytes, **properties: Any) -> None:
        props = pika.BasicProperties(delivery_mode=2, **properties)
        channel.basic_publish(exchange="", routing_key=queue, body=body, properties=props)

    yield send
    connection.close()


@pytest.fixture
def make_input(amqp_url: str, queue: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[MakeInput]:
    """``make_input(**settings)``: an opened input on the test's queue, closed afterwards.

    The URL reaches it as the config would: through ``url_env``.
    """
    monkeypatch.setenv(URL_ENV, amqp_url)
    opened: list[RabbitMQInput] = []

    def make(name: str = "mq", **settings: Any) -> RabbitMQInput:
        config = RabbitMQInputConfig(url_env=URL_ENV, queue=queue, **settings)
        source = RabbitMQInput(name, config)
        source.open()
        opened.append(source)
        return source

    yield make
    for source in opened:
        source.close()


@pytest.fixture
def depth(amqp_url: str, queue: str) -> Callable[[], int]:
    """``depth()``: messages ready in the test's queue (not counting those out to a consumer)."""

    def ready() -> int:
        connection = pika.BlockingConnection(pika.URLParameters(amqp_url))
        try:
            declared = connection.channel().queue_declare(queue, passive=True)
            return int(declared.method.message_count)
        finally:
            connection.close()

    return ready
