"""What goes into the CodeI/O release: one copy per source file, benchmark decontamination, splits.

Selection depends only on the set of rows: a source file (by content hash) that
appears in several seed files is kept from the first seed file by name, and
an item whose prompt is close to a benchmark problem goes, with all its
records, to `use_with_caution` instead of `train` (KodCode's convention).
"""

from __future__ import annotations

import polars as pl

from assets.codeio.pairs import pairs_from_rows
from assets.common.decontam import DecontamIndex, Match

TRAIN = "train"
CAUTION = "use_with_caution"
MATCH_SCHEMA = {
    "item_id": pl.Utf8,
    "benchmark": pl.Utf8,
    "benchmark_task_id": pl.Utf8,
    "benchmark_similarity": pl.Float64,
}


def first_copy_per_source(df: pl.DataFrame) -> pl.DataFrame:
    """Rows of each source file (content_sha) from the first partition by name that has it."""
    if df.height == 0:
        return df
    first = df.group_by("content_sha").agg(pl.col("partition").min().alias("_keep"))
    return (
        df.join(first, on="content_sha")
        .filter(pl.col("partition") == pl.col("_keep"))
        .drop("_keep")
    )


def benchmark_matches(df: pl.DataFrame, index: DecontamIndex) -> pl.DataFrame:
    """Each item's closest benchmark problem over all its prompts (question, I/O description, code)."""
    best: dict[str, Match] = {}
    for item_id, prompt in df.sort("prompt_id").select(["item_id", "prompt"]).iter_rows():
        match = index.best_match(item_id, prompt)
        if match is not None and (
            item_id not in best or match.similarity > best[item_id].similarity
        ):
            best[item_id] = match
    rows = [
        {
            "item_id": item_id,
            "benchmark": best[item_id].benchmark if item_id in best else None,
            "benchmark_task_id": best[item_id].problem_id if item_id in best else None,
            "benchmark_similarity": best[item_id].similarity if item_id in best else 0.0,
        }
        for item_id in sorted(set(df["item_id"].to_list()))
    ]
    return pl.DataFrame(rows, schema=MATCH_SCHEMA)


def select(df: pl.DataFrame, index: DecontamIndex, threshold: float) -> pl.DataFrame:
    """Deduplicated records with a `split` column and their item's closest benchmark match."""
    kept = first_copy_per_source(df)
    matches = benchmark_matches(kept, index)
    return kept.join(matches, on="item_id", how="left").with_columns(
        pl.when(pl.col("benchmark_similarity") >= threshold)
        .then(pl.lit(CAUTION))
        .otherwise(pl.lit(TRAIN))
        .alias("split")
    )


def parsed_records(pairs: pl.DataFrame, selected: pl.DataFrame) -> list[dict]:
    """Released items in CodeI/O's own parsed shape, for the items `selected` kept.

    Shape of CodeI/O's released samples: `problem_description, io_requirements,
    refcode, funcname, ios, category, meta`; `refcode` is the whole program
    (main function and input generator), `ios` every verified pair.
    """
    splits = (
        dict(selected.unique("item_id").select(["item_id", "split"]).iter_rows())
        if selected.height
        else {}
    )
    records = []
    for row in pairs.sort("item_id").iter_rows(named=True):
        if row["item_id"] not in splits:
            continue
        records.append(
            {
                "problem_description": row["problem_statement"],
                "io_requirements": row["io_description"],
                "refcode": row["program"],
                "funcname": "main_solution",
                "ios": pairs_from_rows(row["ios"]),
                "category": None,
                "meta": {
                    "item_id": row["item_id"],
                    "partition": row["partition"],
                    "split": splits[row["item_id"]],
                },
            }
        )
    return records
