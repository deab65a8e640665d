"""A KQL subset, as Kibana users type it, parsed into a small typed tree.

::

    service.name:mes and log.level:(ERROR or FATAL) and not user.name:bot*
    message:"disk full" or http.duration_ms >= 500 or timeout

* ``and`` / ``or`` / ``not`` (any case); precedence ``not`` > ``and`` > ``or``; parentheses.
* ``field:value`` (term), ``field:"a phrase"``, ``field:err*`` (wildcard), ``field:*`` (exists),
  ``field:(a or b and not c)`` (the field applies to every value of the group).
* ``field < v``, ``<=``, ``>``, ``>=`` (numbers and dates).
* Free text: ``timeout``, ``"disk full"``, ``time*``.
* Backslash escapes for ``\\():<>"*{}``, the keywords (``\\and``), ``\\t \\r \\n`` and ``\\uXXXX``.
* An empty (or blank) query matches everything.

As in Kibana, an unquoted value may span several words (``message:disk full``): the words stop
at a keyword, a parenthesis or the end. A :class:`Match` of kind ``wildcard`` keeps its value
in *pattern* form: ``*`` is the wildcard, ``\\*`` a literal star and ``\\\\`` a literal backslash.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from logyard.errors import KQLSyntaxError

__all__ = [
    "And",
    "Exists",
    "FreeText",
    "Match",
    "MatchAll",
    "Node",
    "Not",
    "Or",
    "Range",
    "parse",
    "to_kql",
]

MatchKind = Literal["term", "phrase", "wildcard"]
RangeOp = Literal["<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class MatchAll:
    """The empty query: every event."""


@dataclass(frozen=True, slots=True)
class Match:
    """``field:value``: a term, a quoted phrase or a wildcard pattern."""

    field: str
    value: str
    kind: MatchKind = "term"


@dataclass(frozen=True, slots=True)
class Range:
    """``field op value`` on a number or a date."""

    field: str
    op: RangeOp
    value: str


@dataclass(frozen=True, slots=True)
class Exists:
    """``field:*``: the event has the field."""

    field: str


@dataclass(frozen=True, slots=True)
class FreeText:
    """Text without a field: searched in every string of the event."""

    text: str
    kind: MatchKind = "term"


@dataclass(frozen=True, slots=True)
class Not:
    """``not operand``."""

    operand: Node


@dataclass(frozen=True, slots=True)
class And:
    """All operands (two or more, none of them an :class:`And`)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    """Any operand (two or more, none of them an :class:`Or`)."""

    operands: tuple[Node, ...]


Node = MatchAll | Match | Range | Exists | FreeText | Not | And | Or

_SPECIAL = frozenset('\\():<>"*{}')
_KEYWORDS = ("and", "or", "not")
_WS = " \t\r\n\f\v"
_ESCAPED_WS = {"t": "\t", "r": "\r", "n": "\n"}


MAX_DEPTH = 100


def parse(text: str) -> Node:
    """Parse KQL ``text``; raises :class:`~logyard.errors.KQLSyntaxError` with a position."""
    depth = 0
    deepest = 0
    for ch in text:  # a cheap bound before recursive descent (quotes may over-count: fine)
        if ch == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif ch == ")":
            depth -= 1
    if deepest > MAX_DEPTH or text.lower().count("not ") > MAX_DEPTH:
        raise KQLSyntaxError(
            f"KQL: nested more than {MAX_DEPTH} levels deep; simplify the query",
            position=0,
            query=text,
        )
    try:
        return _Parser(text).parse()
    except RecursionError:
        raise KQLSyntaxError(
            "KQL: nested too deeply; simplify the query", position=0, query=text
        ) from None


def _and(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.operands if isinstance(item, And) else (item,))
    return flat[0] if len(flat) == 1 else And(tuple(flat))


def _or(items: list[Node]) -> Node:
    flat: list[Node] = []
    for item in items:
        flat.extend(item.operands if isinstance(item, Or) else (item,))
    return flat[0] if len(flat) == 1 else Or(tuple(flat))


