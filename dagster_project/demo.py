"""`make demo`: run a family end to end on its seed files, on the persistent instance.

Each seed file becomes a dynamic partition (as the sensor would do), the family's
job runs for each partition in-process, then the release job, all recorded in the
SQLite instance under `$ASSAY_HOME/dagster` so `make dev` shows the same runs.
A summary prints rows per asset, drop reasons, pass rates and where outputs live.
"""

from __future__ import annotations

import argparse
import signal
import sys
import time
from typing import Any

from rich.console import Console

from dagster_project.instance import prepare_instance_home
from dagster_project.screen import (
    DemoScreen,
    execute,
    materializations,
    print_outputs,
    summary_table,
)
from dagster_project.settings import load_settings


def run_family(family: str, screen: DemoScreen, release: bool = True, full: bool = False) -> int:
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
    made, failures = [], 0
    started, wall_started = time.monotonic(), time.time()
    screen.print(
        f"[bold]{family}[/]: {len(keys)} seed files in {settings.seed_dir / family}",
        highlight=False,
    )
    job = defs.resolve_job_def(declared.job_name)
    for key in keys:
        # The demo runs on a CPU model in minutes: each family declares smaller sample counts
        # than its asset defaults (which suit a served model); `--full` uses the defaults.
        run_config = {} if full else dict(declared.demo_run_config)
        result = execute(screen, job, key, instance, run_config, partition_key=key)
        if _interrupted(result):
            raise KeyboardInterrupt(f"run {result.run_id} for partition {key}")
        failures += 0 if result.success else 1
        made += materializations(result)
    release_name = declared.release_job_name
    if release and any(getattr(j, "name", None) == release_name for j in defs.jobs or []):
        result = execute(screen, defs.resolve_job_def(release_name), "release", instance, {})
        if _interrupted(result):
            raise KeyboardInterrupt(f"run {result.run_id} ({release_name})")
        failures += 0 if result.success else 1
        made += materializations(result)
    elapsed = time.monotonic() - started
    screen.print(
        f"\n[bold]{family} summary[/] ({elapsed:.0f} s, {len(keys)} partitions, {failures} failed runs): rows in→out per partition",
        highlight=False,
    )
    screen.print(summary_table(made))
    print_outputs(screen, settings.export_dir, family, since=wall_started)
    screen.print(
        f"\nParquet assets {settings.storage_dir} · quarantine {settings.home / 'quarantine'}",
        highlight=False,
    )
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


def main(argv: list[str] | None = None, console: Console | None = None) -> int:
    _interrupt_on_sigterm()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    from assets.registry import FAMILIES

    parser.add_argument(
        "families",
        nargs="*",
        help=f"families to run (default: kodcode; registered: {', '.join(FAMILIES)})",
    )
    parser.add_argument(
        "--all", action="store_true", help="every registered family, in registry order"
    )
    parser.add_argument(
        "--no-release", action="store_true", help="skip the release (all-partitions) job"
    )
    parser.add_argument(
        "--full",
        action="store_true",
        help="use the assets' default sample counts, not the demo's smaller ones",
    )
    args = parser.parse_args(argv)
    families = list(FAMILIES) if args.all else args.families or ["kodcode"]
    unknown = [f for f in families if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown families {', '.join(unknown)}; registered: {', '.join(FAMILIES)}")
    home = prepare_instance_home()
    log_path = load_settings().home / "logs" / f"demo-{time.strftime('%Y%m%d-%H%M%S')}.log"
    with DemoScreen(log_path, console) as screen:
        screen.print(
            f"Dagster event log (every event, DEBUG included): {log_path}", highlight=False
        )
        try:
            failures = sum(
                run_family(f, screen, release=not args.no_release, full=args.full) for f in families
            )
        except KeyboardInterrupt as stopped:
            screen.print(
                f"\n!! interrupted ({stopped}); every answer received is cached: run the same command to resume."
            )
            return 130
        screen.print(
            f"Dagster instance {home}: `make dev` shows these runs in the UI", highlight=False
        )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
