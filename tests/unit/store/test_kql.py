"""The KQL parser: the constructs Kibana users type, errors with positions, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logyard.errors import KQLSyntaxError
from logyard.store.kql import (
    And,
    Exists,
    FreeText,
    Match,
    MatchAll,
    Node,
    Not,
    Or,
    Range,
    parse,
    to_kql,
)


def test_empty_query_matches_all() -> None:
    """An empty or blank query is MatchAll."""
    assert [parse(""), parse("   \t")] == [MatchAll(), MatchAll()]


def test_the_kibana_example() -> None:
    """Field terms, a value list and a negated wildcard combine with and/not."""
    expected = And(
        (
            Match("service.name", "mes"),
            Or((Match("log.level", "ERROR"), Match("log.level", "FATAL"))),
            Not(Match("user.name", "bot*", "wildcard")),
        )
    )
    actual = parse("service.name:mes and log.level:(ERROR or FATAL) and not user.name:bot*")
    assert expected == actual


def test_keywords_are_case_insensitive() -> None:
    """AND, Or, NOT work like and, or, not."""
    assert parse("a:1 AND NOT b:2 Or c:3") == parse("a:1 and not b:2 or c:3")


def test_precedence_not_and_or() -> None:
    """not binds tighter than and, and tighter than or."""
    expected = Or((And((Not(FreeText("a")), FreeText("b"))), FreeText("c")))
    assert expected == parse("not a and b or c")


def test_parentheses_override_precedence() -> None:
    """(a or b) and c groups the or."""
    expected = And((Or((FreeText("a"), FreeText("b"))), FreeText("c")))
    assert expected == parse("(a or b) and c")


def test_quoted_phrase_on_a_field() -> None:
    """message:"disk full" is a phrase match."""
    assert Match("message", "disk full", "phrase") == parse('message:"disk full"')


def test_free_text_word_phrase_and_wildcard() -> None:
    """Words, quoted phrases and wildcards without a field are free text."""
    expected = Or(
        (FreeText("timeout"), FreeText("disk full", "phrase"), FreeText("time*", "wildcard"))
    )
    assert expected == parse('timeout or "disk full" or time*')


def test_unquoted_words_form_one_value() -> None:
    """As in Kibana, several unquoted words are one value."""
    assert FreeText("disk full") == parse("disk full")


@pytest.mark.parametrize("op", ["<", "<=", ">", ">="])
def test_ranges(op: str) -> None:
    """Every range operator reads a field, the operator and a value."""
    assert Range("http.duration_ms", op, "500") == parse(f"http.duration_ms {op} 500")  # type: ignore[arg-type]


def test_range_on_a_quoted_date() -> None:
    """A range value may be quoted, like a date with a time."""
    expected = Range("@timestamp", ">=", "2026-11-26T05:00:00Z")
    assert expected == parse('@timestamp >= "2026-11-26T05:00:00Z"')


def test_exists() -> None:
    """field:* asks for the field's presence."""
    assert Exists("trace.id") == parse("trace.id:*")


def test_value_list_distributes_the_field() -> None:
    """field:(a or not b) applies the field to each value."""
    expected = Or((Match("f", "a"), Not(Match("f", "b"))))
    assert expected == parse("f:(a or not b)")


def test_backslash_escapes() -> None:
    """Escaped specials and keywords are literal characters."""
    assert Match("url", "a:b (c)") == parse(r"url:a\:b \(c\)")
    assert FreeText("and") == parse(r"\and")
    assert FreeText("tab\there") == parse(r"tab\there")


def test_escaped_star_is_literal_in_a_wildcard() -> None:
    """In a wildcard pattern \\* stays a literal star, * the wildcard."""
    assert Match("f", r"a\**", "wildcard") == parse(r"f:a\**")


def test_escaped_star_alone_is_a_term() -> None:
    """f:a\\* (no real wildcard) is the term 'a*'."""
    assert Match("f", "a*") == parse(r"f:a\*")


def test_quoted_escapes() -> None:
    """Inside quotes, \\" and \\\\ are a quote and a backslash."""
    assert Match("m", 'say "hi" \\ now', "phrase") == parse(r'm:"say \"hi\" \\ now"')


