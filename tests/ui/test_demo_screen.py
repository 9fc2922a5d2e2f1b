"""What `make demo` prints: a short screen a person reads, the details in a log file,
and a re-run that asks the model nothing and rewrites nothing."""

from __future__ import annotations

import io
import re
from pathlib import Path

import polars as pl
from rich.console import Console

from dagster_project import demo
from tests.fakes.openai_server import OpenAIServer
from tests.integration.scripted import ScriptedKodCode
from tests.ui.demo_instance import demo_env, environment


def test_the_screen_is_short_and_ends_with_what_was_released(demo_run):
    _home, code, screen = demo_run
    lines = screen.splitlines()
    assert code == 0
    assert len(lines) < 80, screen
    assert re.search(
        r"✓ demo_platforms .*LLM .*samples.*tok/s.*sandbox .*jobs.*checks \d+/\d+", screen
    )
    assert (
        "kodcode summary" in screen
        and "kodcode_solution_trials" in screen
        and "dropped (why)" in screen
    )
    for dataset in ("rl", "sft", "triplets"):
        assert re.search(rf"{dataset}/data/train-00000-of-00001.parquet\s+\d+ rows", screen)
        assert f"{dataset}, first row:" in screen


def test_dagster_events_and_warnings_go_to_the_log_file_not_the_screen(demo_run):
    home, _, screen = demo_run
    log_path = Path(
        re.search(r"Dagster event log \(every event, DEBUG included\): (\S+)", screen).group(1)
    )
    log = log_path.read_text()
    assert log_path.parent == home / "logs"
    for event in (
        "STEP_START",
        "LOADED_INPUT",
        "HANDLED_OUTPUT",
        "ASSET_MATERIALIZATION",
        "PIPELINE_SUCCESS",
    ):
        assert event in log and event not in screen
    assert "DEBUG" in log and "llm:" in log  # the resources' own progress lines
    assert (
        "Warning:" not in screen and " - dagster - " not in screen
    )  # no warnings, no console logger


def test_a_rerun_sends_no_llm_request_and_writes_identical_datasets(demo_run):
    home, _, _ = demo_run
    released = sorted((home / "datasets").rglob("*.parquet"))
    assert released and all(pl.read_parquet(p).height for p in released)
    before = {p: p.read_bytes() for p in released}
    with OpenAIServer(ScriptedKodCode()) as server, environment(demo_env(home, server.base_url)):
        assert demo.main(["kodcode"], console=Console(file=io.StringIO())) == 0
        assert server.stats.snapshot()["requests"] == 0
    assert {p: p.read_bytes() for p in released} == before
