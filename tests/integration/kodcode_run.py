"""Materialize KodCode stages 1–2 for one partition in its own process, so a test can kill -9 it.

    python -m tests.integration.kodcode_run HOME BASE_URL PARTITION [--n-trials N] [--concurrency C] [--summary FILE]

Uses the persistent Dagster instance under HOME/dagster, as a deployment would. Prints (and
writes to FILE) one JSON line `{"success": …, "metadata": {asset: {key: number}}, "failures": {step: message}}`;
exit status 0 on success, 1 otherwise. Tests fork `main` (the imports are already paid for) and kill -9 it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration.harness import (
    RunSettings,
    metadata_by_asset,
    persistent_instance,
    run_partition,
    step_failures,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("home", type=Path)
    parser.add_argument("base_url")
    parser.add_argument("partition")
    parser.add_argument("--n-trials", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--summary", type=Path, help="also write the summary line here")
    args = parser.parse_args(argv)
    settings = RunSettings(n_trials=args.n_trials, concurrency=args.concurrency)
    result = run_partition(
        args.home, args.base_url, args.partition, settings, instance=persistent_instance(args.home)
    )
    numbers = {
        asset: {
            k: v for k, v in meta.items() if isinstance(v, (int, float)) and not isinstance(v, bool)
        }
        for asset, meta in metadata_by_asset(result).items()
    }
    line = json.dumps(
        {"success": result.success, "metadata": numbers, "failures": step_failures(result)}
    )
    print(line, flush=True)
    if args.summary:
        args.summary.write_text(line + "\n")
    return 0 if result.success else 1


def run_logged(argv: list[str], log: str) -> None:
    """`main` with stdout and stderr going to `log`: the target of a test's run process."""
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    sys.exit(main(argv))


if __name__ == "__main__":
    sys.exit(main())
