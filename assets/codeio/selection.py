"""What goes into the CodeI/O release, by the shared policy (assets.common.release).

An item (one program with its prediction records) is one release item: its near-duplicate
text is its program, its texts for decontamination are its prompts. Every record of an item
shares the item's fate: a near-duplicate's records leave, a contaminated item's records go
to `use_with_caution`. The one CodeI/O-specific choice: of near-duplicates, the copy from
the first seed file by name stays (release ids are `first_file_id`s).
"""

from __future__ import annotations

import polars as pl

from assets.codeio.pairs import pairs_from_rows
from assets.common.decontam import DecontamIndex
from assets.common.release import ReleaseItem, ReleasePolicy, first_file_id

MATCH_SCHEMA = {
    "benchmark": pl.Utf8,
    "benchmark_task_id": pl.Utf8,
    "benchmark_similarity": pl.Float64,
    "split": pl.Utf8,
}


def release_items(
    records: pl.DataFrame, pairs: pl.DataFrame, dedup: bool = True
) -> list[ReleaseItem]:
    """One release item per item of `records`: its program (None: not deduplicated) and its
    prompts (by prompt id)."""
    programs = (
        dict(pairs.select(["item_id", "program"]).iter_rows()) if pairs.height and dedup else {}
    )
    prompts: dict[tuple[str, str], list[str]] = {}
    for partition, item_id, prompt in (
        records.sort("prompt_id").select(["partition", "item_id", "prompt"]).iter_rows()
    ):
        prompts.setdefault((partition, item_id), []).append(prompt)
    return [
        ReleaseItem(first_file_id(partition, item_id), programs.get(item_id), texts)
        for (partition, item_id), texts in prompts.items()
    ]


def decide(
    records: pl.DataFrame,
    pairs: pl.DataFrame,
    policy: ReleasePolicy,
    index: DecontamIndex,
    dedup: bool = True,
) -> pl.DataFrame:
    """Every record with its item's decision (`split`: train, use_with_caution or why it
    leaves) and its item's closest benchmark problem; `dedup` False keeps near-duplicates."""
    decisions = policy.decide(release_items(records, pairs, dedup), index)
    columns: dict[str, list] = {name: [] for name in MATCH_SCHEMA}
    for partition, item_id in records.select(["partition", "item_id"]).iter_rows():
        decision = decisions[first_file_id(partition, item_id)]
        match = decision.match
        columns["benchmark"].append(match.benchmark if match else None)
        columns["benchmark_task_id"].append(match.problem_id if match else None)
        columns["benchmark_similarity"].append(match.similarity if match else 0.0)
        columns["split"].append(decision.decision)
    return records.with_columns(
        [pl.Series(name, values, dtype=MATCH_SCHEMA[name]) for name, values in columns.items()]
    )


def parsed_records(
    pairs: pl.DataFrame, selected: pl.DataFrame, main_code_only: bool = False
) -> list[dict]:
    """Released items in CodeI/O's own parsed shape, for the items `selected` kept.

    Shape of CodeI/O's released samples: `problem_description, io_requirements,
    refcode, funcname, ios, category, meta`; `refcode` is the whole program
    (main function and input generator; the main function alone under `original`, as
    parse_gen_ios.py writes it), `ios` every verified pair.
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
                "refcode": row["main_code"] if main_code_only else row["program"],
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
