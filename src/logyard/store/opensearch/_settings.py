"""Build an :class:`OpenSearchStore` from the processor's ``[store]`` settings.

Secrets come from the environment variables the ``*_env`` options name, never from the file;
a variable that is not set is a :class:`ConfigError` naming the option.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from logyard._env import secret_from_env
from logyard.errors import ConfigError

if TYPE_CHECKING:
    from logyard.store.opensearch._store import OpenSearchStore

__all__ = ["StoreOptions", "open_from_settings"]


class StoreOptions(Protocol):
    """The options of ``[store]`` with ``type = "opensearch"`` (``pipeline.StoreSettings``)."""

    @property
    def url(self) -> str | None: ...
    @property
    def flavour(self) -> Literal["opensearch", "elasticsearch"]: ...
    @property
    def username(self) -> str | None: ...
    @property
    def password_env(self) -> str | None: ...
    @property
    def api_key_env(self) -> str | None: ...
    @property
    def ca_file(self) -> Path | None: ...
    @property
    def verify_tls(self) -> bool: ...
    @property
    def refresh(self) -> Literal["false", "true", "wait_for"]: ...


def _secret(option: str, variable: str | None, what: str) -> str | None:
    return None if variable is None else secret_from_env("store", option, variable, what)


def open_from_settings(settings: StoreOptions) -> OpenSearchStore:
    """The store the settings describe (connects, checks the cluster, creates the indices)."""
    from logyard.store.opensearch._store import OpenSearchStore

    if not settings.url:
        raise ConfigError('store.url: required with type = "opensearch"; e.g. https://es:9200')
    if settings.ca_file is not None and not settings.ca_file.is_file():
        raise ConfigError(
            f"store.ca_file: {settings.ca_file} is not a readable file; "
            "point it at the cluster's CA certificate (PEM)"
        )
    password = _secret("password_env", settings.password_env, "the cluster user's password")
    api_key = _secret("api_key_env", settings.api_key_env, "an API key (base64 id:key)")
    if password is not None and settings.username is None:
        raise ConfigError("store.username: required with password_env; name the cluster user")
    return OpenSearchStore(
        [u.strip() for u in settings.url.split(",") if u.strip()],
        flavour=settings.flavour,
        username=settings.username,
        password=password,
        api_key=api_key,
        ca_file=str(settings.ca_file) if settings.ca_file is not None else None,
        verify_tls=settings.verify_tls,
        refresh=settings.refresh,
    )
