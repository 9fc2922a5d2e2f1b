"""Throughput: one pytest process per trial (KodCode's way) against the warm sandbox, side by side.

    python bench/sandbox_throughput.py [--trials 80] [--workers 2] [--timeout 30]

Both sides run the same KodCode trials (those KodCode did not record as timed out) with
the same concurrency. The baseline starts `python -m pytest` in a fresh temporary
directory per trial, 2 at a time, plugin autoload on, exactly as KodCode runs them, with
no isolation at all. The sandbox runs them on its default backend (bubblewrap, isolation
on) with warm workers; its start-up is reported separately. Both rates, and their ratio,
are printed. Targets live here, never in a timed test.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from resources.sandbox import Sandbox
from resources.sandbox.assay_runtime.pytest_runner import with_solution_names
from resources.sandbox.reference_jobs import kodcode_jobs, kodcode_trials, verdict_class

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"
TARGET_RATIO = 30.0
WARM_UP_HEAVY = {
    "kind": "pytest",
    "solution_code": "import pandas\n",
    "test_code": "def test_warm():\n    pass\n",
}


def children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def baseline_one(job: dict, timeout_s: float) -> tuple[str, float, float]:
    """One pytest process for one trial, as KodCode runs it; (verdict class, seconds, CPU seconds)."""
    started = time.monotonic()
    verdict, cpu_s = _baseline_verdict(job, timeout_s)
    return verdict, time.monotonic() - started, cpu_s


def _baseline_verdict(job: dict, timeout_s: float) -> tuple[str, float]:
    with tempfile.TemporaryDirectory(prefix="assay-bench-") as tmp:
        Path(tmp, "solution.py").write_text(job["solution_code"])
        Path(tmp, "test_solution.py").write_text(with_solution_names(job["test_code"]))
        env = {k: v for k, v in os.environ.items() if k != "PYTEST_DISABLE_PLUGIN_AUTOLOAD"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_solution.py"],
            cwd=tmp,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        deadline = time.monotonic() + timeout_s
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                cpu_s = usage.ru_utime + usage.ru_stime
                return ("pass" if os.waitstatus_to_exitcode(status) == 0 else "fail"), cpu_s
            if time.monotonic() > deadline:
                proc.kill()
                _, _, usage = os.wait4(proc.pid, 0)
                return "timeout", usage.ru_utime + usage.ru_stime
            time.sleep(0.005)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--trials", type=int, default=80, help="how many non-timed-out trials (0: all 275)"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument(
        "--heavy-s",
        type=float,
        default=2.0,
        help="sandbox seconds above which a trial is compute-bound",
    )
    args = parser.parse_args()
    if not (args.reference / "kodcode").exists():
        print(f"reference data absent: {args.reference / 'kodcode'}")
        return 1
    trials = [
        t for t in kodcode_trials(args.reference) if t["recorded_verdict"] != "Fail - Timed Out"
    ]
    if args.trials:
        trials = trials[: args.trials]
    jobs = kodcode_jobs(trials)

    cpu_before = children_cpu_s()
    started = time.monotonic()
    with ThreadPoolExecutor(args.workers) as pool:
        timed = list(pool.map(lambda j: baseline_one(j, args.timeout), jobs))
    baseline_s = time.monotonic() - started
    baseline_cpu = children_cpu_s() - cpu_before
    baseline = [verdict for verdict, _, _ in timed]
    timed_cpu = [cpu for _, _, cpu in timed]

    with Sandbox(workers=args.workers, timeout_s=args.timeout) as sb:
        started = time.monotonic()
        # Start-up, reported apart: the workers, and in each the heavy tier (pandas, scipy,
        # scikit-learn, sympy) that a trial importing one of them would otherwise start.
        sb.run([dict(WARM_UP_HEAVY, id=f"warm-up-{i}") for i in range(args.workers * 2)])
        startup_s = time.monotonic() - started
        started = time.monotonic()
        results = sb.run(jobs)
        sandbox_s = time.monotonic() - started
    # bubblewrap does not pass its children's CPU time up, so the workers report it per job.
    sandbox_cpu = sum(r.get("cpu_s", 0.0) for r in results)
    ours = [verdict_class(r["status"]) for r in results]

    n = len(jobs)
    base_rate, sandbox_rate = n / baseline_s, n / sandbox_s
    same = sum(a == b for a, b in zip(baseline, ours))
    print(
        f"{n} KodCode trials (not timed out), {args.workers} at a time, per-trial limit {args.timeout:g}s"
    )
    print(f"baseline  (pytest process per trial): {baseline_s:8.2f}s  {base_rate:8.2f} trials/s")
    print(
        f"sandbox   (bwrap, warm, isolated)    : {sandbox_s:8.2f}s  {sandbox_rate:8.2f} trials/s  (+{startup_s:.2f}s start-up of workers and heavy tiers, once)"
    )
    ratio = sandbox_rate / base_rate
    print(
        f"ratio: {ratio:.1f}x ({'meets' if ratio >= TARGET_RATIO else 'misses'} the {TARGET_RATIO:g}x target)"
    )
    print(
        f"verdicts identical on {same}/{n} trials; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    # CPU time does not move with the load that other programs put on the machine.
    print(
        f"CPU seconds per trial: baseline {baseline_cpu / n:.3f}, sandbox {sandbox_cpu / n:.3f} "
        f"(ratio {baseline_cpu / max(sandbox_cpu, 1e-9):.1f}x)"
    )
    # A trial whose own tests compute for seconds costs the same in any runner and, with two
    # workers, can set the wall time of a whole batch alone. The same ratio without them:
    light = [i for i, r in enumerate(results) if r["duration_s"] < args.heavy_s]
    if len(light) < n:
        base_light = sum(timed[i][1] for i in light) / args.workers
        sandbox_light = sum(results[i]["duration_s"] for i in light) / args.workers
        print(
            f"without the {n - len(light)} compute-bound trial(s) (>= {args.heavy_s:g}s inside the sandbox): "
            f"baseline {len(light) / base_light:.2f} trials/s, sandbox {len(light) / sandbox_light:.2f} trials/s, "
            f"ratio {base_light / sandbox_light:.1f}x (busy time per worker)"
        )
    if len(light) < n:
        base_cpu_light = sum(timed_cpu[i] for i in light)
        sandbox_cpu_light = sum(results[i].get("cpu_s", 0.0) for i in light)
        print(
            f"CPU seconds per trial without them: baseline {base_cpu_light / len(light):.3f}, "
            f"sandbox {sandbox_cpu_light / len(light):.3f} (ratio {base_cpu_light / max(sandbox_cpu_light, 1e-9):.1f}x)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
