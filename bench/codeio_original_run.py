"""A small CodeI/O run under the `original` profile on the embedded model, checked against
CodeI/O++'s released fields.

    ASSAY_CODEIO_SRC=/path/to/CodeIO .venv/bin/python bench/codeio_original_run.py [--seeds 2]

Takes the first `--seeds` files of seeds/codeio/ into one seed file under a fresh ASSAY_HOME,
runs the CodeI/O job (with ASSAY_CODEIO_PROFILE=original) and its release through
`dagster_project.demo.run_family`, with the demo-size overrides below (the original's
4,096-token answers do not fit the embedded model's 4,096-token window next to the prompt),
then prints rows per asset, tokens, time, load, and the CodeI/O++ field check of the
released records.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

# The original's method, except the budgets a CPU run on the embedded model can afford.
OVERRIDES = {
    "ops": {
        "codeio_unified": {"config": {"max_tokens": 1024}},
        "codeio_prediction_prompts": {"config": {"pairs_per_item": 1}},
        "codeio_predictions": {"config": {"max_tokens": 512}},
        "codeio_revisions": {"config": {"max_tokens": 512}},
    }
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--home", type=Path, default=None)
    args = parser.parse_args()
    if not os.environ.get("ASSAY_CODEIO_SRC"):
        print("set ASSAY_CODEIO_SRC to a checkout of hkust-nlp/CodeIO", file=sys.stderr)
        return 2
    home = args.home or Path(tempfile.mkdtemp(prefix="codeio-original-"))
    seed_dir = home / "seeds"
    (seed_dir / "codeio").mkdir(parents=True, exist_ok=True)
    lines = [
        line
        for path in sorted((REPO / "seeds" / "codeio").glob("*.jsonl"))
        for line in path.read_text().splitlines()
        if line.strip()
    ][: args.seeds]
    (seed_dir / "codeio" / "original.jsonl").write_text("\n".join(lines) + "\n")
    os.environ.update(
        {
            "ASSAY_HOME": str(home),
            "DAGSTER_HOME": str(home / "dagster"),
            "ASSAY_SEED_DIR": str(seed_dir),
            "ASSAY_CODEIO_PROFILE": "original",
        }
    )
    os.environ.setdefault("ASSAY_SANDBOX_TIMEOUT_S", "61")  # the original's 60 s pair search

    import polars as pl

    from assets import registry
    from assets.codeio.released import violations
    from dagster_project import demo
    from dagster_project.screen import DemoScreen

    registry.FAMILIES["codeio"] = dataclasses.replace(
        registry.FAMILIES["codeio"], demo_run_config=OVERRIDES
    )
    started, load = time.monotonic(), os.getloadavg()
    with DemoScreen(home / "logs" / "codeio-original.log") as screen:
        failures = demo.run_family("codeio", screen)
    elapsed = time.monotonic() - started
    storage = home / "storage"
    rows = {
        path.parent.name: pl.read_parquet(path).height
        for path in sorted(storage.glob("codeio_*/original.jsonl.parquet"))
    }
    released = pl.read_parquet(storage / "codeio_release.parquet")
    shards = sorted((home / "datasets" / "codeio" / "data").glob("*.parquet"))
    exported = pl.concat([pl.read_parquet(p) for p in shards]) if shards else released.head(0)
    tokens = _tokens(home)
    print(
        json.dumps(
            {
                "home": str(home),
                "seeds": len(lines),
                "overrides": OVERRIDES["ops"],
                "rows": rows,
                "released_records": released.height,
                "exported_records": exported.height,
                "codeio_pp_check_release": violations(released),
                "codeio_pp_check_export": violations(exported),
                "tokens": tokens,
                "seconds": round(elapsed, 1),
                "load_before": [round(x, 2) for x in load],
                "load_after": [round(x, 2) for x in os.getloadavg()],
                "failed_runs": failures,
            },
            indent=2,
        )
    )
    return 1 if failures or any(violations(exported).values()) else 0


def _tokens(home: Path) -> dict[str, int]:
    """Prompt and completion tokens of every codeio materialization, from the instance."""
    from dagster import AssetKey, DagsterInstance

    out: dict[str, int] = {}
    with DagsterInstance.from_config(str(home / "dagster")) as instance:
        for asset in ("codeio_unified", "codeio_predictions", "codeio_revisions"):
            for record in instance.fetch_materializations(AssetKey(asset), limit=100).records:
                for key, value in record.asset_materialization.metadata.items():
                    raw = getattr(value, "value", value)
                    if key.endswith("_tokens") and isinstance(raw, int | float):
                        out[f"{asset}:{key}"] = out.get(f"{asset}:{key}", 0) + int(raw)
    return out


if __name__ == "__main__":
    sys.exit(main())
