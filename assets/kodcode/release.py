"""KodCode's released datasets (unpartitioned, group `kodcode_release`): every partition combined.

kodcode_release_selection applies the shared release policy once (cross-partition
near-duplicates, benchmark decontamination, split); kodcode_dataset,
kodcode_sft_dataset and kodcode_rl_dataset export under
`<export dir>/kodcode/{triplets,sft,rl}`, each loadable with
`datasets.load_dataset("parquet", data_dir=<that folder>)` and Polars.
"""

from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, AssetIn, Config, MetadataValue, asset
from pydantic import Field

from assets.common.family import release_group
from assets.common.release import (
    CAUTION,
    NEAR_DUPLICATE,
    TRAIN,
    ReleasePolicy,
    card_markdown,
    counts_table,
    export_parquet_dataset,
    released_frames,
    sharegpt_files,
)
from assets.common.report import StepReport, preview_markdown
from assets.kodcode import release_selection as selection
from assets.kodcode import rl
from assets.kodcode.cross_verification import SFT_SCHEMA
from assets.kodcode.retries import TRIPLETS_SCHEMA
from resources.workspace import Workspace

FAMILY = "kodcode"
RELEASE = {"group_name": release_group(FAMILY)}
ALL_PARTITIONS = AssetIn(metadata={"allow_missing_partitions": True})
Frames = dict[str, pl.DataFrame]


class SelectionConfig(Config):
    dedup_threshold: float = Field(
        default=selection.POLICY.dedup_threshold,
        description="MinHash Jaccard at which two instruct questions are near-duplicates",
    )
    num_perm: int = Field(default=selection.POLICY.num_perm, description="MinHash permutations")
    benchmarks: list[str] = Field(
        default=list(selection.POLICY.benchmarks),
        description="built-in benchmarks to decontaminate against",
    )
    contamination_threshold: float = Field(
        default=selection.POLICY.contamination_threshold,
        description="benchmark similarity (share of shared word 5-grams) at which an item goes to use_with_caution",
    )

    def policy(self) -> ReleasePolicy:
        return ReleasePolicy(
            dedup_threshold=self.dedup_threshold,
            num_perm=self.num_perm,
            benchmarks=tuple(self.benchmarks),
            contamination_threshold=self.contamination_threshold,
            contaminated=selection.POLICY.contaminated,
        )


class ExportConfig(Config):
    folder: str = Field(
        default="", description="folder under <export dir>/kodcode (empty: the asset's default)"
    )


def _out_dir(workspace: Workspace, config: ExportConfig, default: str) -> Path:
    return Path(workspace.export_dir) / FAMILY / (config.folder or default)


