"""Case2Code-format test sets: reading rows, finding the candidate's code, judging exactly."""

from __future__ import annotations

import json

from assets.case2code.case_results import CaseResult
from assets.case2code.testset import call_job, eval_item, extract_code, judge, read_test_set

ROW = {
    "id": "t1",
    "prompt": "Function: double\nWrite a function ...",
    "func_name": "double",
    "code": "def double(n):\n    return n * 2\n",
    "example_str": "K = 2\nexamples = [dict(n=1), dict(n=1)]\nexamples += [dict(n=K)]",
    "example_inputs": [json.dumps("{'n': 1}")],
    "example_outputs": [{"return": '"2"'}, {"return": '"2"'}, {"return": '"4"', "trace": "[]"}],
}


def test_example_str_gives_every_example_in_order_with_its_preamble():
    item = eval_item(ROW)
    assert item.inputs_py == ("dict(n=1)", "dict(n=1)", "dict(n=K)"), (
        "repeats are kept so outputs stay aligned"
    )
    assert item.preamble == "K = 2"
    assert item.expected == ("return 2", "return 2", "return 4")
    assert item.reference_code == ROW["code"]


def test_rows_without_example_str_fall_back_to_example_inputs():
    row = {**ROW, "example_str": None, "example_outputs": ROW["example_outputs"][:1]}
    assert eval_item(row).inputs_py == ("{'n': 1}",)


def test_rows_that_cannot_be_scored_say_why(tmp_path):
    assert eval_item({**ROW, "example_str": None}) == "inputs and outputs differ in number"
    assert eval_item({**ROW, "example_outputs": [{"weird": 1}]}) == "unreadable example_outputs"
    assert eval_item({**ROW, "prompt": ""}) == "no prompt"
    path = tmp_path / "t.jsonl"
    path.write_text(
        json.dumps(ROW) + "\n{not json\n" + json.dumps({**ROW, "id": "t2", "func_name": ""}) + "\n"
    )
    test_set = read_test_set(path)
    assert [i.id for i in test_set.items] == ["t1"]
    assert test_set.skipped == {"invalid JSON": 1, "no func_name": 1}


def test_the_candidate_code_is_the_block_that_defines_the_function():
    answer = "Try:\n```python\nprint(double(2))\n```\nThe function is:\n\n```python\ndef double(n):\n    return n + n\n```"
    assert extract_code(answer, "double") == "def double(n):\n    return n + n"
    assert extract_code(
        "<think>```python\ndef double(n): pass\n```</think>\ndef double(n):\n    return 2*n",
        "double",
    ).startswith("def double")
    assert (
        extract_code("```python\ndef double(n):\n    return n*2", "double")
        == "def double(n):\n    return n*2"
    ), "a cut-off fence"
    assert extract_code("I don't know.", "double") is None


def test_call_job_runs_the_preamble_after_the_candidate_like_case2code():
    job = call_job("j", "def double(n):\n    return 2*n", eval_item(ROW))
    assert job.code.index("def double") < job.code.index("K = 2")
    assert job.entry_point == "double" and job.inputs_py == [
        "dict(n=1)",
        "dict(n=1)",
        "dict(n=K)",
    ]


def test_a_candidate_passes_only_when_every_outcome_matches_exactly():
    item = eval_item(ROW)
    two, four = CaseResult(kind="return", value_repr="2"), CaseResult(kind="return", value_repr="4")
    assert judge([two, two, four], item) == (True, 3, None)
    passed, matched, detail = judge([two, two, CaseResult(kind="return", value_repr="4.0")], item)
    assert (passed, matched) == (False, 2) and "4.0" in detail
