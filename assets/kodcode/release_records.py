"""The released KodCode records: our triplets and reasoning answers as KodCode-V1 and
KodCode-V1-SFT-R1 rows (release_schema.py holds the field lists), with our own columns after.

Pure functions over frames, so the release assets stay load -> shape -> export.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import polars as pl

from assets.common.release import CAUTION, TRAIN
from assets.kodcode import release_schema as shape
from assets.kodcode.trials import TEST_INFO

# Our columns after KodCode's: the profile, the split our policy chose, the partition and our
# metadata.
V1_EXTRA: dict[str, pl.DataType] = {
    "assay_profile": pl.Utf8,
    "assay_question_id": pl.Utf8,
    "parent_question_id": pl.Utf8,
    "partition": pl.Utf8,
    "benchmark": pl.Utf8,
    "split": pl.Utf8,
    "assay_metadata": pl.Utf8,
}
TRIAL_COLUMNS = ("trial_id", "question_id", "trial_index", "solution_code", "test_code")
RESULT_COLUMNS = ("status", "coverage")
# The columns each input of v1_rows is read for (a release collects only these).
TRIPLET_INPUTS = (
    "style", "question_id", "parent_question_id", "partition", "subset", "mode", "question",
    "solution", "test_code", "test_info", "pass_sequence", "chosen_trial_id", "metadata",
)  # fmt: skip
SOLUTION_TRIAL_INPUTS = (*TRIAL_COLUMNS, "model")
TEST_RESULT_INPUTS = ("trial_id", *RESULT_COLUMNS)
RETRY_TRIAL_INPUTS = (*TRIAL_COLUMNS, *RESULT_COLUMNS, "model")
SEED_PROMPT_INPUTS = ("prompt_id", "seed_line", "seed_json")
QUESTION_INPUTS = ("question_id", "prompt_id")


def all_trials(
    solution_trials: pl.DataFrame, test_results: pl.DataFrame, retry_trials: pl.DataFrame
) -> dict[str, list[dict[str, Any]]]:
    """Every question's trials, first ones and retries, with their sandbox result and model."""
    first = solution_trials.select([*TRIAL_COLUMNS, "model"]).join(
        test_results.select("trial_id", *RESULT_COLUMNS), on="trial_id", how="left"
    )
    columns = [*TRIAL_COLUMNS, *RESULT_COLUMNS, "model"]
    frames = [f.select(columns) for f in (first, retry_trials) if f.height]
    out: dict[str, list[dict[str, Any]]] = {}
    if not frames:
        return out
    rows = pl.concat(frames, how="vertical_relaxed").sort(["question_id", "trial_index"])
    for row in rows.iter_rows(named=True):
        out.setdefault(row["question_id"], []).append(row)
    return out


def released_trials_type(trials: pl.DataFrame, roots: pl.Series) -> pl.Struct:
    """The `trials` struct of a whole release, from its trials' (question_id, model,
    trial_index) and the roots of its released items: the type v1_rows gives the release
    built at once, so that rows built a batch at a time share it."""
    released = roots.alias("question_id").to_frame()
    pairs = trials.join(released, on="question_id", how="semi").select("model", "trial_index")
    keys = {shape.trial_key(model, index) for model, index in pairs.unique().iter_rows()}
    return shape.trials_dtype([dict.fromkeys(keys)])


def question_sources(seed_prompts: pl.DataFrame, questions: pl.DataFrame) -> dict[str, dict]:
    """question id -> prompt_id, row_id (the seed's line) and seed_ids, as KodCode's metadata
    records its seed prompt (step1.1_gen_questions.py:197-201)."""
    seeds = {r["prompt_id"]: r for r in seed_prompts.iter_rows(named=True)}
    out = {}
    for q in questions.iter_rows(named=True):
        seed = seeds.get(q["prompt_id"], {})
        content = json.loads(seed.get("seed_json") or "{}")
        seed_line = seed.get("seed_line")
        out[q["question_id"]] = {
            "prompt_id": q["prompt_id"],
            "row_id": seed_line,
            "seed_ids": [str(content.get("id", seed_line))] if seed else [],
        }
    return out


@cache
def release_version() -> str:
    """The `version` of our rows. KodCode-V1's names the dataset release a row was published in
    (KodCode-V1.1 added rows to V1's); ours names the assay release that made it,
    `assay-<package version>`, in both profiles (the profile is `assay_profile`)."""
    try:
        return f"assay-{version('assay')}"
    except PackageNotFoundError:  # a source tree run without installing the package
        return "assay-unknown"


