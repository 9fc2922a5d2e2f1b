"""What goes into the Case2Code release, by the shared policy (assets.common.release).

A function (a case) is one release item: its near-duplicate text and its decontamination
text are its code, compared with the benchmarks and with the reference programs of the
evaluation test sets. Its prompts are items whose parent is the function, so they share
its fate: a near-duplicate function's prompts leave, a contaminated function's prompts go to
`use_with_caution`. Of near-duplicates, the copy from the first seed file by name stays
(release ids are `first_file_id`s), as before: the same function in two seed files has the
same case and prompt ids.
"""

from __future__ import annotations

import polars as pl

from assets.common.decontam import DecontamIndex
from assets.common.release import ReleaseItem, ReleasePolicy, first_file_id

MATCH_SCHEMA = {
    "benchmark": pl.Utf8,
    "benchmark_task_id": pl.Utf8,
    "benchmark_similarity": pl.Float64,
    "split": pl.Utf8,
}


def release_items(prompts: pl.DataFrame) -> list[ReleaseItem]:
    """One item per function (case) of `prompts`, and one per prompt with the function as parent."""
    items: dict[str, ReleaseItem] = {}
    for partition, case_id, prompt_id, record in prompts.select(
        ["partition", "case_id", "prompt_id", "case2code"]
    ).iter_rows():
        parent = first_file_id(partition, case_id)
        code = record["code"]
        items.setdefault(parent, ReleaseItem(parent, code, (code,) if code else ()))
        child = first_file_id(partition, prompt_id)
        items[child] = ReleaseItem(child, None, (), parent=parent)
    return list(items.values())


def decide(prompts: pl.DataFrame, policy: ReleasePolicy, index: DecontamIndex) -> pl.DataFrame:
    """Every prompt with its function's decision (`split`: train, use_with_caution or why it
    leaves) and the function's closest benchmark or test-set problem."""
    decisions = policy.decide(release_items(prompts), index)
    columns: dict[str, list] = {name: [] for name in MATCH_SCHEMA}
    for partition, case_id, prompt_id in prompts.select(
        ["partition", "case_id", "prompt_id"]
    ).iter_rows():
        decision = decisions[first_file_id(partition, prompt_id)]
        match = decisions[first_file_id(partition, case_id)].match
        columns["benchmark"].append(match.benchmark if match else None)
        columns["benchmark_task_id"].append(match.problem_id if match else None)
        columns["benchmark_similarity"].append(match.similarity if match else 0.0)
        columns["split"].append(decision.decision)
    return prompts.with_columns(
        [pl.Series(name, values, dtype=MATCH_SCHEMA[name]) for name, values in columns.items()]
    )
