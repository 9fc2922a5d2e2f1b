"""Every asset's rows and every released file of each family's job, on the scripted model.

Record once before a refactor, then compare after it:

    .venv/bin/python bench/behaviour_snapshot.py --out /work/baseline
    .venv/bin/python bench/behaviour_snapshot.py --out /tmp/after --compare /work/baseline

Each family runs its partitioned assets and checks for every seed file of its asset
test (the same scripted OpenAI-compatible server and the real bubblewrap sandbox),
then its release assets. Under `<out>/<family>/` this writes `storage/` (one Parquet
file per asset and partition, as the IO manager stored it), `datasets/` (the released
files) and `metadata.json` (materialization metadata, plain values). `--compare` reads
both trees: frames with `polars.DataFrame.equals`, released files byte for byte, and
metadata values (timings differ between runs and are listed, not failed).
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

FAMILIES = ("kodcode", "codeio", "case2code")


@dataclass
class Scenario:
    """What one family's snapshot runs: seed files, the scripted model, run config."""

    seeds: dict[str, list[str]]
    responder: Callable[[dict], str]
    sandbox_timeout_s: float = 10.0
    run_config: dict = field(default_factory=dict)
    # Release assets to run after the first ones (asset name -> run config built from the home).
    late_releases: dict[str, Callable[[Path], dict]] = field(default_factory=dict)


def _lines(records: list) -> list[str]:
    return [r if isinstance(r, str) else json.dumps(r) for r in records]


def scenario(family: str) -> Scenario:
    if family == "kodcode":
        from tests.assets.kodcode.scripted_family import SEEDS, Stage3Model

        return Scenario(
            seeds={k: _lines(v) for k, v in SEEDS.items()},
            responder=Stage3Model(),
            run_config={
                "ops": {"kodcode_sft_responses": {"config": {"n_samples": 2, "max_tokens": 512}}}
            },
        )
    if family == "codeio":
        from tests.assets.codeio.scripted import answer
        from tests.assets.codeio.test_assets import SEEDS

        return Scenario(seeds={k: list(v) for k, v in SEEDS.items()}, responder=answer)
    if family == "case2code":
        from tests.assets.case2code.scripted import ScriptedCase2Code
        from tests.assets.case2code.test_assets import FUNCTIONS, SEEDS

        return Scenario(
            seeds={k: _lines(v) for k, v in SEEDS.items()},
            responder=ScriptedCase2Code(solutions=FUNCTIONS),
            sandbox_timeout_s=1.0,
            late_releases={
                "case2code_eval": lambda home: {
                    "ops": {
                        "case2code_eval": {
                            "config": {
                                "test_set": str(
                                    home / "datasets" / "case2code" / "case2code_format.jsonl"
                                ),
                                "llm_key": "llm",
                            }
                        }
                    }
                }
            },
        )
    raise ValueError(f"unknown family {family!r}")


def _plain(metadata: dict, home: Path) -> dict[str, Any]:
    """JSON values of a metadata dict: paths relative to the run's home, tables as their size."""
    out = {}
    for key, value in metadata.items():
        value = getattr(value, "value", value)
        if hasattr(value, "records"):
            value = f"<table of {len(value.records)} rows>"
        try:
            json.dumps(value)
        except Exception:  # noqa: BLE001 - Dagster records raise a bare Exception when iterated
            value = f"<{type(value).__name__}>"
        if isinstance(value, str):
            value = value.replace(str(home), "<home>")
        out[key] = value
    return out


def run_family(family: str, home: Path) -> dict[str, Any]:
    """Materialize the family on the scripted server under `home`; return metadata by step."""
    from tests.fakes.family_run import family_run
    from tests.fakes.openai_server import OpenAIServer

    plan = scenario(family)
    meta: dict[str, Any] = {}

    def record(label: str, result) -> None:
        assert result.success, f"{family}: {label} failed"
        for event in result.get_asset_materialization_events():
            mat = event.materialization
            meta[f"{mat.asset_key.to_user_string()}@{label}"] = _plain(mat.metadata, home)
        for evaluation in result.get_asset_check_evaluations():
            meta[f"check:{evaluation.check_name}@{label}"] = {
                "passed": evaluation.passed,
                **_plain(evaluation.metadata, home),
            }

    with OpenAIServer(plan.responder) as server:
        first = [
            a.key.to_user_string()
            for a in importlib.import_module(f"assets.{family}").FAMILY.release_assets
            if a.key.to_user_string() not in plan.late_releases
        ]
        run = family_run(
            family,
            plan.seeds,
            server.base_url,
            home,
            run_config=plan.run_config,
            release=first,
            sandbox_timeout_s=plan.sandbox_timeout_s,
        )
        for key, result in run.partitions.items():
            record(key, result)
        if run.release is not None:
            record("release", run.release)
        for name, config in plan.late_releases.items():
            record(name, run.run_release([name], config(home)))
    return meta


