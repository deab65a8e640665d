"""The company simulator: the six systems' realistic traffic and faults, for demo and benchmarks.

Customers browse the web shop, register, log in and order; orders travel through shop-api
and a queue to crm-api, are confirmed by CRM sellers, assigned on MES and calculated by the
MES API. Sellers, operators and API clients work their sessions; deploys, warnings, errors
and failures follow the clock. Every event is a catalogue struct; a seed fixes the whole
sequence, ids included::

    sim = Simulator(seed=7, rate=200.0, start=datetime(2026, 11, 26, tzinfo=UTC))
    for event in sim.events(3600):  # one simulated hour, no sleeping
        ...
    sim.run(sink, rate=0, max_events=1_000_000)  # as fast as possible, for benchmarks
"""

from logyard.sim._engine import DEFAULT_WEIGHTS, KINDS
from logyard.sim._rabbitmq import OrderPublisher, QueuedOrder, publish_orders, queued_orders
from logyard.sim._simulator import Simulator

__all__ = [
    "DEFAULT_WEIGHTS",
    "KINDS",
    "OrderPublisher",
    "QueuedOrder",
    "Simulator",
    "publish_orders",
    "queued_orders",
]
