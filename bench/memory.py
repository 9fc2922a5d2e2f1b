"""Peak memory of a 10,000-question KodCode partition, stage by stage.

Each asset of stages 1–2 is materialized on its own (its inputs read back from Parquet, as
in a multi-process deployment), and the process's peak resident set is reset before each
one (Linux /proc/self/clear_refs), so every row shows what that stage alone needs. A
scripted model answers on loopback (one question per seed item, one small correct trial);
the sandbox runs every trial.

    python bench/memory.py [--questions 10000] [--n-trials 1] [--tracemalloc]

--tracemalloc adds the peak of Python-level allocations per stage (slower; Polars' own
buffers live outside the Python heap and show only in RSS).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dagster import DagsterInstance

from tests.fakes.openai_server import OpenAIServer
from tests.integration.harness import (
    STAGES_1_2,
    RunSettings,
    metadata_by_asset,
    parquet_path,
    run_partition,
    step_failures,
)
from tests.integration.scripted import ScriptedKodCode, write_seed_file

PARTITION = "memory.jsonl"
MIB = 1024 * 1024


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _reset_peak() -> bool:
    """Reset VmHWM to the current RSS; False where the kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--n-trials", type=int, default=1)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="sandbox workers")
    parser.add_argument("--tracemalloc", action="store_true")
    args = parser.parse_args()

    settings = RunSettings(
        n_trials=args.n_trials, concurrency=args.concurrency, sandbox_workers=args.workers
    )
    rows = []
    with tempfile.TemporaryDirectory() as tmp, OpenAIServer(ScriptedKodCode()) as server:
        home = Path(tmp)
        seed = write_seed_file(home / "seeds" / "kodcode" / PARTITION, args.questions)
        instance = DagsterInstance.ephemeral()
        baseline_kib = _status_kib("VmRSS")
        resettable = True
        started_all = time.perf_counter()
        for asset in STAGES_1_2:
            name = asset.key.to_user_string()
            resettable = _reset_peak() and resettable
            before_kib = _status_kib("VmRSS")
            if args.tracemalloc:
                tracemalloc.start()
            started = time.perf_counter()
            result = run_partition(
                home,
                server.base_url,
                PARTITION,
                settings,
                instance=instance,
                selection=[asset],
                checks=False,
            )
            elapsed = time.perf_counter() - started
            heap_peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
            if args.tracemalloc:
                tracemalloc.stop()
            if not result.success:
                print(f"{name} failed: {step_failures(result)}", file=sys.stderr)
                return 1
            meta = metadata_by_asset(result)[name]
            rows.append(
                (
                    name,
                    meta["rows_out"],
                    elapsed,
                    before_kib,
                    _status_kib("VmHWM"),
                    heap_peak,
                    parquet_path(home, name, PARTITION).stat().st_size,
                )
            )
        total_s = time.perf_counter() - started_all
        seed_bytes = seed.stat().st_size

    print(
        f"{args.questions} questions, {args.n_trials} trial(s) each; seed file {seed_bytes / MIB:.1f} MiB; "
        f"RSS after imports {baseline_kib / 1024:.0f} MiB; all stages {total_s:.0f} s"
    )
    if not resettable:
        print(
            "(peak RSS could not be reset between stages here: each peak includes the ones before it)"
        )
    header = f"{'asset':<28} {'rows out':>9} {'seconds':>8} {'RSS before':>11} {'peak RSS':>9} {'stage adds':>11}"
    print(header + (f" {'py heap peak':>13}" if args.tracemalloc else "") + f" {'parquet':>9}")
    for name, out, elapsed, before_kib, peak_kib, heap_peak, parquet_bytes in rows:
        line = (
            f"{name:<28} {out:>9} {elapsed:>8.1f} {before_kib / 1024:>8.0f} MiB {peak_kib / 1024:>5.0f} MiB "
            f"{(peak_kib - before_kib) / 1024:>7.0f} MiB"
        )
        if heap_peak is not None:
            line += f" {heap_peak / MIB:>9.0f} MiB"
        print(line + f" {parquet_bytes / MIB:>5.1f} MiB")
    print(
        f"process peak RSS (getrusage ru_maxrss): {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
