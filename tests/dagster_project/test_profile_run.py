"""bench/profile_run.py: one family's small profile run. The run itself needs a model (minutes
of CPU); what is pinned here is what makes it start right or stop at once."""

from __future__ import annotations

import json

import pytest
from dagster import validate_run_config

from assets.registry import FAMILIES
from bench import profile_run
from dagster_project.definitions import build_definitions


@pytest.mark.parametrize("family", sorted(profile_run.FAMILIES))
def test_each_familys_overrides_are_valid_run_config_for_its_job(family: str):
    spec = profile_run.FAMILIES[family]
    job = build_definitions().resolve_job_def(FAMILIES[family].job_name)
    config = {"ops": {op: {"config": values} for op, values in spec.overrides.items()}}
    validated = validate_run_config(job, config)  # raises on an op or field the job lacks
    for op, values in spec.overrides.items():
        assert validated["ops"][op]["config"].items() >= values.items()


@pytest.mark.parametrize("family", sorted(profile_run.FAMILIES))
def test_the_original_profile_stops_at_once_naming_the_checkout_variable(
    family: str, monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture
):
    monkeypatch.delenv(f"ASSAY_{family.upper()}_SRC", raising=False)
    assert profile_run.main([family, "--home", str(tmp_path)]) == 2
    out, err = capsys.readouterr()
    assert f"set ASSAY_{family.upper()}_SRC" in err
    assert out.startswith(f"{family} · profile original · overrides ")
    assert not (tmp_path / "seeds").exists()  # nothing ran


def test_seed_lines_come_from_the_familys_seeds_in_name_order_or_a_given_file(tmp_path):
    kodcode = profile_run.seed_lines("kodcode", profile_run.FAMILIES["kodcode"], 3, None)
    assert [json.loads(line)["mode"] for line in kodcode] == ["leetcode", "prefill", "algorithm"]
    codeio = profile_run.seed_lines("codeio", profile_run.FAMILIES["codeio"], 3, None)
    first = min((profile_run.REPO / "seeds" / "codeio").glob("*.jsonl"))
    assert codeio[:2] == first.read_text().splitlines()[:2]
    assert len(codeio) == 3
    given = tmp_path / "mine.jsonl"
    given.write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3}\n')
    assert profile_run.seed_lines("codeio", profile_run.FAMILIES["codeio"], 2, given) == [
        '{"a": 1}',
        '{"a": 2}',
    ]
