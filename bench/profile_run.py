"""A small run of one family under a profile on the configured model (the embedded one by
default), with demo-size budget overrides, then a check of its released rows against the
original's field list: what it made, what it cost.

    ASSAY_CODEIO_SRC=/path/to/CodeIO .venv/bin/python bench/profile_run.py codeio --seeds 3
    ASSAY_KODCODE_SRC=/path/to/kodcode .venv/bin/python bench/profile_run.py kodcode \\
        --home /tmp/kodcode-original

Families: kodcode, codeio, case2code. `--profile` defaults to `original`, which needs the
family's checkout (`ASSAY_<FAMILY>_SRC`; the script stops at once, naming it, without one).
Seeds: the first `--seeds` lines of the family's seeds (kodcode: three built-in lines, one
per mode; the others: seeds/<family>/*.jsonl in name order), or `--seed-file`. The seed
lines become one seed file under `--home` (default: a fresh temporary directory) and
`dagster_project.demo.run_family` runs the family job and its release there, with the
family's overrides below in place of its demo run config (printed with the results). The
LLM cache lives under --home, so a re-run pays only for what is missing; stored assets
are cleared first. Any OpenAI-compatible server works through `ASSAY_LLM_*` (README).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SEED_FILE = "profile_run.jsonl"
Problems = dict[str, list[str]]  # released file -> what keeps it from the original's fields


@dataclass(frozen=True)
class FamilyRun:
    """What differs between families in a profile run."""

    checkout: str  # module holding the family's `CHECKOUT`
    seeds: int  # default number of seed lines
    overrides: Mapping[str, Any]  # op config in place of the family's demo run config
    field_check: Callable[[Path, Path], Problems]  # (storage dir, export dir) -> problems
    builtin_seeds: tuple[dict, ...] = ()  # used instead of seeds/<family>/ when given
    env: Mapping[str, str] = field(default_factory=dict)  # defaults, unless already set
    extra_seed_files: Mapping[str, int] = field(default_factory=dict)  # relpath -> lines kept


def _parquet(path: Path) -> Any:
    import polars as pl

    return pl.read_parquet(path) if path.is_file() else None


def _kodcode_fields(storage: Path, export: Path) -> Problems:
    from assets.kodcode import release_schema as shape

    out: Problems = {}
    for asset, fields in (
        ("kodcode_dataset", shape.KODCODE_V1_FIELDS),
        ("kodcode_sft_dataset", shape.KODCODE_SFT_R1_FIELDS),
    ):
        df = _parquet(storage / f"{asset}.parquet")
        out[asset] = ["not written"] if df is None else shape.field_problems(df, fields)
    return out


def _codeio_fields(storage: Path, export: Path) -> Problems:
    import polars as pl

    from assets.codeio.released import violations

    def problems(df: Any) -> list[str]:
        if df is None:
            return ["not written"]
        return [f"{name}: {n}" for name, n in violations(df).items() if n]

    shards = sorted((export / "codeio" / "data").glob("*.parquet"))
    return {
        "codeio_release": problems(_parquet(storage / "codeio_release.parquet")),
        "export data/*.parquet": problems(
            pl.concat([pl.read_parquet(p) for p in shards]) if shards else None
        ),
    }


def _case2code_fields(storage: Path, export: Path) -> Problems:
    from assets.case2code.release import EXPORT_COLUMNS
    from assets.case2code.release_fields import validate_frame, validate_jsonl

    sft = _parquet(storage / "case2code_sft.parquet")
    records = sorted(export.glob("*/case2code_format.jsonl"))
    return {
        "case2code_sft": ["not written"] if sft is None else validate_frame(sft[EXPORT_COLUMNS]),
        "case2code_format.jsonl": (
            validate_jsonl(records[0].read_text()) if records else ["not written"]
        ),
    }


FAMILIES: dict[str, FamilyRun] = {
    "kodcode": FamilyRun(
        checkout="assets.kodcode.original",
        seeds=3,
        # The original's 8,192/16,384 tokens and 3 trials would take a 2-core CPU model far
        # past a demo's minutes.
        overrides={
            "kodcode_raw_questions": {"max_tokens": 1024, "prefill_max_tokens": 256},
            "kodcode_solution_trials": {"n_trials": 2, "max_tokens": 1024},
            "kodcode_retry_trials": {"max_trials": 4, "max_tokens": 1024},
            "kodcode_style_conversions": {"max_tokens": 512},
            "kodcode_sft_responses": {"n_samples": 1, "max_tokens": 1024},
        },
        field_check=_kodcode_fields,
        builtin_seeds=(
            {
                "mode": "leetcode",
                "question": "Given an integer array nums, return true if any value appears at "
                "least twice in the array, and false if every element is distinct.",
            },
            {"mode": "prefill", "prefix": "Write a python function to"},
            {
                "mode": "algorithm",
                "name": "binary search",
                "code": "def bisect_left(a, x):\n    lo, hi = 0, len(a)\n    while lo < hi:\n"
                "        mid = (lo + hi) // 2\n        if a[mid] < x:\n            lo = mid + 1\n"
                "        else:\n            hi = mid\n    return lo",
            },
        ),
    ),
    "codeio": FamilyRun(
        checkout="assets.codeio.original_src",
        seeds=2,
        # The original's 4,096-token answers do not fit the embedded model's 4,096-token
        # window next to the prompt.
        overrides={
            "codeio_unified": {"max_tokens": 1024},
            "codeio_prediction_prompts": {"pairs_per_item": 1},
            "codeio_predictions": {"max_tokens": 512},
            "codeio_revisions": {"max_tokens": 512},
        },
        field_check=_codeio_fields,
        env={"ASSAY_SANDBOX_TIMEOUT_S": "61"},  # the original's 60 s pair search
    ),
    "case2code": FamilyRun(
        checkout="assets.case2code.original",
        seeds=3,
        overrides={},  # Case2Code's own 2,048 tokens fit the embedded model
        field_check=_case2code_fields,
        extra_seed_files={"eval/demo_test.jsonl": 2},  # the evaluation's test items
    ),
}


def seed_lines(family: str, spec: FamilyRun, n: int, seed_file: Path | None) -> list[str]:
    """The first `n` seed lines: of `seed_file`, the family's built-in seeds, or its seed files."""
    if seed_file is not None:
        lines = seed_file.read_text().splitlines()
    elif spec.builtin_seeds:
        lines = [json.dumps(s) for s in spec.builtin_seeds]
    else:
        lines = [
            line
            for path in sorted((REPO / "seeds" / family).glob("*.jsonl"))
            for line in path.read_text().splitlines()
        ]
    return [line for line in lines if line.strip()][:n]


