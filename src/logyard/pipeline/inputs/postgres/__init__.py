"""The ``postgres`` input: incremental, time-zone-safe reading of a table or query.

See ``docs/inputs/postgres.md`` for the configuration, the cursor and the guarantees.
"""

from logyard.pipeline.inputs.postgres._config import EXAMPLE_TOML, PostgresInputConfig
from logyard.pipeline.inputs.postgres._input import (
    REJECT_CODE,
    REJECT_PATH,
    REJECT_REASON,
    PostgresInput,
)

__all__ = [
    "EXAMPLE_TOML",
    "REJECT_CODE",
    "REJECT_PATH",
    "REJECT_REASON",
    "PostgresInput",
    "PostgresInputConfig",
]
