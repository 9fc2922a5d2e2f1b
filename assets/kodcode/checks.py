"""Guards on what downstream users rely on, partitioned like their assets.

The checks that re-run the sandbox do not trust a recorded status: RL tests must pass
against their verified solution, and SFT answers labelled correct must pass again.
"""

import polars as pl
from dagster import AssetCheckResult, AssetIn, asset_check

from assets.common.checks import count_check, unique_ids
from assets.common.execute import PytestJob, run_jobs
from assets.common.family import seed_partitions
from assets.kodcode import rl
from assets.kodcode.questions import kodcode_questions
from assets.kodcode.reasoning_sft import kodcode_sft
from assets.kodcode.rl_set import kodcode_rl
from assets.kodcode.style_conversion import kodcode_triplets
from assets.kodcode.trials import kodcode_verified_triplets
from resources.sandbox import SandboxResource

FAMILY_PARTITIONS = seed_partitions("kodcode")
# Checks that re-run a row's code against its triplet's tests.
RERUN = {"partitions_def": FAMILY_PARTITIONS, "additional_ins": {"kodcode_triplets": AssetIn()}}


@asset_check(
    asset=kodcode_questions,
    partitions_def=FAMILY_PARTITIONS,
    description="Question ids are unique and no question is empty.",
)
def kodcode_questions_well_formed(kodcode_questions: pl.DataFrame) -> AssetCheckResult:
    empty = kodcode_questions.filter(pl.col("question").str.strip_chars() == "").height
    return count_check(
        {"empty_questions": empty, "duplicate_ids": unique_ids(kodcode_questions, "question_id")}
    )


@asset_check(
    asset=kodcode_verified_triplets,
    partitions_def=FAMILY_PARTITIONS,
    description="Every triplet's chosen trial passed in the sandbox; ids unique; test_info names a tested function.",
)
def kodcode_triplets_verified(kodcode_verified_triplets: pl.DataFrame) -> AssetCheckResult:
    df = kodcode_verified_triplets
    not_passed = df.filter((pl.col("chosen_status") != "passed") | (pl.col("pass_count") < 1))
    return count_check(
        {"chosen_not_passed": not_passed.height, "duplicate_ids": unique_ids(df, "question_id")},
        info={"without_test_info": df.filter(pl.col("test_info").list.len() == 0).height},
    )


@asset_check(
    asset=kodcode_triplets,
    partitions_def=FAMILY_PARTITIONS,
    description="Ids unique; every complete-style item has its instruct parent; styles are instruct or complete.",
)
def kodcode_triplets_styled(kodcode_triplets: pl.DataFrame) -> AssetCheckResult:
    df = kodcode_triplets
    instruct = df.filter(pl.col("style") == "instruct")["question_id"].to_list()
    orphans = df.filter(
        (pl.col("style") == "complete") & ~pl.col("parent_question_id").is_in(instruct)
    )
    unknown = df.filter(~pl.col("style").is_in(["instruct", "complete"]))
    return count_check(
        {
            "orphan_complete_items": orphans.height,
            "unknown_style": unknown.height,
            "duplicate_ids": unique_ids(df, "question_id"),
        }
    )


def _failing(sandbox: SandboxResource, jobs: list[PytestJob]) -> list[str]:
    """Ids of jobs that did not pass."""
    return [job_id for job_id, r in run_jobs(sandbox, jobs).items() if not r.passed]


@asset_check(
    asset=kodcode_rl,
    **RERUN,
    description="Every RL row's ground-truth tests pass against its verified solution, re-run in the sandbox.",
)
def kodcode_rl_tests_pass(
    sandbox: SandboxResource, kodcode_rl: pl.DataFrame, kodcode_triplets: pl.DataFrame
) -> AssetCheckResult:
    solutions = dict(kodcode_triplets.select("question_id", "solution").iter_rows())
    tests = rl.tests_of(kodcode_rl)
    jobs = [PytestJob(q, solutions[q], t) for q, t in sorted(tests.items()) if q in solutions]
    failed = _failing(sandbox, jobs)
    return count_check(
        {"failing": len(failed), "without_solution": len(set(tests) - set(solutions))},
        info={"rows": kodcode_rl.height, "first_failing": ", ".join(failed[:5])},
    )


@asset_check(
    asset=kodcode_sft,
    **RERUN,
    description="Every SFT row labelled correct passes its question's tests again in the sandbox.",
)
def kodcode_sft_labels_verified(
    sandbox: SandboxResource, kodcode_sft: pl.DataFrame, kodcode_triplets: pl.DataFrame
) -> AssetCheckResult:
    tests = dict(kodcode_triplets.select("question_id", "test_code").iter_rows())
    correct = kodcode_sft.filter(pl.col("correct"))
    jobs = [
        PytestJob(r["sft_id"], r["answer_code"], tests[r["question_id"]])
        for r in correct.iter_rows(named=True)
        if r["answer_code"] and r["question_id"] in tests
    ]
    failed = _failing(sandbox, jobs)
    return count_check(
        {"failing_on_rerun": len(failed), "without_code_or_tests": correct.height - len(jobs)},
        info={"labelled_correct": correct.height, "first_failing": ", ".join(failed[:5])},
    )


CHECKS = [
    kodcode_questions_well_formed,
    kodcode_triplets_verified,
    kodcode_triplets_styled,
    kodcode_rl_tests_pass,
    kodcode_sft_labels_verified,
]
