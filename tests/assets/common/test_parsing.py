"""Pulling structured pieces out of model answers."""

from assets.common.parsing import (
    code_blocks,
    extract_json,
    extract_tag,
    last_code_block,
    section,
    strip_reasoning,
)


def test_the_answer_after_reasoning_is_what_follows_the_last_think_tag():
    assert strip_reasoning("<think>hmm</think>\nThe answer") == "The answer"
    assert strip_reasoning("no reasoning here") == "no reasoning here"


def test_tags_take_the_last_closed_pair_or_an_unclosed_final_tag():
    assert extract_tag("<q>first</q> and <q>second</q>", "q") == "second"
    assert extract_tag("prefix <q>cut off", "q") == "cut off"
    assert extract_tag("nothing", "q") is None


def test_code_blocks_filter_by_language_and_accept_untagged_blocks():
    text = "```python\na = 1\n```\n```js\nb\n```\n```\nc = 2\n```"
    assert code_blocks(text) == ["a = 1", "c = 2"]
    assert last_code_block(text, language=None) == "c = 2"


def test_sections_run_until_the_next_known_header():
    text = "## Problem\nAdd numbers.\n## Code\nprint(1)"
    assert section(text, "Problem", ["Problem", "Code"]) == "Add numbers."
    assert section(text, "Missing", ["Problem"]) is None


def test_json_is_the_last_complete_object_with_python_literal_and_boxed_repairs():
    assert extract_json('first {"a": 1} then {"b": [1, 2]}') == {"b": [1, 2]}
    assert extract_json("{'x': True, 'y': None}") == {"x": True, "y": None}
    assert extract_json(r"so \boxed{{'output': 3}}") == {"output": 3}
    assert extract_json('```json\n{"output": 2.5}\n```') == {"output": 2.5}
    assert extract_json('a string with "{braces}" only') is None
    assert extract_json("[1, 2]", want=list) == [1, 2]
