"""Per-job overhead of the sandbox for trivial jobs, measured from the caller's side.

    python bench/sandbox_overhead.py [--jobs 300] [--backend bwrap]

One warm worker, jobs sent one at a time, so each figure is the full round trip: frame
to the zygote, scratch preparation, fork, limits, uid drop, guard, the job itself (a
trivial passing pytest file, or a call of a trivial function), the verdict, killing
leftovers and wiping scratch. The job's own work is negligible, so the median round trip
is the overhead. Targets belong here, never in a timed test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resources.sandbox import PASSED, Sandbox

TRIVIAL_PYTEST = {
    "kind": "pytest",
    "solution_code": "def f():\n    return 1\n",
    "test_code": "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
}
TRIVIAL_CALL = {
    "kind": "call",
    "code": "def f(x):\n    return x\n",
    "entry_point": "f",
    "inputs": [{"x": 1}],
}
TARGET_MS = 10.0


def measure(sb: Sandbox, template: dict, n: int) -> tuple[list[float], list[float]]:
    round_trips, inside = [], []
    for i in range(n):
        job = dict(template, id=f"t{i}")
        started = time.perf_counter()
        (result,) = sb.run([job])
        round_trips.append((time.perf_counter() - started) * 1000)
        inside.append(result["duration_s"] * 1000)
        assert result["status"] == PASSED, result
    return round_trips, inside


def fork_floor(n: int) -> list[float]:
    """fork + exit + wait of an interpreter that imported what a worker imports: the floor
    any fork-per-job design pays on this machine right now (it moves with the load)."""
    import gc

    import numpy  # noqa: F401
    import pytest  # noqa: F401

    gc.freeze()
    out = []
    for _ in range(n):
        started = time.perf_counter()
        pid = os.fork()
        if pid == 0:
            os._exit(0)
        os.waitpid(pid, 0)
        out.append((time.perf_counter() - started) * 1000)
    return out


def describe(name: str, values: list[float]) -> str:
    q = statistics.quantiles(values, n=20)
    return (
        f"{name:<28} median {statistics.median(values):7.2f} ms   p5 {q[0]:7.2f}   p95 {q[-1]:7.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=300)
    parser.add_argument("--backend", default="bwrap")
    args = parser.parse_args()
    with Sandbox(backend=args.backend, workers=1, timeout_s=10.0) as sb:
        started = time.perf_counter()
        sb.run([dict(TRIVIAL_CALL, id="warm-up")])
        print(f"worker start-up (first batch): {time.perf_counter() - started:.2f}s")
        measure(sb, TRIVIAL_PYTEST, 20)
        pytest_rt, pytest_in = measure(sb, TRIVIAL_PYTEST, args.jobs)
        call_rt, call_in = measure(sb, TRIVIAL_CALL, args.jobs)
    floor = fork_floor(args.jobs)
    print(f"backend {args.backend}, {args.jobs} jobs each, one at a time on one warm worker")
    print(describe("floor: fork+exit, no job", floor))
    print(describe("pytest job, round trip", pytest_rt))
    print(describe("pytest job, inside worker", pytest_in))
    print(describe("call job, round trip", call_rt))
    print(describe("call job, inside worker", call_in))
    median = statistics.median(pytest_rt)
    verdict = "meets" if median < TARGET_MS else "misses"
    print(
        f"median per-job overhead, trivial passing pytest job: {median:.2f} ms ({verdict} the {TARGET_MS:g} ms target)"
    )
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
