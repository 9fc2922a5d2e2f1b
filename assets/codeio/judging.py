"""Verifying a batch of prediction answers: outputs on the host, inputs in one sandbox run.

Both turns (the first answer and the revision) go through `judge_batch`, so a
revised answer is held to exactly the same test as a first one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from assets.codeio.harness import runnable
from assets.codeio.verify import (
    LLM_ERROR,
    Verdict,
    input_call_job,
    judge_input,
    read_input_prediction,
    verify_output,
)
from resources.sandbox import CallJob, CallResult

# Runs call jobs; each typed result by job id (assets.common.execute.run_jobs on a sandbox).
RunJobs = Callable[[list[CallJob]], Mapping[str, CallResult]]


@dataclass(frozen=True)
class Task:
    """One prediction to judge. `answer` is None when the model gave no accepted answer."""

    key: str
    kind: str  # "output" or "input"
    input_json: str
    output_json: str
    program: str
    answer: str | None


def judge_batch(tasks: Sequence[Task], run_jobs: RunJobs) -> dict[str, Verdict]:
    """A verdict per task key; input predictions run as one batch of sandbox jobs."""
    verdicts: dict[str, Verdict] = {}
    pending: dict[str, tuple[Task, dict]] = {}
    for task in tasks:
        if task.answer is None:
            verdicts[task.key] = Verdict(LLM_ERROR, None)
        elif task.kind == "output":
            verdicts[task.key] = verify_output(
                task.answer, json.loads(task.input_json), json.loads(task.output_json)
            )
        else:
            check = read_input_prediction(task.answer)
            if check.verdict is not None:
                verdicts[task.key] = check.verdict
            else:
                pending[task.key] = (task, check.predicted)
    if pending:
        jobs = [
            input_call_job(key, runnable(task.program), predicted)
            for key, (task, predicted) in pending.items()
        ]
        for job_id, result in run_jobs(jobs).items():
            task, predicted = pending[job_id]
            verdicts[task.key] = judge_input(predicted, json.loads(task.output_json), result)
    missing = [t.key for t in tasks if t.key not in verdicts]
    if missing:
        raise RuntimeError(
            f"the sandbox returned no result for {len(missing)} input predictions, e.g. {missing[0]}"
        )
    return verdicts
