"""The ExecVerify release, through the shared release policy: the SFT set (HF Parquet + card,
LLaMA-Factory sharegpt + dataset_info.json) and the RL set (verl Parquet; the reward is
assets/execverify/reward.py). Near-duplicate programs across partitions keep one copy;
programs close to a benchmark go to `use_with_caution`."""

import json

import polars as pl
from dagster import AssetExecutionContext, AssetIn, Config, asset
from pydantic import Field

from assets.common.family import release_group
from assets.common.formats import chat_messages, sharegpt, verl_row, verl_schema
from assets.common.release import (
    CAUTION,
    TRAIN,
    ReleaseItem,
    ReleasePolicy,
    card_markdown,
    counts_table,
    export_parquet_dataset,
    release_splits,
    released_frames,
    sharegpt_files,
)
from assets.common.report import StepReport
from assets.execverify.assets import RL_SCHEMA, SFT_SCHEMA
from resources.workspace import Workspace

FAMILY = "execverify"
POLICY = ReleasePolicy()
ALL_PARTITIONS = {"metadata": {"allow_missing_partitions": True}}

CARD_METHOD = """\
Programs were synthesized by a generator model to exercise one Python built-in method
each (ExecVerify's six configurations of nested calls, other methods, a helper -> entry
call chain and control-flow blueprints), and re-written with new literal arguments.
Each was run in a sandbox; only programs whose result's repr evaluates back to an equal
value on a second run were kept, and only those a small evaluator model got right at
most 3 times in 10. A reasoning model then predicted outputs from inputs (I/O) and
inputs from outputs (O/I); answers were kept only when the predicted value equals the
result, or the model's assertion runs and passes in the sandbox. RL rows add white-box
questions built from a line trace of the call (which line runs next; a variable's value
and type), whose answers come from the trace itself.
"""


class ReleaseConfig(Config):
    dataset_name: str = Field(
        default="execverify", description="folder name under the export directory"
    )


def _decide(df: pl.DataFrame, id_col: str, text_col: str) -> dict:
    items = [
        ReleaseItem(r[id_col], r["func_str"], [r[text_col], r["func_str"]])
        for r in df.iter_rows(named=True)
    ]
    return POLICY.decide(items, POLICY.index())


@asset(
    group_name=release_group(FAMILY),
    ins={"execverify_sft": AssetIn(**ALL_PARTITIONS)},
    description="Every partition's SFT records: Parquet + card, and sharegpt + dataset_info.json for LLaMA-Factory.",
)
def execverify_sft_release(
    context: AssetExecutionContext,
    config: ReleaseConfig,
    workspace: Workspace,
    execverify_sft: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    df = released_frames(execverify_sft, SFT_SCHEMA, "record_id")
    report = StepReport(rows_in=df.height, log=context.log)
    decisions = _decide(df, "record_id", "human")
    for d in decisions.values():
        if not d.released:
            report.drop(d.decision, key=d.id, detail=f"same program as {d.canonical_id}")
    df = (
        df.with_columns(
            pl.col("record_id")
            .map_elements(lambda i: decisions[i].decision, return_dtype=pl.Utf8)
            .alias("split")
        )
        if df.height
        else df.with_columns(pl.lit(None, pl.Utf8).alias("split"))
    )
    df = df.filter(pl.col("split").is_in([TRAIN, CAUTION]))
    train = df.filter(pl.col("split") == TRAIN)
    records = [
        {
            "id": r["record_id"],
            **sharegpt(chat_messages([{"role": "user", "content": r["human"]}], r["gpt"])),
        }
        for r in train.sort("record_id").iter_rows(named=True)
    ]
    card = card_markdown(
        f"{config.dataset_name} SFT",
        "Execution-reasoning SFT records (ExecVerify).",
        {"Method": CARD_METHOD, "Splits": POLICY.splits_text(POLICY.benchmarks)},
        {"mode": counts_table(df, "mode")},
    )
    out = workspace.export_dir / config.dataset_name / "sft"
    meta = export_parquet_dataset(
        release_splits(df, df.columns),
        out,
        card,
        "record_id",
        extra_files=sharegpt_files(f"{config.dataset_name}_sft", records),
    )
    report.add(meta)
    return report.emit(context, df, preview=["mode", "split"])


EXTRA_INFO = {
    "type": pl.Utf8,
    "rules": pl.Utf8,
    "sample_id": pl.Utf8,
    "partition": pl.Utf8,
    "split": pl.Utf8,
}


@asset(
    group_name=release_group(FAMILY),
    ins={"execverify_rl": AssetIn(**ALL_PARTITIONS)},
    description="Every partition's RL rows as verl Parquet (prompt, reward_model.ground_truth, extra_info).",
)
def execverify_rl_release(
    context: AssetExecutionContext,
    config: ReleaseConfig,
    workspace: Workspace,
    execverify_rl: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    df = released_frames(execverify_rl, RL_SCHEMA, "row_id")
    report = StepReport(rows_in=df.height, log=context.log)
    decisions = _decide(df, "row_id", "prompt")
    rows = {TRAIN: [], CAUTION: []}
    for r in df.iter_rows(named=True):
        d = decisions[r["row_id"]]
        if not d.released:
            report.drop(d.decision, key=r["row_id"], detail=f"same program as {d.canonical_id}")
            continue
        rows[d.decision].append(
            {
                "row_id": r["row_id"],
                **verl_row(
                    data_source=f"execverify_{r['type']}",
                    prompt=[{"role": "user", "content": r["prompt"]}],
                    ability="code_execution",
                    ground_truth=r["ground_truth"],
                    extra_info={
                        "type": r["type"],
                        "rules": r["rules"],
                        "sample_id": r["sample_id"],
                        "partition": r["partition"],
                        "split": d.decision,
                    },
                ),
            }
        )
    schema = {"row_id": pl.Utf8, **verl_schema(EXTRA_INFO)}
    splits = {
        s: pl.DataFrame(v, schema=schema) if v else pl.DataFrame(schema=schema)
        for s, v in rows.items()
    }
    kept = pl.concat(list(splits.values()))
    card = card_markdown(
        f"{config.dataset_name} RL",
        "White-box and O/I RL rows for verl (ExecVerify); reward: "
        "assets/execverify/reward.py:compute_score.",
        {"Method": CARD_METHOD, "Splits": POLICY.splits_text(POLICY.benchmarks)},
        {"type": counts_table(df.filter(pl.col("row_id").is_in(kept["row_id"])), "type")},
    )
    meta = export_parquet_dataset(
        splits, workspace.export_dir / config.dataset_name / "rl", card, "row_id"
    )
    report.add(meta)
    report.tally(
        "type",
        [
            json.loads(t)["type"]
            for t in kept["reward_model"].struct.field("ground_truth").to_list()
        ],
    )
    return report.emit(
        context, kept.select("row_id", "data_source", "ability"), preview=["data_source"]
    )
