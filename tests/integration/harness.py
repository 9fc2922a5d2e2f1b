"""Run KodCode stages 1–2 for one partition against a given endpoint, the way integration
tests and benches need it: one home directory holding seeds, Parquet storage, the LLM
cache, the quarantine and (optionally) a persistent Dagster instance.

    home/seeds/kodcode/<partition>   seed files
    home/storage/<asset>/<partition>.parquet
    home/cache.sqlite                LLM answer cache
    home/dagster/                    SQLite Dagster instance (persistent runs)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from dagster import (
    AssetsDefinition,
    AssetSelection,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)

import assets.kodcode as stages
from assets.common.profiles import Profile
from assets.kodcode.checks import kodcode_questions_well_formed, kodcode_triplets_verified
from dagster_project.partitions import PARTITIONS
from io_managers import AtomicParquetIOManager
from resources.llm import LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace

STAGES_1_2: list[AssetsDefinition] = [
    stages.kodcode_seed_prompts,
    stages.kodcode_raw_questions,
    stages.kodcode_questions,
    stages.kodcode_solution_trials,
    stages.kodcode_test_results,
    stages.kodcode_verified_triplets,
]
CHECKS = [kodcode_questions_well_formed, kodcode_triplets_verified]
ASSET_NAMES = [a.key.to_user_string() for a in STAGES_1_2]
LLM_ASSETS = ("kodcode_raw_questions", "kodcode_solution_trials")
# The columns that identify a row of each asset.
ID_COLUMNS = {
    "kodcode_seed_prompts": ["prompt_id"],
    "kodcode_raw_questions": ["prompt_id", "sample_index"],
    "kodcode_questions": ["question_id"],
    "kodcode_solution_trials": ["trial_id"],
    "kodcode_test_results": ["trial_id"],
    "kodcode_verified_triplets": ["question_id"],
}
FAMILY = "kodcode"


@dataclass(frozen=True)
class RunSettings:
    """Knobs a run needs beyond the endpoint; defaults suit a small test partition."""

    n_trials: int = 2
    max_tokens: int = 256
    concurrency: int = 4
    max_retries: int = 6
    timeout_s: float = 10.0
    retry_base_s: float = 0.01
    retry_max_s: float = 0.05
    failure_threshold: float = 0.5
    circuit_breaker_after: int = 10
    sandbox_workers: int = 2
    coverage: bool = False


def resources(home: Path, base_url: str, settings: RunSettings = RunSettings()) -> dict[str, Any]:
    return {
        "io_manager": AtomicParquetIOManager(base_dir=str(home / "storage")),
        "llm": LLMResource(
            engine="openai",
            model="scripted",
            base_url=base_url,
            api_key_env="NO_KEY",
            cache_path=str(home / "cache.sqlite"),
            concurrency=settings.concurrency,
            max_retries=settings.max_retries,
            timeout_s=settings.timeout_s,
            retry_base_s=settings.retry_base_s,
            retry_max_s=settings.retry_max_s,
            failure_threshold=settings.failure_threshold,
            circuit_breaker_after=settings.circuit_breaker_after,
        ),
        "sandbox": SandboxResource(
            backend="bwrap",
            workers=settings.sandbox_workers,
            timeout_s=10,
            coverage=settings.coverage,
        ),
        "workspace": Workspace(seed_dir=str(home / "seeds"), home=str(home)),
        "kodcode_profile": Profile(),
    }


def run_config(settings: RunSettings) -> dict:
    """Per-asset Config: how many trials and tokens the LLM stages ask for."""
    tokens = {"max_tokens": settings.max_tokens}
    return {
        "ops": {
            "kodcode_raw_questions": {"config": tokens},
            "kodcode_solution_trials": {"config": {**tokens, "n_trials": settings.n_trials}},
        }
    }


def persistent_instance(home: Path) -> DagsterInstance:
    """A SQLite Dagster instance under `home/dagster` that survives between processes."""
    directory = home / "dagster"
    directory.mkdir(parents=True, exist_ok=True)
    return DagsterInstance.local_temp(tempdir=str(directory))


def ensure_partitions(instance: DagsterInstance, keys: list[str]) -> None:
    name = PARTITIONS[FAMILY].name
    existing = set(instance.get_dynamic_partitions(name))
    missing = [k for k in keys if k not in existing]
    if missing:
        instance.add_dynamic_partitions(name, missing)


def run_partition(
    home: Path,
    base_url: str,
    partition: str,
    settings: RunSettings = RunSettings(),
    instance: DagsterInstance | None = None,
    selection: list[AssetsDefinition] | None = None,
    checks: bool = True,
) -> ExecuteInProcessResult:
    """Materialize stages 1–2 (or `selection`, reading the rest from storage) for one partition."""
    instance = instance or DagsterInstance.ephemeral()
    ensure_partitions(instance, [partition])
    config = run_config(settings)
    if selection is not None:
        names = {a.key.to_user_string() for a in selection}
        config = {"ops": {k: v for k, v in config["ops"].items() if k in names}}
    return materialize(
        STAGES_1_2 + (CHECKS if checks else []),
        selection=AssetSelection.assets(*selection) if selection is not None else None,
        partition_key=partition,
        instance=instance,
        resources=resources(home, base_url, settings),
        run_config=config,
        raise_on_error=False,
    )


def metadata_by_asset(result: ExecuteInProcessResult) -> dict[str, dict[str, Any]]:
    """Plain values of each materialized asset's metadata."""
    out: dict[str, dict[str, Any]] = {}
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        out[mat.asset_key.to_user_string()] = {
            k: getattr(v, "value", v) for k, v in mat.metadata.items()
        }
    return out


