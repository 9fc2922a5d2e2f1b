"""CodeI/O under the `original` profile, end to end on the scripted model: the original's
wording (read from the checkout), its selection of CodeI/O++ records, and released records
that carry CodeI/O++'s fields."""

from __future__ import annotations

import json
import os
import shutil

import polars as pl
import pytest

from assets.codeio import original_src
from assets.codeio.released import violations
from tests.assets.codeio.scripted import RAW, answer
from tests.fakes.family_run import FamilyRun, family_run
from tests.fakes.openai_server import OpenAIServer

pytestmark = [
    pytest.mark.skipif(
        not os.environ.get(original_src.ENV),
        reason=f"the original profile reads CodeI/O's wording from a checkout: set {original_src.ENV}",
    ),
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed"),
]


def seed_line(source: str) -> str:
    return json.dumps({"path": f"/{source}.py", "content": RAW[source]})


SEEDS = {"o.jsonl": [seed_line(s) for s in ("adder", "sorter", "constant", "broken", "adder")]}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> FamilyRun:
    with OpenAIServer(answer) as server:
        return family_run(
            "codeio",
            SEEDS,
            server.base_url,
            tmp_path_factory.mktemp("codeio-original"),
            profiles={"codeio": "original"},
        )


def test_every_run_and_check_passes(run):
    assert run.partitions["o.jsonl"].success and run.release.success
    assert run.failed_checks("o.jsonl") == [] and run.failed_checks() == []


def test_a_repeated_file_is_kept_as_the_original_keeps_it(run):
    assert run.read("codeio_raw_code", "o.jsonl").height == 5
    assert run.metadata("codeio_raw_code", "o.jsonl")["profile"] == "original"


def test_the_prompts_are_the_originals_filled_as_the_original_fills_them(run):
    prompts = run.read("codeio_prediction_prompts", "o.jsonl")
    pairs = {r["item_id"]: r for r in run.read("codeio_io_pairs", "o.jsonl").iter_rows(named=True)}
    assert prompts.height > 0
    for row in prompts.iter_rows(named=True):
        item = pairs[row["item_id"]]
        expected = original_src.prediction_prompt(
            row["kind"],
            item["problem_statement"],
            item["io_description"],
            item["main_code"],
            json.loads(row["input_json"]),
            json.loads(row["output_json"]),
        )
        assert row["prompt"] == expected
    # The given side is shown as Python shows it (f"{value}"), not as JSON.
    adder = prompts.filter(
        (pl.col("kind") == "output") & pl.col("main_code").str.contains("a + b", literal=True)
    )
    assert all("{'a': " in p for p in adder["prompt"])


def test_only_codeio_pp_records_are_released_and_they_carry_its_fields(run):
    final = run.read("codeio_final", "o.jsonl")
    released = run.read("codeio_release")
    expected = final.filter(pl.col("in_codeio_pp"))
    assert sorted(released["prompt_id"]) == sorted(expected["prompt_id"])
    assert violations(released) == {
        "missing_fields": 0,
        "wrong_types": 0,
        "nulls_in_required_fields": 0,
        "half_revised_records": 0,
    }
    # A revised record's feedback_1 is the whole second user turn, as the original writes it.
    revised = released.filter(pl.col("turn_2").is_not_null())
    suffix = original_src.revision_request("")
    assert revised.height and all(f.endswith(suffix) for f in revised["feedback_1"])


def test_the_sft_export_holds_every_codeio_pp_record(run):
    released = run.read("codeio_release")
    export = run.home / "datasets" / "codeio" / "sft_sharegpt.json"
    rows = json.loads(export.read_text())
    assert len(rows) == released.filter(pl.col("split") == "train").height
