"""KodCode's released datasets (unpartitioned, group `kodcode_release`): every partition combined.

kodcode_release_selection decides each item's fate once (cross-partition
near-duplicates, benchmark decontamination, split); kodcode_dataset,
kodcode_sft_dataset and kodcode_rl_dataset export under
`<export dir>/kodcode/{triplets,sft,rl}`, each loadable with
`datasets.load_dataset("parquet", data_dir=<that folder>)` and Polars.
"""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, AssetIn, Config, MetadataValue, asset
from pydantic import Field

from assets.common.bookkeeping import frame_metadata, preview_markdown
from assets.common.decontam import DecontamIndex, load_benchmarks
from assets.common.dedup import MinHashParams
from assets.common.formats import llamafactory_dataset_info
from assets.common.release import (
    card_markdown,
    combine_partitions,
    counts_table,
    export_parquet_dataset,
    json_records,
    partition_frames,
)
from assets.kodcode import release, rl
from assets.kodcode.sft import SFT_SCHEMA
from assets.kodcode.stage3 import TRIPLETS_SCHEMA
from resources.workspace import Workspace

FAMILY = "kodcode"
RELEASE_GROUP = f"{FAMILY}_release"
ALL_PARTITIONS = {"allow_missing_partitions": True}
# Inputs that span every partition are annotated `Any`: the IO manager hands over a dict (partition → frame),
# or a bare frame when only one partition exists, which a `dict[...]` annotation would reject.


class SelectionConfig(Config):
    dedup_threshold: float = Field(default=0.8, description="MinHash Jaccard at which two instruct questions are near-duplicates")
    num_perm: int = Field(default=128, description="MinHash permutations")
    benchmarks: list[str] = Field(default=["humaneval"], description="built-in benchmarks to decontaminate against")
    contamination_threshold: float = Field(
        default=0.5, description="benchmark similarity (share of shared word 5-grams) at which an item goes to use_with_caution",
    )


class ExportConfig(Config):
    folder: str = Field(default="", description="folder under <export dir>/kodcode (empty: the asset's default)")


def _combined(frames: Any, schema: dict, sort_by: str | list[str]) -> pl.DataFrame:
    combined = combine_partitions(partition_frames(frames), sort_by)
    return combined if combined.height else pl.DataFrame(schema=schema)


def _out_dir(workspace: Workspace, config: ExportConfig, default: str) -> Path:
    return Path(workspace.export_dir) / FAMILY / (config.folder or default)


