"""KodCode's released datasets (unpartitioned, group `kodcode_release`): every partition combined.

kodcode_release_selection applies the shared release policy once (cross-partition
near-duplicates, benchmark decontamination, split); kodcode_dataset,
kodcode_sft_dataset and kodcode_rl_dataset export under
`<export dir>/kodcode/{triplets,sft,rl}`, each loadable with
`datasets.load_dataset("parquet", data_dir=<that folder>)` and Polars.
"""

import os
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import polars as pl
from dagster import AssetExecutionContext, AssetIn, Config, MetadataValue, asset
from pydantic import Field

from assets.common.decontam import load_benchmarks
from assets.common.family import release_group
from assets.common.profiles import Profile
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
from assets.common.release_stream import (
    Scans,
    ShardedExport,
    collect_released,
    partition_batches,
    scan_exported,
)
from assets.common.report import StepReport, preview_markdown
from assets.kodcode import embedding_dedup, release_records, rl
from assets.kodcode import release_schema as shape
from assets.kodcode import release_selection as selection
from assets.kodcode.cross_verification import SFT_SCHEMA
from assets.kodcode.questions import QUESTION_SCHEMA, SEED_PROMPT_SCHEMA
from assets.kodcode.retries import RETRY_SCHEMA, TRIPLETS_SCHEMA
from assets.kodcode.trials import RESULT_SCHEMA
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

    dedup_method: str = Field(
        default=os.environ.get("ASSAY_KODCODE_DEDUP_METHOD", ""),
        description="how near-duplicates are found: empty for the profile's (assay: minhash, "
        "original: embeddings, KodCode's all-mpnet-base-v2 from ASSAY_EMBEDDING_MODEL), or "
        "`minhash` / `embeddings` explicitly (default from ASSAY_KODCODE_DEDUP_METHOD)",
    )

    def policy(self, profile: Profile | None = None) -> ReleasePolicy:
        base = selection.ORIGINAL_POLICY if profile and profile.original else selection.POLICY
        return ReleasePolicy(
            dedup_threshold=self.dedup_threshold,
            num_perm=self.num_perm,
            benchmarks=tuple(self.benchmarks),
            contamination_threshold=self.contamination_threshold,
            contaminated=base.contaminated,
            near_duplicates=base.near_duplicates,
        )

    def method(self, profile: Profile | None = None) -> str:
        if self.dedup_method:
            if self.dedup_method not in ("minhash", "embeddings"):
                raise ValueError(f"dedup_method {self.dedup_method!r}: minhash or embeddings")
            return self.dedup_method
        return "embeddings" if profile and profile.original else "minhash"


class ExportConfig(Config):
    folder: str = Field(
        default="", description="folder under <export dir>/kodcode (empty: the asset's default)"
    )


