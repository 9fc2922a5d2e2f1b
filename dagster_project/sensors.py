"""Seed-file sensors: a new or changed file under `seeds/<family>/` becomes a run.

Each file is a dynamic partition keyed by its name. The cursor remembers each
file's content hash, so an edited file is re-run (a new run key) while an
unchanged one is not, and restarting the daemon re-requests nothing. It also
remembers each file's size and mtime, so a tick re-reads only files that changed.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DagsterInstance,
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from assets.common.family import Family
from assets.common.seeds import FINGERPRINT_KEY, fingerprint

SEED_SUFFIXES = (".jsonl", ".json")
_VALID_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# A file younger than this may still be being copied in; look again next tick.
MIN_AGE_S = 2.0
# Seed files named demo_* are the examples shipped with assay, run by `make demo*` when the
# user asks. Starting `make dev` must not queue model runs nobody asked for (on a laptop
# CPU they hold every core for half an hour), so the sensors leave them alone and say so.
DEMO_PREFIX = "demo_"


def seed_files(
    directory: Path, now: float | None = None, min_age_s: float = MIN_AGE_S
) -> tuple[list[Path], list[str]]:
    """Seed files ready to run, and the names skipped with why."""
    now = time.time() if now is None else now
    ready, skipped = [], []
    if not directory.is_dir():
        return ready, skipped
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.name.startswith(".") or path.suffix not in SEED_SUFFIXES:
            continue
        if not _VALID_KEY.match(path.name):
            skipped.append(f"{path.name}: name must use only letters, digits, '.', '_' and '-'")
            continue
        try:
            modified = path.stat().st_mtime
        except FileNotFoundError:  # removed since the listing
            continue
        if now - modified < min_age_s:
            continue
        ready.append(path)
    return ready, skipped


def _stat_key(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def current_fingerprint(path: Path, seen: object) -> dict[str, object]:
    """The file's cursor entry: its hash, recomputed only when size or mtime moved."""
    stat = _stat_key(path)
    if isinstance(seen, dict) and seen.get("stat") == stat:
        return seen
    return {"fp": fingerprint(path), "stat": stat}


def _fp(entry: object) -> str | None:
    # Cursors written before stats were kept hold the bare hash.
    return entry.get("fp") if isinstance(entry, dict) else entry  # type: ignore[return-value]


def already_processed(
    instance: DagsterInstance, seed_asset: AssetKey, partition: str, fp: str
) -> bool:
    """Was this very content materialized already (by `make demo`, a run from the UI, or a
    daemon whose cursor is gone)? Asked once per file the cursor has not seen."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(asset_key=seed_asset, asset_partitions=[partition]), limit=1
    ).records
    materialization = records[0].asset_materialization if records else None
    value = materialization.metadata.get(FINGERPRINT_KEY) if materialization else None
    return getattr(value, "value", value) == fp


def build_seed_sensor(
    family: Family,
    job: object,
    seed_dir: Path,
    minimum_interval_seconds: int = 10,
) -> SensorDefinition:
    """The family's seed sensor, requesting `job` (from dagster_project.jobs.family_job: an
    unresolved asset job, a type dagster exports under no public name)."""
    directory = seed_dir / family.name
    seed_asset = family.seed_asset_key
    partitions_def = family.partitions

    @sensor(
        name=f"{family.name}_seed_sensor",
        job=job,
        minimum_interval_seconds=minimum_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description=f"Turns each new or changed file in {directory} into a partition and a run.",
    )
    def _sensor(context: SensorEvaluationContext) -> SensorResult:
        seen: dict[str, object] = json.loads(context.cursor) if context.cursor else {}
        files, skipped = seed_files(directory)
        shipped = [p.name for p in files if p.name.startswith(DEMO_PREFIX)]
        files = [p for p in files if not p.name.startswith(DEMO_PREFIX)]
        for note in skipped:
            context.log.warning(f"{family.name} seed sensor skipped {note}")
        existing = set(context.instance.get_dynamic_partitions(partitions_def.name or ""))
        new_keys, requests, current = [], [], {}
        for path in files:
            try:
                entry = current_fingerprint(path, seen.get(path.name))
            except OSError as exc:  # removed between listing and reading
                context.log.warning(f"{family.name} seed sensor could not read {path}: {exc}")
                continue
            current[path.name] = entry
            fp = _fp(entry)
            if path.name not in existing:
                new_keys.append(path.name)
            unseen_but_done = (
                path.name not in seen
                and path.name in existing
                and already_processed(context.instance, seed_asset, path.name, fp)
            )
            if _fp(seen.get(path.name)) != fp and not unseen_but_done:
                requests.append(
                    RunRequest(
                        run_key=f"{path.name}@{fp}",
                        partition_key=path.name,
                        tags={"assay/seed_file": str(path)},
                    )
                )
        cursor = json.dumps({**seen, **current}, sort_keys=True)
        if not new_keys and not requests:
            # Still store the cursor: a touched but unchanged file is not re-read next tick.
            demos = (
                f" (shipped demo files, run by make demo: {', '.join(shipped)})" if shipped else ""
            )
            return SensorResult(
                skip_reason=f"no new or changed seed files in {directory}{demos}", cursor=cursor
            )
        return SensorResult(
            run_requests=requests,
            dynamic_partitions_requests=[partitions_def.build_add_request(new_keys)]
            if new_keys
            else [],
            cursor=cursor,
        )

    return _sensor
