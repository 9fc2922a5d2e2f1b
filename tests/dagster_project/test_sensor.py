"""The seed sensor turns each new or changed seed file into a partition and a run."""

import os
import time

from dagster import DagsterInstance, build_sensor_context, define_asset_job

from dagster_project.partitions import PARTITIONS
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
    sensor = build_seed_sensor("kodcode", JOB, PARTS, tmp_path)
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
