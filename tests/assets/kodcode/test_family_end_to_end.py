"""KodCode end to end: two seed files through retries, complete style, SFT, RL and the releases.

A scripted model on loopback answers every prompt; the real bubblewrap sandbox
runs every trial, re-verification, cross-verification and check.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from importlib.metadata import version
from pathlib import Path

import polars as pl
import pytest

from assets.kodcode import original, release_checks
from assets.kodcode import release_schema as shape
from tests.assets.kodcode.scripted_family import SEEDS, Stage3Model
from tests.fakes.family_run import family_run
from tests.fakes.openai_server import OpenAIServer

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)

RELEASE_CHECKS = release_checks.RELEASE_CHECKS
RUN_CONFIG = {"ops": {"kodcode_sft_responses": {"config": {"n_samples": 2, "max_tokens": 512}}}}


def run_family(
    home: Path,
    server: OpenAIServer,
    cache: Path,
    order: list[str],
    seeds: dict = SEEDS,
    checks: bool = True,
) -> dict:
    """Materialize every partition in `order` (with the partitioned checks unless `checks` is False), then the
    releases and their checks; return materialization metadata by (asset, partition)."""
    run = family_run(
        "kodcode",
        seeds,
        server.base_url,
        home,
        order=order,
        run_config=RUN_CONFIG,
        checks=checks,
        cache=cache,
    )
    meta: dict = {}
    for key, result in [*run.partitions.items(), (None, run.release)]:
        assert result is not None and result.success
        assert not run.failed_checks(key), f"checks failed on {key}: {run.failed_checks(key)}"
        for event in result.get_asset_materialization_events():
            meta[(event.materialization.asset_key.to_user_string(), key)] = (
                event.materialization.metadata
            )
    assert len(run.release.get_asset_check_evaluations()) == len(RELEASE_CHECKS)
    return meta


def read(home: Path, asset: str, key: str | None = None) -> pl.DataFrame:
    """A partition's stored frame, or the unpartitioned asset's."""
    return pl.read_parquet(
        home / "storage" / asset / f"{key}.parquet"
        if key
        else home / "storage" / f"{asset}.parquet"
    )


def tree_digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def family(tmp_path_factory):
    """The family run twice on one scripted server: partitions a then b, and b then a (answers from one cache)."""
    root = tmp_path_factory.mktemp("kodcode")
    model = Stage3Model()
    with OpenAIServer(model) as server:
        cache = root / "cache.sqlite"
        first = run_family(root / "ab", server, cache, ["a.jsonl", "b.jsonl"])
        sent_after_first = server.stats.snapshot()["requests"]
        second = run_family(root / "ba", server, cache, ["b.jsonl", "a.jsonl"], checks=False)
        yield {
            "root": root,
            "ab": root / "ab",
            "ba": root / "ba",
            "meta": first,
            "meta_ba": second,
            "sent_after_first": sent_after_first,
            "sent": server.stats.snapshot()["requests"],
        }


def test_a_question_no_first_trial_passed_is_rescued_by_retries_up_to_the_cap(family):
    retries = read(family["ab"], "kodcode_retry_trials", "a.jsonl")
    assert sorted(retries["trial_index"].to_list()) == [3, 4, 5], (
        "three more trials: the cap of six counts the first three"
    )
    assert set(retries["status"]) == {"passed"}
    triplets = read(family["ab"], "kodcode_instruct_triplets", "a.jsonl")
    prime = triplets.filter(pl.col("question").str.contains("nth_prime")).row(0, named=True)
    assert prime["pass_sequence"] == [False, False, False, True, True, True]
    assert (
        prime["trials"] == 6
        and prime["difficulty"] == "medium"
        and json.loads(prime["metadata"])["retried"] is True
    )
    meta = family["meta"][("kodcode_instruct_triplets", "a.jsonl")]
    assert meta["rescued_by_retry"].value == 1
    assert (
        family["meta"][("kodcode_retry_trials", "a.jsonl")]["first_trials_regenerated"].value == 0
    ), "the first trials came from the cache"


def test_complete_style_leaks_are_dropped_and_survivors_are_reverified(family):
    conversions = pl.concat([read(family["ab"], "kodcode_style_conversions", k) for k in SEEDS])
    by_parent = dict(
        zip(conversions["parent_question_id"].to_list(), conversions.iter_rows(named=True))
    )
    instruct = pl.concat([read(family["ab"], "kodcode_instruct_triplets", k) for k in SEEDS])
    assert set(by_parent) == set(instruct["question_id"]), "one conversion per instruct triplet"
    reason_of = {
        q: by_parent[i]["drop_reason"]
        for i, q in zip(instruct["question_id"], instruct["question"])
    }
    leaked = next(r for q, r in reason_of.items() if "add_numbers" in q)
    renamed = next(r for q, r in reason_of.items() if "reverse_words" in q)
    assert leaked == "leaks_solution_body"
    assert renamed == "reverify_failed", (
        "the stub renamed a parameter, so the solution no longer fits its signature"
    )
    kept = conversions.filter(pl.col("drop_reason").is_null())
    assert set(kept["reverify_status"]) == {"passed"}
    triplets = read(family["ab"], "kodcode_triplets", "a.jsonl")
    assert triplets.filter(pl.col("style") == "complete")["question"].str.starts_with("def ").all()
    meta = family["meta"][("kodcode_triplets", "a.jsonl")]
    assert meta["dropped/leaks_solution_body"].value == 1
    assert meta["complete_survival_share"].value == pytest.approx(2 / 3)


def test_reasoning_answers_with_two_misnamed_functions_are_repaired_and_labelled_correct(family):
    sft = read(family["ab"], "kodcode_sft", "a.jsonl")
    arith = sft.filter(pl.col("answer_code").str.contains("add_numbers"))
    assert arith.height >= 2 and arith["correct"].all()
    assert json.loads(arith["renamed_json"][0]) == {
        "add": "add_numbers",
        "multiply": "multiply_numbers",
    }
    assert arith["response"][0].startswith("<think>"), (
        "the full response, reasoning included, is kept"
    )
    wrong = read(family["ab"], "kodcode_sft", "b.jsonl").filter(
        pl.col("answer_code").str.contains("reverse_words")
    )
    assert wrong.height and not wrong["correct"].any()
    row = arith.row(0, named=True)
    assert [t["from"] for t in row["conversations"]] == ["human", "gpt"]
    assert [m["role"] for m in row["messages"]] == ["user", "assistant"]
    assert row["conversations"][1]["value"] == row["messages"][1]["content"] == row["response"]


def test_rl_rows_follow_verls_shape_with_tests_as_ground_truth(family):
    rl = read(family["ab"], "kodcode_rl", "a.jsonl")
    triplets = read(family["ab"], "kodcode_triplets", "a.jsonl")
    assert rl.height == triplets.height
    row = rl.row(0, named=True)
    assert row["ability"] == "code" and row["reward_model"]["style"] == "rule"
    truth = json.loads(row["reward_model"]["ground_truth"])
    assert "def test_" in truth["test_code"] and truth["test_info"]
    assert (
        row["prompt"][0]["role"] == "user" and "markdown code block" in row["prompt"][0]["content"]
    )


def test_release_dedups_across_partitions_decontaminates_and_loads_with_datasets(family):
    import datasets

    selection = read(family["ab"], "kodcode_release_selection")
    decisions = dict(zip(selection["question_id"], selection["decision"]))
    triplets = pl.concat([read(family["ab"], "kodcode_triplets", k) for k in SEEDS])
    vowels = triplets.filter(pl.col("style") == "instruct").filter(
        pl.col("question").str.contains("count_vowels")
    )
    assert sorted(decisions[q] for q in vowels["question_id"]) == ["near_duplicate", "train"], (
        "one canonical member kept"
    )
    close = selection.filter(pl.col("benchmark_task_id") == "HumanEval/0")
    assert close.height == 2 and set(close["decision"]) == {"use_with_caution"}, (
        "the item and its complete-style child"
    )
    assert close["benchmark_similarity"].max() >= 0.5

    out = family["ab"] / "datasets" / "kodcode"
    loaded = datasets.load_dataset(
        "parquet", data_dir=str(out / "triplets"), cache_dir=str(family["root"] / "hf")
    )
    assert set(loaded) == {"train", "use_with_caution"}
    assert loaded["use_with_caution"].num_rows == close.height
    assert set(loaded["train"]["style"]) == {"instruct", "complete"}
    card = (out / "triplets" / "README.md").read_text()
    assert "## Counts by gpt_difficulty" in card and "use_with_caution" in card
    assert (
        pl.read_parquet(out / "triplets" / "data" / "*.parquet").height
        == loaded["train"].num_rows + close.height
    )

    sft = datasets.load_dataset(
        "parquet", data_dir=str(out / "sft"), cache_dir=str(family["root"] / "hf")
    )["train"]
    sharegpt = json.loads((out / "sft" / "sft_sharegpt.json").read_text())
    assert len(sharegpt) == sft.num_rows > 0
    assert set(sft["r1_correctness"]) == {"True"}, "the train split holds the correct questions"
    info = json.loads((out / "sft" / "dataset_info.json").read_text())
    assert info["kodcode_sft"]["formatting"] == "sharegpt"

    rl = pl.read_parquet(out / "rl" / "data" / "*.parquet")
    assert rl.columns == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    assert rl["extra_info"].struct.field("index").to_list() == list(range(rl.height))
    assert set(rl["extra_info"].struct.field("question_id")) <= set(
        selection.filter(pl.col("decision") == "train")["question_id"]
    )


def test_release_is_byte_identical_whichever_partition_ran_first(family):
    assert family["sent"] == family["sent_after_first"], "the second order paid for no request"
    ab = tree_digest(family["ab"] / "datasets" / "kodcode")
    ba = tree_digest(family["ba"] / "datasets" / "kodcode")
    assert ab and ab == ba


def test_every_drop_is_counted_in_metadata(family):
    meta = family["meta"]
    sel = meta[("kodcode_release_selection", None)]
    assert sel["decision/near_duplicate"].value == 2, (
        "the duplicate instruct item and its complete-style child"
    )
    dataset = meta[("kodcode_dataset", None)]
    assert (
        dataset["rows_in"].value
        == dataset["rows_out"].value + dataset["dropped/near_duplicate"].value
    )


def test_a_partition_with_no_verified_question_flows_through_every_asset_to_an_empty_release(
    tmp_path,
):
    seeds = {"c.jsonl": [{"mode": "taco", "question": "The n-th prime number."}]}
    with OpenAIServer(Stage3Model(first_failures=10**6)) as server:
        meta = run_family(tmp_path, server, tmp_path / "cache.sqlite", ["c.jsonl"], seeds=seeds)
    assert meta[("kodcode_retry_trials", "c.jsonl")]["hard_questions"].value == 1
    assert (
        meta[("kodcode_instruct_triplets", "c.jsonl")][
            "dropped/no_passing_trial_after_retries"
        ].value
        == 1
    )
    for asset in ("kodcode_triplets", "kodcode_sft", "kodcode_rl"):
        assert read(tmp_path, asset, "c.jsonl").height == 0
    triplets = pl.read_parquet(
        tmp_path / "datasets" / "kodcode" / "triplets" / "data" / "*.parquet"
    )
    assert triplets.height == 0 and "question" in triplets.columns
    rl = pl.read_parquet(tmp_path / "datasets" / "kodcode" / "rl" / "data" / "*.parquet")
    assert rl.columns == ["data_source", "prompt", "ability", "reward_model", "extra_info"]


def test_released_triplets_are_kodcode_v1_records_with_every_trial(family):
    out = family["ab"] / "datasets" / "kodcode"
    triplets = pl.read_parquet(out / "triplets" / "data" / "*.parquet")
    assert shape.field_problems(triplets, shape.KODCODE_V1_FIELDS) == []
    assert triplets.columns[: len(shape.KODCODE_V1_FIELDS)] == list(shape.KODCODE_V1_FIELDS)
    prime = triplets.filter(
        (pl.col("style") == "instruct") & pl.col("question").str.contains("nth_prime")
    ).row(0, named=True)
    assert prime["gpt_pass_sequence"] == [0, 0, 0, 1, 1, 1]
    assert (prime["gpt_pass_trial_num"], prime["gpt_difficulty"]) == (3, "medium")
    assert prime["gpt_pass_percentage"] == 0.5
    recorded = {k: v for k, v in prime["trials"].items() if v is not None}
    assert len(recorded) == 6, "the three first trials and the three retries"
    assert [v["test_result"] for v in recorded.values()] == ["Fail"] * 3 + ["Pass"] * 3
    assert (
        prime["chosen_trial"] in recorded
        and recorded[prime["chosen_trial"]]["test_result"] == "Pass"
    )
    assert prime["metadata"]["original_instruction"] == "" and prime["metadata"]["prompt_id"]
    complete = triplets.filter(
        (pl.col("parent_question_id") == prime["question_id"]) & (pl.col("style") == "complete")
    )
    assert complete.height == 1
    for row in complete.iter_rows(named=True):
        assert row["metadata"]["original_instruction"] == prime["question"]
        assert row["trials"] == prime["trials"], "a complete item carries its parent's trials"
    caution = triplets.filter(pl.col("filter_reason").is_not_null())
    assert caution.height == 2 and set(caution["benchmark_task_id"]) == {"HumanEval/0"}
    assert all("def has_close_elements" in t for t in caution["benchmark_instruction"])


def test_released_rows_name_the_assay_release_as_version_and_the_profile_apart(family):
    """KodCode-V1's `version` names the dataset release a row came in; ours is assay's
    release (`assay-<package version>`), and the profile has a column of its own."""
    out = family["ab"] / "datasets" / "kodcode"
    for split in ("triplets", "sft"):
        rows = pl.read_parquet(out / split / "data" / "*.parquet")
        assert set(rows["version"]) == {f"assay-{version('assay')}"}, split
        assert re.fullmatch(r"assay-\d+\.\d+\.\d+\S*", rows["version"][0])
        assert set(rows["assay_profile"]) == {"assay"}, split


def test_released_sft_is_one_kodcode_v1_sft_r1_row_per_question(family):
    out = family["ab"] / "datasets" / "kodcode" / "sft"
    sft = pl.read_parquet(out / "data" / "*.parquet")
    assert shape.field_problems(sft, shape.KODCODE_SFT_R1_FIELDS) == []
    assert sft["question_id"].n_unique() == sft.height
    assert set(sft["r1_correctness"]) <= {"True", "False"}
    for row in sft.iter_rows(named=True):
        assert row["r1_pass_trial_num"] == sum(row["r1_pass_sequence"])
        assert (row["r1_correctness"] == "True") == (row["r1_pass_trial_num"] > 0)
        assert [t["from"] for t in row["conversations"]][-1] == "gpt"


@pytest.mark.skipif(
    not original.CHECKOUT.available(),
    reason="set ASSAY_KODCODE_SRC to a checkout of KodCode-AI/kodcode for the original's wording",
)
def test_the_original_profile_drops_every_near_duplicate_and_labels_as_kodcode(tmp_path):
    config = {"ops": {"kodcode_release_selection": {"config": {"dedup_method": "minhash"}}}}
    with OpenAIServer(Stage3Model()) as server:
        run = family_run(
            "kodcode",
            SEEDS,
            server.base_url,
            tmp_path,
            run_config=RUN_CONFIG,
            checks=False,
            release_config=config,
            profiles={"kodcode": "original"},
        )
    assert run.release.success and not run.failed_checks()
    selection = run.read("kodcode_release_selection")
    vowels = selection.filter(pl.col("style") == "instruct").join(
        run.read("kodcode_dataset").select(pl.col("assay_question_id").alias("question_id")),
        on="question_id",
        how="anti",
    )
    assert vowels.height == 2 and set(vowels["decision"]) == {"near_duplicate"}, (
        "both members of the near-duplicate pair go"
    )
    out = tmp_path / "datasets" / "kodcode"
    triplets = pl.read_parquet(out / "triplets" / "data" / "*.parquet")
    assert shape.field_problems(triplets, shape.KODCODE_V1_FIELDS) == []
    assert set(triplets["style"]) == {"instruct"}, "step3.2 labels complete items instruct too"
    assert set(triplets["subset"]) <= set(shape.SUBSET_NAMES.values())
    assert set(triplets["version"]) == {f"assay-{version('assay')}"}
    assert set(triplets["assay_profile"]) == {"original"}
    assert all(re.fullmatch(r"[A-Z][A-Za-z_]+_[0-9a-f]+_[IC]", q) for q in triplets["question_id"])
    sft = pl.read_parquet(out / "sft" / "data" / "*.parquet")
    assert shape.field_problems(sft, shape.KODCODE_SFT_R1_FIELDS) == []
    for row in sft.iter_rows(named=True):
        assert row["conversations"][0] == {"from": "human", "value": row["question"]}
