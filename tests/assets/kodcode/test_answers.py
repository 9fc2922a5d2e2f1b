"""Turning a solver's answer into code the tests can import: extraction and name alignment."""

import json

from assets.kodcode.answers import (
    Target,
    align_names,
    answer_code,
    ground_truth,
    parse_ground_truth,
    prepare,
    rename,
    targets_from_test_info,
)

TEST_INFO = [
    {
        "function_name": "add_numbers",
        "parameter_list": "(a, b)",
        "function_declaration": "def add_numbers(a, b):",
        "docstring": "",
    },
    {
        "function_name": "multiply_numbers",
        "parameter_list": "(a, b)",
        "function_declaration": "def multiply_numbers(a, b):",
        "docstring": "",
    },
]


def test_the_code_is_taken_after_the_reasoning_from_the_last_block_that_defines_something():
    response = (
        "<think>Maybe:\n```python\ndef scratch(): pass\n```\n</think>\nAnswer:\n```python\ndef f(x):\n    return x\n```\n"
        "Usage:\n```python\nprint(f(1))\n```"
    )
    assert answer_code(response) == "def f(x):\n    return x"
    assert answer_code("<think>long thought</think>\nNo code, sorry.") is None
    assert answer_code("def g():\n    return 1") == "def g():\n    return 1", (
        "a bare answer that parses is accepted"
    )


def test_a_trailing_block_of_tests_is_not_taken_for_the_answer():
    response = (
        "```python\ndef positives(xs):\n    return [x for x in xs if x > 0]\n```\nTests:\n"
        "```python\ndef test_positives():\n    assert positives([-1, 2]) == [2]\n```"
    )
    assert answer_code(response).startswith("def positives")
    misnamed = response.replace("def positives(xs)", "def keep_positive(xs)")
    assert answer_code(misnamed).startswith("def keep_positive"), (
        "without the wanted name, a non-test block still wins"
    )
    alignment, _ = prepare(
        misnamed,
        [
            {
                "function_name": "positives",
                "parameter_list": "(xs)",
                "function_declaration": "def positives(xs):",
                "docstring": "",
            }
        ],
    )
    assert alignment.renamed == {"keep_positive": "positives"}


def test_the_block_that_defines_a_tested_name_wins_over_a_later_helper_block():
    response = "```python\ndef add_numbers(a, b):\n    return a + b\n```\nAlso:\n```python\ndef unrelated():\n    pass\n```"
    assert answer_code(response, ["add_numbers"]).startswith("def add_numbers")


def test_every_misnamed_tested_function_is_renamed_not_only_the_first():
    code = "def add(a, b):\n    return a + b\n\ndef multiply(a, b):\n    return add(a, 0) * 0 + a * b\n"
    alignment = align_names(code, targets_from_test_info(TEST_INFO))
    assert (
        alignment.renamed == {"add": "add_numbers", "multiply": "multiply_numbers"}
        and alignment.missing == ()
    )
    namespace: dict = {}
    exec(alignment.code, namespace)  # noqa: S102
    assert namespace["add_numbers"](2, 3) == 5 and namespace["multiply_numbers"](2, 3) == 6


def test_helpers_called_by_another_function_are_not_taken_for_the_entry_point():
    code = "def _check(x):\n    return x > 0\n\ndef solve(xs):\n    return [x for x in xs if _check(x)]\n"
    alignment = align_names(code, [Target("positives", "function", 1)])
    assert alignment.renamed == {"solve": "positives"}


def test_matching_arity_beats_name_similarity_and_classes_map_to_classes():
    code = "def positive(a, b, c):\n    pass\n\ndef other(xs):\n    pass\n\nclass Box:\n    pass\n"
    alignment = align_names(code, [Target("positives", "function", 1), Target("Stack", "class")])
    assert alignment.renamed == {"other": "positives", "Box": "Stack"}


def test_names_already_right_are_left_alone_and_unmappable_names_are_reported():
    assert (
        align_names(
            "def add_numbers(a, b):\n    return a + b\n", [Target("add_numbers", "function", 2)]
        ).renamed
        == {}
    )
    alignment = align_names("x = 1\n", [Target("add_numbers", "function", 2)])
    assert alignment.missing == ("add_numbers",) and alignment.code == "x = 1\n"


def test_renaming_touches_identifiers_only_not_attributes_strings_or_comments():
    code = "def add(a, b):  # add them\n    obj.add = 'add'\n    return add\n"
    assert (
        rename(code, {"add": "plus"})
        == "def plus(a, b):  # add them\n    obj.add = 'add'\n    return plus\n"
    )


def test_ground_truth_round_trips_and_bare_test_code_is_accepted():
    truth = ground_truth("def test_x():\n    assert True", TEST_INFO)
    assert parse_ground_truth(truth) == ("def test_x():\n    assert True", TEST_INFO)
    assert json.loads(truth)["test_info"][1]["function_name"] == "multiply_numbers"
    assert parse_ground_truth("def test_y(): pass") == ("def test_y(): pass", [])


def test_prepare_says_why_an_answer_cannot_run():
    assert prepare("no code", TEST_INFO) == (None, "no_code")
    alignment, why = prepare("```python\ndef add(a, b)\n    return a\n```", TEST_INFO)
    assert alignment is None and why.startswith("syntax_error")
