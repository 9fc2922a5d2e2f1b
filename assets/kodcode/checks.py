"""Guards on what downstream users rely on, partitioned like their assets."""

from __future__ import annotations

import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from assets.common.checks import unique_ids
from assets.common.family import seed_partitions
from assets.kodcode.assets import kodcode_questions, kodcode_verified_triplets

FAMILY_PARTITIONS = seed_partitions("kodcode")


@asset_check(asset=kodcode_questions, partitions_def=FAMILY_PARTITIONS, description="Question ids are unique and no question is empty.")
def kodcode_questions_well_formed(kodcode_questions: pl.DataFrame) -> AssetCheckResult:
    empty = kodcode_questions.filter(pl.col("question").str.strip_chars() == "").height
    dupes = unique_ids(kodcode_questions, "question_id")
    return AssetCheckResult(
        passed=empty == 0 and dupes == 0,
        metadata={"empty_questions": empty, "duplicate_ids": dupes},
        severity=AssetCheckSeverity.ERROR,
    )


@asset_check(asset=kodcode_verified_triplets, partitions_def=FAMILY_PARTITIONS,
             description="Every triplet's chosen trial passed in the sandbox; ids unique; test_info names a tested function.")
def kodcode_triplets_verified(kodcode_verified_triplets: pl.DataFrame) -> AssetCheckResult:
    df = kodcode_verified_triplets
    not_passed = df.filter((pl.col("chosen_status") != "passed") | (pl.col("pass_count") < 1)).height
    dupes = unique_ids(df, "question_id")
    no_info = df.filter(pl.col("test_info").list.len() == 0).height
    return AssetCheckResult(
        passed=not_passed == 0 and dupes == 0,
        metadata={"chosen_not_passed": not_passed, "duplicate_ids": dupes, "without_test_info": no_info},
        severity=AssetCheckSeverity.ERROR,
    )
