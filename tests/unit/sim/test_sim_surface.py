"""The public surface of logyard.sim is what we meant, and it refuses bad settings."""

from __future__ import annotations

from datetime import datetime

import pytest

import logyard.sim as sim
from logyard.errors import ConfigError
from logyard.sim import DEFAULT_WEIGHTS, KINDS, Simulator


def test_public_names() -> None:
    """`__all__` is sorted and names exactly the simulator, its kinds and default weights,
    and the RabbitMQ order publisher."""
    assert sim.__all__ == sorted(sim.__all__)
    assert sim.__all__ == [
        "DEFAULT_WEIGHTS",
        "KINDS",
        "OrderPublisher",
        "QueuedOrder",
        "Simulator",
        "publish_orders",
        "queued_orders",
    ]


def test_default_weights_cover_every_kind() -> None:
    """Every kind of traffic has a default share, customers the largest."""
    assert set(DEFAULT_WEIGHTS) == set(KINDS)
    assert max(DEFAULT_WEIGHTS, key=DEFAULT_WEIGHTS.__getitem__) == "customers"


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan"), float("inf")])
def test_rate_must_be_positive(rate: float) -> None:
    """A simulator needs a finite positive rate; the error names the setting."""
    with pytest.raises(ConfigError, match=r"^sim\.rate: "):
        Simulator(rate=rate)


def test_naive_start_is_refused() -> None:
    """A start without a time zone is ambiguous and refused with how to fix it."""
    with pytest.raises(ConfigError, match="tzinfo=UTC"):
        Simulator(start=datetime(2026, 11, 20))


def test_unknown_weight_kind_is_refused() -> None:
    """A weights key that is no kind of traffic is an error listing the valid kinds."""
    with pytest.raises(ConfigError, match="unknown kind 'robots'; use customers"):
        Simulator(weights={"robots": 1.0})


def test_all_zero_weights_are_refused() -> None:
    """At least one kind must produce traffic."""
    with pytest.raises(ConfigError, match=r"^sim\.weights: "):
        Simulator(weights={"customers": 0.0})


def test_run_refuses_negative_rate() -> None:
    """`run(rate=-1)` is a usage error, raised before anything is sent."""
    sent: list[int] = []
    with pytest.raises(ConfigError, match=r"^sim\.run: rate"):
        Simulator().run(lambda batch: sent.append(len(batch)), rate=-1.0, max_events=1)
    assert sent == []
