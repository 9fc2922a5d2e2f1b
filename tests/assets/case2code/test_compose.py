"""Prompt composition: seeded, at least three cases, styles that mean what was run."""

from __future__ import annotations

import random
import re

import pytest

from assets.case2code.case_results import CaseResult
from assets.case2code.compose import compose_eval_prompt, compose_prompt, render_input
from assets.case2code.examples import Example
from assets.case2code.prompts import CASE_TEMPLATES

EXAMPLES = [Example(args=(("a", str(i)), ("b", repr("x" * i)))) for i in range(8)]
RESULTS = [CaseResult(kind="return", value_repr=repr("x" * i * 2)) for i in range(8)]


def _compose(seed: int, results=RESULTS, positional=True, **kw):
    return compose_prompt(
        "twice",
        EXAMPLES[: len(results)],
        results,
        [positional] * len(results),
        random.Random(seed),
        **kw,
    )


def test_the_same_seed_gives_the_same_prompt_and_another_seed_usually_differs():
    assert _compose(1) == _compose(1)
    assert len({_compose(s).prompt for s in range(10)}) > 5


def test_at_least_three_distinct_cases_are_shown_and_each_shown_output_is_in_the_prompt():
    for seed in range(40):
        composed = _compose(seed)
        assert 3 <= len(composed.shown) <= len(EXAMPLES)
        assert len(set(composed.shown)) == len(composed.shown)
        for i in composed.shown:
            assert RESULTS[i].value_repr in composed.prompt


def test_items_with_fewer_than_three_cases_show_them_all():
    composed = _compose(3, results=RESULTS[:2])
    assert sorted(composed.shown) == [0, 1]


def test_every_template_and_input_style_is_drawn_across_seeds():
    drawn = [_compose(s) for s in range(300)]
    assert {c.template for c in drawn} == {t.name for t in CASE_TEMPLATES}
    assert {s for c in drawn for s in c.input_styles} == {"keyword", "positional", "named", "dict"}


def test_call_styles_name_the_function_and_raw_styles_keep_the_function_line():
    for seed in range(60):
        composed = _compose(seed)
        assert "twice" in composed.prompt


def test_positional_arguments_are_never_shown_when_they_would_bind_differently():
    styles = {s for seed in range(200) for s in _compose(seed, positional=False).input_styles}
    assert "positional" not in styles


def test_assertions_never_claim_that_a_raising_call_equals_something():
    results = [
        CaseResult(kind="exception", exception_type="ValueError", exception_message="neg")
    ] * 4 + RESULTS[4:]
    for seed in range(200):
        composed = _compose(seed, results=results)
        if composed.template == "assert":
            assert all(results[i].kind == "return" for i in composed.shown)
            assert "ValueError" not in composed.prompt


def test_cases_without_a_result_are_never_shown():
    results = [CaseResult(kind="no_result", reason="timeout")] + RESULTS[1:5]
    for seed in range(50):
        assert 0 not in _compose(seed, results=results).shown


def test_render_input_styles():
    example = Example(args=(("a", "1"), ("b", "'x'")))
    assert render_input(example, "keyword") == "a=1, b='x'"
    assert render_input(example, "positional") == "1, 'x'"
    assert render_input(example, "named") == "a:1, b:'x'"
    assert render_input(example, "dict") == "dict(a=1, b='x')"
    with pytest.raises(ValueError):
        render_input(example, "yaml")


def test_eval_prompts_use_one_fixed_format():
    composed = compose_eval_prompt("twice", EXAMPLES, RESULTS, random.Random(0))
    assert composed.prompt.startswith(
        "Function: twice\nWrite a function that generates the output from the input.\n\n"
    )
    assert len(
        re.findall(r"^Input: dict\(a=\d, b='x*'\), Output: ", composed.prompt, flags=re.MULTILINE)
    ) == len(composed.shown)
