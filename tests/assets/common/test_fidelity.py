"""The fidelity report's comparisons: byte-identical prompts, equal parameters, complete schemas."""

from __future__ import annotations

import pytest

from assets.common.fidelity import (
    DIFFERS,
    MATCH,
    compare_renderings,
    compare_schema,
    compare_values,
    failures,
)


def test_renderings_match_only_when_every_input_renders_byte_identically():
    same = compare_renderings("s.py:1", "a", "t", lambda x: f"Q {x}", lambda x: f"Q {x}", [1, 2])
    assert (same.status, same.detail) == (MATCH, "2/2 identical")
    off = compare_renderings("s.py:1", "a", "t", lambda x: f"Q {x}", lambda x: f"Q  {x}", [1])
    assert off.status == DIFFERS
    assert "first difference at char 2" in off.detail
    with pytest.raises(ValueError, match="no inputs"):
        compare_renderings("s.py:1", "a", "t", str, str, [])


def test_a_parameter_that_differs_carries_its_reason():
    assert compare_values("s", "a", "temperature", 1.0, 1.0).status == MATCH
    off = compare_values("s", "a", "temperature", 0.7, 1.0, "small models loop at 1.0")
    assert off.status == DIFFERS
    assert off.detail == "ours 0.7, original 1.0. small models loop at 1.0"
    assert failures([off]) == [off]


def test_a_schema_needs_every_original_field_with_its_type_and_may_add_columns():
    theirs = {"question_id": "str", "test": "str"}
    ok = compare_schema("s", "a", "sft", {"question_id": "str", "test": "str", "x": "int"}, theirs)
    assert (ok.status, ok.detail) == (MATCH, "2 fields; ours adds ['x']")
    bad = compare_schema("s", "a", "sft", {"question_id": "int"}, theirs)
    assert bad.status == DIFFERS
    assert bad.detail == "missing ['test']; question_id: int not str"
