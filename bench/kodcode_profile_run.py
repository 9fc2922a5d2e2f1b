"""A small KodCode run under a profile on the configured model (the embedded one by default),
with demo-size budget overrides: what it made, what it cost.

    ASSAY_KODCODE_SRC=/path/to/kodcode .venv/bin/python bench/kodcode_profile_run.py \
        --profile original --home /tmp/kodcode-original

Seeds: three lines (leetcode, prefill, algorithm) unless --seeds names a JSONL file. The
overrides keep a CPU model's run in minutes; they are printed with the results. The LLM
cache lives under --home, so a re-run pays only for what is missing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

SEEDS = [
    {
        "mode": "leetcode",
        "question": "Given an integer array nums, return true if any value appears at least "
        "twice in the array, and false if every element is distinct.",
    },
    {"mode": "prefill", "prefix": "Write a python function to"},
    {
        "mode": "algorithm",
        "name": "binary search",
        "code": "def bisect_left(a, x):\n    lo, hi = 0, len(a)\n    while lo < hi:\n"
        "        mid = (lo + hi) // 2\n        if a[mid] < x:\n            lo = mid + 1\n"
        "        else:\n            hi = mid\n    return lo",
    },
]

# Demo-size budgets: the original's 8,192/16,384 tokens and 3 trials would take a 2-core CPU
# model far past a demo's minutes.
OVERRIDES = {
    "kodcode_raw_questions": {"max_tokens": 1024, "prefill_max_tokens": 256},
    "kodcode_solution_trials": {"n_trials": 2, "max_tokens": 1024},
    "kodcode_retry_trials": {"max_trials": 4, "max_tokens": 1024},
    "kodcode_style_conversions": {"max_tokens": 512},
    "kodcode_sft_responses": {"n_samples": 1, "max_tokens": 1024},
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", choices=("assay", "original"), default="original")
    parser.add_argument("--home", type=Path, required=True)
    parser.add_argument("--seeds", type=Path, default=None)
    parser.add_argument("--no-release", action="store_true")
    args = parser.parse_args()

    seed_dir = args.home / "seeds" / "kodcode"
    shutil.rmtree(args.home / "storage", ignore_errors=True)
    seed_dir.mkdir(parents=True, exist_ok=True)
    name = "profile_run.jsonl"
    if args.seeds:
        shutil.copy(args.seeds, seed_dir / name)
    else:
        (seed_dir / name).write_text("".join(json.dumps(s) + "\n" for s in SEEDS))
    os.environ.update(
        ASSAY_HOME=str(args.home),
        ASSAY_SEED_DIR=str(args.home / "seeds"),
        ASSAY_KODCODE_PROFILE=args.profile,
    )

    from dagster import DagsterInstance, materialize

    from assets.registry import FAMILIES
    from dagster_project.resources import build_resources
    from dagster_project.settings import load_settings

    family = FAMILIES["kodcode"]
    resources = build_resources(load_settings())
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(family.partitions.name, [name])
    ops = {"ops": {k: {"config": v} for k, v in OVERRIDES.items()}}
    load = os.getloadavg()
    started = time.monotonic()
    result = materialize(
        [*family.partitioned_assets, *family.partitioned_checks],
        partition_key=name,
        instance=instance,
        resources=resources,
        run_config=ops,
        raise_on_error=False,
    )
    partition_s = time.monotonic() - started
    release = None
    if result.success and not args.no_release:
        release = materialize(
            [*family.assets, *family.checks],
            selection=family.release_assets,
            instance=instance,
            resources=resources,
            raise_on_error=False,
        )
    total_s = time.monotonic() - started

    print(f"profile {args.profile}; overrides {json.dumps(OVERRIDES)}")
    print(f"load before {load[0]:.1f}; partition {partition_s:.0f} s; total {total_s:.0f} s")
    prompt = completion = 0
    for run in [result, release]:
        if run is None:
            continue
        for event in run.get_asset_materialization_events():
            meta = {k: getattr(v, "value", v) for k, v in event.materialization.metadata.items()}
            drops = {k: v for k, v in meta.items() if k.startswith("dropped/")}
            tokens = (meta.get("llm/prompt_tokens", 0), meta.get("llm/completion_tokens", 0))
            prompt, completion = prompt + tokens[0], completion + tokens[1]
            print(
                f"  {event.materialization.asset_key.to_user_string():32} "
                f"in {meta.get('rows_in', '-')!s:>4} out {meta.get('rows_out', meta.get('dagster/row_count', '-'))!s:>4}"
                f"  tokens {tokens[0]:>6}/{tokens[1]:>6}  {drops if drops else ''}"
            )
        failed = [c.check_name for c in run.get_asset_check_evaluations() if not c.passed]
        print(f"  run success={run.success}; failed checks: {failed or 'none'}")
    print(f"tokens: prompt {prompt}, completion {completion}")
    print(subprocess.run(["uptime"], check=False, capture_output=True, text=True).stdout.strip())
    return 0 if result.success and (release is None or release.success) else 1


if __name__ == "__main__":
    raise SystemExit(main())
