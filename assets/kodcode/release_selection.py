"""What goes into the released KodCode datasets: the shared release policy applied to triplets,
and the dataset card's text.

The selection depends only on the set of rows, never on which partition was
materialized first: near-duplicates are clustered over instruct questions and each
cluster keeps its canonical member (KodCode drops both members of a pair); a
complete-style item follows its instruct parent. Items whose best benchmark match
reaches the threshold go to `use_with_caution` (as in KodCode-V1), never to `train`,
together with the complete-style items derived from them; SFT/RL releases take `train` only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

import polars as pl

from assets.common.decontam import DecontamIndex
from assets.common.release import (
    CAUTION,
    DROP_ALL,
    NEAR_DUPLICATE,
    TRAIN,
    ReleaseItem,
    ReleasePolicy,
)
from assets.kodcode.prompts import solve_messages

__all__ = ["CAUTION", "NEAR_DUPLICATE", "SELECTION_SCHEMA", "TRAIN", "select", "trainer_texts"]

# KodCode's release is the shared policy as it stands (contaminated items -> use_with_caution);
# `assay` keeps one canonical member per near-duplicate cluster (keeps coverage), `original`
# drops every member, as KodCode's step1.3 does.
POLICY = ReleasePolicy()
ORIGINAL_POLICY = replace(POLICY, near_duplicates=DROP_ALL)


def instruct_texts(triplets: pl.DataFrame) -> list[tuple[str, str]]:
    """(id, question) of the items near-duplicates are found among: instruct questions."""
    rows = triplets.filter(pl.col("style") == "instruct").select("question_id", "question")
    return sorted(rows.iter_rows())


SELECTION_SCHEMA: dict[str, pl.DataType] = {
    "question_id": pl.Utf8,
    "parent_question_id": pl.Utf8,
    "partition": pl.Utf8,
    "style": pl.Utf8,
    "subset": pl.Utf8,
    "difficulty": pl.Utf8,
    "decision": pl.Utf8,
    "canonical_question_id": pl.Utf8,
    "benchmark": pl.Utf8,
    "benchmark_task_id": pl.Utf8,
    "benchmark_similarity": pl.Float64,
    "benchmark_jaccard": pl.Float64,
}


def trainer_texts(triplet: Mapping[str, Any]) -> list[str]:
    """The texts a trainer shows a model for this item: the question, and the solve prompt around it."""
    prompt = solve_messages(triplet["question"], triplet["style"], triplet["test_info"])
    return [triplet["question"], "\n".join(m["content"] for m in prompt if m["role"] == "user")]


DECISION_INPUTS = [
    "question_id", "parent_question_id", "partition", "style", "subset", "difficulty",
    "question", "test_info",
]  # fmt: skip


def select(
    triplets: pl.DataFrame | Iterable[pl.DataFrame],
    policy: ReleasePolicy,
    index: DecontamIndex,
    canonical: Mapping[str, str] | None = None,
) -> pl.DataFrame:
    """One row per triplet with its decision: train, use_with_caution, or near_duplicate (not
    released). `triplets`: a frame, or batches of one (a few partitions each), read once.
    `canonical` replaces the policy's MinHash clusters (KodCode's embeddings)."""
    # Only the columns a decision reads, one Python row at a time: Python rows of every
    # column cost ~8 KiB a triplet (bench/scale.py release). The policy keeps each item's id,
    # root, best match and dedup sketch, and its decisions do not depend on the order; what
    # stays of a batch is its narrow output columns.
    batches = [triplets] if isinstance(triplets, pl.DataFrame) else triplets
    kept: list[pl.DataFrame] = []

    def items() -> Iterator[ReleaseItem]:
        for batch in batches:
            rows = batch.select(DECISION_INPUTS)
            kept.append(rows.select(c for c in SELECTION_SCHEMA if c in rows.columns))
            for r in rows.iter_rows(named=True):
                yield ReleaseItem(
                    id=r["question_id"],
                    dedup_text=r["question"] if r["style"] == "instruct" else None,
                    texts=trainer_texts(r),
                    parent=r["parent_question_id"],
                )

    decisions = policy.decide(items(), index, canonical)
    ordered = (
        pl.concat(kept)
        if kept
        else pl.DataFrame(
            schema={c: SELECTION_SCHEMA[c] for c in SELECTION_SCHEMA if c in DECISION_INPUTS}
        )
    )
    chosen = [decisions[i] for i in ordered["question_id"]]
    matches = [d.match for d in chosen]
    decided = pl.DataFrame(
        {
            "decision": [d.decision for d in chosen],
            "canonical_question_id": [d.canonical_id for d in chosen],
            "benchmark": [m.benchmark if m else None for m in matches],
            "benchmark_task_id": [m.problem_id if m else None for m in matches],
            "benchmark_similarity": [m.similarity if m else 0.0 for m in matches],
            "benchmark_jaccard": [m.jaccard if m else 0.0 for m in matches],
        },
        schema={k: SELECTION_SCHEMA[k] for k in SELECTION_SCHEMA if k not in ordered.columns},
    )
    columns = [pl.col(name).cast(dtype) for name, dtype in SELECTION_SCHEMA.items()]
    return ordered.hstack(decided.get_columns()).select(columns).sort("question_id")


TRIPLET_EXPORT = [
    "style",
    "subset",
    "question_id",
    "question",
    "solution",
    "test_code",
    "test_info",
    "pass_sequence",
    "pass_count",
    "trials",
    "pass_percentage",
    "difficulty",
    "chosen_trial",
    "metadata",
    "benchmark_similarity",
    "benchmark_task_id",
]

METHOD = """\
Questions were generated from seed prompts in KodCode's modes by a generator
model, sanitized and near-deduplicated (MinHash LSH). For each question the
generator wrote N independent solution + pytest trials; every trial ran in a
sandbox (bubblewrap or Docker, no network, rlimits) and a question is kept when
at least one trial passed. Questions with no passing trial got further trials up
to a cap (`trials` counts them all). `pass_sequence` lists each trial's verdict,
`difficulty` buckets the pass rate (easy ≥ 2/3, hard < 1/3), `chosen_trial` is
the passing trial with the best line coverage.

