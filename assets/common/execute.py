"""Running typed sandbox jobs for a frame of rows: jobs in, typed results by job id out.

results = run_jobs(sandbox, [PytestJob(t["trial_id"], t["solution_code"], t["test_code"])
                             for t in runnable], log=context.log)
r = results.get(trial_id)          # PytestResult | None (None: never ran)
report.add(job_timing(results))
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from resources.sandbox import (
    CallJob,
    CallOutcome,
    CallResult,
    Job,
    PytestJob,
    PytestResult,
    Result,
    SandboxResource,
    TraceJob,
    TraceResult,
    result_from_wire,
)

__all__ = [
    "CallJob",
    "CallOutcome",
    "CallResult",
    "PytestJob",
    "PytestResult",
    "TraceJob",
    "TraceResult",
    "job_timing",
    "run_jobs",
]

R = TypeVar("R", bound=Result)


def run_jobs(
    sandbox: SandboxResource, jobs: Iterable[Job], log: logging.Logger | None = None
) -> dict[str, Any]:
    """Run every job (nothing starts when there are none); each typed result by job id.

    Jobs may be a generator: they are made, sent and dropped a window at a time, so a
    batch's code is never all in memory; only the typed results are kept."""
    return {
        job.id: result_from_wire(job, r)
        for window, raw in sandbox.run_windows(jobs, log=log)
        for job, r in zip(window, raw, strict=True)
    }


def job_timing(results: Mapping[str, Result]) -> dict[str, float]:
    """Median and slowest job seconds: timings go to metadata, never to rows (a re-run
    re-measures them, and its rows must be identical)."""
    seconds = sorted(r.duration_s for r in results.values())
    if not seconds:
        return {}
    return {"sandbox/job_s_median": seconds[len(seconds) // 2], "sandbox/job_s_max": seconds[-1]}
