"""Guards on what the RL set's users rely on."""

import json

import polars as pl
from dagster import AssetCheckResult, asset_check

from assets.common.checks import count_check, unique_ids
from assets.common.family import seed_partitions
from assets.execverify.assets import execverify_questions, execverify_rl, execverify_samples

PARTITIONS = seed_partitions("execverify")


@asset_check(
    asset=execverify_samples,
    partitions_def=PARTITIONS,
    description="Ids are unique and every sample has an entry point, arguments and a result.",
)
def execverify_samples_complete(execverify_samples: pl.DataFrame) -> AssetCheckResult:
    missing = sum(
        not (r["func_name"] and r["result"]) for r in execverify_samples.iter_rows(named=True)
    )
    return count_check(
        {"duplicate_ids": unique_ids(execverify_samples, "sample_id"), "missing_fields": missing},
        info={"rows": execverify_samples.height},
    )


@asset_check(
    asset=execverify_questions,
    partitions_def=PARTITIONS,
    description="Every question has at least one answer and the prompt lists every question.",
)
def execverify_questions_answerable(execverify_questions: pl.DataFrame) -> AssetCheckResult:
    unanswered = not_in_prompt = 0
    for r in execverify_questions.iter_rows(named=True):
        for q, answers in json.loads(r["path_qas_json"]) + json.loads(r["state_qas_json"]):
            unanswered += int(not answers)
            not_in_prompt += int(q not in r["prompt"])
    return count_check(
        {"unanswered": unanswered, "not_in_prompt": not_in_prompt},
        info={"rows": execverify_questions.height},
    )


@asset_check(
    asset=execverify_rl,
    partitions_def=PARTITIONS,
    description="Every RL row's ground truth is JSON the reward reads (its type, rules and the call).",
)
def execverify_rl_rows_readable(execverify_rl: pl.DataFrame) -> AssetCheckResult:
    bad = 0
    for r in execverify_rl.iter_rows(named=True):
        try:
            truth = json.loads(r["ground_truth"])
            bad += int(truth.get("type") not in ("io_mixed", "oi") or "func_str" not in truth)
        except ValueError:
            bad += 1
    return count_check(
        {"unreadable_ground_truth": bad, "duplicate_ids": unique_ids(execverify_rl, "row_id")},
        info={"rows": execverify_rl.height},
    )