def v1_rows(
    triplets: Sequence[Mapping[str, Any]],
    trials: Mapping[str, Sequence[Mapping[str, Any]]],
    sources: Mapping[str, Mapping[str, Any]],
    benchmark_texts: Mapping[tuple[str, str], str],
    profile: str,
    trials_type: pl.Struct | None = None,
) -> pl.DataFrame:
    """KodCode-V1 rows for decided triplets (each carries `decision`, `benchmark`,
    `benchmark_task_id`, `benchmark_similarity`, `contamination_threshold`). `trials_type`:
    the release's `trials` struct when these rows are one batch of it (default: their own).

    A complete-style item has its instruct parent's trials, as KodCode's complete triplets
    carry the parent's (step3.1.3_gen_complete_triplets.py:55-64). Under `original` both styles
    are labelled `instruct` and the subset is KodCode's label (step3.2:64-65,98-99); `assay`
    keeps `complete` and our subset names."""
    by_id = {t["question_id"]: t for t in triplets}
    rows, records = [], []
    for t in triplets:
        root = t["parent_question_id"] or t["question_id"]
        parent = by_id.get(root, t)
        trial_map = shape.trial_records(trials.get(root, []))
        chosen = next(
            (k for k, r in trial_map.items() if r["file_source"] == _chosen_trial_id(t)), None
        )
        sequence = [1 if passed else 0 for passed in t["pass_sequence"]]
        meta = json.loads(t["metadata"] or "{}")
        original_instruction = parent["question"] if t["style"] == "complete" else ""
        source = sources.get(root, {})
        caution = t["decision"] == CAUTION
        records.append(trial_map)
        rows.append(
            {
                "version": release_version(),
                "style": "instruct" if profile == "original" else t["style"],
                "subset": shape.subset_name(t["mode"]) if profile == "original" else t["subset"],
                "question_id": (
                    kodcode_question_id(t, source.get("prompt_id"))
                    if profile == "original"
                    else t["question_id"]
                ),
                "question": t["question"],
                "solution": t["solution"],
                "test": t["test_code"],
                "test_info": t["test_info"],
                "gpt_pass_sequence": sequence,
                "gpt_pass_trial_num": sum(sequence),
                "gpt_difficulty": shape.gpt_difficulty(sequence),
                "gpt_pass_percentage": shape.gpt_pass_percentage(sequence),
                "trials": trial_map,
                "chosen_trial": chosen,
                "metadata": shape.kodcode_metadata(source, original_instruction),
                "benchmark_similarity": t["benchmark_similarity"],
                "benchmark_instruction": benchmark_texts.get(
                    (t["benchmark"], t["benchmark_task_id"])
                ),
                "benchmark_task_id": t["benchmark_task_id"],
                "filter_reason": (
                    f"benchmark similarity {t['benchmark_similarity']:.2f} >= "
                    f"{t['contamination_threshold']:.2f} ({t['benchmark_task_id']})"
                    if caution
                    else None
                ),
                "assay_profile": profile,
                "assay_question_id": t["question_id"],
                "parent_question_id": t["parent_question_id"],
                "partition": t["partition"],
                "benchmark": t["benchmark"],
                "split": t["decision"],
                "assay_metadata": json.dumps(
                    {**meta, **source}, ensure_ascii=False, sort_keys=True
                ),
            }
        )
    return pl.DataFrame(rows, schema=v1_schema(records, trials_type))


def kodcode_question_id(triplet: Mapping[str, Any], prompt_id: str | None) -> str:
    """KodCode's id: subset, prompt id, and I (instruct) or C (complete) (step3.2:66,100)."""
    suffix = "C" if triplet["style"] == "complete" else "I"
    return f"{shape.subset_name(triplet['mode'])}_{prompt_id or triplet['question_id']}_{suffix}"


def _chosen_trial_id(triplet: Mapping[str, Any]) -> str | None:
    meta = json.loads(triplet["metadata"] or "{}")
    return triplet.get("chosen_trial_id") or meta.get("chosen_trial_id")


