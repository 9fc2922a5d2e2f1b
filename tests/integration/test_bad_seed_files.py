"""Garbage seed files fail loudly and narrowly: each error names its file (and line), valid
lines of a partly bad file still run, the bad ones land in a readable quarantine report,
the sensor keeps ticking and the other partitions are unaffected."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import polars as pl
import pytest
from dagster import DagsterInstance, build_sensor_context, define_asset_job, materialize

from assets.common import steps
from assets.common.profiles import Profile
from assets.kodcode.questions import kodcode_seed_prompts
from assets.registry import FAMILIES
from dagster_project import sensors
from dagster_project.partitions import PARTITIONS
from dagster_project.sensors import build_seed_sensor
from io_managers import AtomicParquetIOManager
from resources.workspace import Workspace
from tests.fakes.openai_server import OpenAIServer
from tests.integration.harness import (
    LLM_ASSETS,
    metadata_by_asset,
    read_asset,
    run_partition,
    step_failures,
)
from tests.integration.scripted import ScriptedKodCode, seed_line, write_seed_file

PARTS = PARTITIONS["kodcode"]
HUGE_LINE_MIB = 50
HUGE = b"<a 50 MB line>"  # written in chunks by _write_partly_bad, never held whole here

# A partly bad file: line → (content, why it is quarantined or None when it is valid).
PARTLY_BAD: list[tuple[bytes, str | None]] = [
    (json.dumps(seed_line(0)).encode(), None),
    (b'{"mode": "leetcode", "question": ', "invalid JSON"),
    (b'{"mode": "package"}', "needs a non-empty string field 'question'"),
    (b'{"question": "Which mode am I?"}', "missing field: mode"),
    (b'{"mode": "quantum", "question": "Entangle two lists."}', "unknown mode 'quantum'"),
    (b'{"mode": "docs", "doc": 42}', "needs a non-empty string field 'doc'"),
    (
        b'{"mode": "leetcode", "question": "Fine.", "subset": 7}',
        "field 'subset' should be a string",
    ),
    (b"[1, 2, 3]", "expected a JSON object, got list"),
    (b'{"mode": "leetcode", "question": "caf\xe9 au lait"}', "not UTF-8"),
    (HUGE, "the limit is 1,000,000"),
    (json.dumps(seed_line(1)).encode(), None),
]


def _write_partly_bad(path: Path) -> None:
    with path.open("wb") as handle:
        for content, _ in PARTLY_BAD:
            if content is HUGE:
                handle.write(b'{"mode": "leetcode", "question": "')
                for _ in range(HUGE_LINE_MIB):
                    handle.write(b"x" * (1 << 20))
                handle.write(b'"}')
            else:
                handle.write(content)
            handle.write(b"\n")
        handle.write(b"\n")


def _age(path: Path, seconds: float = 60) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    (tmp_path / "seeds" / "kodcode").mkdir(parents=True)
    return tmp_path


def _seed_dir(home: Path) -> Path:
    return home / "seeds" / "kodcode"


def _prompts(home: Path, instance: DagsterInstance, key: str):
    """Materialize the first KodCode asset (the one that reads the seed file) for one partition."""
    if key not in instance.get_dynamic_partitions(PARTS.name):
        instance.add_dynamic_partitions(PARTS.name, [key])
    return materialize(
        [kodcode_seed_prompts],
        partition_key=key,
        instance=instance,
        raise_on_error=False,
        resources={
            "io_manager": AtomicParquetIOManager(base_dir=str(home / "storage")),
            "workspace": Workspace(seed_dir=str(home / "seeds"), home=str(home)),
            "kodcode_profile": Profile(),
        },
    )


def test_a_partly_bad_file_runs_its_valid_lines_and_quarantines_each_bad_one_with_file_line_and_reason(
    home,
):
    path = _seed_dir(home) / "mixed.jsonl"
    _write_partly_bad(path)

    result = _prompts(home, DagsterInstance.ephemeral(), "mixed.jsonl")

    assert result.success
    prompts = read_asset(home, "kodcode_seed_prompts", "mixed.jsonl")
    assert prompts["seed_line"].to_list() == [1, len(PARTLY_BAD)], (
        "the valid first and last lines run"
    )
    meta = metadata_by_asset(result)["kodcode_seed_prompts"]
    bad_count = sum(1 for _, why in PARTLY_BAD if why)
    assert (meta["seed/lines_read"], meta["seed/lines_valid"], meta["seed/lines_quarantined"]) == (
        len(PARTLY_BAD),
        2,
        bad_count,
    )
    assert (
        meta["dropped/quarantined"] == bad_count
        and meta["rows_in"] == meta["rows_out"] + meta["rows_dropped"]
    )

    report = Path(meta["seed/quarantine_report"])
    assert report == home / "quarantine" / "kodcode" / "mixed.jsonl.quarantine.jsonl"
    records = [json.loads(line) for line in report.read_text().splitlines()]
    expected = [(number, why) for number, (_, why) in enumerate(PARTLY_BAD, start=1) if why]
    assert [r["line"] for r in records] == [number for number, _ in expected]
    for record, (number, why) in zip(records, expected):
        assert record["file"] == str(path)
        assert why in record["reason"], f"line {number}: {record['reason']!r} does not say {why!r}"
        assert len(record["excerpt"]) <= 120, "the report quotes an excerpt, not the whole line"
    assert report.stat().st_size < 10_000, "a 50 MB line does not make a 50 MB report"


def test_unusable_files_fail_only_their_own_partition_naming_the_file_and_the_sensor_keeps_going(
    home,
):
    seeds = _seed_dir(home)
    write_seed_file(seeds / "good.jsonl", 3)
    _write_partly_bad(seeds / "mixed.jsonl")
    (seeds / "empty.jsonl").write_bytes(b"")
    (seeds / "blank.jsonl").write_bytes(b"\n   \n\n")
    (seeds / "binary.jsonl").write_bytes(bytes(range(256)) * 64)
    (seeds / "all_bad.jsonl").write_bytes(b'{"mode": "package"}\nnot json at all\n')
    (seeds / "array.json").write_bytes(b'[{"mode": "leetcode", "question": "unclosed"')
    (seeds / "gone.jsonl").write_text(json.dumps(seed_line(5)) + "\n")
    (seeds / "bad name.jsonl").write_text(json.dumps(seed_line(6)) + "\n")
    for path in seeds.iterdir():
        _age(path)
    instance = DagsterInstance.ephemeral()
    sensor = build_seed_sensor(FAMILIES["kodcode"], define_asset_job("kodcode_job"), home / "seeds")

    tick = sensor(build_sensor_context(instance=instance))

    requested = sorted(r.partition_key for r in tick.run_requests)
    assert requested == [
        "all_bad.jsonl",
        "array.json",
        "binary.jsonl",
        "blank.jsonl",
        "empty.jsonl",
        "gone.jsonl",
        "good.jsonl",
        "mixed.jsonl",
    ], "every readable, well-named file becomes a run; content is the run's business"
    instance.add_dynamic_partitions(PARTS.name, requested)
    (seeds / "gone.jsonl").unlink()  # removed after the sensor saw it, before its run reads it

    outcomes = {key: _prompts(home, instance, key) for key in requested}

    expected_errors = {
        "empty.jsonl": "seed file is empty",
        "blank.jsonl": "seed file is empty",
        "binary.jsonl": "looks binary",
        "all_bad.jsonl": "no valid seed line (2 bad; line 1: mode 'package' needs a non-empty string field 'question'; line 2: invalid JSON",
        "array.json": "not a valid JSON array",
        "gone.jsonl": "seed file not found (was it removed or renamed?)",
    }
    for key, phrase in expected_errors.items():
        failures = step_failures(outcomes[key])
        assert list(failures) == ["kodcode_seed_prompts"], key
        message = failures["kodcode_seed_prompts"]
        assert str(seeds / key) in message and phrase in message, f"{key}: {message}"
        assert not (home / "storage" / "kodcode_seed_prompts" / f"{key}.parquet").exists(), (
            "a failed partition stores nothing"
        )
    assert outcomes["good.jsonl"].success and outcomes["mixed.jsonl"].success
    assert read_asset(home, "kodcode_seed_prompts", "good.jsonl").height == 3, (
        "the good partition is untouched by the bad ones"
    )

    later = sensor(build_sensor_context(instance=instance, cursor=tick.cursor))
    assert not getattr(later, "run_requests", None), (
        "the next tick re-requests nothing and does not choke on the removed file"
    )
    write_seed_file(seeds / "new.jsonl", 2)
    _age(seeds / "new.jsonl")
    newest = sensor(build_sensor_context(instance=instance, cursor=tick.cursor))
    assert [r.partition_key for r in newest.run_requests] == ["new.jsonl"], (
        "and still picks up new files"
    )


def test_a_file_removed_mid_listing_is_skipped_by_the_sensor_and_the_rest_are_requested(
    home, monkeypatch
):
    seeds = _seed_dir(home)
    for name in ("a.jsonl", "b.jsonl", "c.jsonl"):
        write_seed_file(seeds / name, 1)
        _age(seeds / name)
    real = sensors.fingerprint

    def vanishing(path: Path) -> str:
        if path.name == "b.jsonl":
            path.unlink()  # deleted between the directory listing and reading its content
        return real(path)

    monkeypatch.setattr(sensors, "fingerprint", vanishing)
    sensor = build_seed_sensor(FAMILIES["kodcode"], define_asset_job("kodcode_job"), home / "seeds")
    tick = sensor(build_sensor_context(instance=DagsterInstance.ephemeral()))
    assert sorted(r.partition_key for r in tick.run_requests) == ["a.jsonl", "c.jsonl"]
    assert sorted(tick.dynamic_partitions_requests[0].partition_keys) == ["a.jsonl", "c.jsonl"]


def test_a_file_removed_while_its_run_reads_it_gives_that_run_a_whole_snapshot_and_the_next_a_clear_error(
    home, monkeypatch
):
    path = _seed_dir(home) / "vanishing.jsonl"
    write_seed_file(path, 4)
    real = steps.read_seed_file

    def read_then_remove(seed_path: Path, validate):
        def validate_and_remove(row: dict):
            if seed_path.exists():
                seed_path.unlink()  # gone while its lines are being parsed
            return validate(row)

        return real(seed_path, validate_and_remove)

    monkeypatch.setattr(steps, "read_seed_file", read_then_remove)
    instance = DagsterInstance.ephemeral()

    during = _prompts(home, instance, "vanishing.jsonl")
    after = _prompts(home, instance, "vanishing.jsonl")

    assert not path.exists()
    assert during.success and read_asset(home, "kodcode_seed_prompts", "vanishing.jsonl")[
        "seed_line"
    ].to_list() == [1, 2, 3, 4]
    message = step_failures(after)["kodcode_seed_prompts"]
    assert str(path) in message and "seed file not found (was it removed or renamed?)" in message


@pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)
def test_the_same_file_under_two_names_runs_twice_but_pays_the_model_once(home):
    write_seed_file(_seed_dir(home) / "original.jsonl", 3)
    shutil.copy(_seed_dir(home) / "original.jsonl", _seed_dir(home) / "copy.jsonl")
    instance = DagsterInstance.ephemeral()
    with OpenAIServer(ScriptedKodCode()) as server:
        first = run_partition(home, server.base_url, "original.jsonl", instance=instance)
        paid = server.stats.snapshot()["requests"]
        second = run_partition(home, server.base_url, "copy.jsonl", instance=instance)
        assert server.stats.snapshot()["requests"] == paid, (
            "the copy's prompts are all answered from the cache"
        )

    assert first.success and second.success
    meta = metadata_by_asset(second)
    assert all(
        meta[a]["llm/cache_hits"] == meta[a]["llm/samples"] and meta[a]["llm/sent"] == 0
        for a in LLM_ASSETS
    )
    originals, copies = (
        read_asset(home, "kodcode_verified_triplets", k) for k in ("original.jsonl", "copy.jsonl")
    )
    assert sorted(originals["question"]) == sorted(copies["question"]), (
        "same content, same questions"
    )
    assert set(originals["question_id"]).isdisjoint(copies["question_id"]), (
        "ids carry the file they came from"
    )
    assert pl.concat([originals, copies])["question_id"].n_unique() == 6