def snapshot(family: str, out: Path) -> None:
    target = out / family
    if target.exists():
        shutil.rmtree(target)
    home = target / "home"
    meta = run_family(family, home)
    shutil.move(str(home / "storage"), str(target / "storage"))
    if (home / "datasets").exists():
        shutil.move(str(home / "datasets"), str(target / "datasets"))
    (target / "metadata.json").write_text(json.dumps(meta, indent=1, sort_keys=True, default=str))
    shutil.rmtree(home)
    print(f"{family}: {sum(1 for _ in (target / 'storage').rglob('*.parquet'))} frames", flush=True)


def _files(root: Path) -> dict[str, Path]:
    return {str(p.relative_to(root)): p for p in sorted(root.rglob("*")) if p.is_file()}


def compare(family: str, before: Path, after: Path) -> list[str]:
    """Differences between two snapshots of a family; empty when the behaviour is unchanged."""
    import polars as pl

    problems: list[str] = []
    old, new = _files(before / family / "storage"), _files(after / family / "storage")
    for name in sorted(set(old) | set(new)):
        if name not in new or name not in old:
            problems.append(f"storage/{name}: only in {'before' if name in old else 'after'}")
            continue
        a, b = pl.read_parquet(old[name]), pl.read_parquet(new[name])
        if a.equals(b):
            continue
        if set(a.columns) == set(b.columns) and a.equals(b.select(a.columns)):
            problems.append(f"storage/{name}: same rows, column order differs")
        elif a.columns != b.columns:
            problems.append(
                f"storage/{name}: columns differ: -{sorted(set(a.columns) - set(b.columns))} "
                f"+{sorted(set(b.columns) - set(a.columns))}"
            )
        else:
            bad = [c for c in a.columns if not a[c].equals(b[c])]
            problems.append(
                f"storage/{name}: values differ in {bad} ({a.height} vs {b.height} rows)"
            )
    old, new = _files(before / family / "datasets"), _files(after / family / "datasets")
    for name in sorted(set(old) | set(new)):
        if name not in new or name not in old:
            problems.append(f"datasets/{name}: only in {'before' if name in old else 'after'}")
        elif (
            hashlib.sha256(old[name].read_bytes()).digest()
            != hashlib.sha256(new[name].read_bytes()).digest()
        ):
            problems.append(f"datasets/{name}: bytes differ")
    return problems


def metadata_changes(family: str, before: Path, after: Path) -> list[str]:
    """Metadata values that changed (timings aside): figures to read, not failures."""
    problems: list[str] = []
    m_old = json.loads((before / family / "metadata.json").read_text())
    m_new = json.loads((after / family / "metadata.json").read_text())
    for step in sorted(set(m_old) | set(m_new)):
        a, b = m_old.get(step, {}), m_new.get(step, {})
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key) and not _timing(key):
                problems.append(f"metadata {step} {key}: {a.get(key)!r} -> {b.get(key)!r}")
    return problems


_TIMING = re.compile(r"(^|[/_])(s|seconds|elapsed|duration|wall)($|[/_])")


def _timing(key: str) -> bool:
    """A figure measured in time (job_s_median, llm/elapsed_s): it differs between runs."""
    return bool(_TIMING.search(key))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--compare", type=Path, help="a snapshot to compare the new one against")
    parser.add_argument("families", nargs="*", default=list(FAMILIES))
    args = parser.parse_args()
    failed = False
    for family in args.families:
        snapshot(family, args.out)
        if args.compare:
            problems = compare(family, args.compare, args.out)
            print(f"{family}: {'unchanged' if not problems else f'{len(problems)} differences'}")
            for line in problems:
                print(f"  {line}")
            for line in metadata_changes(family, args.compare, args.out):
                print(f"  (metadata) {line[:300]}")
            failed |= bool(problems)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