def _nonempty_splits(splits: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """`datasets` cannot load an empty split file; keep empty ones out (train stays, so
    Polars still sees a schema)."""
    return {name: df for name, df in splits.items() if df.height or name == TRAIN}


def _recorded_policy(selection_df: pl.DataFrame) -> tuple[ReleasePolicy, list[str]]:
    """The policy threshold and benchmarks the selection was made with (recorded on its rows)."""
    if not selection_df.height:
        return ReleasePolicy(), []
    threshold = float(selection_df["contamination_threshold"].max() or 0.5)
    return (
        ReleasePolicy(contamination_threshold=threshold),
        selection_df["decontam_benchmarks"][0].split(","),
    )


@asset(
    **RELEASE,
    ins={"kodcode_triplets": ALL_PARTITIONS},
    description="Each triplet's release decision across all partitions: train, use_with_caution, or near_duplicate.",
)
def kodcode_release_selection(
    context: AssetExecutionContext, config: SelectionConfig, kodcode_triplets: Frames
) -> pl.DataFrame:
    triplets = released_frames(kodcode_triplets, TRIPLETS_SCHEMA, ["question_id"])
    policy = config.policy()
    index = policy.index()
    df = selection.select(triplets, policy, index).with_columns(
        pl.lit(config.contamination_threshold).alias("contamination_threshold"),
        pl.lit(",".join(index.benchmarks)).alias("decontam_benchmarks"),
    )
    matches = df.filter(pl.col("benchmark_similarity") > 0).sort(
        "benchmark_similarity", descending=True
    )
    match_columns = [
        "question_id",
        "decision",
        "benchmark_task_id",
        "benchmark_similarity",
        "benchmark_jaccard",
    ]
    report = StepReport(rows_in=triplets.height)
    report.tally("decision", df["decision"].to_list())
    report.add(
        {
            **policy.minhash.as_metadata(),
            "decontam/benchmarks": ", ".join(index.benchmarks),
            "decontam/problems": len(index.problems),
            "decontam/threshold": config.contamination_threshold,
            "decontam/max_similarity": (
                float(df["benchmark_similarity"].max() or 0.0) if df.height else 0.0
            ),
            "decontam/matches": MetadataValue.md(
                preview_markdown(matches, match_columns, rows=20)
                if matches.height
                else "_(no shared 5-gram with any benchmark problem)_"
            ),
        }
    )
    preview = ["question_id", "style", "decision", "benchmark_task_id", "benchmark_similarity"]
    return report.emit(context, df, preview=preview)


def _decided(
    frames: Frames, schema: dict, sort_by: str, selection_df: pl.DataFrame
) -> tuple[pl.DataFrame, StepReport]:
    """Every partition's rows with their release decision, and the step's report (rows in:
    all of them; near-duplicates dropped)."""
    rows = released_frames(frames, schema, [sort_by])
    report = StepReport(rows_in=rows.height)
    return _with_decisions(rows, selection_df, pl.col("question_id"), report), report


def _with_decisions(
    df: pl.DataFrame, selection_df: pl.DataFrame, key: pl.Expr, report: StepReport
) -> pl.DataFrame:
    """`df` with its decision attached; rows dropped as near-duplicates are reported."""
    decisions = selection_df.select(
        "question_id", "decision", "benchmark_task_id", "benchmark_similarity"
    )
    joined = df.with_columns(key.alias("_qid")).join(
        decisions.rename({"question_id": "_qid"}), on="_qid", how="left"
    )
    undecided = joined.filter(pl.col("decision").is_null()).height
    if undecided:
        raise ValueError(
            f"{undecided} rows have no release decision: re-materialize kodcode_release_selection"
        )
    report.drop(NEAR_DUPLICATE, n=joined.filter(pl.col("decision") == NEAR_DUPLICATE).height)
    return joined.filter(pl.col("decision") != NEAR_DUPLICATE).drop("_qid")


@asset(
    **RELEASE,
    ins={"kodcode_triplets": ALL_PARTITIONS},
    description="KodCode-V1-shaped triplets as Parquet shards with train / use_with_caution splits and a dataset card.",
)
def kodcode_dataset(
    context: AssetExecutionContext,
    config: ExportConfig,
    workspace: Workspace,
    kodcode_triplets: Frames,
    kodcode_release_selection: pl.DataFrame,
) -> pl.DataFrame:
    df, report = _decided(
        kodcode_triplets, TRIPLETS_SCHEMA, "question_id", kodcode_release_selection
    )
    df = df.with_columns(pl.col("decision").alias("split")).select(
        [*selection.TRIPLET_EXPORT, "split"]
    )
    splits = {name: df.filter(pl.col("split") == name).drop("split") for name in (TRAIN, CAUTION)}
    policy, benchmarks = _recorded_policy(kodcode_release_selection)
    counts = {f: counts_table(df, f) for f in ("split", "style", "subset", "difficulty")}
    card = card_markdown(
        "KodCode-style verified triplets (assay)",
        f"{df.height} question / solution / test triplets verified by execution, in KodCode-V1's record shape. "
        'Load with `datasets.load_dataset("parquet", data_dir=<this folder>)` or `polars.read_parquet("data/*.parquet")`.',
        selection.card_sections(policy, benchmarks),
        counts,
    )
    out = _out_dir(workspace, config, "triplets")
    report.add(export_parquet_dataset(_nonempty_splits(splits), out, card, sort_by="question_id"))
    report.add({f"split/{k}": v for k, v in counts["split"].items()})
    report.add({f"style/{k}": v for k, v in counts["style"].items()})
    return report.emit(context, df, preview=["split", "style", "subset", "question"])


SFT_EXPORT = [
    "sft_id",
    "question_id",
    "style",
    "subset",
    "difficulty",
    "sample_index",
    "correct",
    "verify_status",
    "messages",
    "conversations",
    "system",
    "response",
    "answer_code",
    "model",
]
SFT_METHOD = (
    "Each question (both styles) was sent to the reasoner role N times. The code after the "
    "reasoning (`</think>`) was extracted, every function or class the tests import was aligned "
    "by name (entry points first, then arity and name similarity), and the result ran against the "
    "triplet's tests in the sandbox. `correct` is true only when every test passed; `response` "
    "keeps the whole answer, reasoning included. Only `train` questions of the triplet release are here."
)
SFT_FILES = (
    "`data/train-*.parquet` (all responses, `correct` label, `messages` in OpenAI form and `conversations` in "
    "sharegpt form); `sft_sharegpt.json` (correct responses only) and `dataset_info.json` for LLaMA-Factory."
)


def _train_only(df: pl.DataFrame, report: StepReport) -> pl.DataFrame:
    """SFT and RL sets take `train` items only; the others are reported as use_with_caution."""
    report.drop(CAUTION, n=df.filter(pl.col("decision") == CAUTION).height)
    return df.filter(pl.col("decision") == TRAIN)


@asset(
    **RELEASE,
    ins={"kodcode_sft": ALL_PARTITIONS},
    description="Reasoning-model SFT set (train questions only): Parquet with correctness labels, LLaMA-Factory sharegpt JSON of the correct ones.",
)
def kodcode_sft_dataset(
    context: AssetExecutionContext,
    config: ExportConfig,
    workspace: Workspace,
    kodcode_sft: Frames,
    kodcode_release_selection: pl.DataFrame,
) -> pl.DataFrame:
    df, report = _decided(kodcode_sft, SFT_SCHEMA, "sft_id", kodcode_release_selection)
    df = _train_only(df, report).select(SFT_EXPORT).sort("sft_id")
    correct = df.filter(pl.col("correct"))
    records = [
        {"id": r["sft_id"], "conversations": r["conversations"], "system": r["system"]}
        for r in correct.iter_rows(named=True)
    ]
    counts = {
        "correct": counts_table(df.with_columns(pl.col("correct").cast(pl.Utf8)), "correct"),
        "style": counts_table(df, "style"),
        "difficulty": counts_table(df, "difficulty"),
    }
    questions = df["question_id"].n_unique() if df.height else 0
    card = card_markdown(
        "KodCode-style reasoning SFT (assay)",
        f"{df.height} reasoning-model responses to {questions} verified questions, "
        f'{correct.height} of them cross-verified correct. Load with `datasets.load_dataset("parquet", data_dir=<this folder>)`; '
        "LLaMA-Factory reads `sft_sharegpt.json` through `dataset_info.json`.",
        {"How it was made": SFT_METHOD, "Files": SFT_FILES, "Licence": selection.LICENCE},
        counts,
    )
    out = _out_dir(workspace, config, "sft")
    files = sharegpt_files("kodcode_sft", records)
    report.add(export_parquet_dataset({TRAIN: df}, out, card, sort_by="sft_id", extra_files=files))
    report.add({"correct": correct.height})
    report.share("pass_rate", correct.height, df.height)
    return report.emit(context, df, preview=["style", "correct", "verify_status", "response"])


RL_REWARD = (
    "`reward_model.ground_truth` is JSON with the pytest code and the functions it imports. Score responses with "
    "`assets.kodcode.reward.compute_score` (or `compute_score_batch` with verl's batch reward manager): "
    "1.0 when the answer's code, names aligned, passes every test in assay's sandbox."
)


@asset(
    **RELEASE,
    ins={"kodcode_rl": ALL_PARTITIONS},
    description="verl-ready RL Parquet (train questions only) with a card naming the reward function.",
)
def kodcode_rl_dataset(
    context: AssetExecutionContext,
    config: ExportConfig,
    workspace: Workspace,
    kodcode_rl: Frames,
    kodcode_release_selection: pl.DataFrame,
) -> pl.DataFrame:
    frames = [kodcode_rl[k] for k in sorted(kodcode_rl) if kodcode_rl[k].height]
    rows = pl.concat(frames, how="vertical_relaxed") if frames else rl.rl_frame([])
    report = StepReport(rows_in=rows.height)
    question_id = pl.col("extra_info").struct.field("question_id")
    df = _with_decisions(rows, kodcode_release_selection, question_id, report)
    df = rl.reindexed(_train_only(df, report).select(list(rl.RL_SCHEMA)), TRAIN)
    extra = df["extra_info"].to_list()
    styles = report.tally("style", [e["style"] for e in extra])
    difficulties = {
        d: sum(e["difficulty"] == d for e in extra)
        for d in sorted({e["difficulty"] for e in extra})
    }
    card = card_markdown(
        "KodCode-style RL set (assay)",
        f"{df.height} verified questions in verl's Parquet shape (`data_source`, `prompt`, `ability`, `reward_model`, `extra_info`).",
        {"Reward": RL_REWARD, "Licence": selection.LICENCE},
        {"style": dict(sorted(styles.items())), "difficulty": difficulties},
    )
    out = _out_dir(workspace, config, "rl")
    # Rows are ordered by extra_info.index (question-id order), which Polars sorts on directly.
    sort_by = pl.col("extra_info").struct.field("index")
    report.add(export_parquet_dataset({TRAIN: df}, out, card, sort_by=sort_by))  # type: ignore[arg-type]
    return report.emit(context, df, preview=["data_source", "extra_info"])


RELEASE_ASSETS = [
    kodcode_release_selection,
    kodcode_dataset,
    kodcode_sft_dataset,
    kodcode_rl_dataset,
]
