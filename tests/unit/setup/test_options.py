"""Setup options: the note's defaults, and every bad value reported at once by option name."""

from __future__ import annotations

import pytest

from logyard.errors import ConfigError
from logyard.setup import ClusterOptions, cluster_options


def test_defaults_are_the_notes() -> None:
    """100gb per primary shard, 180 days, six systems, snapshots outliving the indices."""
    options = cluster_options()
    actual = (options.rollover_size, options.retention_days, len(options.systems))
    assert actual == ("100gb", 180, 6)
    assert options.snapshot_retention_covers_deletion()


def test_every_bad_option_is_named_in_one_error() -> None:
    """A bad size, a zero retention and an unknown system: one ConfigError naming each."""
    with pytest.raises(ConfigError) as caught:
        cluster_options(rollover_size="huge", retention_days=0, systems=("erp",))
    message = str(caught.value)
    for where in ("--rollover-size: 'huge' is not a size", "--retention-days", "--systems"):
        assert where in message


def test_bucket_names_are_checked() -> None:
    """An S3 bucket name with upper case or underscores is refused before any request."""
    with pytest.raises(ConfigError, match="--s3-bucket: 'My_Bucket' is not an S3 bucket name"):
        cluster_options(s3_bucket="My_Bucket")


def test_unset_options_keep_their_defaults() -> None:
    """``None`` (an option not given on the command line) means the default."""
    assert ClusterOptions() == cluster_options(rollover_size=None, shards=None)
