"""Verdicts on predictions, with the feedback text CodeI/O++ shows the model.

Output predictions are judged here directly (compare.values_agree). Input
predictions need the code run on the predicted input: `input_call_job` builds
the sandbox job and `judge_input` turns its result into a verdict. Statuses are
CodeI/O's: success, failed (with feedback), no_answer, exception (with its
type), timeout; plus llm_error when there was no answer text at all.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from assets.codeio.compare import values_agree
from assets.codeio.predicted_value import extract_answer
from assets.codeio.prompts import FEEDBACK
from assets.codeio.unified import ENTRY_POINT
from resources.sandbox import CallJob, CallOutcome, CallResult

SUCCESS, FAILED, NO_ANSWER, EXCEPTION, TIMEOUT, LLM_ERROR = (
    "success",
    "failed",
    "no_answer",
    "exception",
    "timeout",
    "llm_error",
)
STATUSES = (SUCCESS, FAILED, NO_ANSWER, EXCEPTION, TIMEOUT, LLM_ERROR)
# Statuses a revision turn can help with: the model answered, and the answer was wrong.
REVISABLE = frozenset({FAILED, NO_ANSWER, EXCEPTION, TIMEOUT})
# How much of a long exception message or value goes into feedback.
_FEEDBACK_CHARS = 500


@dataclass(frozen=True)
class Verdict:
    status: str
    feedback: str | None
    predicted_json: str | None = None  # what the model answered, as JSON
    actual_json: str | None = None  # input predictions: what the code returned on it
    exception_type: str | None = None


def dumps(value: Any) -> str:
    """The JSON text shown in prompts and feedback (key order as given)."""
    return json.dumps(value, ensure_ascii=False)


def _clip(text: str) -> str:
    return text if len(text) <= _FEEDBACK_CHARS else text[: _FEEDBACK_CHARS - 1] + "…"


def no_answer(kind: str) -> Verdict:
    """No JSON answer under `kind` ("output" or "input") could be read."""
    return Verdict(NO_ANSWER, FEEDBACK["no_answer"].substitute(field=kind))


def verify_output(answer: str | None, given_input: Any, expected_output: Any) -> Verdict:
    """Judge an output prediction against the recorded output."""
    got = extract_answer(answer, "output")
    if not got.found:
        return no_answer("output")
    predicted = dumps(got.value)
    if values_agree(got.value, expected_output):
        return Verdict(SUCCESS, FEEDBACK["success"].substitute(), predicted)
    feedback = FEEDBACK["output_mismatch"].substitute(
        input=_clip(dumps(given_input)), predicted=_clip(predicted)
    )
    return Verdict(FAILED, feedback, predicted)


@dataclass(frozen=True)
class InputCheck:
    """An input prediction read from the answer: a verdict already, or a job to run."""

    verdict: Verdict | None
    predicted: Any = None


def read_input_prediction(answer: str | None) -> InputCheck:
    got = extract_answer(answer, "input")
    if not got.found:
        return InputCheck(no_answer("input"))
    if not isinstance(got.value, dict) or not all(isinstance(k, str) for k in got.value):
        predicted = dumps(got.value)
        return InputCheck(
            Verdict(
                FAILED, FEEDBACK["input_not_dict"].substitute(predicted=_clip(predicted)), predicted
            )
        )
    return InputCheck(None, got.value)


_LIMITED_ENTRY = "_assay_limited_call"
_LIMITED = """

def _assay_limited_call(kwargs, limit_s):
    import signal as _signal
    _signal.setitimer(_signal.ITIMER_REAL, limit_s)
    try:
        return main_solution(**kwargs)
    finally:
        _signal.setitimer(_signal.ITIMER_REAL, 0)
"""


def input_call_job(
    job_id: str, program: str, predicted: dict, limit_s: float | None = None
) -> CallJob:
    """A sandbox `call` job running main_solution on the predicted keyword arguments; with
    `limit_s`, the call stops there (a Timeout) even when the sandbox allows more."""
    if limit_s is None:
        return CallJob(job_id, program, ENTRY_POINT, inputs=[predicted])
    return CallJob(
        job_id,
        program + _LIMITED,
        _LIMITED_ENTRY,
        inputs=[{"kwargs": predicted, "limit_s": limit_s}],
    )


def shown(outcome: CallOutcome | None) -> str:
    """How a call's result reads in feedback and reports: JSON when possible, else the repr
    or the exception."""
    if outcome is None:
        return "None"
    if not outcome.ok:
        return f"{outcome.exception_type}: {outcome.exception_message or ''}"
    ok, value = outcome.value()
    if ok:
        return json.dumps(value, ensure_ascii=False)
    return str(outcome.value_repr)


_JOB_EXCEPTION_TYPES = {"memory": "MemoryError", "crashed": "Crashed", "error": "Error"}


def judge_input(predicted: dict, given_output: Any, result: CallResult) -> Verdict:
    """Verdict for an input prediction from its sandbox result (see input_call_job)."""
    predicted_json = dumps(predicted)
    status = str(result.status)
    outcome = result.outcomes[0] if result.outcomes else CallOutcome(ok=False)
    if status == "timeout" or outcome.exception_type == "Timeout":
        return Verdict(TIMEOUT, FEEDBACK["timeout"].substitute(), predicted_json)
    if not outcome.ok:
        if status in _JOB_EXCEPTION_TYPES:
            exc_type = _JOB_EXCEPTION_TYPES[status]
            message = str(result.load_error or result.error or outcome.exception_message or status)
        else:
            exc_type = outcome.exception_type or "Exception"
            message = str(outcome.exception_message or "")
        return Verdict(
            EXCEPTION,
            FEEDBACK["exception"].substitute(exception_type=exc_type, message=_clip(message)),
            predicted_json,
            exception_type=exc_type,
        )
    readable, actual = outcome.value()
    actual_text = shown(outcome)
    if readable and values_agree(actual, given_output):
        return Verdict(SUCCESS, FEEDBACK["success"].substitute(), predicted_json, actual_text)
    feedback = FEEDBACK["input_mismatch"].substitute(
        output=_clip(dumps(given_output)),
        predicted=_clip(predicted_json),
        actual=_clip(actual_text),
    )
    return Verdict(FAILED, feedback, predicted_json, actual_text)
