"""The ``mask`` step: walks one event and masks card numbers, personal data and secrets.

What is done where:

* ``client.ip`` is truncated (``/24``, ``/48``);
* every other text field (``message``, ``url.full``, ``error.message``, ``error.stack_trace``,
  ``feedback.comment``, ``user.name``…) goes through the free-text detectors; envelope
  plumbing (``event.id``, ``trace.id``, ``span.id``, ``service.name``, ``host.name``,
  ``log.level``, versions, ``http.request.method``) is never touched. Identifiers such as
  ``user.name`` are kept as they are unless they *are* personal data (an email, a phone);
* dict fields (``order.params``, ``order.old``, ``order.new``, ``order_list.filter``,
  ``labels``) are walked to any depth: secrets and card data (CVV, track) are **removed**
  with their key (no placeholder, so not even their length is kept); values under personal
  keys (``name``, ``address``, ``passport``…) become ``[name]``, ``[address]``…; email and
  phone values are masked like free text; everything else goes through the detectors,
  and integers with ≥ 12 digits are checked as card numbers.

The event struct is changed in place and returned; nested dicts and lists are copied on
write, never mutated (they may belong to the caller, as in the SDK). A changed event gets
``labels["masked"]``: the sorted names of the rules that fired, no values
(``"email,ip,pan"``). Masking is idempotent: a masked event passes unchanged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import msgspec

from logyard.catalog import Event
from logyard.security.mask import _personal as p
from logyard.security.mask._ip import IpTruncator
from logyard.security.mask._pan import mask_pan_run
from logyard.security.mask._secrets import key_kind
from logyard.security.mask._text import DIGITS, ODD, PROSE, TextMasker

__all__ = ["RULES", "MaskConfig", "MaskReport", "Masker", "Original"]

RULES: tuple[str, ...] = (
    "address", "birth_date", "card_data", "email", "inn", "ip", "name", "pan", "passport",
    "phone", "secret", "snils",
)  # fmt: skip

# Envelope plumbing: never personal, never scanned.
_SKIP = frozenset(
    {
        "event.id",
        "event.action",
        "log.level",
        "service.name",
        "service.version",
        "host.name",
        "trace.id",
        "span.id",
        "http.request.method",
        "failure.kind",
        "deploy.version",
        "client.ip",
        # identifiers the note says stay as they are (an order id is not a phone number,
        # even when its digits look like one)
        "order.id",
        "messaging.message.id",
        "messaging.destination.name",
        "log.logger",
        "error.type",
    }
)
# Of those, the fields only the card-number detector reads: a PAN is masked wherever it is,
# but for these envelope fields, whose formats the catalogue or the tracers fix (a card
# number inside a hex id is not one, as in free text), and the business ids below.
_PAN_ONLY_SKIP = frozenset(
    {
        "event.id", "event.action", "log.level", "service.name", "trace.id", "span.id",
        "client.ip",
        # ids the issue keeps whole ("not masked: order ids"): the join keys of the order
        # journey and of replays; a numeric order id can pass issuer + Luhn by chance
        "order.id", "messaging.message.id",
    }
)  # fmt: skip
# Text fields that hold identifiers or addresses, not prose: no name/address pre-check.
_NOT_PROSE = frozenset(
    {
        "url.full",
        "http.request.referrer",
        "http.route",
        "user.name",
        "user.id",
        "order.operator",
    }
)
_PLACEHOLDER = {k: f"[{k}]" for k in ("name", "address", "passport", "snils", "inn", "birth_date")}
_DROP = object()
# A producer signature (labels.sig: v1:<kid>:<base64url HMAC>) holds nothing personal and is
# left alone — unless digits and separators in it could spell a card number.
_SIGNATURE = re.compile(r"v1:[A-Za-z0-9_.-]{1,64}:[A-Za-z0-9_-]{43}")
_DIGIT_RUN = re.compile(r"[0-9][0-9 _.-]{11,}[0-9]")


@dataclass(frozen=True, slots=True)
class MaskConfig:
    """Options of the masker.

    ``pan_hmac_key`` (≥ 16 bytes) appends ``[pan_hmac:<16 hex>]`` to each masked card number
    (keyed HMAC-SHA256 of its digits) so the same card can be followed across events;
    ``ipv4_prefix``/``ipv6_prefix`` are the bits of ``client.ip`` kept (32/128 keep it whole);
    ``names``/``addresses`` switch the free-text name and address detectors;
    ``secret_keys`` adds key names removed like ``password``; ``collect_originals`` makes
    :meth:`Masker.mask_event` report the original of each masked personal value (never a
    card number) for field encryption.
    """

    pan_hmac_key: bytes | None = field(default=None, repr=False)
    ipv4_prefix: int = 24
    ipv6_prefix: int = 48
    names: bool = True
    addresses: bool = True
    secret_keys: tuple[str, ...] = ()
    collect_originals: bool = False

    def __post_init__(self) -> None:
        if self.pan_hmac_key is not None and len(self.pan_hmac_key) < 16:
            raise ValueError("mask.pan_hmac_key: too short; use at least 16 random bytes")


class Original(NamedTuple):
    """One masked personal value: where it was, the rule, the value before masking."""

    path: str
    rule: str
    value: str


@dataclass(frozen=True, slots=True)
class MaskReport:
    """What :meth:`Masker.mask_event` did: sorted rule names, and originals if collected."""

    rules: tuple[str, ...] = ()
    originals: tuple[Original, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether any rule fired."""
        return bool(self.rules)


