"""The RL set: one verl row per verified triplet, its tests as ground truth."""

import polars as pl
from dagster import AssetExecutionContext, asset

from assets.common.report import StepReport
from assets.kodcode import rl
from assets.kodcode.questions import PARTITIONED


@asset(
    **PARTITIONED,
    description="The RL set in verl's Parquet shape: one row per verified question, tests as ground truth.",
)
def kodcode_rl(context: AssetExecutionContext, kodcode_triplets: pl.DataFrame) -> pl.DataFrame:
    df = rl.rl_frame(rl.rl_rows(list(kodcode_triplets.iter_rows(named=True))))
    report = StepReport(rows_in=kodcode_triplets.height)
    report.tally("style", [t["style"] for t in df["extra_info"].to_list()])
    return report.emit(context, df, preview=["data_source", "ability", "extra_info"])
