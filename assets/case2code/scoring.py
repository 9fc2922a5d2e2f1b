"""Scoring a model's answers to a Case2Code-format test set: one row per answer, pass@k over items."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from math import comb
from typing import Any

import polars as pl

from assets.case2code.case_results import job_results
from assets.case2code.original_prompts import unwrap_answer
from assets.case2code.testset import EvalItem, call_job, extract_code, judge
from assets.common.ids import stable_id
from resources.llm import TRUNCATED_FAILURE, Completion
from resources.sandbox import CallJob, CallResult

# Runs call jobs; each typed result by job id (assets.common.execute.run_jobs on a sandbox).
RunJobs = Callable[[list[CallJob]], Mapping[str, CallResult]]


def score_rows(
    items: Sequence[EvalItem],
    completions: Sequence[Completion],
    run: RunJobs,
    original: bool = False,
) -> list[dict[str, Any]]:
    """One row per (item, sample): extract the code, run it on every example in one job
    (as Case2Code does, so examples share one process), and compare every outcome exactly.

    `original` extracts the code as Case2Code does (the first python block, a cut-off answer
    scores nothing) and compares its exact strings."""
    by_id = {item.id: item for item in items}
    jobs, pending = [], []
    for c in completions:
        item = by_id[c.key]
        if original:
            code = unwrap_answer(c.text, c.failure == TRUNCATED_FAILURE) if c.text else None
            code = code or None
        else:
            code = extract_code(c.text, item.func_name) if c.ok else None
        eval_id = stable_id(item.id, c.sample_index, c.model, "eval")
        pending.append((eval_id, item, c, code))
        if code is not None:
            jobs.append(call_job(eval_id, code, item))
    results = run(jobs) if jobs else {}
    rows = []
    for eval_id, item, c, code in pending:
        passed, matched, diff = False, 0, None
        if not c.ok and not (original and c.text):
            status = "llm_failed"
        elif code is None:
            status = "no_code"
        else:
            job = results.get(eval_id)
            passed, matched, diff = judge(
                job_results(job, len(item.inputs_py)), item, exact=original
            )
            failed_to_load = job is not None and job.status == "error"
            status = "passed" if passed else ("error" if failed_to_load else "mismatch")
            if failed_to_load:
                diff = str(job.load_error or job.error or "the code did not load")[:300]
        rows.append(
            {
                "eval_id": eval_id,
                "item_id": item.id,
                "sample_index": c.sample_index,
                "func_name": item.func_name,
                "status": status,
                "passed": passed,
                "matched": matched,
                "n_examples": len(item.inputs_py),
                "first_difference": diff,
                "code": code,
                "answer": c.text,
                "llm_error": c.error,
                "model": c.model,
            }
        )
    return rows


def pass_at_k_metadata(df: pl.DataFrame, n_samples: int) -> dict[str, float]:
    """Mean unbiased pass@k over items for every k up to the samples drawn per item."""
    if df.height == 0:
        return {f"pass@{k}": 0.0 for k in range(1, n_samples + 1)}
    per_item = df.group_by("item_id").agg(pl.len().alias("n"), pl.col("passed").sum().alias("c"))
    counts = [(int(n), int(c)) for n, c in per_item.select(["n", "c"]).iter_rows()]
    return {f"pass@{k}": mean_pass_at_k(counts, k) for k in range(1, n_samples + 1)}


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): chance that k of n samples, c correct, include a correct one."""
    if k > n:
        raise ValueError(f"pass@{k} needs at least {k} samples, got {n}")
    if n - c < k:
        return 1.0
    return 1.0 - comb(n - c, k) / comb(n, k)


def mean_pass_at_k(counts: Iterable[tuple[int, int]], k: int) -> float:
    """Mean pass@k over items given (samples, correct) per item; 0.0 when there are none."""
    values = [pass_at_k(n, c, k) for n, c in counts]
    return sum(values) / len(values) if values else 0.0
