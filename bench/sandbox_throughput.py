"""Throughput: one pytest process per trial (KodCode's way) against the warm sandbox, side by side.

    python bench/sandbox_throughput.py [--trials 80] [--workers 2] [--timeout 30] [--backend bwrap,docker]

Both sides run the same KodCode trials with the same concurrency: those that do not time
out, i.e. neither recorded as timed out by KodCode nor timed out in this run's baseline
(the issue's "trials that do not time out"). The headline ratio covers all of them; a
second one leaves out the compute-bound trials (seconds of their own arithmetic in any
runner), which alone set the wall time of a batch on two workers. The baseline starts
`python -m pytest` in a fresh temporary directory per trial, 2 at a time, plugin
autoload on, exactly as KodCode runs them, with no isolation at all. The sandbox runs them on its default backend (bubblewrap, isolation
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

from bench.reference.sandbox_jobs import kodcode_jobs, kodcode_trials, verdict_class
from resources.sandbox import Sandbox
from resources.sandbox.assay_runtime.pytest_runner import with_solution_names

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
        "--trials",
        type=int,
        default=80,
        help="how many trials KodCode did not record as timed out (0: all 275)",
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    parser.add_argument(
        "--backend",
        default="bwrap",
        help="sandbox backend(s), comma-separated, each measured against the same baseline",
    )
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
    candidates = kodcode_jobs(trials)

    cpu_before = children_cpu_s()
    started = time.monotonic()
    with ThreadPoolExecutor(args.workers) as pool:
        timed_all = list(pool.map(lambda j: baseline_one(j, args.timeout), candidates))
    baseline_wall_all = time.monotonic() - started
    baseline_cpu_all = children_cpu_s() - cpu_before
    # The "trials that do not time out": neither in KodCode's record (filtered above)
    # nor in this run of the baseline. The sandbox runs exactly those.
    keep = [i for i, (verdict, _, _) in enumerate(timed_all) if verdict != "timeout"]
    jobs = [candidates[i] for i in keep]
    timed = [timed_all[i] for i in keep]
    if len(keep) == len(candidates):
        baseline_s, baseline_how = baseline_wall_all, "wall clock of the batch"
        baseline_cpu = baseline_cpu_all
    else:
        # The batch's wall time includes the timed-out trials; without them, the best measure
        # left is the busy time per worker, which ignores the batch's tail (favours neither side).
        baseline_s = sum(seconds for _, seconds, _ in timed) / args.workers
        baseline_how = (
            f"busy time per worker, {len(candidates) - len(keep)} baseline timeout(s) left out"
        )
        baseline_cpu = sum(cpu for _, _, cpu in timed)

    for backend in args.backend.split(","):
        measure(args, backend, candidates, jobs, timed, (baseline_s, baseline_how, baseline_cpu))
    return 0


def measure(
    args: argparse.Namespace,
    backend: str,
    candidates: list[dict],
    jobs: list[dict],
    timed: list[tuple[str, float, float]],
    baseline_run: tuple[float, str, float],
) -> None:
    """The sandbox side on one backend: start-up apart, then the batch, then the light batch."""
    with Sandbox(backend=backend, workers=args.workers, timeout_s=args.timeout) as sb:
        started = time.monotonic()
        # Start-up, reported apart: the workers, and in each the heavy tier (pandas, scipy,
        # scikit-learn, sympy) that a trial importing one of them would otherwise start.
        sb.run([dict(WARM_UP_HEAVY, id=f"warm-up-{i}") for i in range(args.workers * 2)])
        startup_s = time.monotonic() - started
        started = time.monotonic()
        results = sb.run(jobs)
        sandbox_s = time.monotonic() - started
        # The same without the compute-bound trials, as a batch of its own (wall clock).
        light = [i for i, r in enumerate(results) if r["duration_s"] < args.heavy_s]
        light_s = sandbox_s
        if len(light) < len(jobs):
            started = time.monotonic()
            sb.run([jobs[i] for i in light])
            light_s = time.monotonic() - started
    report(
        args,
        backend,
        candidates,
        jobs,
        timed,
        results,
        baseline_run,
        (sandbox_s, light_s, startup_s),
    )


def report(
    args: argparse.Namespace,
    backend: str,
    candidates: list[dict],
    jobs: list[dict],
    timed: list[tuple[str, float, float]],
    results: list[dict],
    baseline_run: tuple[float, str, float],
    sandbox_run: tuple[float, float, float],
) -> None:
    """Both rates and their ratio on the trials that do not time out, then the same without
    the compute-bound ones (busy time per worker), and CPU per trial for each."""
    baseline_s, baseline_how, baseline_cpu = baseline_run
    sandbox_s, light_s, startup_s = sandbox_run
    # bubblewrap does not pass its children's CPU time up, so the workers report it per job.
    sandbox_cpu = sum(r.get("cpu_s", 0.0) for r in results)
    ours = [verdict_class(r["status"]) for r in results]
    baseline = [verdict for verdict, _, _ in timed]
    n = len(jobs)
    base_rate, sandbox_rate = n / baseline_s, n / sandbox_s
    same = sum(a == b for a, b in zip(baseline, ours))
    print(
        f"{n} of {len(candidates)} KodCode trials do not time out (recorded or in this baseline run); "
        f"{args.workers} at a time, per-trial limit {args.timeout:g}s"
    )
    print(
        f"baseline  (pytest process per trial): {baseline_s:8.2f}s  {base_rate:8.2f} trials/s  ({baseline_how})"
    )
    print(
        f"sandbox   ({backend + ', warm, isolated)':24s}: {sandbox_s:8.2f}s  {sandbox_rate:8.2f} trials/s  (wall clock; +{startup_s:.2f}s start-up of workers and heavy tiers, once)"
    )
    ratio = sandbox_rate / base_rate
    print(
        f"ratio on the trials that do not time out: {ratio:.1f}x ({'meets' if ratio >= TARGET_RATIO else 'misses'} the {TARGET_RATIO:g}x target)"
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
    # workers, sets the wall time of a whole batch alone. The same ratio without them:
    light = [i for i, r in enumerate(results) if r["duration_s"] < args.heavy_s]
    if len(light) == n:
        return
    heavy = ", ".join(
        f"{jobs[i]['id']} ({results[i]['duration_s']:.1f}s here, {timed[i][1]:.1f}s in the baseline)"
        for i in range(n)
        if i not in set(light)
    )
    print(f"compute-bound (>= {args.heavy_s:g}s inside the sandbox): {heavy}")
    # The baseline is not run twice (it takes minutes): its busy time per worker on these
    # trials stands for a batch of them. The sandbox ran them as a batch of their own.
    base_light = sum(timed[i][1] for i in light) / args.workers
    light_ratio = base_light / light_s
    print(
        f"without them: baseline {len(light) / base_light:.2f} trials/s (busy time per worker), "
        f"sandbox {len(light) / light_s:.2f} trials/s (wall clock of a batch of just those), "
        f"ratio {light_ratio:.1f}x ({'meets' if light_ratio >= TARGET_RATIO else 'misses'} the {TARGET_RATIO:g}x target)"
    )
    base_cpu_light = sum(timed[i][2] for i in light)
    sandbox_cpu_light = sum(results[i].get("cpu_s", 0.0) for i in light)
    print(
        f"CPU seconds per trial without them: baseline {base_cpu_light / len(light):.3f}, "
        f"sandbox {sandbox_cpu_light / len(light):.3f} (ratio {base_cpu_light / max(sandbox_cpu_light, 1e-9):.1f}x)"
    )


if __name__ == "__main__":
    sys.exit(main())
