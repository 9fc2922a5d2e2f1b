"""The verifier on hand-written predictions: right, wrong, malformed, partially right, near misses."""

import json

import pytest

from assets.codeio.compare import is_close, values_agree
from assets.codeio.verify import (
    EXCEPTION,
    FAILED,
    NO_ANSWER,
    SUCCESS,
    TIMEOUT,
    input_call_job,
    judge_input,
    read_input_prediction,
    verify_output,
)
from resources.sandbox import CallResult

GIVEN = {"nums": [3, 1, 2]}


def call_result(wire: dict) -> CallResult:
    """A call job's typed result from its wire dict (the job id is not what these tests are about)."""
    return CallResult.from_wire({"id": "job", **wire})


def answer(obj) -> str:
    return f"Let me think step by step... so the final answer is\n```json\n{json.dumps(obj)}\n```"


# --- output predictions ---------------------------------------------------------------


def test_a_right_output_prediction_succeeds():
    verdict = verify_output(answer({"output": [1, 2, 3]}), GIVEN, [1, 2, 3])
    assert verdict.status == SUCCESS
    assert verdict.predicted_json == "[1, 2, 3]"


def test_a_wrong_output_prediction_fails_with_feedback_naming_input_and_prediction():
    verdict = verify_output(answer({"output": [3, 2, 1]}), GIVEN, [1, 2, 3])
    assert verdict.status == FAILED
    assert verdict.feedback.startswith("[Wrong output] Given the input")
    assert '{"nums": [3, 1, 2]}' in verdict.feedback and "[3, 2, 1]" in verdict.feedback


def test_a_partially_right_list_is_wrong():
    assert verify_output(answer({"output": [1, 2, 4]}), GIVEN, [1, 2, 3]).status == FAILED
    assert verify_output(answer({"output": [1, 2]}), GIVEN, [1, 2, 3]).status == FAILED


def test_a_partially_right_dict_is_wrong():
    expected = {"mean": 2.0, "count": 3}
    assert verify_output(answer({"output": {"mean": 2.0}}), GIVEN, expected).status == FAILED
    assert (
        verify_output(answer({"output": {"mean": 2.0, "count": 4}}), GIVEN, expected).status
        == FAILED
    )
    assert (
        verify_output(answer({"output": {"count": 3, "mean": 2.0}}), GIVEN, expected).status
        == SUCCESS
    )


@pytest.mark.parametrize(
    "predicted, expected, ok",
    [
        (3.14159, 3.1416, True),  # within 1e-3 relative
        (3.2, 3.1416, False),  # outside
        (100.05, 100.0, True),
        (100.2, 100.0, False),
        (0.9996, 1.0, False),  # close, but CodeI/O also wants the same integer part
        (1e-9, 0.0, False),  # relative tolerance of zero is zero
        (2, 2.0, True),  # int vs float compares as numbers
        (2, 3, False),  # ints are exact
        ([1.0001, 2.0], [1.0, 2.0], True),  # element-wise tolerance
        ({"x": 1.0004}, {"x": 1.0}, True),
    ],
)
def test_float_near_misses_use_codeio_tolerance(predicted, expected, ok):
    assert (verify_output(answer({"output": predicted}), GIVEN, expected).status == SUCCESS) is ok


def test_malformed_answers_are_no_answer_with_feedback_asking_for_json():
    for text in ["The output is three.", '{"output": [1, 2', "", None, '{"result": 3}']:
        verdict = verify_output(text, GIVEN, 3)
        assert verdict.status == NO_ANSWER, text
        assert '{"output": ...}' in verdict.feedback


def test_python_literals_tuples_and_boxed_answers_are_repaired():
    assert (
        verify_output("final: {'output': (1, True, None)}", GIVEN, [1, True, None]).status
        == SUCCESS
    )
    assert verify_output(r'so \boxed{\{"output": 42\}}', GIVEN, 42).status == SUCCESS
    assert verify_output('{"output": 1} no wait, {"output": 2}', GIVEN, 2).status == SUCCESS


def test_python_literals_that_are_not_json_are_no_answer():
    assert verify_output("{'output': {1, 2}}", GIVEN, [1, 2]).status == NO_ANSWER
    assert (
        verify_output("{'output': {1, 2}} or rather {'output': [1, 2]}", GIVEN, [1, 2]).status
        == SUCCESS
    )


def test_booleans_do_not_match_integers():
    assert verify_output(answer({"output": True}), GIVEN, 1).status == FAILED
    assert verify_output(answer({"output": True}), GIVEN, True).status == SUCCESS


