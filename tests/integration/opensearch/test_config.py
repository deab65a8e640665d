"""The opensearch store in ``pipeline.toml``: the documented example parses, the processor
builds the store from it, and missing settings are reported with their paths."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from logyard.errors import ConfigError
from logyard.pipeline._config import StoreSettings, parse_config
from logyard.store.opensearch import OpenSearchStore, open_from_settings

DOC = Path(__file__).parents[3] / "docs" / "stores" / "opensearch.md"


def example() -> dict[str, Any]:
    block = re.search(r"```toml\n(.*?)```", DOC.read_text(), re.S)
    assert block is not None
    return tomllib.loads(block.group(1))


def test_documented_example_parses() -> None:
    """The example of docs/stores/opensearch.md is a valid config with the values it shows."""
    config = parse_config(example())
    expected = StoreSettings(
        type="opensearch",
        url="https://es-1:9200,https://es-2:9200",
        flavour="elasticsearch",
        username="logyard_writer",
        password_env="LOGYARD_ES_PASSWORD",
        ca_file=Path("/etc/logyard/es-ca.pem"),
        refresh="false",
    )
    assert expected == config.store


def test_url_is_required() -> None:
    """type = "opensearch" without a url is reported at store with an example."""
    with pytest.raises(
        ConfigError, match=r'store: Value error, url is required with type = "opensearch"'
    ):
        parse_config({"store": {"type": "opensearch"}, "inputs": example()["inputs"]})


def test_missing_password_variable_names_the_option(monkeypatch: pytest.MonkeyPatch) -> None:
    """password_env naming an unset variable: a ConfigError naming the option and variable."""
    monkeypatch.delenv("LOGYARD_TEST_ES_PASSWORD", raising=False)
    settings = StoreSettings(
        type="opensearch", url="http://127.0.0.1:9", username="u",
        password_env="LOGYARD_TEST_ES_PASSWORD",
    )  # fmt: skip
    with pytest.raises(
        ConfigError,
        match=r"store\.password_env: environment variable LOGYARD_TEST_ES_PASSWORD is not set",
    ):
        open_from_settings(settings)


def test_missing_ca_file_is_a_config_error(tmp_path: Path) -> None:
    """A ca_file that does not exist is reported before any connection is tried."""
    settings = StoreSettings(type="opensearch", url="https://127.0.0.1:9", ca_file=tmp_path / "x")
    with pytest.raises(ConfigError, match=r"store\.ca_file: .* is not a readable file"):
        open_from_settings(settings)


def test_processor_builds_the_store_from_the_config(opensearch_url: str) -> None:
    """The standalone processor's store for type = "opensearch" is an OpenSearchStore on the
    configured cluster, ready to write."""
    from logyard.pipeline._standalone import _open_store

    raw = {"store": {"type": "opensearch", "url": opensearch_url}, "inputs": example()["inputs"]}
    store = _open_store(parse_config(raw))
    assert (type(store), store.count()) == (OpenSearchStore, 0)
    store.close()
