"""The distributed store: Elasticsearch 8 and OpenSearch 2/3 behind one backend.

``OpenSearchStore`` is imported lazily so that the mappings can be used (by
``logyard setup``) without a client library installed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from logyard.store.opensearch._mapping import (
    CHECKPOINTS_INDEX,
    DEAD_LETTERS_INDEX,
    FREE_TEXT_FIELD,
    ORIGINALS_INDEX,
    Flavour,
    FreeForm,
    checkpoint_mappings,
    dead_letter_mappings,
    field_types,
    index_mappings,
    index_settings,
    originals_mappings,
)
from logyard.store.opensearch._settings import StoreOptions, open_from_settings

if TYPE_CHECKING:
    from logyard.store.opensearch._store import OpenSearchStore

__all__ = [
    "CHECKPOINTS_INDEX",
    "DEAD_LETTERS_INDEX",
    "FREE_TEXT_FIELD",
    "ORIGINALS_INDEX",
    "Flavour",
    "FreeForm",
    "OpenSearchStore",
    "StoreOptions",
    "checkpoint_mappings",
    "dead_letter_mappings",
    "field_types",
    "index_mappings",
    "index_settings",
    "open_from_settings",
    "originals_mappings",
]


def __getattr__(name: str) -> Any:
    if name == "OpenSearchStore":
        from logyard.store.opensearch._store import OpenSearchStore

        return OpenSearchStore
    raise AttributeError(f"module 'logyard.store.opensearch' has no attribute {name!r}")
