"""One thing setup makes sure of on a server: a :class:`Step`, and a :class:`Plan` of them.

A step names the resource (``kind`` and ``name``), where to read it (``path``), what it
should be (``body``), and how to write it. ``mode`` says how an existing resource is
treated: ``compare`` reads it, compares what we set and replaces it only when it differs
(and only with ``--force`` when someone else's content is there); ``exists`` creates it only
when missing (a data stream, a bootstrap index: there is nothing to compare).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

__all__ = ["Plan", "Request", "Step", "by_name", "first_item", "named_steps"]

Unwrap = Callable[[Any], Any]
Method = Literal["GET", "PUT", "POST", "DELETE"]


@dataclass(frozen=True)
class Request:
    """One HTTP request: method, path (with query string) and JSON body."""

    method: Method
    path: str
    body: Any = None


def _identity(answer: Any) -> Any:
    return answer


@dataclass(frozen=True)
class Step:
    """One resource and how to make sure of it."""

    kind: str
    name: str
    path: str
    body: Any
    #: The API family, for "this cluster has no <api>" messages.
    api: str
    mode: Literal["compare", "exists"] = "compare"
    create_method: Method = "PUT"
    create_path: str | None = None
    #: The comparable part of a GET answer (``None`` if the answer holds no such resource).
    unwrap: Unwrap = _identity
    #: The update request from the GET answer (ISM and SM need its sequence number).
    update: Callable[[Any], Request] | None = None
    #: Labels of steps that must be in place first (an alias needs its index template).
    requires: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``ilm policy logyard-logs``."""
        return f"{self.kind} {self.name}"

    def create_request(self) -> Request:
        """The request that creates the resource on a server that has none."""
        return Request(self.create_method, self.create_path or self.path, self.body)

    def update_request(self, answer: Any) -> Request:
        """The request that replaces the resource, given the server's GET answer."""
        if self.update is not None:
            return self.update(answer)
        return Request(self.create_method, self.create_path or self.path, self.body)


@dataclass(frozen=True)
class Plan:
    """The steps of one setup, in order, and what to tell the user before running them."""

    flavour: str
    steps: tuple[Step, ...]
    warnings: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def create_requests(self) -> list[Request]:
        """Every request a run against an empty server sends after its reads."""
        return [s.create_request() for s in self.steps]


def by_name(name: str) -> Unwrap:
    """Unwrap ``{name: {...}}`` answers (ILM, SLM, roles, role mappings, repositories)."""

    def unwrap(answer: Any) -> Any:
        return answer.get(name) if isinstance(answer, dict) else None

    return unwrap


def first_item(list_key: str, item_key: str) -> Unwrap:
    """Unwrap ``{list_key: [{"name": ..., item_key: {...}}]}`` (index/component templates)."""

    def unwrap(answer: Any) -> Any:
        items = answer.get(list_key) if isinstance(answer, dict) else None
        if not items:
            return None
        return items[0].get(item_key)

    return unwrap


def named_steps(kind: str, bodies: Mapping[str, Any], path: str, api: str) -> list[Step]:
    """One step per ``name: body``, read and written at ``<path><name>`` and answered as
    ``{name: {...}}`` (roles, role mappings)."""
    return [
        Step(kind, name, f"{path}{name}", body, api=api, unwrap=by_name(name))
        for name, body in bodies.items()
    ]
