"""`make demo`: run a family end to end on its seed files, on the persistent instance.

Each seed file becomes a dynamic partition (as the sensor would do), the family's
job runs for each partition in-process, then the release job, all recorded in the
SQLite instance under `$ASSAY_HOME/dagster` so `make dev` shows the same runs.
A summary prints rows per asset, drop reasons, pass rates and where outputs live.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from typing import Any

from dagster_project.instance import prepare_instance_home
from dagster_project.settings import load_settings


def _metadata_numbers(metadata: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in metadata.items():
        raw = getattr(value, "value", value)
        if isinstance(raw, (int, float)) and not isinstance(raw, bool):
            out[key] = raw
    return out


def _summary_line(asset: str, partition: str | None, meta: dict[str, Any]) -> str:
    parts = [f"{asset:<34}", f"{partition or '(all)':<26}"]
    if "rows_in" in meta:
        parts.append(f"in={meta['rows_in']:<5}")
    parts.append(f"out={meta.get('rows_out', meta.get('dagster/row_count', '?')):<5}")
    drops = {k.split('/', 1)[1]: v for k, v in meta.items() if k.startswith("dropped/")}
    if drops:
        parts.append("dropped: " + ", ".join(f"{k}={v}" for k, v in drops.items()))
    for key in ("pass_rate", "verified_share", "rescued_by_retry", "complete_survival_share", "llm/cache_hits", "llm/sent", "llm/failed", "llm/completion_tokens"):
        if key in meta:
            value = meta[key]
            parts.append(f"{key}={value:.2f}" if isinstance(value, float) else f"{key}={value}")
    return "  ".join(parts)


def run_family(family: str, release: bool = True, full: bool = False) -> int:
    """Materialize every seed file of `family`; return the number of failed runs."""
    prepare_instance_home()
    from dagster import DagsterInstance

    from assets.registry import FAMILIES
    from dagster_project.definitions import build_definitions
    from dagster_project.sensors import seed_files

    settings = load_settings()
    defs = build_definitions()
    instance = DagsterInstance.get()
    files, skipped = seed_files(settings.seed_dir / family, min_age_s=0)
    for note in skipped:
        print(f"skipped seed file {note}", file=sys.stderr)
    if not files:
        print(f"no seed files in {settings.seed_dir / family}", file=sys.stderr)
        return 1
    keys = [f.name for f in files]
    declared = FAMILIES[family]
    partitions = declared.partitions
    existing = set(instance.get_dynamic_partitions(partitions.name))
    new = [k for k in keys if k not in existing]
    if new:
        instance.add_dynamic_partitions(partitions.name, new)
    lines, failures = [], 0
    started = time.monotonic()
    job = defs.resolve_job_def(declared.job_name)
    for key in keys:
        print(f"== {family}: materializing partition {key}", flush=True)
        # The demo runs on a CPU model in minutes: each family declares smaller sample counts
        # than its asset defaults (which suit a served model); `--full` uses the defaults.
        run_config = {} if full else dict(declared.demo_run_config)
        result = job.execute_in_process(partition_key=key, instance=instance, run_config=run_config, raise_on_error=False)
        if _interrupted(result):
            raise KeyboardInterrupt(f"run {result.run_id} for partition {key}")
        failures += 0 if result.success else 1
        for event in result.get_asset_materialization_events():
            mat = event.materialization
            lines.append(_summary_line(mat.asset_key.to_user_string(), mat.partition, _metadata_numbers(mat.metadata)))
        if not result.success:
            for event in result.all_events:
                if event.is_step_failure:
                    print(f"!! {key}: {event.step_key} failed: {event.event_specific_data.error.message.strip()}", file=sys.stderr)
    release_name = declared.release_job_name
    if release and any(getattr(j, "name", None) == release_name for j in defs.jobs or []):
        print(f"== {family}: release", flush=True)
        result = defs.resolve_job_def(release_name).execute_in_process(instance=instance, raise_on_error=False)
        if _interrupted(result):
            raise KeyboardInterrupt(f"run {result.run_id} ({release_name})")
        failures += 0 if result.success else 1
        for event in result.get_asset_materialization_events():
            mat = event.materialization
            lines.append(_summary_line(mat.asset_key.to_user_string(), mat.partition, _metadata_numbers(mat.metadata)))
    elapsed = time.monotonic() - started
    print(f"\n== {family} summary ({elapsed:.0f} s, {len(keys)} partitions, {failures} failed runs)")
    print("\n".join(lines))
    print(f"\nParquet assets:   {settings.storage_dir}")
    print(f"Released data:    {settings.export_dir}")
    print(f"Quarantine:       {settings.home / 'quarantine'}")
    print(f"Dagster instance: {os.environ['DAGSTER_HOME']}  (make dev opens it in the UI)")
    return failures


def _interrupt_on_sigterm() -> None:
    """`kill` (SIGTERM) stops the demo as Ctrl-C does: Dagster then ends the run as
    canceled instead of leaving it STARTED, and what finished stays cached for the rerun."""

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, handler)


def _interrupted(result: Any) -> bool:
    """Did the run stop because of Ctrl-C or SIGTERM (inside a step or between steps)?"""
    for event in result.all_events:
        error = getattr(event.event_specific_data, "error", None)
        while error is not None:
            if error.cls_name in ("DagsterExecutionInterruptedError", "KeyboardInterrupt"):
                return True
            error = error.cause
    return False


def main(argv: list[str] | None = None) -> int:
    _interrupt_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    from assets.registry import FAMILIES

    parser.add_argument("families", nargs="*", help=f"families to run (default: kodcode; registered: {', '.join(FAMILIES)})")
    parser.add_argument("--all", action="store_true", help="every registered family, in registry order")
    parser.add_argument("--no-release", action="store_true", help="skip the release (all-partitions) job")
    parser.add_argument("--full", action="store_true", help="use the assets' default sample counts, not the demo's smaller ones")
    args = parser.parse_args(argv)
    families = list(FAMILIES) if args.all else args.families or ["kodcode"]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown families {', '.join(unknown)}; registered: {', '.join(FAMILIES)}")
    try:
        failures = sum(run_family(f, release=not args.no_release, full=args.full) for f in families)
    except KeyboardInterrupt as stopped:
        print(f"\n!! interrupted ({stopped}); every answer received is cached: run the same command to resume.", file=sys.stderr)
        return 130
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