def _out_dir(workspace: Workspace, config: ExportConfig, default: str) -> Path:
    return Path(workspace.export_dir) / FAMILY / (config.folder or default)


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
    context: AssetExecutionContext,
    config: SelectionConfig,
    kodcode_profile: Profile,
    kodcode_triplets: Scans,
) -> pl.DataFrame:
    def batches() -> Iterator[pl.DataFrame]:
        """The decision columns a batch of partitions at a time (read once, by the policy)."""
        for keys in partition_batches(kodcode_triplets):
            yield collect_released(
                kodcode_triplets, TRIPLETS_SCHEMA, None, selection.DECISION_INPUTS, keys
            )

    policy = config.policy(kodcode_profile)
    index = policy.index()
    method = config.method(kodcode_profile)
    triplets: pl.DataFrame | Iterator[pl.DataFrame] = batches()
    canonical = None
    if method == "embeddings":
        # Embedding clusters need every instruct text at once (the original profile's way).
        triplets = collect_released(
            kodcode_triplets, TRIPLETS_SCHEMA, None, columns=selection.DECISION_INPUTS
        )
        if triplets.height:
            canonical = embedding_dedup.embedding_canonical(
                selection.instruct_texts(triplets), embedding_dedup.sentence_embedder()
            )
    df = selection.select(triplets, policy, index, canonical)
    rows_in = df.height  # one decision per triplet
    df = df.with_columns(
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
    report = StepReport(rows_in=rows_in)
    report.tally("decision", df["decision"])
    report.add(
        {
            "dedup/method": method,
            "dedup/near_duplicates": policy.near_duplicates,
            **(
                policy.minhash.as_metadata()
                if method == "minhash"
                else {
                    "dedup/model": embedding_dedup.MODEL_NAME,
                    "dedup/squared_l2_at_most": embedding_dedup.DISTANCE_THRESHOLD,
                }
            ),
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


def _with_decisions(
    df: pl.DataFrame, selection_df: pl.DataFrame, key: pl.Expr, report: StepReport
) -> pl.DataFrame:
    """`df` with its decision attached; rows dropped as near-duplicates are reported."""
    decisions = selection_df.select(
        "question_id",
        "decision",
        "benchmark",
        "benchmark_task_id",
        "benchmark_similarity",
        "contamination_threshold",
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


# The columns of kodcode_solution_trials the release reads (for the empty frame when none ran).
SOLUTION_TRIALS_SCHEMA = {
    "trial_id": pl.Utf8,
    "question_id": pl.Utf8,
    "trial_index": pl.Int64,
    "solution_code": pl.Utf8,
    "test_code": pl.Utf8,
    "model": pl.Utf8,
}


def benchmark_texts(selection_df: pl.DataFrame) -> dict[tuple[str, str], str]:
    """(benchmark, problem id) -> the problem's text, for KodCode-V1's benchmark_instruction."""
    _, names = _recorded_policy(selection_df)
    matched = set(selection_df.filter(pl.col("benchmark").is_not_null())["benchmark"].to_list())
    problems = load_benchmarks([n for n in names if n in matched]) if matched else []
    return {(p.benchmark, p.problem_id): p.text for p in problems}


@asset(
    **RELEASE,
    ins={
        name: ALL_PARTITIONS
        for name in (
            "kodcode_triplets",
            "kodcode_seed_prompts",
            "kodcode_questions",
            "kodcode_solution_trials",
            "kodcode_test_results",
            "kodcode_retry_trials",
        )
    },
    description="KodCode-V1-shaped triplets (its fields and types, then ours) as Parquet shards with train / use_with_caution splits and a dataset card.",
)
def kodcode_dataset(
    context: AssetExecutionContext,
    config: ExportConfig,
    workspace: Workspace,
    kodcode_profile: Profile,
    kodcode_triplets: Scans,
    kodcode_seed_prompts: Scans,
    kodcode_questions: Scans,
    kodcode_solution_trials: Scans,
    kodcode_test_results: Scans,
    kodcode_retry_trials: Scans,
    kodcode_release_selection: pl.DataFrame,
) -> pl.LazyFrame:
    # A batch of partitions at a time: a question's trials, question and seed prompt are in
    # its own partition, so each batch is built alone and the export cuts the shards.
    report = StepReport(rows_in=0)
    texts = benchmark_texts(kodcode_release_selection)
    trials_type = _released_trials_type(
        kodcode_triplets, kodcode_solution_trials, kodcode_retry_trials, kodcode_release_selection
    )
    schema = release_records.v1_schema(trials_type=trials_type)
    shape.validate_release(pl.DataFrame(schema=schema), shape.KODCODE_V1_FIELDS, "kodcode_dataset")
    out = _out_dir(workspace, config, "triplets")
    with ShardedExport(out, sort_by="question_id") as export:
        for keys in partition_batches(kodcode_triplets):
            triplets = collect_released(
                kodcode_triplets,
                TRIPLETS_SCHEMA,
                ["question_id"],
                columns=release_records.TRIPLET_INPUTS,
                keys=keys,
            )
            report.rows_in = (report.rows_in or 0) + triplets.height
            decided = _with_decisions(
                triplets, kodcode_release_selection, pl.col("question_id"), report
            )
            trials = release_records.all_trials(
                *(
                    collect_released(frames, schema_of, ["trial_id"], columns, keys)
                    for frames, schema_of, columns in (
                        (
                            kodcode_solution_trials,
                            SOLUTION_TRIALS_SCHEMA,
                            release_records.SOLUTION_TRIAL_INPUTS,
                        ),
                        (kodcode_test_results, RESULT_SCHEMA, release_records.TEST_RESULT_INPUTS),
                        (kodcode_retry_trials, RETRY_SCHEMA, release_records.RETRY_TRIAL_INPUTS),
                    )
                )
            )
            sources = release_records.question_sources(
                collect_released(
                    kodcode_seed_prompts,
                    SEED_PROMPT_SCHEMA,
                    ["prompt_id"],
                    release_records.SEED_PROMPT_INPUTS,
                    keys,
                ),
                collect_released(
                    kodcode_questions,
                    QUESTION_SCHEMA,
                    ["question_id"],
                    release_records.QUESTION_INPUTS,
                    keys,
                ),
            )
            export.add(
                release_records.v1_rows(
                    list(decided.sort("question_id").iter_rows(named=True)),
                    trials,
                    sources,
                    texts,
                    kodcode_profile.name,
                    trials_type,
                )
            )
        rows = export.scan()
        policy, benchmarks = _recorded_policy(kodcode_release_selection)
        if kodcode_profile.original:
            policy = replace(policy, near_duplicates=selection.ORIGINAL_POLICY.near_duplicates)
        counts = {f: counts_table(rows, f) for f in ("split", "style", "subset", "gpt_difficulty")}
        released = sum(counts["split"].values())
        card = card_markdown(
            "KodCode-style verified triplets (assay)",
            f"{released} question / solution / test triplets verified by execution, with KodCode-V1's "
            f"fields and types (profile `{kodcode_profile.name}`), then assay's own columns. "
            'Load with `datasets.load_dataset("parquet", data_dir=<this folder>)` or `polars.read_parquet("data/*.parquet")`.',
            selection.card_sections(policy, benchmarks),
            counts,
        )
        report.add(export.finish(card, splits=(TRAIN, CAUTION), schema=schema))
    report.add({f"split/{k}": v for k, v in counts["split"].items()})
    report.add({f"style/{k}": v for k, v in counts["style"].items()})
    report.add(
        {"schema/kodcode_v1_fields": len(shape.KODCODE_V1_FIELDS), "profile": kodcode_profile.name}
    )
    # The stored frame is the exported rows (split by split, each in export order), streamed
    # from the shards by the IO manager rather than held here.
    return report.emit(
        context, scan_exported(out, schema), preview=["split", "style", "subset", "question"]
    )


def _released_trials_type(
    triplets: Scans, solution_trials: Scans, retry_trials: Scans, selection_df: pl.DataFrame
) -> pl.Struct:
    """The release's `trials` struct: a key for each (model, trial index) among the trials
    of the released items' roots (read from three small columns of every partition)."""
    ids = collect_released(
        triplets, TRIPLETS_SCHEMA, None, columns=["question_id", "parent_question_id"]
    )
    kept = selection_df.filter(pl.col("decision") != NEAR_DUPLICATE).select("question_id")
    parent = pl.col("parent_question_id")
    roots = ids.join(kept, on="question_id", how="semi").select(
        pl.when(parent.is_null() | (parent == "")).then(pl.col("question_id")).otherwise(parent)
    )
    columns = ["question_id", "model", "trial_index"]
    trials = pl.concat(
        [
            collect_released(solution_trials, SOLUTION_TRIALS_SCHEMA, None, columns),
            collect_released(retry_trials, RETRY_SCHEMA, None, columns),
        ],
        how="vertical_relaxed",
    )
    return release_records.released_trials_type(trials, roots.to_series())


SFT_METHOD = (
    "Each question (both styles) was sent to the reasoner role N times. The code after the "
    "reasoning (`</think>`) was extracted, every function or class the tests import was aligned "
    "by name (entry points first, then arity and name similarity), and the result ran against the "
    "triplet's tests in the sandbox. One row per question, as KodCode-V1-SFT-R1: `r1_pass_sequence` "
    'lists each answer\'s verdict, `r1_correctness` is "True" when any passed, and the chosen answer '
    "(the first correct one, else the first) is `r1_solution` and the `conversations` reply."
)
SFT_FILES = (
    "`data/{train,incorrect,use_with_caution}-*.parquet` (KodCode-V1-SFT-R1's fields, then ours); "
    "`sft_sharegpt.json` (the train split's conversations) and `dataset_info.json` for LLaMA-Factory."
)
SFT_SPLITS = (TRAIN, "incorrect", CAUTION)


def _train_only(df: pl.DataFrame, report: StepReport) -> pl.DataFrame:
    """The RL set takes `train` items only; the others are reported as use_with_caution."""
    report.drop(CAUTION, n=df.filter(pl.col("decision") == CAUTION).height)
    return df.filter(pl.col("decision") == TRAIN)


@asset(
    **RELEASE,
    ins={"kodcode_sft": ALL_PARTITIONS},
    description="Reasoning-model SFT set shaped like KodCode-V1-SFT-R1 (one row per question, r1_* fields; train / incorrect / use_with_caution), plus LLaMA-Factory sharegpt JSON of the train split.",
)
def kodcode_sft_dataset(
    context: AssetExecutionContext,
    config: ExportConfig,
    workspace: Workspace,
    kodcode_profile: Profile,
    kodcode_sft: Frames,
    kodcode_dataset: pl.LazyFrame,
) -> pl.DataFrame:
    answers = released_frames(kodcode_sft, SFT_SCHEMA, ["sft_id"])
    asked = set(answers["question_id"].to_list())
    # The released triplets that were asked, without their trials (the SFT rows carry none).
    asked_ids = pl.Series("assay_question_id", sorted(asked), dtype=pl.Utf8).to_frame()
    triplets = (
        kodcode_dataset.select(pl.exclude("trials"))
        .join(asked_ids.lazy(), on="assay_question_id", how="semi")
        .collect()
    )
    released = set(triplets["assay_question_id"].to_list())
    report = StepReport(rows_in=len(asked))
    report.drop(NEAR_DUPLICATE, n=len(asked - released))
    df = release_records.sft_r1_rows(answers, triplets, kodcode_profile.name)
    shape.validate_release(df, shape.KODCODE_SFT_R1_FIELDS, "kodcode_sft_dataset")
    train = df.filter(pl.col("split") == TRAIN)
    records = [
        {"id": r["question_id"], "conversations": r["conversations"], "system": r["system"]}
        for r in train.iter_rows(named=True)
    ]
    counts = {f: counts_table(df, f) for f in ("split", "style", "gpt_difficulty")}
    card = card_markdown(
        "KodCode-style reasoning SFT (assay)",
        f"{df.height} verified questions with reasoning-model answers, {train.height} of them "
        f"cross-verified correct, with KodCode-V1-SFT-R1's fields and types (profile "
        f'`{kodcode_profile.name}`). Load with `datasets.load_dataset("parquet", data_dir=<this folder>)`; '
        "LLaMA-Factory reads `sft_sharegpt.json` through `dataset_info.json`.",
        {"How it was made": SFT_METHOD, "Files": SFT_FILES, "Licence": selection.LICENCE},
        counts,
    )
    splits = {name: df.filter(pl.col("split") == name).drop("split") for name in SFT_SPLITS}
    splits = {k: v for k, v in splits.items() if v.height or k == TRAIN}
    out = _out_dir(workspace, config, "sft")
    files = sharegpt_files("kodcode_sft", records)
    report.add(export_parquet_dataset(splits, out, card, sort_by="question_id", extra_files=files))
    report.add({f"split/{k}": v for k, v in counts["split"].items()})
    report.share("pass_rate", train.height, df.height)
    return report.emit(context, df, preview=["split", "r1_correctness", "question"])


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
