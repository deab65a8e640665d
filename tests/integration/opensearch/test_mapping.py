"""The public surface of ``logyard.store.opensearch`` and the mappings it generates
(``logyard setup`` puts them in index templates, so their shape is a contract)."""

from __future__ import annotations

from datetime import UTC, datetime

import logyard.store.opensearch as backend
from logyard.store import kql
from logyard.store.opensearch import FREE_TEXT_FIELD, field_types, index_mappings, index_settings
from logyard.store.opensearch._query import compile_query, request_filter, wildcard_value


def test_public_surface() -> None:
    """The package exports exactly these names (in ruff's isort-style order)."""
    expected = [
        "CHECKPOINTS_INDEX", "DEAD_LETTERS_INDEX", "FREE_TEXT_FIELD", "ORIGINALS_INDEX",
        "Flavour", "FreeForm", "OpenSearchStore", "StoreOptions", "checkpoint_mappings",
        "dead_letter_mappings", "field_types", "index_mappings", "index_settings",
        "open_from_settings", "originals_mappings",
    ]  # fmt: skip
    assert expected == backend.__all__


def test_catalogue_kinds_map_to_their_types() -> None:
    """Timestamps are dates, integers long, durations double, names keyword, prose text,
    free-form objects dynamic objects."""
    types = field_types()
    picked = {
        f: types[f]
        for f in ("@timestamp", "http.response.status_code", "http.duration_ms", "user.name",
                  "log.level", "user.roles", "message", "order.params", "labels")
    }  # fmt: skip
    assert picked == {
        "@timestamp": "date",
        "http.response.status_code": "long",
        "http.duration_ms": "double",
        "user.name": "keyword",
        "log.level": "keyword",
        "user.roles": "keyword",
        "message": "text",
        "order.params": "object",
        "labels": "object",
    }


def test_flat_free_form_is_flattened_or_flat_object() -> None:
    """free_form="flat": Elasticsearch's flattened, OpenSearch's flat_object."""
    found = (
        field_types("elasticsearch", "flat")["order.params"],
        field_types("opensearch", "flat")["order.params"],
    )
    assert found == ("flattened", "flat_object")


def test_mapping_nests_dotted_names_and_copies_strings_to_free_text() -> None:
    """``order.id`` is ``properties.order.properties.id``, copied to the free-text field,
    which is a wildcard field; dynamic strings are keywords copied there too."""
    mappings = index_mappings("opensearch")
    order_id = mappings["properties"]["order"]["properties"]["id"]
    dynamic = mappings["dynamic_templates"][0]["strings"]["mapping"]
    found = (order_id, mappings["properties"][FREE_TEXT_FIELD], dynamic["copy_to"])
    assert found == (
        {"type": "keyword", "ignore_above": 1024, "copy_to": [FREE_TEXT_FIELD]},
        {"type": "wildcard"},
        [FREE_TEXT_FIELD],
    )


def test_index_settings() -> None:
    """Shards, replicas and refresh interval as given."""
    expected = {"number_of_shards": 3, "number_of_replicas": 2, "refresh_interval": "5s"}
    assert expected == index_settings(shards=3, replicas=2, refresh_interval="5s")


def test_kql_compiles_to_the_query_dsl() -> None:
    """One query with every construct: level terms, a case-insensitive prose wildcard,
    a numeric range, not-exists, and free text on the catch-all field."""
    node = kql.parse('log.level:error and message:"disk full" and http.duration_ms >= 5 '
                     "and not user.name:* or timeout")  # fmt: skip
    expected = {
        "bool": {
            "should": [
                {
                    "bool": {
                        "filter": [
                            {"term": {"log.level": "ERROR"}},
                            {"wildcard": {"message.wildcard": {"value": "*disk full*",
                                                               "case_insensitive": True}}},
                            {"range": {"http.duration_ms": {"gte": 5.0}}},
                            {"bool": {"must_not": [{"exists": {"field": "user.name"}}]}},
                        ]
                    }
                },
                {"wildcard": {FREE_TEXT_FIELD: {"value": "*timeout*", "case_insensitive": True}}},
            ],
            "minimum_should_match": 1,
        }
    }  # fmt: skip
    assert expected == compile_query(node)


def test_time_range_is_half_open_epoch_millis() -> None:
    """[from, to) becomes gte/lt in epoch milliseconds beside the query."""
    lo = datetime(2026, 11, 26, tzinfo=UTC)
    hi = datetime(2026, 11, 26, 0, 1, tzinfo=UTC)
    found = request_filter(kql.MatchAll(), lo, hi)["bool"]["filter"][1]
    expected = {"range": {"@timestamp": {"gte": 1795651200000, "lt": 1795651260000,
                                          "format": "epoch_millis"}}}  # fmt: skip
    assert expected == found


def test_kql_wildcards_become_lucene_wildcards() -> None:
    """``*`` stays a wildcard; a literal star, a question mark and a backslash are escaped."""
    assert wildcard_value("a*b\\*c?d\\\\e") == "a*b\\*c\\?d\\\\e"