Complete-style items (`style = complete`) rewrite an instruct question as the
tested functions' signatures with docstrings and examples. Conversions that leak
the solution (a stub with a body, or solution lines in the docstring) were
dropped, and each survivor was re-verified: the original solution, given the
stub's signature, passed the tests again in the sandbox.

Across seed files, near-duplicate instruct questions were clustered and {kept};
a complete item follows its parent.
Every item was compared with public benchmarks by word 5-gram overlap;
`benchmark_similarity` is the share of the shorter text's 5-grams found in the
closest benchmark problem (`benchmark_task_id`).
"""

DIFFERENCES = """\
- Complete-style items are re-verified under their own signature (KodCode reuses the tests
  unchecked); under the `assay` profile they are also labelled `complete`.
- Hard questions are retried automatically up to a cap instead of being left to a manual rerun.
- Under the `assay` profile near-duplicate clusters keep one canonical member instead of
  losing all; in both the result does not depend on the order partitions were processed in.
- `test_info` lists every function the tests import, not only the first.
"""

LICENCE = """\
Generated by language models from seed prompts. Check the licence of the models
used (see `metadata`) and of the seed material before redistribution; benchmark
problems used for decontamination (HumanEval, MIT) are not included.
"""


def card_sections(
    policy: ReleasePolicy, benchmarks: list[str], extra: Mapping[str, str] | None = None
) -> dict[str, Any]:
    kept = (
        "every member of a cluster dropped, as KodCode does"
        if policy.near_duplicates == DROP_ALL
        else "one canonical member (smallest id) kept"
    )
    return {
        "Splits": policy.splits_text(benchmarks),
        "How it was made": METHOD.format(kept=kept),
        "Where this differs from KodCode": DIFFERENCES,
        **(extra or {}),
        "Licence": LICENCE,
    }