def step_failures(result: ExecuteInProcessResult) -> dict[str, str]:
    """Step key → error message of every failed step, with the messages of its causes."""
    out = {}
    for event in result.all_events:
        if event.is_step_failure:
            error, messages = event.event_specific_data.error, []
            while error is not None:
                messages.append(error.message.strip())
                error = error.cause
            out[event.step_key] = "\n".join(messages)
    return out


def parquet_path(home: Path, asset: str, partition: str) -> Path:
    return home / "storage" / asset / f"{partition}.parquet"


def read_asset(home: Path, asset: str, partition: str) -> pl.DataFrame:
    return pl.read_parquet(parquet_path(home, asset, partition))


def comparable(home: Path, asset: str, partition: str) -> pl.DataFrame:
    """An asset's rows sorted by id: two runs of the same partition must give equal frames."""
    df = read_asset(home, asset, partition)
    return df.sort(ID_COLUMNS[asset])


def step_seconds(instance: DagsterInstance, run_id: str) -> dict[str, float]:
    """Wall seconds of each step of a run, from its start event to its success or failure event."""
    started: dict[str, float] = {}
    out: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or event.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif (
            event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started
        ):
            out[event.step_key] = entry.timestamp - started[event.step_key]
    return out


def rows_lost(
    meta: dict[str, dict[str, Any]], seed_lines: int, n_trials: int
) -> list[tuple[str, int]]:
    """Rows unaccounted for, inside each asset (in − out − dropped) and along each edge of the
    chain (what an asset took in versus what its upstream put out). All zeros when nothing is lost."""

    def get(asset: str, key: str) -> int:
        return int(meta[asset][key])

    lost = [
        (
            f"{a}: in - out - dropped",
            get(a, "rows_in") - get(a, "rows_out") - get(a, "rows_dropped"),
        )
        for a in ASSET_NAMES
    ]
    edges = [
        ("seed lines -> kodcode_seed_prompts", seed_lines, get("kodcode_seed_prompts", "rows_in")),
        (
            "kodcode_seed_prompts -> kodcode_raw_questions",
            get("kodcode_seed_prompts", "rows_out"),
            get("kodcode_raw_questions", "rows_in"),
        ),
        (
            "kodcode_raw_questions -> kodcode_questions",
            get("kodcode_raw_questions", "rows_out"),
            get("kodcode_questions", "rows_in"),
        ),
        (
            "kodcode_questions x n_trials -> kodcode_solution_trials",
            get("kodcode_questions", "rows_out") * n_trials,
            get("kodcode_solution_trials", "rows_in"),
        ),
        (
            "kodcode_solution_trials -> kodcode_test_results",
            get("kodcode_solution_trials", "rows_out"),
            get("kodcode_test_results", "rows_in"),
        ),
        (
            "kodcode_questions -> kodcode_verified_triplets",
            get("kodcode_questions", "rows_out"),
            get("kodcode_verified_triplets", "rows_in"),
        ),
    ]
    return lost + [(name, upstream - taken) for name, upstream, taken in edges]
