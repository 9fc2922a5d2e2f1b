"""kill -9 a KodCode run mid-stage, again and again on the same partition; the re-runs resume.

One partition goes through four processes: the first is killed while the raw questions
are being asked, the second while the solution trials are being asked, the third while
the sandbox runs the trials, and the fourth finishes. After every kill only the assets
that finished are visible (whole Parquet files), every answer that reached the cache is
never asked again, and the finished rows equal those of an uninterrupted run.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest
from dagster import DagsterRunStatus

from tests.fakes.openai_server import OpenAIServer
from tests.integration import kodcode_run
from tests.integration.harness import (
    ASSET_NAMES,
    LLM_ASSETS,
    RunSettings,
    comparable,
    parquet_path,
    persistent_instance,
    run_partition,
)
from tests.integration.scripted import ScriptedKodCode, write_seed_file

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None,
    reason="bubblewrap (the default sandbox) is not installed",
)

PARTITION = "resume.jsonl"
ITEMS = 8
N_TRIALS = 2
CONCURRENCY = 2
SAMPLES = ITEMS + ITEMS * N_TRIALS  # one request per raw question, one per trial sample
LATENCY_S = 0.3  # ~7 answers/s at concurrency 2: room to kill mid-stage
TEST_SLEEP_S = 0.3  # each trial's test sleeps, so the sandbox stage lasts a few seconds
SETTINGS = RunSettings(n_trials=N_TRIALS, concurrency=CONCURRENCY)


def _cached(home: Path) -> int:
    """Answers in the LLM cache right now (0 before the first one lands)."""
    path = home / "cache.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    except sqlite3.OperationalError:  # the table is not created yet
        return 0


def _sandbox_children(pid: int) -> list[int]:
    """bubblewrap processes the run started (its sandbox workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            comm, rest = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        if comm.endswith("(bwrap") and int(rest.split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


# Runs start from a fork server that has imported Dagster and the assets once: a clean process
# (no threads to inherit), and each run skips the seconds of imports a fresh interpreter pays.
FORKSERVER = multiprocessing.get_context("forkserver")
FORKSERVER.set_forkserver_preload(["tests.integration.kodcode_run"])


class Run:
    """One run of the partition in its own process, logging to a file."""

    def __init__(self, home: Path, base_url: str, number: int) -> None:
        self.log = home / f"run{number}.log"
        self.summary = home / f"run{number}.json"
        argv = [
            str(home),
            base_url,
            PARTITION,
            "--n-trials",
            str(N_TRIALS),
            "--concurrency",
            str(CONCURRENCY),
            "--summary",
            str(self.summary),
        ]
        self.proc = FORKSERVER.Process(
            target=kodcode_run.run_logged, args=(argv, str(self.log)), daemon=True
        )
        self.proc.start()
        self.pid = self.proc.pid
        self.workers: list[int] = []

    def kill_when(
        self,
        condition: Callable[[], bool],
        what: str,
        timeout_s: float = 180,
        sig: int = signal.SIGKILL,
    ) -> None:
        deadline = time.monotonic() + timeout_s
        while not condition():
            if not self.proc.is_alive():
                pytest.fail(
                    f"the run ended (exit {self.proc.exitcode}) before {what}:\n{self.log.read_text()[-3000:]}"
                )
            if time.monotonic() > deadline:
                self.proc.kill()
                pytest.fail(f"timed out waiting for {what}")
            time.sleep(0.01)
        os.kill(self.pid, sig)
        self.proc.join(timeout=60)
        assert self.proc.exitcode is not None, f"the run outlived signal {sig}"
        if sig == signal.SIGKILL:
            assert self.proc.exitcode == -signal.SIGKILL

    def finish(self) -> dict:
        self.proc.join(timeout=300)
        assert self.proc.exitcode == 0, f"resumed run failed:\n{self.log.read_text()[-3000:]}"
        return json.loads(self.summary.read_text())


def _visible_assets(home: Path) -> set[str]:
    """Assets whose Parquet file for the partition exists; every one must read back whole."""
    visible = set()
    for asset in ASSET_NAMES:
        path = parquet_path(home, asset, PARTITION)
        if path.exists():
            pl.read_parquet(path)  # raises on a truncated file
            visible.add(asset)
    return visible


def _answered_digests(server: OpenAIServer) -> set[str]:
    return {digest for _, digest, outcome in server.stats.arrivals if outcome == "ok"}


def _settle(server: OpenAIServer, timeout_s: float = 10.0) -> None:
    """Wait until every request that reached the server has been answered or failed (and so
    recorded): a killed client leaves requests in flight that finish after it is gone."""
    deadline = time.monotonic() + timeout_s
    while server.stats.snapshot()["requests"] > len(server.stats.arrivals):
        assert time.monotonic() < deadline, "the fake server never finished its in-flight requests"
        time.sleep(0.01)


def _sent_digests(server: OpenAIServer, start: int) -> list[str]:
    return [
        digest
        for _, digest, outcome in server.stats.arrivals[start:]
        if outcome not in ("models", "not_found")
    ]


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> Path:
    """The same partition run once without interruption, against its own endpoint and cache."""
    home = tmp_path_factory.mktemp("uninterrupted")
    write_seed_file(home / "seeds" / "kodcode" / PARTITION, ITEMS)
    with OpenAIServer(ScriptedKodCode(TEST_SLEEP_S)) as server:
        result = run_partition(home, server.base_url, PARTITION, SETTINGS)
    assert result.success
    return home


def test_killed_three_times_mid_stage_the_partition_resumes_without_paying_twice(
    tmp_path, reference
):
    home = tmp_path
    write_seed_file(home / "seeds" / "kodcode" / PARTITION, ITEMS)
    visible_after_kill = {
        "raw questions": {"kodcode_seed_prompts"},
        "solution trials": {"kodcode_seed_prompts", "kodcode_raw_questions", "kodcode_questions"},
        "sandbox": {
            "kodcode_seed_prompts",
            "kodcode_raw_questions",
            "kodcode_questions",
            "kodcode_solution_trials",
        },
    }
    kills: list[tuple[str, Callable[[Run], Callable[[], bool]]]] = [
        # 3 of the 8 raw questions answered
        ("raw questions", lambda run: lambda: _cached(home) >= 3),
        # every raw question and 6 of the 16 trial samples answered
        ("solution trials", lambda run: lambda: _cached(home) >= ITEMS + 6),
        # the trials are stored and the sandbox workers are running them
        ("sandbox", lambda run: _sandbox_started(home, run)),
    ]
    ledger = []  # (run, stage killed in, answers cached before, requests sent, answered before and asked again)
    with OpenAIServer(ScriptedKodCode(TEST_SLEEP_S), latency_s=LATENCY_S) as server:
        for number, (stage, condition) in enumerate(kills, start=1):
            cached_before = _cached(home)
            answered_before = _answered_digests(server)
            start = len(server.stats.arrivals)
            run = Run(home, server.base_url, number)
            run.kill_when(condition(run), f"the {stage} stage")
            _settle(server)
            sent = _sent_digests(server, start)
            reasked = answered_before & set(sent)
            # Answers the server gave that never reached the cache (in flight at the kill) are
            # the only ones a re-run may ask again; every cached answer is served from the cache.
            assert len(reasked) == len(answered_before) - cached_before <= CONCURRENCY
            assert _visible_assets(home) == visible_after_kill[stage], (
                f"only finished assets are visible after the {stage} kill"
            )
            if stage == "sandbox":
                assert run.workers, "the kill came while sandbox workers were running"
                _assert_gone(run.workers)
            ledger.append((number, stage, cached_before, len(sent), len(reasked)))

        cached_before = _cached(home)
        answered_before = _answered_digests(server)
        start = len(server.stats.arrivals)
        final = Run(home, server.base_url, len(kills) + 1).finish()
        sent = _sent_digests(server, start)
        ledger.append(
            (len(kills) + 1, "-", cached_before, len(sent), len(answered_before & set(sent)))
        )

    assert cached_before == SAMPLES, "every sample was answered and cached before the sandbox kill"
    assert sent == [], "the run after the sandbox kill asks the model nothing"
    meta = final["metadata"]
    assert sum(meta[a]["llm/cache_hits"] for a in LLM_ASSETS) == SAMPLES
    assert sum(meta[a]["llm/sent"] for a in LLM_ASSETS) == 0
    assert all(
        meta[a]["rows_in"] == meta[a]["rows_out"] + meta[a]["rows_dropped"]
        for a in meta
        if "rows_in" in meta[a]
    )
    asked = {d for _, d, outcome in server.stats.arrivals if outcome == "ok"}
    assert len(asked) == SAMPLES, "each sample was asked for until answered, none forgotten"

    for asset in ASSET_NAMES:
        resumed, clean = comparable(home, asset, PARTITION), comparable(reference, asset, PARTITION)
        assert resumed.equals(clean), (
            f"{asset}: the resumed rows differ from an uninterrupted run's"
        )
    triplets = comparable(home, "kodcode_verified_triplets", PARTITION)
    assert triplets.height == ITEMS and triplets["question_id"].n_unique() == ITEMS, (
        "no gaps, no duplicates"
    )
    results = comparable(home, "kodcode_test_results", PARTITION)
    assert results.height == ITEMS * N_TRIALS and set(results["status"]) == {"passed"}
    runs = persistent_instance(home).get_runs()  # newest first
    assert len(runs) == len(kills) + 1 and runs[0].status == DagsterRunStatus.SUCCESS, (
        "the SQLite instance survived three kill -9s and recorded every run"
    )

    print(
        "\nrun  killed during     cached before  requests sent  answered but lost in the kill, asked again"
    )
    for number, stage, cached, sent_n, reasked_n in ledger:
        print(f"{number:<4} {stage:<16} {cached:>13}  {sent_n:>13}  {reasked_n:>42}")


def test_sigterm_mid_batch_stops_the_run_at_once_recorded_as_failed_and_a_rerun_resumes(tmp_path):
    """Dagster acts on an interrupt only between steps; the LLM and sandbox resources act on
    it inside their batch, so `kill` (or Ctrl-C) does not wait for the batch to finish."""
    home = tmp_path
    write_seed_file(home / "seeds" / "kodcode" / PARTITION, ITEMS)
    with OpenAIServer(ScriptedKodCode(TEST_SLEEP_S), latency_s=LATENCY_S) as server:
        run = Run(home, server.base_url, 1)
        run.kill_when(lambda: _cached(home) >= 3, "the raw questions stage", sig=signal.SIGTERM)
        _settle(server)
        cached = _cached(home)
        final = Run(home, server.base_url, 2).finish()

    assert run.proc.exitcode == 1, "the process ended on its own, reporting a failed run"
    assert cached < ITEMS, "the batch of 8 raw questions stopped part-way, not at its end"
    stopped, finished = persistent_instance(home).get_runs()[::-1]
    assert stopped.status == DagsterRunStatus.FAILURE, "recorded as failed, not left STARTED"
    assert finished.status == DagsterRunStatus.SUCCESS
    meta = final["metadata"]
    assert sum(meta[a]["llm/cache_hits"] for a in LLM_ASSETS) == cached
    assert sum(meta[a]["llm/sent"] for a in LLM_ASSETS) == SAMPLES - cached


def _sandbox_started(home: Path, run: Run) -> Callable[[], bool]:
    """True once the trials are stored and the run's sandbox workers have been up for a moment."""
    seen: dict[str, float] = {}

    def condition() -> bool:
        if not parquet_path(home, "kodcode_solution_trials", PARTITION).exists():
            return False
        workers = _sandbox_children(run.pid)
        if not workers:
            return False
        run.workers = workers
        seen.setdefault("at", time.monotonic())
        return time.monotonic() - seen["at"] > 0.5

    return condition


def _assert_gone(pids: list[int], timeout_s: float = 20.0) -> None:
    """Sandbox workers of a killed run exit on their own (EOF on their pipe), leaving no orphans."""
    deadline = time.monotonic() + timeout_s
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(_alive(p) for p in pids), f"sandbox workers {pids} outlived the killed run"
