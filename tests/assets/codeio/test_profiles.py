"""What each profile means for CodeI/O, without a checkout: the method table, the named
differences, the original's own rules re-implemented, and the CodeI/O++ field check."""

from __future__ import annotations

from dataclasses import fields

import polars as pl
import pytest

from assets.codeio import original_rules
from assets.codeio.fidelity import findings
from assets.codeio.method import (
    ASSAY_DIFFERENCES,
    ASSAY_METHOD,
    ORIGINAL_METHOD,
    Method,
    method_for,
)
from assets.codeio.released import violations
from assets.codeio.unified import parse_unified_original
from assets.common.fidelity import DIFFERS, MISSING
from assets.common.profiles import Profile


def test_the_default_profile_is_assay_and_original_is_chosen_by_name():
    assert method_for(Profile()) is ASSAY_METHOD
    assert method_for(Profile(name="original")) is ORIGINAL_METHOD


def test_every_assay_difference_is_named_and_reasoned():
    for f in fields(Method):
        if f.name != "profile" and getattr(ASSAY_METHOD, f.name) != getattr(
            ORIGINAL_METHOD, f.name
        ):
            name, why = ASSAY_DIFFERENCES[f.name]
            assert name and len(why) > 20, f.name


def test_the_original_method_uses_the_papers_budgets():
    m = ORIGINAL_METHOD
    assert (m.unify_max_tokens, m.predict_max_tokens, m.temperature) == (4096, 4096, 0.7)
    assert (m.search_tries, m.max_pairs, m.min_pairs, m.search_limit_s) == (1000, 10, 2, 60.0)
    assert (m.input_check_limit_s, m.timeout_reruns, m.pairs_per_item) == (5.0, 10, 3)
    assert m.size_measure == "asizeof" and not m.sft_verified_only


def test_the_assay_report_lists_each_difference_with_its_reason():
    rows = findings("assay")
    differs = {f.item: f.detail for f in rows if f.status == DIFFERS}
    assert "unify_max_tokens" in differs and "Why:" in differs["unify_max_tokens"]
    assert "sft_verified_only" in differs and "size_measure" in differs


def test_without_a_checkout_the_original_report_says_what_is_missing(monkeypatch):
    monkeypatch.delenv("ASSAY_CODEIO_SRC", raising=False)
    rows = findings("original")
    assert [f.status for f in rows] == [MISSING]
    assert "ASSAY_CODEIO_SRC" in rows[0].detail


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('reasoning {"output": 1} then {"output": [2, 3]}', {"output": [2, 3]}),
        ('```json\n{"input": {"a": True}}\n```', {"input": {"a": True}}),
        ("no answer", None),
        ('\\boxed{\\{"output": 4\\}}', {"output": 4}),
        ('{"output": (1, 2)}', {"output": [1, 2]}),
    ],
)
def test_the_originals_extraction_takes_the_last_complete_object(text, expected):
    assert original_rules.last_json(text) == expected


def test_the_originals_tolerance_lets_booleans_match_ints_and_compares_floats_relatively():
    assert original_rules.is_close(True, 1) and original_rules.is_close(1.0004, 1.0)
    assert not original_rules.is_close(0.9996, 1.0)  # a different integer part
    assert not original_rules.is_close(float("nan"), float("nan"))


def test_the_originals_size_check_counts_bytes_with_the_measure_it_is_given():
    def size(obj):
        return 100 if isinstance(obj, dict) else 8

    assert original_rules.fits_size({"a": [1, 2]}, size)
    assert not original_rules.fits_size({"a": list(range(20))}, size)
    assert not original_rules.fits_size("x" * 100, size)
    assert not original_rules.fits_size({"a": 1}, lambda obj: 1024)


ANSWER = """## Main Function
```python
def main_solution(x):
    return x + 1
```
## Input Output Description
Input: `x` (int)
## Input Generator
```python
def input_generator():
    return {"x": 1}
```
## Problem Statement
What is `x` plus one?
"""


def test_the_originals_reading_needs_its_exact_headers():
    parsed = parse_unified_original(ANSWER)
    assert parsed.code is not None and parsed.code.problem_statement == "What is `x` plus one?"
    assert parse_unified_original(ANSWER.replace("## Input Generator", "## Input generator")).code
    lost = parse_unified_original(ANSWER.replace("## Main Function", "### 1. Main Function"))
    assert lost.code is None and lost.reason == "no_main_solution"


def _released(**overrides) -> pl.DataFrame:
    row = {
        "prompt": "p",
        "turn_1": "a",
        "feedback_1": "f",
        "turn_2": None,
        "feedback_2": None,
        "prompt_id": "x",
    }
    return pl.DataFrame(
        [{**row, **overrides}], schema_overrides={"turn_2": pl.Utf8, "feedback_2": pl.Utf8}
    )


def test_a_released_frame_with_codeio_pp_fields_passes_and_each_fault_is_counted():
    assert not any(violations(_released()).values())
    assert violations(_released().drop("feedback_2"))["missing_fields"] == 1
    assert violations(_released(turn_1=None))["nulls_in_required_fields"] == 1
    assert violations(_released(turn_2="b"))["half_revised_records"] == 1
    assert violations(_released().with_columns(pl.lit(1).alias("prompt")))["wrong_types"] == 1


@pytest.mark.skipif(
    not __import__("os").environ.get("ASSAY_CODEIO_SRC"),
    reason="comparing with the original's own builders needs its checkout: set ASSAY_CODEIO_SRC",
)
def test_under_original_every_prompt_renders_as_the_originals_own_builder_does():
    rows = findings("original")
    assert not [f for f in rows if f.status in (DIFFERS, MISSING)], rows
    prompts = [f for f in rows if f.aspect == "prompt"]
    assert len(prompts) >= 4
    for f in prompts:
        done, total = f.detail.split(" ")[0].split("/")
        assert done == total and int(total) >= 20, f
