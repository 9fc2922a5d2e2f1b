"""CodeI/O end to end: two seed files, a scripted model on loopback, the real sandbox, then the release."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest

from assets.codeio.pairs import pairs_from_rows
from bench.reference.codeio import cross_check, mutation_probe_job, reference_job, summary
from resources.sandbox import Sandbox
from tests.assets.codeio.scripted import RAW, answer, refuse_revisions
from tests.fakes.family_run import FamilyRun, family_run
from tests.fakes.openai_server import OpenAIServer

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)


def seed_line(source: str) -> str:
    return json.dumps(
        {
            "blob_id": f"blob-{source}",
            "repo_name": "demo/repo",
            "path": f"/{source}.py",
            "content": RAW[source],
        }
    )


SEEDS = {
    "a.jsonl": [
        seed_line("adder"),
        seed_line("dice"),
        seed_line("broken"),
        '{"content": 12}',
        "not json",
        json.dumps({"path": "/huge.py", "content": "x = 1\n" * 2000}),
        seed_line("adder"),
    ],
    "b.jsonl": [seed_line("sorter"), seed_line("constant"), seed_line("adder"), seed_line("clock")],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> FamilyRun:
    """Both partitions, then the release, once for the module (the sandbox and fake model are shared)."""
    with OpenAIServer(answer) as server:
        return family_run("codeio", SEEDS, server.base_url, tmp_path_factory.mktemp("codeio"))


def read(run: FamilyRun, asset: str, key: str) -> pl.DataFrame:
    return run.read(asset, key)


def metadata(run: FamilyRun, key: str | None, asset: str) -> dict:
    return run.metadata(asset, key)


def test_both_partitions_and_the_release_succeed_with_passing_checks(run):
    assert all(r.success for r in run.partitions.values()) and run.release.success
    for result in run.partitions.values():
        evaluations = result.get_asset_check_evaluations()
        assert len(evaluations) == 2 and all(e.passed for e in evaluations)


def test_bad_lines_are_quarantined_and_oversize_or_repeated_files_dropped(run):
    assert read(run, "codeio_raw_code", "a.jsonl").height == 3
    report = run.home / "quarantine" / "codeio" / "a.jsonl.quarantine.jsonl"
    assert [json.loads(line)["line"] for line in report.read_text().splitlines()] == [4, 5]
    meta = metadata(run, "a.jsonl", "codeio_raw_code")
    assert meta["rows_in"] == 7 and meta["dropped/quarantined"] == 2
    assert meta["dropped/too_long"] == 1 and meta["dropped/duplicate_content"] == 1


def test_unified_code_drops_an_answer_without_input_generator(run):
    meta = metadata(run, "a.jsonl", "codeio_unified")
    assert (
        meta["rows_in"] == 3 and meta["rows_out"] == 2 and meta["dropped/no_input_generator"] == 1
    )


def test_io_pairs_keep_deterministic_items_with_ten_verified_pairs(run):
    a, b = read(run, "codeio_io_pairs", "a.jsonl"), read(run, "codeio_io_pairs", "b.jsonl")
    assert metadata(run, "a.jsonl", "codeio_io_pairs")["dropped/nondeterministic"] == 1
    assert metadata(run, "b.jsonl", "codeio_io_pairs")["dropped/reads_clock"] == 1
    assert metadata(run, "b.jsonl", "codeio_io_pairs")["dropped/too_few_pairs"] == 1
    assert a.height == 1 and b.height == 2
    for row in pl.concat([a, b]).iter_rows(named=True):
        pairs = pairs_from_rows(row["ios"])
        assert row["n_pairs"] == len(pairs) == 10
        for pair in pairs:
            expected = (
                sum(pair["input"].values())
                if "a" in pair["input"]
                else sorted(pair["input"]["nums"])
            )
            assert pair["output"] == expected


def test_the_same_source_in_two_files_draws_different_seeded_pairs(run):
    a = read(run, "codeio_io_pairs", "a.jsonl")
    b = read(run, "codeio_io_pairs", "b.jsonl").filter(pl.col("content_sha") == a["content_sha"][0])
    assert b.height == 1 and a["search_seed"][0] != b["search_seed"][0]


def test_three_pairs_give_one_output_and_one_input_prompt_each(run):
    prompts = read(run, "codeio_prediction_prompts", "b.jsonl")
    assert prompts.height == 2 * 3 * 2
    assert sorted(prompts.group_by("kind").len().rows()) == [("input", 6), ("output", 6)]
    first = prompts.row(0, named=True)
    assert (
        "Tip: here is reference code" in first["prompt"]
        and '{"' + first["kind"] + '": <your ' in first["prompt"]
    )


def test_turn_one_statuses_follow_the_scripted_mistakes(run):
    preds = pl.concat([read(run, "codeio_predictions", k) for k in SEEDS])
    for row in preds.iter_rows(named=True):
        given_in, given_out = json.loads(row["input_json"]), json.loads(row["output_json"])
        if "nums" in given_in:
            assert row["status_1"] == ("success" if row["kind"] == "output" else "no_answer")
        elif row["kind"] == "output":
            assert row["status_1"] == ("success" if given_out % 2 == 0 else "failed")
            if given_out % 2:
                assert row["feedback_1"].startswith("[Wrong output] Given the input")
        else:
            assert row["status_1"] == ("exception" if given_out % 3 == 0 else "success")
            if given_out % 3 == 0:
                assert row["exception_type_1"] == "TypeError"


def test_revisions_fix_what_they_can_and_a_failed_revision_keeps_turn_one(run):
    final = pl.concat([read(run, "codeio_final", k) for k in SEEDS])
    preds = pl.concat([read(run, "codeio_predictions", k) for k in SEEDS])
    assert final.height == preds.height, "every prompt has a final record"
    revised = final.filter(pl.col("turns") == 2)
    assert revised.height > 0 and revised["verified"].all()
    assert (revised["feedback_2"] == "[Correct] Your answer is correct.").all()
    refused = final.filter(pl.col("revision_error").is_not_null())
    assert (
        refused.height == 3
        and (refused["final_status"] == "no_answer").all()
        and (refused["turns"] == 1).all()
    )
    for row in revised.iter_rows(named=True):
        roles = [m["role"] for m in row["messages"]]
        assert roles == ["user", "assistant", "user", "assistant"]
        assert row["messages"][2]["content"].startswith(row["feedback_1"])
    assert (
        final.filter(pl.col("status_1") == "success")["turns"].to_list()
        == [1] * final.filter(pl.col("status_1") == "success").height
    )


def test_the_release_keeps_one_copy_per_program_and_exports_records_and_sft(run):
    meta = metadata(run, None, "codeio_release")
    assert meta["rows_in"] == 18 and meta["dropped/near_duplicate"] == 6
    out = run.home / "datasets" / "codeio"
    train = pl.read_parquet(out / "data")
    assert train.height == 12 and set(train["partition"]) == {"a.jsonl", "b.jsonl"}
    assert {"prompt", "turn_1", "feedback_1", "turn_2", "feedback_2"} <= set(train.columns)
    assert meta["split/train"] == 12 and meta["decontam/benchmarks"] == "humaneval"
    sft = json.loads((out / "sft_sharegpt.json").read_text())
    assert len(sft) == train.filter(pl.col("verified")).height
    assert all(c["conversations"][-1]["from"] == "gpt" for c in sft)
    assert "CodeI/O++" in (out / "README.md").read_text()


def test_released_items_in_codeio_shape_pass_our_own_reference_cross_check(run):
    parsed_file = run.home / "datasets" / "codeio" / "codeio_parsed.jsonl"
    records = [json.loads(line) for line in parsed_file.read_text().splitlines()]
    assert len(records) == 2 and {r["meta"]["partition"] for r in records} == {"a.jsonl", "b.jsonl"}
    assert set(records[0]) == {
        "problem_description",
        "io_requirements",
        "refcode",
        "funcname",
        "ios",
        "category",
        "meta",
    }
    with Sandbox(backend="bwrap", workers=2, timeout_s=10.0) as sandbox:
        jobs = [reference_job(i, r) for i, r in enumerate(records)]
        first, second = sandbox.run(jobs), sandbox.run(jobs)
        probes = sandbox.run([mutation_probe_job(i, r) for i, r in enumerate(records)])
    assert summary(cross_check(records, first, second, probes))["agree_share"] == 1.0


def test_a_failed_revision_batch_never_loses_an_item_and_one_partition_releases(tmp_path):
    with OpenAIServer(refuse_revisions) as server:
        one = family_run(
            "codeio",
            {"b.jsonl": SEEDS["b.jsonl"]},
            server.base_url,
            tmp_path,
            llm={"failure_threshold": 0.5},
        )
    assert one.partitions["b.jsonl"].success and one.release.success
    final = pl.read_parquet(tmp_path / "storage" / "codeio_final" / "b.jsonl.parquet")
    assert final.height == 12 and (final["turns"] <= 1).all()
    assert final.filter(pl.col("status_1") != "success")["revision_error"].is_not_null().all()
    train = pl.read_parquet(tmp_path / "datasets" / "codeio" / "data")
    assert train.height == 12 and set(train["partition"]) == {"b.jsonl"}
