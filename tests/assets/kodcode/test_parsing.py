"""KodCode answers become questions, trials and test_info by pure functions."""

from assets.kodcode.parsing import (
    build_test_info,
    difficulty,
    extract_question,
    imported_names,
    parse_trial,
)

QUESTION = "Write a function count_vowels(s) that returns how many vowels the string s contains."


def test_a_tagged_question_is_extracted_and_sanitized():
    answer = f"Sure!\n<|Question Begin|>\n**Question:** {QUESTION}\n<|Question End|>"
    assert extract_question("leetcode", answer).question == QUESTION
    bold_then_colon = f"<|Question Begin|>\n**Question**: {QUESTION}\n<|Question End|>"
    assert extract_question("taco", bold_then_colon).question == QUESTION


def test_snippet_modes_need_their_tags_but_question_modes_accept_a_bare_answer():
    assert extract_question("algorithm", QUESTION).drop_reason == "no_question_tags"
    assert extract_question("leetcode", QUESTION).question == QUESTION


def test_markers_in_other_brackets_or_bare_on_their_own_line_are_understood():
    # Seen from the 1.5B demo model: KodCode's strict parser lost these questions.
    for begin, end in [
        ("{|Question Begin|}", "{|Question End|}"),
        ("Question Begin", "Question End"),
        ("**Question Begin**", "**Question End**"),
        ("[Question Begin]", "[Question End]"),
    ]:
        answer = f"{begin.replace('Question', 'Analysis')}\nBinary search halves the range.\n{begin}\n{QUESTION}\n{end}"
        assert extract_question("algorithm", answer).question == QUESTION, begin


def test_prose_that_mentions_a_question_begin_is_not_a_marker():
    answer = f"The Question Begin marker is below.\n<|Question Begin|>{QUESTION}<|Question End|>"
    assert extract_question("algorithm", answer).question == QUESTION
    assert (
        extract_question("algorithm", "Let the question begin here: " + QUESTION).drop_reason
        == "no_question_tags"
    )


def test_docs_mode_may_abstain():
    assert (
        extract_question(
            "docs", "<|Analysis Begin|>not testable<|Analysis End|><|Abstain|>"
        ).drop_reason
        == "abstained"
    )


def test_prefill_questions_start_with_their_prefix():
    parsed = extract_question(
        "prefill",
        "<|Question Begin|>takes a list of intervals and merges overlapping ones.<|Question End|>",
        prefix="Write a function merge_intervals(intervals) that",
    )
    assert parsed.question.startswith("Write a function merge_intervals(intervals) that takes")


def test_a_prefill_answer_that_starts_over_is_not_prefixed_twice():
    parsed = extract_question(
        "prefill",
        "Write a function `merge_intervals` that merges overlapping intervals in a list.",
        prefix="Write a function merge_intervals(intervals) that",
    )
    assert parsed.question.startswith("Write a function `merge_intervals` that merges")


def test_empty_questions_are_dropped_with_a_reason():
    assert (
        extract_question("taco", "<|Question Begin|> <|Question End|>").drop_reason
        == "empty_or_too_short"
    )


TRIAL = """<|Solution Begin|>
```python
def add(a, b):
    \"\"\"Sum of a and b.\"\"\"
    return a + b

def sub(a, b):
    return a - b
```
<|Solution End|>
<|Test Begin|>
```python
from solution import add, sub

def test_add():
    assert add(1, 2) == 3
```
<|Test End|>"""


def test_a_tagged_trial_yields_solution_and_tests():
    trial = parse_trial(TRIAL)
    assert trial.error is None
    assert trial.solution.startswith("def add") and "def test_add" in trial.tests


def test_tests_without_an_import_from_solution_get_one():
    trial = parse_trial(
        "```python\ndef f():\n    return 1\n```\n```python\ndef test_f():\n    assert f() == 1\n```"
    )
    assert trial.error is None and trial.tests.startswith("from solution import *")


def test_broken_trials_say_why():
    assert parse_trial("no code at all").error == "missing_solution_or_tests"
    assert parse_trial(
        "```python\ndef f(:\n```\n```python\ndef test_f():\n    pass\n```"
    ).error.startswith("syntax_error")


def test_test_info_covers_every_imported_function_not_only_the_first():
    trial = parse_trial(TRIAL)
    info = build_test_info(trial.solution, trial.tests)
    assert [i["function_name"] for i in info] == ["add", "sub"]
    assert (
        info[0]["function_declaration"] == "def add(a, b):"
        and info[0]["docstring"] == "Sum of a and b."
    )


def test_a_star_import_means_every_top_level_function():
    assert imported_names("from solution import *") is None
    assert imported_names("import solution") is None
    assert imported_names("from solution import a, b") == ["a", "b"]


def test_difficulty_buckets_follow_kodcode():
    assert [difficulty(p, 3) for p in (3, 2, 1, 0)] == ["easy", "easy", "medium", "hard"]
    assert difficulty(0, 0) == "hard"


def test_a_question_that_restates_its_seed_is_recognised_as_a_copy():
    from assets.common.dedup import jaccard

    seed = "Given a list of integers nums and an integer target, return the indices of the two numbers that add up to target."
    assert jaccard(f"{seed} Example: two_sum([2, 7], 9) returns [0, 1].", seed) >= 0.6
    assert jaccard("Write a function that counts the vowels in a string.", seed) < 0.6
