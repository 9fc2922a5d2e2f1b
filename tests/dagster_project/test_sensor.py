"""The seed sensor turns each new or changed seed file into a partition and a run."""

import json
import os
import time

from dagster import AssetMaterialization, DagsterInstance, build_sensor_context, define_asset_job

from assets.common.seeds import FINGERPRINT_KEY, fingerprint
from assets.registry import FAMILIES
from dagster_project.partitions import PARTITIONS, SEED_ASSETS
from dagster_project.sensors import build_seed_sensor, seed_files

PARTS = PARTITIONS["kodcode"]
JOB = define_asset_job("kodcode_job")


def _age(path, seconds=60):
    past = time.time() - seconds
    os.utime(path, (past, past))


def _tick(sensor, instance, cursor=None):
    result = sensor(build_sensor_context(instance=instance, cursor=cursor))
    return result


def test_two_new_files_become_two_partitions_and_two_runs(tmp_path):
    family = tmp_path / "kodcode"
    family.mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        (family / name).write_text('{"mode": "taco", "question": "q"}\n')
        _age(family / name)
    instance = DagsterInstance.ephemeral()
    sensor = build_seed_sensor(FAMILIES["kodcode"], JOB, tmp_path)
    result = _tick(sensor, instance)
    assert sorted(r.partition_key for r in result.run_requests) == ["a.jsonl", "b.jsonl"]
    assert sorted(result.dynamic_partitions_requests[0].partition_keys) == ["a.jsonl", "b.jsonl"]
    instance.add_dynamic_partitions(PARTS.name, ["a.jsonl", "b.jsonl"])

    again = _tick(sensor, instance, cursor=result.cursor)
    assert not getattr(again, "run_requests", None), "an unchanged file is not re-run"

    (family / "b.jsonl").write_text('{"mode": "taco", "question": "changed"}\n')
    _age(family / "b.jsonl")
    changed = _tick(sensor, instance, cursor=result.cursor)
    assert [r.partition_key for r in changed.run_requests] == ["b.jsonl"]
    assert not changed.dynamic_partitions_requests, "an existing partition is not added twice"


def test_files_still_being_written_hidden_or_badly_named_are_not_picked_up(tmp_path):
    (tmp_path / "fresh.jsonl").write_text("{}")
    (tmp_path / ".hidden.jsonl").write_text("{}")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "bad name.jsonl").write_text("{}")
    for p in tmp_path.iterdir():
        if p.name != "fresh.jsonl":
            _age(p)
    ready, skipped = seed_files(tmp_path, min_age_s=2.0)
    assert ready == []
    assert skipped and "bad name.jsonl" in skipped[0]


def test_a_tick_reads_only_files_whose_size_or_mtime_moved(tmp_path, monkeypatch):
    from dagster_project import sensors

    family = tmp_path / "kodcode"
    family.mkdir()
    for name in ("a.jsonl", "b.jsonl"):
        (family / name).write_text('{"mode": "taco", "question": "q"}\n')
        _age(family / name)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(PARTS.name, ["a.jsonl", "b.jsonl"])
    sensor = build_seed_sensor(FAMILIES["kodcode"], JOB, tmp_path)
    first = _tick(sensor, instance)

    read = []
    real = sensors.fingerprint
    monkeypatch.setattr(sensors, "fingerprint", lambda path: read.append(path.name) or real(path))
    _age(family / "b.jsonl", seconds=30)  # touched, content unchanged
    touched = _tick(sensor, instance, cursor=first.cursor)
    assert read == ["b.jsonl"]
    assert not touched.run_requests, "same content, so no new run"
    read.clear()
    _tick(sensor, instance, cursor=touched.cursor)
    assert read == [], "nothing moved since the last tick"


def test_a_cursor_written_before_stats_were_kept_requests_nothing_new(tmp_path):
    family = tmp_path / "kodcode"
    family.mkdir()
    (family / "a.jsonl").write_text('{"mode": "taco", "question": "q"}\n')
    _age(family / "a.jsonl")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(PARTS.name, ["a.jsonl"])
    old_cursor = json.dumps({"a.jsonl": fingerprint(family / "a.jsonl")})
    result = _tick(
        build_seed_sensor(FAMILIES["kodcode"], JOB, tmp_path), instance, cursor=old_cursor
    )
    assert not result.run_requests
    assert json.loads(result.cursor)["a.jsonl"]["fp"] == fingerprint(family / "a.jsonl")


def test_a_fresh_sensor_does_not_rerun_files_already_materialized_with_the_same_content(tmp_path):
    """`make demo` then `make dev`: the daemon's first tick has no cursor, but the demo's
    partitions were materialized from exactly these files, so only an edited file runs."""
    family = tmp_path / "kodcode"
    family.mkdir()
    for name in ("done.jsonl", "edited.jsonl", "new.jsonl"):
        (family / name).write_text(f'{{"mode": "taco", "question": "{name}"}}\n')
        _age(family / name)
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(PARTS.name, ["done.jsonl", "edited.jsonl"])
    for name, content in (("done.jsonl", family / "done.jsonl"), ("edited.jsonl", None)):
        fp = fingerprint(content) if content else "0123456789abcdef"
        instance.report_runless_asset_event(
            AssetMaterialization(
                SEED_ASSETS["kodcode"], partition=name, metadata={FINGERPRINT_KEY: fp}
            )
        )

    result = _tick(build_seed_sensor(FAMILIES["kodcode"], JOB, tmp_path), instance)

    assert sorted(r.partition_key for r in result.run_requests) == ["edited.jsonl", "new.jsonl"]
    assert "done.jsonl" in json.loads(result.cursor), "remembered, so not looked up again"


def test_shipped_demo_files_are_left_to_make_demo_and_the_skip_reason_says_so(tmp_path):
    family = tmp_path / "kodcode"
    family.mkdir()
    for name in ("demo_platforms.jsonl", "mine.jsonl"):
        (family / name).write_text('{"mode": "taco", "question": "q"}\n')
        _age(family / name)
    instance = DagsterInstance.ephemeral()
    sensor = build_seed_sensor(FAMILIES["kodcode"], JOB, tmp_path)
    first = _tick(sensor, instance)
    assert [r.partition_key for r in first.run_requests] == ["mine.jsonl"]
    instance.add_dynamic_partitions(PARTS.name, ["mine.jsonl"])
    second = _tick(sensor, instance, cursor=first.cursor)
    assert not second.run_requests
    reason = second.skip_reason.skip_message
    assert "demo_platforms.jsonl" in reason and "make demo" in reason
