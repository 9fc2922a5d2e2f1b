"""What goes into the released KodCode datasets: cross-partition dedup, decontamination, splits, cards.

The selection depends only on the set of rows, never on which partition was
materialized first: near-duplicates are clustered over instruct questions sorted
by id and each cluster keeps its canonical member (KodCode drops both members of
a pair); a complete-style item follows its instruct parent. Items whose best
benchmark match reaches the threshold go to `use_with_caution` (as in
KodCode-V1), never to `train`, together with the complete-style items derived
from them; SFT/RL releases take `train` only.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl

from assets.common.decontam import DecontamIndex, Match
from assets.common.dedup import MinHashParams, canonical_members
from assets.kodcode.prompts_stage3 import solve_messages

TRAIN = "train"
CAUTION = "use_with_caution"
NEAR_DUPLICATE = "near_duplicate"

SELECTION_SCHEMA: dict[str, pl.DataType] = {
    "question_id": pl.Utf8, "parent_question_id": pl.Utf8, "partition": pl.Utf8, "style": pl.Utf8, "subset": pl.Utf8,
    "difficulty": pl.Utf8, "decision": pl.Utf8, "canonical_question_id": pl.Utf8, "benchmark": pl.Utf8,
    "benchmark_task_id": pl.Utf8, "benchmark_similarity": pl.Float64, "benchmark_jaccard": pl.Float64,
}


def trainer_texts(triplet: Mapping[str, Any]) -> list[str]:
    """The texts a trainer shows a model for this item: the question, and the solve prompt around it."""
    prompt = solve_messages(triplet["question"], triplet["style"], triplet["test_info"])
    return [triplet["question"], "\n".join(m["content"] for m in prompt if m["role"] == "user")]


def closest_benchmark(triplet: Mapping[str, Any], index: DecontamIndex) -> Match | None:
    """The most similar benchmark problem to any text a trainer will see for this item."""
    matches = [m for m in (index.best_match(triplet["question_id"], t) for t in trainer_texts(triplet)) if m]
    return max(matches, key=lambda m: m.similarity) if matches else None


def select(triplets: pl.DataFrame, dedup: MinHashParams, index: DecontamIndex, threshold: float) -> pl.DataFrame:
    """One row per triplet with its decision: train, use_with_caution, or near_duplicate (not released)."""
    rows = sorted(triplets.iter_rows(named=True), key=lambda r: r["question_id"])
    instruct = [(r["question_id"], r["question"]) for r in rows if r["style"] == "instruct"]
    canonical = canonical_members(instruct, dedup)
    matches = {r["question_id"]: closest_benchmark(r, index) for r in rows}
    # A complete-style item restates its parent's problem: if either is contaminated, both are.
    contaminated = {r["parent_question_id"] for r in rows
                    if matches[r["question_id"]] and matches[r["question_id"]].similarity >= threshold}
    out = []
    for r in rows:
        root = canonical.get(r["parent_question_id"], r["parent_question_id"])
        match = matches[r["question_id"]]
        similarity = match.similarity if match else 0.0
        if root != r["parent_question_id"]:
            decision = NEAR_DUPLICATE
        elif r["parent_question_id"] in contaminated:
            decision = CAUTION
        else:
            decision = TRAIN
        out.append({
            "question_id": r["question_id"], "parent_question_id": r["parent_question_id"], "partition": r["partition"],
            "style": r["style"], "subset": r["subset"], "difficulty": r["difficulty"], "decision": decision,
            "canonical_question_id": root, "benchmark": match.benchmark if match else None,
            "benchmark_task_id": match.problem_id if match else None, "benchmark_similarity": similarity,
            "benchmark_jaccard": match.jaccard if match else 0.0,
        })
    return pl.DataFrame(out, schema=SELECTION_SCHEMA)


TRIPLET_EXPORT = [
    "style", "subset", "question_id", "question", "solution", "test_code", "test_info", "pass_sequence", "pass_count",
    "trials", "pass_percentage", "difficulty", "chosen_trial", "metadata", "benchmark_similarity", "benchmark_task_id",
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

Across seed files, near-duplicate instruct questions were clustered and one
canonical member (smallest id) kept; a complete item follows its parent.
Every item was compared with public benchmarks by word 5-gram overlap;
`benchmark_similarity` is the share of the shorter text's 5-grams found in the
closest benchmark problem (`benchmark_task_id`).
"""

DIFFERENCES = """\
- Complete-style items are re-verified under their own signature, and labelled
  `complete` (KodCode-V1 labels both styles `instruct` and reuses the tests unchecked).
- Hard questions are retried automatically up to a cap instead of being left to a manual rerun.
- Near-duplicate pairs keep one canonical member instead of losing both, and the
  result does not depend on the order partitions were processed in.
- `test_info` lists every function the tests import, not only the first.
"""

LICENCE = """\
Generated by language models from seed prompts. Check the licence of the models
used (see `metadata`) and of the seed material before redistribution; benchmark
problems used for decontamination (HumanEval, MIT) are not included.
"""


def splits_text(threshold: float, benchmarks: list[str]) -> str:
    return (f"- `train`: items whose closest benchmark problem ({', '.join(benchmarks) or 'none'}) shares less than "
            f"{threshold:.0%} of its 5-grams.\n- `use_with_caution`: items at or above that similarity; kept for "
            f"inspection, not for training on models evaluated on those benchmarks.")


def card_sections(threshold: float, benchmarks: list[str], extra: Mapping[str, str] | None = None) -> dict[str, Any]:
    return {"Splits": splits_text(threshold, benchmarks), "How it was made": METHOD,
            "Where this differs from KodCode": DIFFERENCES, **(extra or {}), "Licence": LICENCE}
