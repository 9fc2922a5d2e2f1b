"""The RL set in verl's Parquet shape: the solve prompt, the tests as rule-based ground truth, metadata.

`reward_model.ground_truth` carries the pytest code and the names it imports
(see `answers.ground_truth`), which is all `assets.kodcode.reward.compute_score`
needs to score a response; `extra_info` carries what people filter on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from assets.common.formats import verl_row, verl_schema
from assets.kodcode.answers import ground_truth
from assets.kodcode.prompts import solve_messages

DATA_SOURCE = "assay/kodcode"
ABILITY = "code"

EXTRA_INFO: dict[str, pl.DataType] = {
    "split": pl.Utf8,
    "index": pl.Int64,
    "question_id": pl.Utf8,
    "parent_question_id": pl.Utf8,
    "partition": pl.Utf8,
    "subset": pl.Utf8,
    "style": pl.Utf8,
    "difficulty": pl.Utf8,
    "pass_percentage": pl.Float64,
}
RL_SCHEMA = verl_schema(EXTRA_INFO)


def rl_rows(triplets: Sequence[Mapping[str, Any]], split: str = "train") -> list[dict[str, Any]]:
    """One verl row per verified question, indexed in question-id order (so the index is order-independent)."""
    rows = []
    for index, t in enumerate(sorted(triplets, key=lambda t: t["question_id"])):
        rows.append(
            verl_row(
                data_source=DATA_SOURCE,
                prompt=solve_messages(t["question"], t["style"], t["test_info"]),
                ability=ABILITY,
                ground_truth=ground_truth(t["test_code"], t["test_info"]),
                extra_info={
                    "split": split,
                    "index": index,
                    "question_id": t["question_id"],
                    "parent_question_id": t["parent_question_id"],
                    "partition": t["partition"],
                    "subset": t["subset"],
                    "style": t["style"],
                    "difficulty": t["difficulty"],
                    "pass_percentage": float(t["pass_percentage"]),
                },
            )
        )
    return rows


def rl_frame(rows: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=RL_SCHEMA)


def reindexed(df: pl.DataFrame, split: str) -> pl.DataFrame:
    """Rows sorted by question id with `extra_info.index`/`split` renumbered for a released split."""
    if df.height == 0:
        return df
    df = df.sort(pl.col("extra_info").struct.field("question_id"))
    return df.with_columns(
        pl.col("extra_info").struct.with_fields(
            pl.lit(split).alias("split"), pl.int_range(pl.len(), dtype=pl.Int64).alias("index")
        )
    )


def tests_of(df: pl.DataFrame) -> dict[str, str]:
    """question id → pytest code, read back from the ground truth (what trainers will run)."""
    out = {}
    for extra, reward in zip(df["extra_info"].to_list(), df["reward_model"].to_list()):
        out[extra["question_id"]] = json.loads(reward["ground_truth"])["test_code"]
    return out
