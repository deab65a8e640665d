"""Input ``type`` → implementing class, imported lazily."""

from __future__ import annotations

import importlib
from typing import Any

from logyard.errors import ConfigError, NotInstalledError

__all__ = ["INPUTS", "input_class"]

#: type → ("module:Class", the extra that installs its client library)
INPUTS: dict[str, tuple[str, str]] = {
    "kafka": ("logyard.pipeline.inputs.kafka:KafkaInput", "kafka"),
    "postgres": ("logyard.pipeline.inputs.postgres:PostgresInput", "postgres"),
    "rabbitmq": ("logyard.pipeline.inputs.rabbitmq:RabbitMQInput", "rabbitmq"),
    "s3": ("logyard.pipeline.inputs.s3:S3Input", "s3"),
}


def input_class(type_name: str, where: str = "inputs") -> Any:
    """The class registered for ``type_name``; errors say what is known / what to install."""
    try:
        target, extra = INPUTS[type_name]
    except KeyError:
        known = ", ".join(sorted(INPUTS))
        raise ConfigError(
            f"{where}.type: unknown input type {type_name!r}; use one of {known}"
        ) from None
    module_name, _, class_name = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        if exc.name and not exc.name.startswith("logyard"):
            raise NotInstalledError(
                f"{where}: input type {type_name!r} needs {exc.name}; "
                f"pip install 'logyard[{extra}]'"
            ) from exc
        raise
    return getattr(module, class_name)