def _nonempty_splits(splits: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """`datasets` cannot load an empty split file; keep empty ones out (train stays, so Polars still sees a schema)."""
    return {name: df for name, df in splits.items() if df.height or name == release.TRAIN}


def decontam_index(benchmarks: list[str]) -> DecontamIndex:
    return DecontamIndex(load_benchmarks(benchmarks))


@asset(group_name=RELEASE_GROUP, ins={"kodcode_triplets": AssetIn(metadata=ALL_PARTITIONS)},
       description="Each triplet's release decision across all partitions: train, use_with_caution, or near_duplicate.")
def kodcode_release_selection(context: AssetExecutionContext, config: SelectionConfig, kodcode_triplets: Any) -> pl.DataFrame:
    triplets = _combined(kodcode_triplets, TRIPLETS_SCHEMA, ["question_id"])
    params = MinHashParams(threshold=config.dedup_threshold, num_perm=config.num_perm)
    index = decontam_index(config.benchmarks)
    df = release.select(triplets, params, index, config.contamination_threshold).with_columns(
        pl.lit(config.contamination_threshold).alias("contamination_threshold"),
        pl.lit(",".join(index.benchmarks)).alias("decontam_benchmarks"))
    decisions = Counter(df["decision"].to_list())
    matches = df.filter(pl.col("benchmark_similarity") > 0).sort("benchmark_similarity", descending=True)
    context.add_output_metadata(frame_metadata(
        df, rows_in=triplets.height, preview=["question_id", "style", "decision", "benchmark_task_id", "benchmark_similarity"],
        extra={**{f"decision/{k}": v for k, v in sorted(decisions.items())}, **params.as_metadata(),
               "decontam/benchmarks": ", ".join(index.benchmarks), "decontam/problems": len(index.problems),
               "decontam/threshold": config.contamination_threshold,
               "decontam/max_similarity": float(df["benchmark_similarity"].max() or 0.0) if df.height else 0.0,
               "decontam/matches": MetadataValue.md(preview_markdown(
                   matches, ["question_id", "decision", "benchmark_task_id", "benchmark_similarity", "benchmark_jaccard"], rows=20))
               if matches.height else MetadataValue.md("_(no shared 5-gram with any benchmark problem)_")},
    ))
    return df


def _released(df: pl.DataFrame, selection: pl.DataFrame, key: pl.Expr) -> tuple[pl.DataFrame, Counter]:
    """`df` with its decision attached; rows dropped as near-duplicates are counted."""
    decisions = selection.select("question_id", "decision", "benchmark_task_id", "benchmark_similarity")
    joined = df.with_columns(key.alias("_qid")).join(decisions.rename({"question_id": "_qid"}), on="_qid", how="left")
    undecided = joined.filter(pl.col("decision").is_null()).height
    if undecided:
        raise ValueError(f"{undecided} rows have no release decision: re-materialize kodcode_release_selection")
    drops = Counter({release.NEAR_DUPLICATE: joined.filter(pl.col("decision") == release.NEAR_DUPLICATE).height})
    return joined.filter(pl.col("decision") != release.NEAR_DUPLICATE).drop("_qid"), drops


@asset(group_name=RELEASE_GROUP, ins={"kodcode_triplets": AssetIn(metadata=ALL_PARTITIONS)},
       description="KodCode-V1-shaped triplets as Parquet shards with train / use_with_caution splits and a dataset card.")
def kodcode_dataset(context: AssetExecutionContext, config: ExportConfig, workspace: Workspace,
                    kodcode_triplets: Any, kodcode_release_selection: pl.DataFrame) -> pl.DataFrame:
    triplets = _combined(kodcode_triplets, TRIPLETS_SCHEMA, ["question_id"])
    df, drops = _released(triplets, kodcode_release_selection, pl.col("question_id"))
    df = df.with_columns(pl.col("decision").alias("split")).select([*release.TRIPLET_EXPORT, "split"])
    splits = {name: df.filter(pl.col("split") == name).drop("split") for name in (release.TRAIN, release.CAUTION)}
    threshold = float(kodcode_release_selection["contamination_threshold"].max() or 0.5) if kodcode_release_selection.height else 0.5
    counts = {"split": counts_table(df, "split"), "style": counts_table(df, "style"), "subset": counts_table(df, "subset"),
              "difficulty": counts_table(df, "difficulty")}
    card = card_markdown(
        "KodCode-style verified triplets (assay)",
        f"{df.height} question / solution / test triplets verified by execution, in KodCode-V1's record shape. "
        "Load with `datasets.load_dataset(\"parquet\", data_dir=<this folder>)` or `polars.read_parquet(\"data/*.parquet\")`.",
        release.card_sections(threshold, _benchmarks(kodcode_release_selection)),
        counts,
    )
    out = _out_dir(workspace, config, "triplets")
    meta = export_parquet_dataset(_nonempty_splits(splits), out, card, sort_by="question_id")
    context.add_output_metadata(frame_metadata(df, rows_in=triplets.height, drops=drops, preview=["split", "style", "subset", "question"],
                                               extra={**meta, **{f"split/{k}": v for k, v in counts["split"].items()},
                                                      **{f"style/{k}": v for k, v in counts["style"].items()}}))
    return df


def _benchmarks(selection: pl.DataFrame) -> list[str]:
    """The benchmarks the selection was checked against (recorded on every selection row)."""
    return selection["decontam_benchmarks"][0].split(",") if selection.height else []


SFT_EXPORT = ["sft_id", "question_id", "style", "subset", "difficulty", "sample_index", "correct", "verify_status",
              "messages", "conversations", "system", "response", "answer_code", "model"]


@asset(group_name=RELEASE_GROUP, ins={"kodcode_sft": AssetIn(metadata=ALL_PARTITIONS)},
       description="Reasoning-model SFT set (train questions only): Parquet with correctness labels, LLaMA-Factory sharegpt JSON of the correct ones.")
def kodcode_sft_dataset(context: AssetExecutionContext, config: ExportConfig, workspace: Workspace,
                        kodcode_sft: Any, kodcode_release_selection: pl.DataFrame) -> pl.DataFrame:
    responses = _combined(kodcode_sft, SFT_SCHEMA, ["sft_id"])
    df, drops = _released(responses, kodcode_release_selection, pl.col("question_id"))
    drops["use_with_caution"] = df.filter(pl.col("decision") == release.CAUTION).height
    df = df.filter(pl.col("decision") == release.TRAIN).select(SFT_EXPORT).sort("sft_id")
    correct = df.filter(pl.col("correct"))
    records = [{"id": r["sft_id"], "conversations": r["conversations"], "system": r["system"]} for r in correct.iter_rows(named=True)]
    counts = {"correct": counts_table(df.with_columns(pl.col("correct").cast(pl.Utf8)), "correct"),
              "style": counts_table(df, "style"), "difficulty": counts_table(df, "difficulty")}
    card = card_markdown(
        "KodCode-style reasoning SFT (assay)",
        f"{df.height} reasoning-model responses to {df['question_id'].n_unique() if df.height else 0} verified questions, "
        f"{correct.height} of them cross-verified correct. Load with `datasets.load_dataset(\"parquet\", data_dir=<this folder>)`; "
        "LLaMA-Factory reads `sft_sharegpt.json` through `dataset_info.json`.",
        {"How it was made": "Each question (both styles) was sent to the reasoner role N times. The code after the "
                            "reasoning (`</think>`) was extracted, every function or class the tests import was aligned "
                            "by name (entry points first, then arity and name similarity), and the result ran against the "
                            "triplet's tests in the sandbox. `correct` is true only when every test passed; `response` "
                            "keeps the whole answer, reasoning included. Only `train` questions of the triplet release are here.",
         "Files": "`data/train-*.parquet` (all responses, `correct` label, `messages` in OpenAI form and `conversations` in "
                  "sharegpt form); `sft_sharegpt.json` (correct responses only) and `dataset_info.json` for LLaMA-Factory.",
         "Licence": release.LICENCE},
        counts,
    )
    out = _out_dir(workspace, config, "sft")
    meta = export_parquet_dataset({release.TRAIN: df}, out, card, sort_by="sft_id", extra_files={
        "sft_sharegpt.json": json_records(records),
        "dataset_info.json": json.dumps(llamafactory_dataset_info("kodcode_sft", "sft_sharegpt.json"), indent=2, sort_keys=True) + "\n",
    })
    context.add_output_metadata(frame_metadata(df, rows_in=responses.height, drops=drops, preview=["style", "correct", "verify_status", "response"],
                                               extra={**meta, "correct": correct.height, "pass_rate": correct.height / max(1, df.height)}))
    return df


@asset(group_name=RELEASE_GROUP, ins={"kodcode_rl": AssetIn(metadata=ALL_PARTITIONS)},
       description="verl-ready RL Parquet (train questions only) with a card naming the reward function.")
def kodcode_rl_dataset(context: AssetExecutionContext, config: ExportConfig, workspace: Workspace,
                       kodcode_rl: Any, kodcode_release_selection: pl.DataFrame) -> pl.DataFrame:
    frames = {k: v for k, v in partition_frames(kodcode_rl).items() if v.height}
    rows = pl.concat([frames[k] for k in sorted(frames)], how="vertical_relaxed") if frames else rl.rl_frame([])
    df, drops = _released(rows, kodcode_release_selection, pl.col("extra_info").struct.field("question_id"))
    drops["use_with_caution"] = df.filter(pl.col("decision") == release.CAUTION).height
    df = rl.reindexed(df.filter(pl.col("decision") == release.TRAIN).select(list(rl.RL_SCHEMA)), release.TRAIN)
    styles = Counter(e["style"] for e in df["extra_info"].to_list())
    difficulties = Counter(e["difficulty"] for e in df["extra_info"].to_list())
    card = card_markdown(
        "KodCode-style RL set (assay)",
        f"{df.height} verified questions in verl's Parquet shape (`data_source`, `prompt`, `ability`, `reward_model`, `extra_info`).",
        {"Reward": "`reward_model.ground_truth` is JSON with the pytest code and the functions it imports. Score responses with "
                   "`assets.kodcode.reward.compute_score` (or `compute_score_batch` with verl's batch reward manager): "
                   "1.0 when the answer's code, names aligned, passes every test in assay's sandbox.",
         "Licence": release.LICENCE},
        {"style": dict(sorted(styles.items())), "difficulty": dict(sorted(difficulties.items()))},
    )
    out = _out_dir(workspace, config, "rl")
    # Rows are ordered by extra_info.index (question-id order), which Polars sorts on directly.
    meta = export_parquet_dataset({release.TRAIN: df}, out, card, sort_by=pl.col("extra_info").struct.field("index"))  # type: ignore[arg-type]
    context.add_output_metadata(frame_metadata(df, rows_in=rows.height, drops=drops, preview=["data_source", "extra_info"],
                                               extra={**meta, **{f"style/{k}": v for k, v in sorted(styles.items())}}))
    return df


RELEASE_ASSETS = [kodcode_release_selection, kodcode_dataset, kodcode_sft_dataset, kodcode_rl_dataset]