def missing_checkout(spec: FamilyRun) -> str | None:
    """Why the `original` profile cannot run (the variable to set), or None."""
    import importlib

    from assets.common.original_src import MissingCheckout

    try:
        importlib.import_module(spec.checkout).CHECKOUT.root()
    except MissingCheckout as exc:
        return str(exc)
    return None


def tokens(home: Path, family: str) -> dict[str, int]:
    """Prompt and completion tokens of every materialization of the family, from the instance."""
    from dagster import DagsterInstance

    from assets.registry import FAMILIES as REGISTERED

    out: dict[str, int] = {}
    declared = REGISTERED[family]
    keys = [key for a in declared.assets for key in a.keys]
    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        for key in keys:
            for record in instance.fetch_materializations(key, limit=100).records:
                for name, value in record.asset_materialization.metadata.items():
                    raw = getattr(value, "value", value)
                    if name.endswith("_tokens") and isinstance(raw, int | float):
                        label = f"{key.to_user_string()}:{name}"
                        out[label] = out.get(label, 0) + int(raw)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("family", choices=sorted(FAMILIES))
    parser.add_argument("--profile", choices=("assay", "original"), default="original")
    parser.add_argument("--seeds", type=int, default=None, help="seed lines (default per family)")
    parser.add_argument(
        "--seed-file", type=Path, default=None, help="JSONL seeds to take them from"
    )
    parser.add_argument("--home", type=Path, default=None, help="ASSAY_HOME (default: a temp dir)")
    parser.add_argument("--no-release", action="store_true", help="skip the release job")
    args = parser.parse_args(argv)
    family, spec = args.family, FAMILIES[args.family]
    print(f"{family} · profile {args.profile} · overrides {json.dumps(spec.overrides)}")
    if args.profile == "original":
        why = missing_checkout(spec)
        if why:
            print(f"{family}: {why}", file=sys.stderr)
            return 2

    home = args.home or Path(tempfile.mkdtemp(prefix=f"{family}-{args.profile}-"))
    seed_dir = home / "seeds" / family
    seed_dir.mkdir(parents=True, exist_ok=True)
    lines = seed_lines(family, spec, args.seeds or spec.seeds, args.seed_file)
    (seed_dir / SEED_FILE).write_text("\n".join(lines) + "\n")
    for relpath, keep in spec.extra_seed_files.items():
        (seed_dir / relpath).parent.mkdir(parents=True, exist_ok=True)
        kept = (REPO / "seeds" / family / relpath).read_text().splitlines()[:keep]
        (seed_dir / relpath).write_text("\n".join(kept) + "\n")
    os.environ.update(
        {
            "ASSAY_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
            "ASSAY_SEED_DIR": str(home / "seeds"),
            f"ASSAY_{family.upper()}_PROFILE": args.profile,
        }
    )
    for name, value in spec.env.items():
        os.environ.setdefault(name, value)

    from assets import registry
    from dagster_project import demo
    from dagster_project.screen import DemoScreen
    from dagster_project.settings import load_settings

    settings = load_settings()
    storage = Path(settings.storage_dir)
    shutil.rmtree(storage, ignore_errors=True)  # a fresh run; the LLM cache stays
    registry.FAMILIES[family] = dataclasses.replace(
        registry.FAMILIES[family],
        demo_run_config={"ops": {k: {"config": v} for k, v in spec.overrides.items()}},
    )
    started, load = time.monotonic(), os.getloadavg()
    with DemoScreen(home / "logs" / f"{family}-{args.profile}.log") as screen:
        failures = demo.run_family(family, screen, release=not args.no_release)
    elapsed = time.monotonic() - started
    problems = {} if args.no_release else spec.field_check(storage, settings.export_dir)
    print(
        json.dumps(
            {
                "family": family,
                "profile": args.profile,
                "home": str(home),
                "seeds": len(lines),
                "overrides": spec.overrides,
                "rows": {
                    path.relative_to(storage).as_posix(): _parquet(path).height
                    for path in sorted(storage.glob(f"{family}_*/{SEED_FILE}.parquet"))
                    + sorted(storage.glob(f"{family}_*.parquet"))
                },
                "field_problems": problems,
                "tokens": tokens(home, family),
                "seconds": round(elapsed, 1),
                "load_before": [round(x, 2) for x in load],
                "load_after": [round(x, 2) for x in os.getloadavg()],
                "failed_runs": failures,
            },
            indent=2,
        )
    )
    return 1 if failures or any(problems.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
