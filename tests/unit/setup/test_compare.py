"""What the server holds is compared with what logyard writes, as the server answers it."""

from __future__ import annotations

from logyard.setup._compare import diff, project, same


def test_server_normal_form_of_settings_is_the_same() -> None:
    """``{"index.number_of_shards": 1}`` sent, ``{"index": {"number_of_shards": "1"}}`` read."""
    desired = {"settings": {"index.number_of_shards": 1, "index.lifecycle.name": "p"}}
    existing = {"settings": {"index": {"number_of_shards": "1", "lifecycle": {"name": "p"}}}}
    assert same(desired, existing)


def test_keys_the_server_adds_are_not_differences() -> None:
    """Versions, timestamps and defaults the server adds do not count."""
    desired = {"policy": {"phases": {"delete": {"actions": {"delete": {}}}}}}
    existing = {
        "policy": {"phases": {"delete": {"actions": {"delete": {"x": True}}, "min_age": "0"}}},
        "version": 3,
    }
    assert same(desired, existing)


def test_booleans_and_strings_compare_by_text() -> None:
    """``True`` and ``"true"`` are the same value (mapping ``dynamic`` comes back as text)."""
    assert same({"dynamic": True, "n": 2}, {"dynamic": "true", "n": 2.0})


def test_a_changed_value_differs() -> None:
    """A rollover size changed on the server is a difference."""
    desired = {"rollover": {"max_primary_shard_size": "100gb"}}
    assert not same(desired, {"rollover": {"max_primary_shard_size": "50gb"}})


def test_a_list_of_another_length_differs() -> None:
    """An extra index pattern on the server is a difference."""
    assert not same({"index_patterns": ["a"]}, {"index_patterns": ["a", "b"]})


def test_a_missing_key_differs() -> None:
    """A key we set that the server lacks is a difference."""
    assert not same({"a": 1, "b": 2}, {"a": 1})


def test_project_keeps_only_what_we_set() -> None:
    """The projection drops server-only keys and nests dotted keys back."""
    actual = project({"s": {"index.x": 1}}, {"s": {"index": {"x": "1", "y": "2"}}, "z": 0})
    assert actual == {"s": {"index.x": "1"}}


def test_diff_is_a_readable_unified_diff() -> None:
    """The diff shows the server's value as removed and ours as added, by name."""
    text = diff({"size": "100gb"}, {"size": "50gb", "other": 1}, name="ilm policy p")
    expected = [
        "--- ilm policy p (on the server)",
        "+++ ilm policy p (logyard)",
        "@@ -1,3 +1,3 @@",
        " {",
        '-  "size": "50gb"',
        '+  "size": "100gb"',
        " }",
    ]
    assert expected == text.splitlines()
