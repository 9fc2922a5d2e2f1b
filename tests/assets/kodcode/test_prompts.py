"""Every KodCode mode turns a valid seed line into a chat; invalid lines say why."""

import pytest

from assets.kodcode.modes import MODES, validate_seed
from assets.kodcode.prompts import question_messages, trial_messages

EXAMPLE_SEEDS = {
    "leetcode": {"question": "Two sum."},
    "codeforces": {"question": "Balanced strings."},
    "apps": {"question": "Islands."},
    "taco": {"question": "Zeros."},
    "code_contests": {"question": "Subarray."},
    "package": {"package": "numpy"},
    "evol": {"question": "Reverse words."},
    "algorithm": {"code": "def f(): pass"},
    "data_structure": {"code": "class S: pass"},
    "docs": {"doc": "str.upper returns an upper-case copy."},
    "prefill": {"prefix": "Write a function that"},
}


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_builds_a_system_and_user_message_asking_for_tagged_output(mode):
    seed = {"mode": mode, **EXAMPLE_SEEDS[mode]}
    assert validate_seed(seed) is None
    messages = question_messages(seed, examples=["An example question."])
    assert [m["role"] for m in messages] == ["system", "user"]
    assert "<|Question Begin|>" in messages[1]["content"]
    for value in EXAMPLE_SEEDS[mode].values():
        assert value.strip().rstrip(".") in messages[1]["content"]


def test_evol_shows_the_few_shot_examples():
    messages = question_messages(
        {"mode": "evol", "question": "Q"}, examples=["First example", "Second example"]
    )
    assert "First example" in messages[1]["content"] and "Second example" in messages[1]["content"]


@pytest.mark.parametrize(
    "seed, reason",
    [
        ({}, "missing field: mode"),
        ({"mode": "nope"}, "unknown mode"),
        ({"mode": "docs"}, "non-empty string field 'doc'"),
        ({"mode": "leetcode", "question": "q", "subset": 3}, "should be a string"),
    ],
)
def test_invalid_seed_lines_name_the_problem(seed, reason):
    assert reason in validate_seed(seed)


def test_the_trial_prompt_asks_for_tests_that_import_from_solution():
    content = trial_messages("Q?")[1]["content"]
    assert "from solution import" in content and "<|Test Begin|>" in content
