"""Any registered family's job end to end on a scripted OpenAI-compatible server.

    with OpenAIServer(responder) as server:
        run = family_run("kodcode", SEEDS, server.base_url, tmp_path)
    run.read("kodcode_triplets", "a.jsonl"); run.metadata("kodcode_triplets", "a.jsonl")

Seeds are written to `<home>/seeds/<family>/<file>` (lines given as strings or dicts),
every partition runs the family's partitioned assets and checks (in `order`), then its
release assets and their checks. Resources: the real bubblewrap sandbox, the Parquet IO
manager under `<home>/storage`, and one `openai`-engine LLM on `base_url` for every role.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
from dagster import DagsterInstance, ExecuteInProcessResult, materialize

from assets.common.family import Family
from assets.common.profiles import Profile, resource_key
from assets.registry import FAMILIES
from io_managers import AtomicParquetIOManager
from resources.sandbox import SandboxResource
from resources.workspace import Workspace
from tests.fakes.scripted_llm import scripted_llm

QUIET = {"loggers": {"console": {"config": {"log_level": "WARNING"}}}}


@dataclass
class FamilyRun:
    """What a run left: its home, instance, and each materialization's result."""

    family: Family
    home: Path
    instance: DagsterInstance
    resources: dict[str, Any]
    partitions: dict[str, ExecuteInProcessResult] = field(default_factory=dict)
    release: ExecuteInProcessResult | None = None

    def read(self, asset: str, partition: str | None = None) -> pl.DataFrame:
        """A partition's stored frame, or the release asset's."""
        storage = self.home / "storage"
        path = (
            storage / asset / f"{partition}.parquet" if partition else storage / f"{asset}.parquet"
        )
        return pl.read_parquet(path)

    def result(self, partition: str | None = None) -> ExecuteInProcessResult:
        result = self.partitions[partition] if partition else self.release
        assert result is not None, "the release was not run"
        return result

    def metadata(self, asset: str, partition: str | None = None) -> dict[str, Any]:
        """Plain metadata values of `asset`'s materialization in that partition's run."""
        for event in self.result(partition).get_asset_materialization_events():
            mat = event.materialization
            if mat.asset_key.to_user_string() == asset:
                return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}
        raise KeyError(f"{asset} was not materialized in run {partition or 'release'}")

    def run_release(
        self,
        names: Sequence[str] | None = None,
        run_config: Mapping[str, Any] | None = None,
        raise_on_error: bool = True,
    ) -> ExecuteInProcessResult:
        """Materialize the release assets (all, or those named) and their checks."""
        selected = [
            a
            for a in self.family.release_assets
            if names is None or a.key.to_user_string() in names
        ]
        self.release = materialize(
            [*self.family.assets, *self.family.checks],
            selection=selected,
            instance=self.instance,
            resources=self.resources,
            run_config=_ops(run_config or {}, selected),
            raise_on_error=raise_on_error,
        )
        return self.release

    def failed_checks(self, partition: str | None = None) -> list[str]:
        return [
            c.check_name
            for c in self.result(partition).get_asset_check_evaluations()
            if not c.passed
        ]


def write_seeds(seed_dir: Path, seeds: Mapping[str, Sequence[str | dict]]) -> None:
    seed_dir.mkdir(parents=True, exist_ok=True)
    for name, lines in seeds.items():
        text = "".join((ln if isinstance(ln, str) else json.dumps(ln)) + "\n" for ln in lines)
        (seed_dir / name).write_text(text)


def family_resources(
    home: Path,
    base_url: str,
    *,
    cache: Path | None = None,
    sandbox_timeout_s: float = 10.0,
    llm: Mapping[str, Any] | None = None,
    profiles: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Every resource any family needs, for a run under `home`; `profiles` sets a family's
    profile (`{"kodcode": "original"}`), the others run `assay`."""
    model = scripted_llm(
        base_url,
        home,
        **{
            "max_retries": 3,
            "timeout_s": 60,
            **({"cache_path": str(cache)} if cache else {}),
            **(llm or {}),
        },
    )
    return {
        "io_manager": AtomicParquetIOManager(base_dir=str(home / "storage")),
        "llm": model,
        "reasoner": model,
        "evaluator": model,
        "sandbox": SandboxResource(
            backend="bwrap", workers=2, timeout_s=sandbox_timeout_s, coverage=False
        ),
        "workspace": Workspace(seed_dir=str(home / "seeds"), home=str(home)),
        **{
            resource_key(name): Profile(name=(profiles or {}).get(name, "assay"))
            for name in FAMILIES
        },
    }


def _ops(config: Mapping[str, Any], assets: Sequence[Any]) -> dict[str, Any]:
    names = {a.key.to_user_string() for a in assets}
    return {"ops": {k: v for k, v in config.get("ops", {}).items() if k in names}, **QUIET}


def family_run(
    family: str | Family,
    seeds: Mapping[str, Sequence[str | dict]],
    base_url: str,
    home: Path,
    *,
    order: Sequence[str] | None = None,
    run_config: Mapping[str, Any] | None = None,
    checks: bool = True,
    release: bool | Sequence[str] = True,
    release_config: Mapping[str, Any] | None = None,
    cache: Path | None = None,
    sandbox_timeout_s: float = 10.0,
    llm: Mapping[str, Any] | None = None,
    raise_on_error: bool = True,
    profiles: Mapping[str, str] | None = None,
) -> FamilyRun:
    """Run `family` on `seeds` under `home`; `release` may name the release assets to run."""
    declared = FAMILIES[family] if isinstance(family, str) else family
    write_seeds(home / "seeds" / declared.name, seeds)
    keys = list(order or seeds)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(declared.partitions.name, keys)
    resources = family_resources(
        home,
        base_url,
        cache=cache,
        sandbox_timeout_s=sandbox_timeout_s,
        llm=llm,
        profiles=profiles,
    )
    run = FamilyRun(declared, home, instance, resources)
    partitioned = declared.partitioned_assets
    for key in keys:
        run.partitions[key] = materialize(
            [*partitioned, *(declared.partitioned_checks if checks else [])],
            partition_key=key,
            instance=instance,
            resources=resources,
            run_config=_ops(run_config or {}, partitioned),
            raise_on_error=raise_on_error,
        )
    if release and declared.release_assets:
        names = None if release is True else list(release)
        run.run_release(names, release_config, raise_on_error=raise_on_error)
    return run