@dataclass(frozen=True, slots=True)
class _Literal:
    """An unquoted literal: its text, which characters are wildcards, where it started."""

    chars: tuple[tuple[str, bool], ...]  # (character, is_wildcard)
    start: int

    @property
    def text(self) -> str:
        return "".join(c for c, _ in self.chars)

    @property
    def has_wildcard(self) -> bool:
        return any(w for _, w in self.chars)

    @property
    def pattern(self) -> str:
        return "".join("*" if w else ("\\" + c if c in "*\\" else c) for c, w in self.chars)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- errors and low-level scanning ---------------------------------------------------------
    def _fail(self, what: str, hint: str, position: int | None = None) -> KQLSyntaxError:
        at = self.pos if position is None else position
        return KQLSyntaxError(f"KQL: {what} at column {at}; {hint}", position=at, query=self.text)

    def _skip_ws(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WS:
            self.pos += 1

    def _peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def _keyword_at(self, pos: int) -> str | None:
        """The keyword starting at ``pos`` if it stands alone (then a space, '(' or the end)."""
        for kw in _KEYWORDS:
            end = pos + len(kw)
            if self.text[pos:end].lower() == kw and (
                end == len(self.text) or self.text[end] in _WS or self.text[end] in "()"
            ):
                if pos > 0 and self.text[pos - 1] not in _WS and self.text[pos - 1] not in "()":
                    continue
                return kw
        return None

    def _accept_keyword(self, kw: str) -> bool:
        self._skip_ws()
        if self._keyword_at(self.pos) == kw:
            self.pos += len(kw)
            return True
        return False

    # -- grammar -------------------------------------------------------------------------------
    def parse(self) -> Node:
        self._skip_ws()
        if self.pos == len(self.text):
            return MatchAll()
        node = self._or_expr(None)
        self._skip_ws()
        if self.pos < len(self.text):
            if self._peek() == ")":
                raise self._fail("unexpected ')'", "remove it or add the matching '('")
            raise self._fail(
                "expected 'and', 'or' or the end of the query",
                "join clauses with 'and' or 'or', or quote values that contain spaces",
            )
        return node

    def _or_expr(self, field: str | None) -> Node:
        items = [self._and_expr(field)]
        while self._accept_keyword("or"):
            items.append(self._and_expr(field))
        return _or(items)

    def _and_expr(self, field: str | None) -> Node:
        items = [self._not_expr(field)]
        while self._accept_keyword("and"):
            items.append(self._not_expr(field))
        return _and(items)

    def _not_expr(self, field: str | None) -> Node:
        if self._accept_keyword("not"):
            return Not(self._not_expr(field))
        return self._primary(field)

    def _primary(self, field: str | None) -> Node:
        self._skip_ws()
        ch = self._peek()
        if ch == "(":
            open_at = self.pos
            self.pos += 1
            node = self._or_expr(field)
            self._skip_ws()
            if self._peek() != ")":
                if self.pos == len(self.text):
                    raise self._fail(
                        f"missing ')' to close the '(' of column {open_at}",
                        "close the parenthesis",
                    )
                raise self._fail(
                    "expected 'and', 'or' or ')'",
                    "join clauses with 'and' or 'or', or quote values that contain spaces",
                )
            self.pos += 1
            return node
        if field is not None:
            return self._field_value(field)
        return self._clause()

    def _expected_value(self, after: str) -> KQLSyntaxError:
        if not after:
            return self._expected_clause()
        if self.pos == len(self.text):
            return self._fail(
                f"expected a value after {after} but the query ended",
                "add a value or remove the dangling operator",
            )
        ch = self._peek()
        if ch in "{}":
            return self._fail(
                f"unexpected {ch!r}", "nested field queries are not supported; escape it as \\" + ch
            )
        kw = self._keyword_at(self.pos)
        if kw:
            return self._fail(
                f"expected a value after {after}, found the keyword {kw!r}",
                "escape keywords used as values with a backslash, like \\and",
            )
        return self._fail(
            f"expected a value after {after}, found {ch!r}",
            "quote values that contain spaces or special characters",
        )

    def _expected_clause(self) -> KQLSyntaxError:
        if self.pos == len(self.text):
            return self._fail(
                "expected a clause but the query ended",
                "add field:value or text after the operator, or remove the operator",
            )
        ch = self._peek()
        kw = self._keyword_at(self.pos)
        found = repr(kw) if kw else repr(ch)
        return self._fail(
            f"expected a clause (field:value, text or '('), found {found}",
            "escape special characters and keywords with a backslash, or quote the text",
        )

    def _clause(self) -> Node:
        """A free-text value, or ``field:value`` / ``field op value``."""
        self._skip_ws()
        if self._peek() == '"':
            text = self._quoted()
            self._skip_ws()
            if self._peek() == ":" or self._range_op():
                raise self._fail(
                    "a field name cannot be quoted", "write the field name without quotes"
                )
            return FreeText(text, "phrase")
        lit = self._unquoted("")
        self._skip_ws()
        op = self._range_op()
        if self._peek() == ":" or op:
            field = self._field_name(lit)
            if op:
                self.pos += len(op)
                return self._range(field, op)
            self.pos += 1
            self._skip_ws()
            if self._peek() == "(":
                return self._primary(field)
            return self._field_value(field)
        if lit.has_wildcard:
            return FreeText(lit.pattern, "wildcard")
        return FreeText(lit.text, "term")

    def _field_name(self, lit: _Literal) -> str:
        if lit.has_wildcard:
            raise self._fail(
                "wildcards in field names are not supported", "name the field in full", lit.start
            )
        name = lit.text
        if any(c in _WS for c in name):
            raise self._fail(
                f"field name {name!r} contains a space",
                "join clauses with 'and' or 'or', or quote free text",
                lit.start,
            )
        return name

    def _range_op(self) -> RangeOp | None:
        two = self.text[self.pos : self.pos + 2]
        if two in ("<=", ">="):
            return two  # type: ignore[return-value]
        one = self._peek()
        if one in ("<", ">"):
            return one  # type: ignore[return-value]
        return None

    def _range(self, field: str, op: RangeOp) -> Node:
        self._skip_ws()
        if self._peek() == '"':
            return Range(field, op, self._quoted())
        if self.pos == len(self.text) or self._peek() in _SPECIAL or self._keyword_at(self.pos):
            raise self._expected_value(f"'{op}'")
        lit = self._unquoted(f"'{op}'")
        if lit.has_wildcard:
            raise self._fail(
                "wildcards are not allowed in a range", "compare with a number or a date", lit.start
            )
        return Range(field, op, lit.text)

    def _field_value(self, field: str) -> Node:
        self._skip_ws()
        if self._peek() == '"':
            return Match(field, self._quoted(), "phrase")
        lit = self._unquoted("':'")
        if lit.has_wildcard:
            if lit.pattern == "*":
                return Exists(field)
            return Match(field, lit.pattern, "wildcard")
        return Match(field, lit.text, "term")

    def _quoted(self) -> str:
        start = self.pos
        self.pos += 1
        out: list[str] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch == '"':
                self.pos += 1
                return "".join(out)
            if ch == "\\" and self.pos + 1 < len(self.text):
                nxt = self.text[self.pos + 1]
                if nxt in '\\"':
                    out.append(nxt)
                    self.pos += 2
                    continue
                if nxt in _ESCAPED_WS:
                    out.append(_ESCAPED_WS[nxt])
                    self.pos += 2
                    continue
            out.append(ch)
            self.pos += 1
        raise self._fail(
            f"unterminated quoted string (opened at column {start})",
            'close it with "; write \\" for a quote inside',
            len(self.text),
        )

    def _unquoted(self, after: str) -> _Literal:
        """Words up to a special character, a keyword or the end; inner spaces are kept."""
        start = self.pos
        if self._keyword_at(self.pos):
            raise self._expected_value(after)
        chars: list[tuple[str, bool]] = []
        while True:
            word = self._word()
            if not word:
                break
            chars.extend(word)
            ws_start = self.pos
            self._skip_ws()
            nxt = self._peek()
            if (
                self.pos == ws_start
                or not nxt
                or (nxt in _SPECIAL and nxt not in "\\*")
                or self._keyword_at(self.pos)
            ):
                self.pos = ws_start
                break
            chars.extend((c, False) for c in self.text[ws_start : self.pos])
        if not chars:
            self.pos = start
            raise self._expected_value(after)
        return _Literal(tuple(chars), start)

    def _word(self) -> list[tuple[str, bool]]:
        out: list[tuple[str, bool]] = []
        while self.pos < len(self.text):
            ch = self.text[self.pos]
            if ch in _WS:
                break
            if ch == "*":
                out.append(("*", True))
                self.pos += 1
            elif ch == "\\":
                out.extend((c, False) for c in self._escape())
            elif ch in _SPECIAL:
                break
            else:
                out.append((ch, False))
                self.pos += 1
        return out

    def _escape(self) -> str:
        at = self.pos
        rest = self.text[at + 1 :]
        if not rest:
            raise self._fail("a backslash ends the query", "escape a literal backslash as \\\\", at)
        if rest[0] in _SPECIAL:
            self.pos += 2
            return rest[0]
        for kw in _KEYWORDS:  # \not as a whole word is the keyword, not a newline and "ot"
            after = rest[len(kw) : len(kw) + 1]
            if rest[: len(kw)].lower() == kw and (not after or after in _WS or after in "()"):
                self.pos += 1 + len(kw)
                return rest[: len(kw)]
        if rest[0] in _ESCAPED_WS:
            self.pos += 2
            return _ESCAPED_WS[rest[0]]
        if rest[0] == "u":
            digits = rest[1:5]
            if len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits):
                self.pos += 6
                return chr(int(digits, 16))
            raise self._fail("\\u must be followed by four hex digits", "write it like \\u00e9", at)
        for kw in _KEYWORDS:
            if rest[: len(kw)].lower() == kw:
                self.pos += 1 + len(kw)
                return rest[: len(kw)]
        raise self._fail(
            f"unknown escape '\\{rest[0]}'",
            'escape only \\():<>"*{} , keywords and \\t \\r \\n \\uXXXX',
            at,
        )


