"""Outcomes in Case2Code's encoding, exact comparison, and pass@k."""

from __future__ import annotations

import json

import pytest

from assets.case2code.case_results import (
    CaseResult,
    agreement,
    from_outcome,
    gold_canonical,
    job_results,
)
from assets.case2code.scoring import mean_pass_at_k, pass_at_k
from resources.sandbox import CallOutcome, CallResult


def call_result(wire: dict) -> CallResult:
    """A call job's typed result from its wire dict (the job id is not what these tests are about)."""
    return CallResult.from_wire({"id": "job", **wire})


def _outcome(wire: dict) -> CaseResult:
    return from_outcome(CallOutcome.from_wire(wire))


def _job_results(wire: dict, n: int) -> list[CaseResult]:
    return job_results(call_result(wire), n)


def test_a_return_is_encoded_as_json_dumps_of_its_repr():
    result = _outcome({"ok": True, "value_repr": "'héllo'"})
    assert result.case2code() == {"return": json.dumps("'héllo'")}
    assert gold_canonical(result.case2code()) == result.canonical() == "return 'héllo'"


def test_an_exception_is_encoded_like_str_of_its_type_then_message():
    result = _outcome(
        {"ok": False, "exception_type": "NameError", "exception_message": "name 'n' is not defined"}
    )
    assert result.case2code() == {
        "error": "<|EXCEPTION|> \"<class 'NameError'>: name 'n' is not defined\""
    }
    assert gold_canonical(result.case2code()) == result.canonical()
    assert result.shown() == "NameError: name 'n' is not defined"


def test_recorded_outputs_with_traces_compare_on_their_return_only():
    recorded = {"trace": '["Line 1"]', "return": '"[0, 1]"'}
    assert gold_canonical(recorded) == "return [0, 1]"
    with pytest.raises(ValueError):
        gold_canonical({"trace": "x"})


def test_a_job_that_stopped_early_leaves_the_rest_without_a_result():
    job = {"status": "timeout", "outcomes": [{"ok": True, "value_repr": "1"}]}
    results = _job_results(job, 3)
    assert [r.kind for r in results] == ["return", "no_result", "no_result"]
    assert results[1].reason == "timeout"
    assert [r.kind for r in _job_results({"status": "error", "outcomes": []}, 2)] == [
        "no_result",
        "no_result",
    ]


def test_agreement_counts_matches_and_reports_the_first_difference():
    got = agreement(["return 1", "return 2", "return 3"], ["return 1", "return 5", "return 3"])
    assert (got.matched, got.total, got.first_mismatch, got.all_match) == (2, 3, 1, False)
    assert "return 5" in got.detail
    assert not agreement(["return 1"], ["return 1", "return 2"]).all_match, (
        "a missing example is a mismatch"
    )
    assert agreement(["return 1"], ["return 1"]).all_match


def test_pass_at_k_is_the_unbiased_estimator():
    assert pass_at_k(1, 1, 1) == 1.0 and pass_at_k(1, 0, 1) == 0.0
    assert pass_at_k(4, 1, 1) == pytest.approx(0.25)
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)
    assert pass_at_k(5, 4, 2) == 1.0
    assert mean_pass_at_k([(2, 2), (2, 0)], 1) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        pass_at_k(1, 1, 2)


def test_results_survive_a_round_trip_through_json():
    result = CaseResult(kind="exception", exception_type="ValueError", exception_message="bad")
    assert CaseResult.from_dict(result.as_row()) == result


def test_outcomes_that_describe_the_run_not_the_function_have_no_result():
    assert (
        _outcome({"ok": False, "exception_type": "Timeout", "exception_message": "x"}).reason
        == "timeout"
    )
    assert (
        _outcome({"ok": False, "exception_type": "MemoryError", "exception_message": ""}).reason
        == "memory"
    )
    assert _outcome({"ok": True, "value_repr": "'" + "a" * 1996 + "..."}).reason == "repr_truncated"
    assert (
        _outcome({"ok": True, "value_repr": "<unrepresentable Foo: ValueError>"}).reason
        == "unrepresentable"
    )
    assert (
        _outcome(
            {"ok": False, "exception_type": "RecursionError", "exception_message": "deep"}
        ).kind
        == "exception"
    )


def test_exception_classes_compare_by_name_whatever_module_the_recording_names():
    ours = _outcome(
        {"ok": False, "exception_type": "JSONDecodeError", "exception_message": "Expecting value"}
    )
    recorded = {
        "error": "<|EXCEPTION|> \"<class 'json.decoder.JSONDecodeError'>: Expecting value\""
    }
    assert gold_canonical(recorded) == ours.canonical() == "error JSONDecodeError: Expecting value"