def test_null_is_an_answer_not_a_missing_one():
    assert verify_output(answer({"output": None}), GIVEN, 0).status == FAILED


def test_reasoning_before_think_end_is_ignored():
    text = '<think>maybe {"output": 1}</think>The answer: {"output": 2}'
    assert verify_output(text, GIVEN, 2).status == SUCCESS


# --- input predictions ----------------------------------------------------------------


def test_input_predictions_become_a_call_job_on_main_solution():
    check = read_input_prediction(answer({"input": {"nums": [2, 1]}}))
    assert check.verdict is None and check.predicted == {"nums": [2, 1]}
    job = input_call_job("p1", "def main_solution(nums): return sorted(nums)", check.predicted)
    assert (
        job.wire()["kind"] == "call"
        and job.entry_point == "main_solution"
        and job.inputs == [{"nums": [2, 1]}]
    )


def test_a_bare_object_counts_as_the_input():
    assert read_input_prediction('{"nums": [1]}').predicted == {"nums": [1]}


def test_an_input_that_is_not_an_object_fails_without_running():
    check = read_input_prediction(answer({"input": [1, 2]}))
    assert check.verdict.status == FAILED and "must be a JSON object" in check.verdict.feedback


def test_an_input_answer_with_no_json_is_no_answer():
    assert read_input_prediction("I think nums is [1, 2].").verdict.status == NO_ANSWER


def ran(value) -> CallResult:
    return call_result(
        {
            "status": "passed",
            "outcomes": [{"ok": True, "value_json": value, "value_repr": repr(value)}],
        }
    )


def test_a_feasible_input_succeeds_when_its_output_matches():
    assert judge_input({"nums": [2, 1]}, [1, 2], ran([1, 2])).status == SUCCESS
    assert judge_input({"x": 1}, 0.5, ran(0.50001)).status == SUCCESS


def test_an_infeasible_input_fails_with_the_output_it_actually_gives():
    verdict = judge_input({"nums": [2, 1]}, [1, 2, 3], ran([1, 2]))
    assert verdict.status == FAILED
    assert verdict.feedback.startswith("[Wrong input] The code run on your predicted input")
    assert verdict.actual_json == "[1, 2]" and "[1, 2, 3]" in verdict.feedback


def test_an_input_that_raises_is_an_exception_with_its_type():
    result = {
        "status": "failed",
        "outcomes": [
            {
                "ok": False,
                "exception_type": "TypeError",
                "exception_message": "main_solution() got an unexpected keyword argument 'n'",
            }
        ],
    }
    verdict = judge_input({"n": 1}, 3, call_result(result))
    assert verdict.status == EXCEPTION and verdict.exception_type == "TypeError"
    assert "TypeError" in verdict.feedback and "unexpected keyword" in verdict.feedback


def test_an_input_that_hangs_is_a_timeout():
    assert (
        judge_input({"n": 10**9}, 3, call_result({"status": "timeout", "outcomes": []})).status
        == TIMEOUT
    )
    per_call = {
        "status": "passed",
        "outcomes": [
            {
                "ok": False,
                "exception_type": "Timeout",
                "exception_message": "input exceeded its time limit",
            }
        ],
    }
    assert judge_input({"n": 10**9}, 3, call_result(per_call)).status == TIMEOUT


def test_code_that_no_longer_loads_is_an_exception_naming_the_load_error():
    result = {
        "status": "error",
        "load_error": "ModuleNotFoundError: No module named 'gmpy2'",
        "outcomes": [{"ok": False, "exception_type": "Crashed", "exception_message": "not run"}],
    }
    verdict = judge_input({"n": 1}, 3, call_result(result))
    assert verdict.status == EXCEPTION and "gmpy2" in verdict.feedback


def test_an_input_that_exhausts_memory_is_an_exception():
    verdict = judge_input({"n": 10**9}, 3, call_result({"status": "memory", "outcomes": []}))
    assert verdict.status == EXCEPTION and verdict.exception_type == "MemoryError"


# --- the comparator itself --------------------------------------------------------------


def test_comparator_matches_codeio_on_infinities_and_nan():
    assert values_agree(float("inf"), float("inf"))  # same JSON text
    assert not is_close(float("inf"), float("inf"))
    assert not values_agree(float("nan"), 1.0)


def test_comparator_is_structural():
    assert values_agree({"a": [1, {"b": 2.0}]}, {"a": [1, {"b": 2.0001}]})
    assert not values_agree({"a": [1, {"b": 2.0}]}, {"a": [1, {"c": 2.0}]})
    assert not values_agree("1", 1)
