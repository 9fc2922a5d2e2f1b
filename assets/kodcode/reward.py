"""Rule-based reward for the KodCode RL set, importable by verl-style trainers.

verl: set `custom_reward_function.path` to this file and `.name` to
`compute_score` (one response per call) or `compute_score_batch` (with
`reward_model.reward_manager=batch`: one sandbox round trip for the whole
batch, much cheaper). Run the trainer with the repository root on `PYTHONPATH`.

A response scores 1.0 when the code after its reasoning, with function names
aligned to what the tests import, passes every test in our sandbox; otherwise
0.0. The sandbox (a warm worker pool) starts on first use and is reused for the
life of the process; `ASSAY_SANDBOX_*` variables choose its backend and limits,
as everywhere else in assay.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assets.common.sandboxing import shared_sandbox, use_sandbox
from assets.kodcode.answers import parse_ground_truth, prepare

__all__ = ["compute_score", "compute_score_batch", "use_sandbox"]


def _job(index: int, solution_str: str, ground_truth: str) -> dict | None:
    test_code, test_info = parse_ground_truth(ground_truth)
    alignment, _ = prepare(solution_str or "", test_info)
    if alignment is None:
        return None
    return {
        "id": f"reward-{index}",
        "kind": "pytest",
        "solution_code": alignment.code,
        "test_code": test_code,
    }


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[str],
    extra_infos: Sequence[dict | None] | None = None,
    **_: Any,
) -> list[float]:
    """Scores for many responses with one sandbox call: 1.0 when every test passed, else 0.0."""
    jobs = {i: _job(i, s, g) for i, (s, g) in enumerate(zip(solution_strs, ground_truths))}
    runnable = [j for j in jobs.values() if j is not None]
    results = {r["id"]: r for r in shared_sandbox().run(runnable)} if runnable else {}
    scores = []
    for i in range(len(solution_strs)):
        job = jobs[i]
        result = results.get(job["id"]) if job else None
        scores.append(
            1.0
            if result and result["status"] == "passed" and result.get("tests_failed", 0) == 0
            else 0.0
        )
    return scores


def compute_score(
    data_source: str, solution_str: str, ground_truth: str, extra_info: dict | None = None, **_: Any
) -> float:
    """verl's reward signature: 1.0 if the response's code passes the item's tests in the sandbox, else 0.0."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info])[0]
