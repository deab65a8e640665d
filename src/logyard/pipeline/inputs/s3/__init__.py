"""The ``s3`` input: NDJSON and gzip NDJSON objects of a bucket/prefix, resumable mid-object.

Registered as ``type = "s3"``; needs ``pip install 'logyard[s3]'`` (boto3). See
``docs/inputs/s3.md`` for the configuration, the state file and the guarantees.
"""

from logyard.pipeline.inputs.s3._config import S3InputConfig
from logyard.pipeline.inputs.s3._input import S3Input

__all__ = ["S3Input", "S3InputConfig"]