class _Plan(NamedTuple):
    texts: tuple[tuple[str, str, int | None, bool], ...]  # attr, json name, max length, prose
    dicts: tuple[tuple[str, str], ...]
    ip: bool
    ids: tuple[tuple[str, int | None], ...]  # attr, max length: card numbers only


def _max_length(t: msgspec.inspect.Type) -> int | None:
    if isinstance(t, msgspec.inspect.UnionType):
        for x in t.types:
            if isinstance(x, msgspec.inspect.StrType):
                return x.max_length
    if isinstance(t, msgspec.inspect.StrType):
        return t.max_length
    return None


def _is_str(t: msgspec.inspect.Type) -> bool:
    if isinstance(t, msgspec.inspect.UnionType):
        return any(isinstance(x, msgspec.inspect.StrType) for x in t.types)
    return isinstance(t, msgspec.inspect.StrType)


def _plan(cls: type[Event]) -> _Plan:
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    texts: list[tuple[str, str, int | None, bool]] = []
    dicts: list[tuple[str, str]] = []
    ids: list[tuple[str, int | None]] = []
    ip = False
    for f in info.fields:
        if f.encode_name == "client.ip":
            ip = True
        elif f.encode_name in _SKIP:
            if f.encode_name not in _PAN_ONLY_SKIP and _is_str(f.type):
                ids.append((f.name, _max_length(f.type)))
        elif _is_str(f.type):
            prose = f.encode_name not in _NOT_PROSE
            texts.append((f.name, f.encode_name, _max_length(f.type), prose))
        elif isinstance(f.type, msgspec.inspect.DictType):
            dicts.append((f.name, f.encode_name))
    return _Plan(tuple(texts), tuple(dicts), ip, tuple(ids))


class _State:
    __slots__ = ("fired", "originals")

    def __init__(self, collect: bool) -> None:
        self.fired: set[str] = set()
        self.originals: list[Original] | None = [] if collect else None

    def keep(self, path: str, rule: str, value: str) -> None:
        self.fired.add(rule)
        if self.originals is not None:
            self.originals.append(Original(path, rule, value))