def v1_schema(
    records: Sequence[Mapping[str, Any]] = (), trials_type: pl.Struct | None = None
) -> dict[str, pl.DataType]:
    """The Polars schema of KodCode-V1 rows plus ours (`trials` typed by the keys present,
    or `trials_type`)."""
    types: dict[str, pl.DataType] = {
        "version": pl.Utf8,
        "style": pl.Utf8,
        "subset": pl.Utf8,
        "question_id": pl.Utf8,
        "question": pl.Utf8,
        "solution": pl.Utf8,
        "test": pl.Utf8,
        "test_info": TEST_INFO,
        "gpt_pass_sequence": pl.List(pl.Int64),
        "gpt_pass_trial_num": pl.Int64,
        "gpt_difficulty": pl.Utf8,
        "gpt_pass_percentage": pl.Float64,
        "trials": trials_type or shape.trials_dtype(records),
        "chosen_trial": pl.Utf8,
        "metadata": shape.METADATA_STRUCT,
        "benchmark_similarity": pl.Float64,
        "benchmark_instruction": pl.Utf8,
        "benchmark_task_id": pl.Utf8,
        "filter_reason": pl.Utf8,
    }
    return {**types, **V1_EXTRA}


SFT_EXTRA: dict[str, pl.DataType] = {
    "assay_profile": pl.Utf8,
    "assay_question_id": pl.Utf8,
    "r1_chosen_trial_key": pl.Utf8,
    "r1_samples": pl.Int64,
    "system": pl.Utf8,
    "split": pl.Utf8,
    "model": pl.Utf8,
}


def sft_r1_rows(answers: pl.DataFrame, v1: pl.DataFrame, profile: str) -> pl.DataFrame:
    """One KodCode-V1-SFT-R1 row per question that has reasoning answers (step3.3.5:151-188):
    the chosen answer is the first correct one (the original prefers the best-covered passing
    trial; reasoning answers record no coverage), else the first; `r1_correctness` is "True"
    when any passed. `split`: train (correct), incorrect, or use_with_caution (contaminated).
    `conversations`: under `original` the bare question and the answer (step3.3.5:164-167);
    under `assay` the prompt the reasoner was actually sent, so training sees what it answered."""
    by_question: dict[str, list[dict]] = {}
    for a in answers.sort(["question_id", "sample_index"]).iter_rows(named=True):
        by_question.setdefault(a["question_id"], []).append(a)
    rows = []
    for q in v1.sort("question_id").iter_rows(named=True):
        samples = by_question.get(q["assay_question_id"])
        if not samples:
            continue
        sequence = [1 if s["correct"] else 0 for s in samples]
        chosen = next((s for s in samples if s["correct"]), samples[0])
        correct = sum(sequence) > 0
        split = CAUTION if q["split"] == CAUTION else TRAIN if correct else "incorrect"
        rows.append(
            {
                **{k: q[k] for k in shape.KODCODE_SFT_R1_FIELDS if k in q},
                "r1_pass_sequence": sequence,
                "r1_pass_trial_num": sum(sequence),
                "r1_correctness": "True" if correct else "False",
                "r1_solution": chosen["answer_code"],
                "metadata": q["metadata"],
                "conversations": (
                    [
                        {"from": "human", "value": q["question"]},
                        {"from": "gpt", "value": chosen["response"]},
                    ]
                    if profile == "original"
                    else chosen["conversations"]
                ),
                "system": chosen["system"],
                "assay_profile": profile,
                "assay_question_id": q["assay_question_id"],
                "r1_chosen_trial_key": f"trial_r1_{chosen['sample_index']}",
                "r1_samples": len(samples),
                "split": split,
                "model": chosen["model"],
            }
        )
    return pl.DataFrame(rows, schema=sft_r1_schema())


def sft_r1_schema() -> dict[str, pl.DataType]:
    v1 = v1_schema()
    types = {k: v1[k] for k in shape.KODCODE_SFT_R1_FIELDS if k in v1}
    types |= {
        "r1_pass_sequence": pl.List(pl.Int64),
        "r1_pass_trial_num": pl.Int64,
        "r1_correctness": pl.Utf8,
        "r1_solution": pl.Utf8,
        "metadata": shape.METADATA_STRUCT,
        "conversations": pl.List(pl.Struct({"from": pl.Utf8, "value": pl.Utf8})),
    }
    ordered = {k: types[k] for k in shape.KODCODE_SFT_R1_FIELDS}
    return {**ordered, **SFT_EXTRA}
