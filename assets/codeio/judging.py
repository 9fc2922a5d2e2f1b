"""Verifying a batch of prediction answers: outputs on the host, inputs in one sandbox run.

Both turns (the first answer and the revision) go through `judge_batch`, so a
revised answer is held to exactly the same test as a first one. The rules are the
profile's: `AssayRules` (our extraction, tolerance and feedback) or `OriginalRules`
(CodeI/O's, with its wording read from the checkout). Input checks that time out are
re-run up to `timeout_reruns` times, as CodeI/O's pipeline_check.sh does.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from assets.codeio import original_rules
from assets.codeio.harness import runnable
from assets.codeio.verify import (
    EXCEPTION,
    FAILED,
    LLM_ERROR,
    NO_ANSWER,
    SUCCESS,
    TIMEOUT,
    InputCheck,
    Verdict,
    input_call_job,
    judge_input,
    read_input_prediction,
    verify_output,
)
from resources.sandbox import CallJob, CallOutcome, CallResult

# Runs call jobs; each typed result by job id (assets.common.execute.run_jobs on a sandbox).
RunJobs = Callable[[list[CallJob]], Mapping[str, CallResult]]


@dataclass(frozen=True)
class Task:
    """One prediction to judge. `answer` is None when the model gave no accepted answer."""

    key: str
    kind: str  # "output" or "input"
    input_json: str
    output_json: str
    program: str  # main function and input generator
    answer: str | None
    main_code: str = ""  # the main function alone (the original's refcode)


class Rules(Protocol):
    def verify_output(self, task: Task) -> Verdict: ...
    def read_input(self, task: Task) -> InputCheck: ...
    def input_job(self, task: Task, predicted: Any) -> CallJob: ...
    def judge_input(self, task: Task, predicted: Any, result: CallResult) -> Verdict: ...


@dataclass(frozen=True)
class AssayRules:
    """Our extraction, tolerance and feedback; inputs run with `limit_s` per call."""

    limit_s: float

    def verify_output(self, task: Task) -> Verdict:
        return verify_output(task.answer, json.loads(task.input_json), json.loads(task.output_json))

    def read_input(self, task: Task) -> InputCheck:
        return read_input_prediction(task.answer)

    def input_job(self, task: Task, predicted: Any) -> CallJob:
        return input_call_job(task.key, runnable(task.program), predicted, self.limit_s)

    def judge_input(self, task: Task, predicted: Any, result: CallResult) -> Verdict:
        return judge_input(predicted, json.loads(task.output_json), result)


@dataclass(frozen=True)
class OriginalRules:
    """CodeI/O's check_io_pred_acc: its extraction, is_close, input check and messages."""

    feedback: Any  # original_src.Feedback
    prefix: str  # original_src.solution_prefix()
    limit_s: float

    def _answer(self, task: Task, field: str) -> tuple[Any, Verdict | None]:
        fb = self.feedback
        found = original_rules.last_json(task.answer or "")
        if found is None:
            return None, Verdict(NO_ANSWER, fb.no_json)
        if not isinstance(found, dict):
            return None, Verdict(NO_ANSWER, fb.not_dict)
        if field not in found:
            missing = fb.no_output_field if field == "output" else fb.no_input_field
            return None, Verdict(NO_ANSWER, missing)
        return found[field], None

    def verify_output(self, task: Task) -> Verdict:
        predicted, verdict = self._answer(task, "output")
        if verdict:
            return verdict
        predicted_json = json.dumps(predicted)
        if original_rules.agrees(predicted, json.loads(task.output_json)):
            return Verdict(SUCCESS, self.feedback.correct_output.text, predicted_json)
        message = self.feedback.output_mismatch(json.loads(task.input_json), predicted)
        return Verdict(FAILED, message, predicted_json)

    def read_input(self, task: Task) -> InputCheck:
        predicted, verdict = self._answer(task, "input")
        return InputCheck(verdict, predicted)

    def input_job(self, task: Task, predicted: Any) -> CallJob:
        code = f"{self.prefix}\n\n{task.main_code}\n{original_rules.check_source()}"
        return CallJob(
            task.key,
            code,
            original_rules.CHECK_ENTRY,
            inputs=[
                {
                    "value": predicted,
                    "expected": json.loads(task.output_json),
                    "limit_s": self.limit_s,
                }
            ],
        )

    def judge_input(self, task: Task, predicted: Any, result: CallResult) -> Verdict:
        fb, predicted_json = self.feedback, json.dumps(predicted)
        outcome = result.outcomes[0] if result.outcomes else CallOutcome(ok=False)
        if str(result.status) == "timeout" or outcome.exception_type == "Timeout":
            return Verdict(TIMEOUT, fb.timed_out(self.limit_s), predicted_json)
        readable, value = outcome.value() if outcome.ok else (False, None)
        if not readable or not isinstance(value, dict):
            message = outcome.exception_message or result.load_error or result.error or ""
            kind = outcome.exception_type or str(result.status)
            return Verdict(EXCEPTION, str(message).strip(), predicted_json, exception_type=kind)
        if value["agree"]:
            return Verdict(SUCCESS, fb.feasible_input, predicted_json, value["actual"])
        expected = json.loads(task.output_json)
        message = fb.input_mismatch(predicted, value["actual"], expected)
        return Verdict(FAILED, message, predicted_json, value["actual"])


def judge_batch(
    tasks: Sequence[Task], run_jobs: RunJobs, rules: Rules, timeout_reruns: int = 0
) -> dict[str, Verdict]:
    """A verdict per task key; input predictions run as one batch of sandbox jobs, and those
    that time out again, up to `timeout_reruns` more times."""
    verdicts: dict[str, Verdict] = {}
    pending: dict[str, tuple[Task, Any]] = {}
    for task in tasks:
        if task.answer is None:
            verdicts[task.key] = Verdict(LLM_ERROR, None)
        elif task.kind == "output":
            verdicts[task.key] = rules.verify_output(task)
        else:
            check = rules.read_input(task)
            if check.verdict is not None:
                verdicts[task.key] = check.verdict
            else:
                pending[task.key] = (task, check.predicted)
    for _ in range(1 + max(timeout_reruns, 0)):
        if not pending:
            break
        jobs = [rules.input_job(task, predicted) for task, predicted in pending.values()]
        for job_id, result in run_jobs(jobs).items():
            task, predicted = pending[job_id]
            verdicts[task.key] = rules.judge_input(task, predicted, result)
        pending = {k: v for k, v in pending.items() if verdicts[k].status == TIMEOUT}
    missing = [t.key for t in tasks if t.key not in verdicts]
    if missing:
        raise RuntimeError(
            f"the sandbox returned no result for {len(missing)} input predictions, e.g. {missing[0]}"
        )
    return verdicts
