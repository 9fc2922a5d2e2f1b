"""Every KodCode mode turns a valid seed line into a request, under either profile; invalid
lines say why. `assay` prompts are ours; `original` ones come from KodCode's checkout."""

import random

import pytest

from assets.kodcode import original
from assets.kodcode.method import shots
from assets.kodcode.modes import MODES, validate_seed
from assets.kodcode.prompts import question_prompt, trial_messages
from assets.kodcode.questions import SameMode, shown_seeds

EXAMPLE_SEEDS = {
    "leetcode": {"question": "Two sum."},
    "codeforces": {"question": "Balanced strings."},
    "apps": {"question": "Islands."},
    "taco": {"question": "Zeros."},
    "code_contests": {"question": "Subarray."},
    "package": {"question": "Use numpy to normalise rows.", "package": "numpy"},
    "evol": {"question": "Reverse words."},
    "algorithm": {"code": "def f(): pass"},
    "data_structure": {"code": "class S: pass"},
    "docs": {"doc": "str.upper returns an upper-case copy.", "source": "str"},
    "prefill": {"prefix": "Write a python function to"},
}
CHAT_MODES = [m for m in MODES if m != "prefill"]
needs_checkout = pytest.mark.skipif(
    not original.CHECKOUT.available(),
    reason="set ASSAY_KODCODE_SRC to a checkout of KodCode-AI/kodcode for the original's wording",
)


@pytest.mark.parametrize("mode", CHAT_MODES)
def test_every_chat_mode_builds_a_system_and_user_message_asking_for_tagged_output(mode):
    seed = {"mode": mode, **EXAMPLE_SEEDS[mode]}
    assert validate_seed(seed) is None
    prompt = question_prompt(seed, [seed], original=False)
    assert prompt.raw_prompt is None
    assert [m["role"] for m in prompt.messages] == ["system", "user"]
    assert "<|Question Begin|>" in prompt.messages[1]["content"]
    material = {k: v for k, v in EXAMPLE_SEEDS[mode].items() if k not in ("source", "package")}
    for value in material.values():
        assert value.strip().rstrip(".") in prompt.messages[1]["content"]


def test_prefill_is_a_raw_completion_that_continues_the_prefix_and_stops_at_the_line_end():
    seed = {"mode": "prefill", **EXAMPLE_SEEDS["prefill"]}
    prompt = question_prompt(seed, [seed], original=False)
    assert prompt.messages == () and prompt.raw_prompt.endswith("Write a python function to")
    assert prompt.raw_prompt.startswith("<|im_start|>system\n") and "\n" in prompt.stop


def test_leetcode_prompts_show_three_seed_questions_every_other_mode_one():
    pool = [{"mode": "leetcode", "question": f"Problem {i}."} for i in range(5)]
    shown = shown_seeds(pool[0], SameMode(pool), random.Random(0))
    assert len(shown) == shots("leetcode") == 3 and pool[0] in shown
    assert len({s["question"] for s in shown}) == 3
    content = question_prompt(pool[0], shown, original=False).messages[1]["content"]
    assert all(s["question"].rstrip(".") in content for s in shown)
    evol = [{"mode": "evol", "question": f"E {i}."} for i in range(5)]
    assert (
        shown_seeds(evol[0], SameMode(evol), random.Random(0)) == [evol[0]] and shots("evol") == 1
    )


def test_a_leetcode_file_with_fewer_seeds_shows_what_it_has():
    pool = [{"mode": "leetcode", "question": "Only one."}]
    assert shown_seeds(pool[0], SameMode(pool), random.Random(0)) == pool


def test_the_other_seeds_of_a_mode_skip_every_line_with_the_same_question_without_a_copy():
    pool = [{"mode": "leetcode", "question": q} for q in ["a", "b", "a", "c", "a", "d"]]
    others = SameMode(pool).others(pool[0])
    assert len(others) == 3 and list(others) == [pool[1], pool[3], pool[5]]
    assert others[-1] is pool[5] and others[1:] == [pool[3], pool[5]]
    # random.sample over the lazy view draws what it draws over the copied list
    copied = [s for s in pool if s["question"] != "a"]
    assert random.Random(3).sample(others, 2) == random.Random(3).sample(copied, 2)


def test_evol_and_package_ask_for_a_new_question_in_the_seeds_style_not_a_harder_one():
    for mode in ("evol", "package"):
        seed = {"mode": mode, **EXAMPLE_SEEDS[mode]}
        content = question_prompt(seed, [seed], original=False).messages[1]["content"]
        assert "harder" not in content.lower() and "same kind, style and difficulty" in content
        assert EXAMPLE_SEEDS[mode]["question"] in content


@pytest.mark.parametrize(
    "seed, reason",
    [
        ({}, "missing field: mode"),
        ({"mode": "nope"}, "unknown mode"),
        ({"mode": "docs"}, "non-empty string field 'doc'"),
        ({"mode": "package", "package": "numpy"}, "non-empty string field 'question'"),
        ({"mode": "leetcode", "question": "q", "subset": 3}, "should be a string"),
    ],
)
def test_invalid_seed_lines_name_the_problem(seed, reason):
    assert reason in validate_seed(seed)


def test_the_trial_prompt_asks_for_tests_that_import_from_solution():
    content = trial_messages("Q?")[1]["content"]
    assert "from solution import" in content and "<|Test Begin|>" in content


@needs_checkout
@pytest.mark.parametrize("mode", CHAT_MODES)
def test_original_question_prompts_are_one_user_turn_ending_with_the_seed(mode):
    seed = {"mode": mode, **EXAMPLE_SEEDS[mode]}
    prompt = question_prompt(seed, [seed], original=True)
    (turn,) = prompt.messages
    assert turn["role"] == "user"
    if mode in ("algorithm", "data_structure"):
        assert turn["content"].endswith("\n```python\n" + seed["code"] + "\n```")
    elif mode == "docs":
        assert seed["doc"] in turn["content"] and "{CONTENT}" not in turn["content"]
    else:
        assert turn["content"].endswith(f"[Question 1]: {seed['question']}\n\n[Question 2]:")


@needs_checkout
def test_original_prefill_continues_the_models_pre_query_template():
    seed = {"mode": "prefill", **EXAMPLE_SEEDS["prefill"]}
    prompt = question_prompt(seed, [seed], original=True)
    assert prompt.raw_prompt.endswith("<|im_start|>user\nWrite a python function to")
    assert prompt.stop[-1] == "\n" and "<|im_end|>" in prompt.stop


@needs_checkout
def test_original_trial_prompt_is_the_template_then_the_question():
    (turn,) = trial_messages("Write f.", original=True)
    # Jinja drops the template file's last newline, so the question follows its last line
    # directly, as in the original's own recorded prompts.
    assert turn == {"role": "user", "content": original.template("gen_responses.md") + "Write f."}
    assert "<|Solution Begin|>" in turn["content"]


def test_the_original_profile_without_a_checkout_names_the_variable(monkeypatch):
    monkeypatch.delenv("ASSAY_KODCODE_SRC", raising=False)
    with pytest.raises(Exception, match="ASSAY_KODCODE_SRC"):
        trial_messages("Q", original=True)
