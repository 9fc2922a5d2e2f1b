"""What `make demo` shows: a live line per running asset, then a summary a person reads.

While a run goes, each running asset has one line with a progress bar: rows (LLM samples
or sandbox jobs) done/total, LLM tokens/s and cache hits, sandbox jobs/s, elapsed. The
figures come from the resources' progress reports (`resources.progress`); which asset is
running comes from Dagster's events, which all go to a log file (DEBUG included) instead
of the terminal. Each finished run leaves one line; at the end come the summary table,
the released files with row counts and one example row of each released dataset.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self, TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from resources import progress

# Dagster's console logger would print every event (DEBUG included); the screen and the
# log file take its place. Merged into each run's config.
QUIET_CONSOLE = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


@dataclass
class StepFigures:
    """What one asset step did, from the progress reports of its batches."""

    llm_samples: int = 0
    llm_cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    llm_s: float = 0.0
    sandbox_jobs: int = 0
    sandbox_s: float = 0.0
    warnings: int = 0

    def add(self, p: progress.Progress) -> None:
        if p.source == "llm":
            self.llm_samples += p.total
            self.llm_cache_hits += p.cache_hits
            self.prompt_tokens += p.prompt_tokens
            self.completion_tokens += p.completion_tokens
            self.llm_s += p.elapsed_s
        else:
            self.sandbox_jobs += p.total
            self.sandbox_s += p.elapsed_s


@dataclass
class RunFigures:
    label: str
    started: float = field(default_factory=time.monotonic)
    steps: dict[str, StepFigures] = field(default_factory=lambda: defaultdict(StepFigures))
    failed_steps: dict[str, str] = field(default_factory=dict)
    checks: Counter = field(default_factory=Counter)


def progress_info(p: progress.Progress) -> str:
    """The figures after the bar: LLM tokens/s and cache hits, or sandbox jobs/s."""
    elapsed = max(p.elapsed_s, 1e-9)
    if p.source == "llm":
        text = f"LLM {p.completion_tokens / elapsed:.0f} tok/s (prompt {p.prompt_tokens / elapsed:.0f}/s), {p.cache_hits} cached"
        return text + (f", {p.failed} failed" if p.failed else "")
    return f"sandbox {p.done / elapsed:.1f} jobs/s"


def event_log_line(entry: Any) -> str:
    """One line of the event log file for one Dagster event or log message."""
    when = dt.datetime.fromtimestamp(entry.timestamp, dt.UTC).strftime("%H:%M:%S.%f")[:-3]
    level = (
        entry.level if isinstance(entry.level, str) else _LEVELS.get(entry.level, str(entry.level))
    )
    kind = entry.dagster_event.event_type_value if entry.is_dagster_event else "LOG"
    message = (entry.message or "").replace("\n", "\n    ")
    return f"{when} {level:<7} {entry.step_key or '-':<32} {kind:<24} {message}"


_LEVELS = {10: "DEBUG", 20: "INFO", 30: "WARNING", 40: "ERROR", 50: "CRITICAL"}


class DemoScreen:
    """Live progress while runs go, permanent lines for what finished; see the module doc."""

    def __init__(self, log_path: Path, console: Console | None = None) -> None:
        self.console = console or Console(width=None if sys.stdout.isatty() else 110)
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log: TextIO = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - closed in __exit__
        self._lock = threading.Lock()
        self._live = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}", style="bold"),
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[info]}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=True,
        )
        self._tasks: dict[str, Any] = {}
        self._current: str | None = None
        self._run: RunFigures | None = None
        self._unsubscribe: Callable[[], None] | None = None

    def __enter__(self) -> Self:
        self._live.start()
        self._unsubscribe = progress.subscribe(self._on_progress)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        self._live.stop()
        self._log.close()

    def print(self, *objects: Any, **kwargs: Any) -> None:
        """A permanent line above the live area; long lines are left to the terminal to wrap."""
        self.console.print(*objects, **{"soft_wrap": True, **kwargs})

    @contextmanager
    def run(self, label: str) -> Iterator[Callable[[Any], None]]:
        """Track one Dagster run; yields the listener for `instance.add_event_listener`."""
        self._run = RunFigures(label)
        try:
            yield self._on_event
        finally:
            for task in self._tasks.values():
                self._live.remove_task(task)
            self._tasks.clear()
            self._current = None
            self._finish_line(self._run)
            self._run = None

    def _on_event(self, entry: Any) -> None:
        with self._lock:
            self._log.write(event_log_line(entry) + "\n")
            self._log.flush()
        run, step = self._run, entry.step_key
        if run is None:
            return
        if entry.level in ("WARNING", 30) and step:
            run.steps[step].warnings += 1
        if not entry.is_dagster_event:
            return
        event = entry.dagster_event
        kind = event.event_type_value
        if kind == "STEP_START" and step:
            self._current = step
            self._tasks[step] = self._live.add_task(f"{run.label} {step}", total=None, info="")
        elif kind in ("STEP_SUCCESS", "STEP_FAILURE") and step:
            if kind == "STEP_FAILURE":
                error = getattr(event.event_specific_data, "error", None)
                run.failed_steps[step] = (
                    error.message.strip() if error else "failed"
                ).splitlines()[0][:200]
            task = self._tasks.pop(step, None)
            if task is not None:
                self._live.remove_task(task)
            if self._current == step:
                self._current = None
        elif kind == "ASSET_CHECK_EVALUATION":
            run.checks["passed" if event.event_specific_data.passed else "failed"] += 1

    def _on_progress(self, p: progress.Progress) -> None:
        step, run = self._current, self._run
        if step is None or run is None or step not in self._tasks:
            return
        self._live.update(self._tasks[step], total=p.total, completed=p.done, info=progress_info(p))
        if p.finished or (p.source == "sandbox" and p.done == p.total):
            run.steps[step].add(p)

    def _finish_line(self, run: RunFigures) -> None:
        steps = run.steps.values()
        elapsed = time.monotonic() - run.started
        llm_s = sum(s.llm_s for s in steps)
        completion = sum(s.completion_tokens for s in steps)
        prompt = sum(s.prompt_tokens for s in steps)
        samples, hits = sum(s.llm_samples for s in steps), sum(s.llm_cache_hits for s in steps)
        jobs, sandbox_s = sum(s.sandbox_jobs for s in steps), sum(s.sandbox_s for s in steps)
        warnings = sum(s.warnings for s in steps)
        mark = "[red]✗[/]" if run.failed_steps else "[green]✓[/]"
        parts = [f"{mark} {Path(run.label).stem:<18} {_duration(elapsed):>6}"]
        if samples:
            rate = f" {completion / llm_s:.0f} tok/s" if completion and llm_s else ""
            parts.append(
                f"LLM {_duration(llm_s)}: {samples} samples ({hits} cached), {_k(prompt)}/{_k(completion)} tok{rate}"
            )
        if jobs:
            parts.append(f"sandbox {_duration(sandbox_s)}: {jobs} jobs")
        if run.checks:
            parts.append(f"checks {run.checks['passed']}/{run.checks.total()}")
        if warnings:
            parts.append(f"{warnings} warnings in log")
        self.console.print("  ".join(parts), highlight=False, soft_wrap=True)
        for step, message in run.failed_steps.items():
            self.console.print(f"    [red]{step} failed:[/] {message}", highlight=False)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def _k(tokens: int) -> str:
    return f"{tokens / 1000:.1f}k" if tokens >= 1000 else str(tokens)


# ---- the end of a demo: what was made --------------------------------------------------

SUMMARY_KEYS = ("pass_rate", "verified_share", "complete_survival_share")


def summary_table(materializations: list[tuple[str, str | None, dict[str, Any]]]) -> Table:
    """Rows per asset and partition (in -> out), drop reasons, pass rates, LLM tokens."""
    partitions = list(dict.fromkeys(p or "(all)" for _, p, _ in materializations))
    by_asset: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    for asset, partition, meta in materializations:
        by_asset[asset][partition or "(all)"] = meta
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    table.add_column("asset", no_wrap=True)
    for name in partitions:
        table.add_column(Path(name).stem[:18], justify="right", no_wrap=True)
    table.add_column("dropped (why)", no_wrap=True, overflow="ellipsis", max_width=44)
    table.add_column("rate", justify="right", no_wrap=True)
    table.add_column("LLM tok in/out", justify="right", no_wrap=True)
    for asset, metas in by_asset.items():
        cells = []
        for name in partitions:
            meta = metas.get(name)
            cells.append("" if meta is None else _rows_cell(meta))
        drops: Counter = Counter()
        for meta in metas.values():
            drops.update(
                {k.split("/", 1)[1]: v for k, v in meta.items() if k.startswith("dropped/") and v}
            )
        rates = [f"{meta[k]:.2f}" for meta in metas.values() for k in SUMMARY_KEYS[:1] if k in meta]
        rates = (
            rates
            or [f"{meta[k]:.2f}" for meta in metas.values() for k in SUMMARY_KEYS[1:] if k in meta][
                :2
            ]
        )
        prompt = sum(meta.get("llm/prompt_tokens", 0) for meta in metas.values())
        completion = sum(meta.get("llm/completion_tokens", 0) for meta in metas.values())
        tokens = f"{_k(prompt)}/{_k(completion)}" if prompt or completion else ""
        table.add_row(
            asset,
            *cells,
            ", ".join(f"{k} {v}" for k, v in drops.most_common()),
            " ".join(rates),
            tokens,
        )
    return table


def _rows_cell(meta: dict[str, Any]) -> str:
    out = meta.get("rows_out", meta.get("dagster/row_count", "?"))
    return f"{meta['rows_in']}→{out}" if "rows_in" in meta and meta["rows_in"] != out else str(out)


def released_files(folder: Path) -> list[tuple[Path, int]]:
    """Every Parquet file under `folder` with its row count, in path order."""
    import polars as pl

    return [
        (path, pl.scan_parquet(path).select(pl.len()).collect().item())
        for path in sorted(folder.rglob("*.parquet"))
    ]


def example_row(path: Path, width: int = 100, fields: int = 6) -> list[str]:
    """The first row of a Parquet file: its first `fields` non-empty columns, one line each."""
    import polars as pl

    frame = pl.read_parquet(path, n_rows=1)
    if frame.is_empty():
        return []
    lines, items = (
        [],
        [(k, v) for k, v in frame.row(0, named=True).items() if v not in (None, "", [], {})],
    )
    for name, value in items[:fields]:
        text = (
            value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
        )
        text, room = " ".join(text.split()), width - len(name) - 2
        lines.append(f"{name}: {text[:room]}{'…' if len(text) > room else ''}")
    if len(items) > fields:
        lines.append(
            f"… and {len(items) - fields} more columns: {', '.join(k for k, _ in items[fields:])}"[
                :width
            ]
        )
    return lines


def print_outputs(screen: DemoScreen, export_dir: Path, family: str, since: float) -> None:
    """The released files of `family` (row counts), then one example row per released dataset."""
    files = [(p, n) for p, n in released_files(export_dir / family)]
    if not files:
        return
    screen.print(f"\n[bold]Released[/] ({export_dir / family}):", highlight=False)
    shown: set[Path] = set()
    examples = []
    for path, rows in files:
        fresh = "" if path.stat().st_mtime >= since else "  (unchanged)"
        screen.print(
            f"  {path.relative_to(export_dir / family)}  {rows} rows{fresh}", highlight=False
        )
        dataset = path.parent.parent if path.parent.name == "data" else path.parent
        if rows and dataset not in shown:
            shown.add(dataset)
            examples.append((dataset.name, path))
    for name, path in examples:
        screen.print(f"[bold]{name}[/], first row:", highlight=False)
        for line in example_row(path):
            screen.print(f"  {line}", highlight=False, markup=False)


def execute(
    screen: DemoScreen,
    job: Any,
    label: str,
    instance: Any,
    run_config: dict[str, Any],
    **kwargs: Any,
) -> Any:
    """`job.execute_in_process` with its events on `screen` and in the log file, not the terminal."""
    run_id = str(uuid.uuid4())  # what dagster's own (private) make_new_run_id returns
    with screen.run(label) as listener:
        instance.add_event_listener(run_id, listener)
        return job.execute_in_process(
            instance=instance,
            run_id=run_id,
            run_config={**run_config, **QUIET_CONSOLE},
            raise_on_error=False,
            **kwargs,
        )


def materializations(result: Any) -> list[tuple[str, str | None, dict[str, Any]]]:
    """(asset, partition, numeric metadata) of every materialization in a run result."""
    out = []
    for event in result.get_asset_materialization_events():
        mat = event.materialization
        numbers = {}
        for key, value in mat.metadata.items():
            raw = getattr(value, "value", value)
            if isinstance(raw, (int, float)) and not isinstance(raw, bool):
                numbers[key] = raw
        out.append((mat.asset_key.to_user_string(), mat.partition, numbers))
    return out