class Masker:
    """Masks events; one instance per pipeline (it caches per event type and per IP).

    ``masker(event)`` is the pipeline step ``(event) -> event``;
    :meth:`mask_event` also says what it did; :meth:`mask_text` masks one string.
    """

    def __init__(self, config: MaskConfig | None = None) -> None:
        self.config = config or MaskConfig()
        c = self.config
        self._text = TextMasker(c.pan_hmac_key, names=c.names, addresses=c.addresses)
        self._ip = IpTruncator(c.ipv4_prefix, c.ipv6_prefix)
        self._plans: dict[type[Event], _Plan] = {}
        self._extra = frozenset(k.lower().replace("-", "").replace("_", "") for k in c.secret_keys)

    def __repr__(self) -> str:
        return f"Masker({self.config!r})"

    # -- public -------------------------------------------------------------------------------
    def __call__(self, event: Event) -> Event:
        """The pipeline step: the event, masked (in place)."""
        st = _State(False)
        self._mask(event, st)
        return event

    def mask_event(self, event: Event) -> tuple[Event, MaskReport]:
        """The event, masked in place, and which rules fired (with originals if collected)."""
        st = _State(self.config.collect_originals)
        self._mask(event, st)
        return event, MaskReport(tuple(sorted(st.fired)), tuple(st.originals or ()))

    def mask_text(self, text: str) -> tuple[str, tuple[str, ...]]:
        """One string through the free-text detectors, and the sorted rules that fired."""
        fired: set[str] = set()
        out = self._text.mask(text, fired)
        return out, tuple(sorted(fired))

    # -- internals ----------------------------------------------------------------------------
    def _mask(self, event: Event, st: _State) -> None:
        # The hot path: most events hold nothing but an IP, so this stays flat and inline.
        plan = self._plans.get(type(event))
        if plan is None:
            plan = self._plans[type(event)] = _plan(type(event))
        ip = event.client_ip
        if ip:
            cut = self._ip(ip)
            if cut is not None and cut != ip:
                event.client_ip = cut
                st.keep("client.ip", "ip", ip)
        digits = DIGITS.search
        prose_hint = PROSE.search
        odd = ODD.search
        for attr, name, limit, prose in plan.texts:
            value = getattr(event, attr)
            if not value or not (
                "@" in value
                or "%" in value
                or digits(value) is not None
                or (prose and prose_hint(value) is not None)
                or (not value.isascii() and odd(value) is not None)
            ):
                continue
            out = self._text.full(value, st.fired, self._sink(st, name))
            if out is not value:
                if limit is not None and len(out) > limit:
                    out = out[:limit]
                setattr(event, attr, out)
        for attr, limit in plan.ids:
            value = getattr(event, attr)
            if (  # a card number needs 12 digits at least, so short ids cannot hold one
                value
                and len(value) >= 12
                and (digits(value) is not None or odd(value) is not None or "%" in value)
            ):
                out = self._text.pans(value, st.fired)
                if out is not value:
                    setattr(event, attr, out if limit is None else out[:limit])
        for attr, name in plan.dicts:
            d = getattr(event, attr)
            if d:
                new = self._dict(d, name, False, st)
                if new is not None:
                    setattr(event, attr, new)
        if st.fired:
            labels = event.labels
            old = labels.get("masked")
            rules = st.fired
            if isinstance(old, str) and old:
                rules = rules | set(old.split(","))
            if len(rules) == 1:
                (value,) = rules
            else:
                value = ",".join(sorted(rules))
            if labels:
                event.labels = {**labels, "masked": value}
            else:
                event.labels = {"masked": value}

    @staticmethod
    def _sink(st: _State, path: str) -> list[tuple[str, str]] | None:
        if st.originals is None:
            return None
        return _PathSink(st.originals, path)

    def _dict(
        self, d: dict[str, Any], path: str, person: bool, st: _State
    ) -> dict[str, Any] | None:
        out: dict[str, Any] | None = None
        for k, v in d.items():
            if path == "labels" and (
                k == "masked"
                or (
                    k == "sig"
                    and isinstance(v, str)
                    and _SIGNATURE.fullmatch(v) is not None
                    and _DIGIT_RUN.search(v) is None
                )
            ):
                continue
            new = self._value(k, v, f"{path}.{k}", person, st)
            if new is v:
                continue
            if out is None:
                out = dict(d)
            if new is _DROP:
                del out[k]
            else:
                out[k] = new
        return out

    def _list(self, items: list[Any], path: str, person: bool, st: _State) -> list[Any] | None:
        out: list[Any] | None = None
        for i, v in enumerate(items):
            new = self._value(None, v, f"{path}[{i}]", person, st)
            if new is v or new is _DROP:
                continue
            if out is None:
                out = list(items)
            out[i] = new
        return out

    def _value(self, key: str | None, v: Any, path: str, person: bool, st: _State) -> Any:
        kind = key_kind(key) if key is not None else None
        if (
            kind is None
            and key is not None
            and self._extra
            and key.lower().replace("-", "").replace("_", "") in self._extra
        ):
            kind = "secret"
        if kind == "bare_name":
            kind = "name" if person else None
        if kind is not None:
            if kind in ("secret", "card_data"):
                st.fired.add(kind)
                return _DROP
            if v is None or v == "" or isinstance(v, bool):
                return v
            if kind in _PLACEHOLDER:
                if v == _PLACEHOLDER[kind]:
                    return v
                st.keep(path, kind, v if isinstance(v, str) else msgspec.json.encode(v).decode())
                return _PLACEHOLDER[kind]
            if kind == "person":
                if isinstance(v, str):
                    return self._value("name", v, path, True, st)
                person = True
            elif kind == "email" and isinstance(v, str):
                return self._email(v, path, st)
            elif kind == "phone" and isinstance(v, str | int):
                return (
                    self._phone(str(v), path, st)
                    if not isinstance(v, str)
                    else self._phone(v, path, st)
                )
            elif kind == "ip" and isinstance(v, str):
                return self._ips(v, path, st)
        if isinstance(v, str):
            if not v:
                return v
            return self._text.mask(v, st.fired, self._sink(st, path))
        if isinstance(v, dict):
            new = self._dict(v, path, person, st)
            return v if new is None else new
        if isinstance(v, list):
            new_list = self._list(v, path, person, st)
            return v if new_list is None else new_list
        if isinstance(v, int) and not isinstance(v, bool) and (v >= 10**11 or v <= -(10**11)):
            masked = mask_pan_run(str(abs(v)), self.config.pan_hmac_key)
            if masked is not None:
                st.fired.add("pan")
                return masked
        return v

    def _email(self, v: str, path: str, st: _State) -> str:
        fired: set[str] = set()
        out = self._text.mask(v, fired, self._sink(st, path))
        if "email" in fired or v.startswith("***@") or v == "[email]":
            st.fired |= fired
            return out
        st.keep(path, "email", v)
        return "[email]"

    def _phone(self, v: str, path: str, st: _State) -> str:
        m = p.PHONE.fullmatch(v.strip())
        if m is not None:
            st.keep(path, "phone", v)
            return p.mask_phone(m)
        digits = [i for i, ch in enumerate(v) if ch.isdigit()]
        if len(digits) <= 2:
            return v
        st.keep(path, "phone", v)
        cut = digits[-2]
        return p.mask_digits(v[:cut]) + v[cut:]

    def _ips(self, v: str, path: str, st: _State) -> str:
        parts = [x.strip() for x in v.split(",")]
        cut = [self._ip(x) or x for x in parts]
        if cut == parts:
            return v
        st.keep(path, "ip", v)
        return ", ".join(cut)


class _PathSink(list[tuple[str, str]]):
    """Collects (rule, value) pairs of one field into the event's originals."""

    __slots__ = ("_originals", "_path")

    def __init__(self, originals: list[Original], path: str) -> None:
        super().__init__()
        self._originals = originals
        self._path = path

    def append(self, item: tuple[str, str]) -> None:
        self._originals.append(Original(self._path, item[0], item[1]))