# -- printing ---------------------------------------------------------------------------------
def _escape_term(value: str) -> str:
    out: list[str] = []
    for ch in value:
        if ch in _SPECIAL:
            out.append("\\" + ch)
        elif ch in "\t\r\n":
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    text = "".join(out)
    words = text.split(" ")
    return " ".join("\\" + w if w.lower() in _KEYWORDS else w for w in words)


def _escape_pattern(pattern: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(_escape_term(pattern[i + 1]))
            i += 2
            continue
        out.append("*" if ch == "*" else _escape_term(ch))
        i += 1
    text = "".join(out)
    return " ".join("\\" + w if w.lower() in _KEYWORDS else w for w in text.split(" "))


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(value: str, kind: MatchKind) -> str:
    if kind == "phrase":
        return _quote(value)
    if kind == "wildcard":
        return _escape_pattern(value)
    return _escape_term(value)


def to_kql(node: Node) -> str:
    """KQL text that :func:`parse` reads back into ``node`` (for canonical trees)."""
    match node:
        case MatchAll():
            return ""
        case Match(field, value, kind):
            return f"{_escape_term(field)}:{_value(value, kind)}"
        case Range(field, op, value):
            return f"{_escape_term(field)} {op} {_quote(value)}"
        case Exists(field):
            return f"{_escape_term(field)}:*"
        case FreeText(text, kind):
            return _value(text, kind)
        case Not(operand):
            inner = to_kql(operand)
            return f"not ({inner})" if isinstance(operand, And | Or) else f"not {inner}"
        case And(operands):
            return " and ".join(
                f"({to_kql(o)})" if isinstance(o, Or) else to_kql(o) for o in operands
            )
        case Or(operands):
            return " or ".join(to_kql(o) for o in operands)
    raise TypeError(f"to_kql: not a KQL node: {node!r}")  # pragma: no cover