@pytest.mark.parametrize(
    ("query", "position", "fragment"),
    [
        ("service.name:", 13, "expected a value after ':'"),
        ("service.name: ", 14, "expected a value after ':'"),
        ("a and", 5, "expected a clause"),
        ("a or or b", 5, "found 'or'"),
        ("(a or b", 7, "missing ')'"),
        ("a)", 1, "unexpected ')'"),
        ('m:"open', 7, "unterminated quoted string"),
        ("x >=", 4, "expected a value after '>='"),
        ("a:b c:d", 5, "expected 'and', 'or'"),
        (r"a\q", 1, "unknown escape"),
        ("f*:x", 0, "wildcards in field names"),
        ("f:{x}", 2, "nested field queries"),
        ("x > a*", 4, "wildcards are not allowed in a range"),
    ],
)
def test_syntax_errors_say_where_and_what(query: str, position: int, fragment: str) -> None:
    """Each syntax error carries the 0-based column and says what was expected."""
    with pytest.raises(KQLSyntaxError) as info:
        parse(query)
    assert (info.value.position, info.value.query) == (position, query)
    assert fragment in str(info.value)
    assert str(info.value).startswith("KQL: ")
    assert f"at column {position}; " in str(info.value)


def test_error_message_example() -> None:
    """The message reads '<where>: <what> at column N; <how to fix>'."""
    with pytest.raises(KQLSyntaxError) as info:
        parse("service.name: and x")
    expected = (
        "KQL: expected a value after ':', found the keyword 'and' at column 14; "
        "escape keywords used as values with a backslash, like \\and"
    )
    assert expected == str(info.value)


# -- properties -------------------------------------------------------------------------------
_fields = st.from_regex(r"[a-z@_][a-z0-9_]{0,6}(\.[a-z_][a-z0-9_]{0,6}){0,2}", fullmatch=True)
_chars = st.sampled_from(list("abcXYZ019_-./@é") + list('\\():<>"*{}') + ["\t", "\n"])
_words = st.text(_chars, min_size=1, max_size=6)
_terms = st.lists(_words, min_size=1, max_size=3).map(" ".join) | st.sampled_from(
    ["and", "or", "NOT", "and x", "a not"]
)
_phrases = st.text(st.characters(blacklist_categories=("Cs",)), max_size=10)
_patterns = (
    st.lists(
        st.sampled_from(["*", "a", "b", "\\*", "\\\\", ":", " ", "(", "é"]), min_size=1, max_size=6
    )
    .map("".join)
    .filter(lambda p: "*" in p.replace("\\*", "").replace("\\\\", "") and p != "*")
)
_patterns = _patterns.filter(lambda p: p.strip() == p and "  " not in p)


def _leaf() -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(Match, _fields, _terms, st.just("term")),
        st.builds(Match, _fields, _phrases, st.just("phrase")),
        st.builds(Match, _fields, _patterns, st.just("wildcard")),
        st.builds(Range, _fields, st.sampled_from(["<", "<=", ">", ">="]), _phrases),
        st.builds(Exists, _fields),
        st.builds(FreeText, _terms, st.just("term")),
        st.builds(FreeText, _phrases, st.just("phrase")),
        st.builds(FreeText, _patterns, st.just("wildcard")),
    )


def _canonical(node: Node) -> Node:
    """Flatten nested and/or the way the parser does."""
    match node:
        case And(ops):
            flat: list[Node] = []
            for o in map(_canonical, ops):
                flat.extend(o.operands if isinstance(o, And) else (o,))
            return And(tuple(flat))
        case Or(ops):
            flat = []
            for o in map(_canonical, ops):
                flat.extend(o.operands if isinstance(o, Or) else (o,))
            return Or(tuple(flat))
        case Not(o):
            return Not(_canonical(o))
    return node


_trees = st.recursive(
    _leaf(),
    lambda kids: st.one_of(
        st.builds(Not, kids),
        st.lists(kids, min_size=2, max_size=3).map(lambda x: And(tuple(x))),
        st.lists(kids, min_size=2, max_size=3).map(lambda x: Or(tuple(x))),
    ),
    max_leaves=8,
).map(_canonical)


@settings(max_examples=400)
@given(_trees)
def test_printed_trees_parse_back(tree: Node) -> None:
    """Any tree printed as KQL parses back to the same tree."""
    assert tree == parse(to_kql(tree))


@settings(max_examples=400)
@given(
    st.lists(
        st.sampled_from([*'abf: ()"*\\<>=-{}', "and", " or ", "not ", "\\u00"]), max_size=20
    ).map("".join)
)
def test_random_text_raises_only_syntax_errors(text: str) -> None:
    """Random input parses or raises KQLSyntaxError, nothing else; positions are in range."""
    position = 0
    try:
        parse(text)
    except KQLSyntaxError as exc:
        position = exc.position
    assert 0 <= position <= len(text)


@given(st.text(max_size=40))
def test_random_unicode_raises_only_syntax_errors(text: str) -> None:
    """Arbitrary unicode never raises anything but KQLSyntaxError."""
    position = 0
    try:
        parse(text)
    except KQLSyntaxError as exc:
        position = exc.position
    assert 0 <= position <= len(text)
