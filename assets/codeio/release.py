"""The CodeI/O release: every partition's final records as one dataset.

Exports the CodeI/O++ records (`prompt, turn_1, feedback_1, turn_2, feedback_2`
plus ids and statuses) as Parquet shards and the SFT conversations as
LLaMA-Factory sharegpt JSON. Selection (one copy per source file, benchmark
decontamination into `use_with_caution`) is in selection.py; SFT takes `train`.
"""

import json
from pathlib import Path
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, AssetIn, Config, asset
from pydantic import Field

from assets.codeio.configs import pick
from assets.codeio.method import method_for
from assets.codeio.schemas import FINAL_SCHEMA, PAIRS_SCHEMA
from assets.codeio.selection import decide, parsed_records
from assets.common.family import release_group
from assets.common.formats import sharegpt
from assets.common.profiles import Profile
from assets.common.release import (
    CAUTION,
    TRAIN,
    ReleasePolicy,
    card_markdown,
    counts_table,
    export_parquet_dataset,
    left_out,
    release_splits,
    released_frames,
    sharegpt_files,
)
from assets.common.report import StepReport
from resources.workspace import Workspace

FAMILY = "codeio"
RELEASE_GROUP = release_group(FAMILY)
EXPORT_COLUMNS = [
    "prompt_id",
    "item_id",
    "partition",
    "kind",
    "pair_index",
    "prompt",
    "turn_1",
    "feedback_1",
    "turn_2",
    "feedback_2",
    "in_codeio_pp",
    "status_1",
    "status_2",
    "final_status",
    "verified",
    "benchmark_task_id",
    "benchmark_similarity",
]

CARD_METHOD = """\
Follows CodeI/O (hkust-nlp/CodeIO) and its CodeI/O++ revision turn. A generator
model rewrote each raw code file into a `main_solution` function with
JSON-serialisable arguments and result, an input/output description, a
randomised `input_generator` and a problem statement. The sandbox called the
generator (seeded, up to 1,000 draws), kept distinct inputs and non-None
outputs within CodeI/O's size limits (under 1 KB serialised, containers under
20 elements, strings under 100 characters), stopped at 10 pairs and kept items
with at least 2; every output was computed twice in one process and again in a
fresh one, and items whose outputs differed were dropped. For the first three
pairs the model predicted the output from the input and a feasible input from
the output, with the code as a tip. Outputs are compared with CodeI/O's
tolerance (ints exact, floats relative 1e-3, lists and dicts structurally);
inputs are verified by running `main_solution` on them. Wrong answers got the
verifier's feedback and one chance to revise (`turn_2`, `feedback_2`).
"""


class ReleaseConfig(Config):
    dataset_name: str = Field(
        default="codeio", description="folder name under the export directory"
    )
    sft_verified_only: bool | None = Field(
        default=None,
        description="SFT conversations only for records whose final answer was verified; None: the "
        "profile's (assay yes; original no: every CodeI/O++ record, as CodeI/O++ trains on them)",
    )
    benchmarks: list[str] = Field(
        default=["humaneval"], description="built-in benchmarks to decontaminate against"
    )
    contamination_threshold: float = Field(
        default=0.5,
        description="benchmark similarity (share of shared word 5-grams) at which an item goes to use_with_caution",
    )
    dedup_threshold: float = Field(
        default=0.8,
        description="MinHash similarity of two items' programs at which only the first seed file's copy is kept",
    )

    def policy(self) -> ReleasePolicy:
        """The shared release policy with this run's thresholds and benchmarks."""
        return ReleasePolicy(
            dedup_threshold=self.dedup_threshold,
            benchmarks=tuple(self.benchmarks),
            contamination_threshold=self.contamination_threshold,
        )


def sharegpt_records(df: pl.DataFrame, verified_only: bool) -> list[dict[str, Any]]:
    """LLaMA-Factory sharegpt rows from the `train` split: verified records, or every answered one."""
    rows = df.filter(pl.col("split") == TRAIN)
    rows = rows.filter(pl.col("verified")) if verified_only else rows.filter(pl.col("turns") > 0)
    return [
        {"id": r["prompt_id"], "kind": r["kind"], **sharegpt(r["messages"])}
        for r in rows.sort("prompt_id").iter_rows(named=True)
    ]


@asset(
    group_name=RELEASE_GROUP,
    ins={
        "codeio_final": AssetIn(metadata={"allow_missing_partitions": True}),
        "codeio_io_pairs": AssetIn(metadata={"allow_missing_partitions": True}),
    },
    description="Every partition's CodeI/O++ records, near-duplicate programs once, decontaminated, "
    "exported as Parquet splits + sharegpt SFT JSON + the items in CodeI/O's parsed JSONL shape.",
)
def codeio_release(
    context: AssetExecutionContext,
    config: ReleaseConfig,
    workspace: Workspace,
    codeio_profile: Profile,
    codeio_final: dict[str, pl.DataFrame],
    codeio_io_pairs: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    method = method_for(codeio_profile)
    records = released_frames(codeio_final, FINAL_SCHEMA, ["partition", "prompt_id"])
    pairs = released_frames(codeio_io_pairs, PAIRS_SCHEMA, ["item_id"])
    report = StepReport(rows_in=records.height, log=context.log)
    # CodeI/O++'s set (original), or every record the model answered (assay).
    selected = pl.col("turns") > 0 if method.release_all_turn_1 else pl.col("in_codeio_pp")
    reason = "no_model_answer" if method.release_all_turn_1 else "not_in_codeio_pp"
    report.drop(reason, n=records.filter(~selected).height)
    records = records.filter(selected)
    policy = config.policy()
    index = policy.index()
    decided = decide(records, pairs, policy, index, dedup=method.dedup_programs)
    df = decided.filter(pl.col("split").is_in([TRAIN, CAUTION]))
    verified_only = pick(config.sft_verified_only, method.sft_verified_only)
    sft = sharegpt_records(df, verified_only)
    parsed = parsed_records(pairs, df, main_code_only=method.original)
    export_meta = export_parquet_dataset(
        release_splits(df, EXPORT_COLUMNS),
        Path(workspace.export_dir) / config.dataset_name,
        card(df, len(sft), config, index.benchmarks, method.profile, verified_only),
        sort_by="prompt_id",
        extra_files={
            **sharegpt_files(config.dataset_name, sft),
            "codeio_parsed.jsonl": "".join(
                json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in parsed
            ),
        },
    )
    for reason, n in left_out(decided["split"].to_list()).items():
        report.drop(reason, n=n)
    report.share("verified_share", df.filter(pl.col("verified")).height, df.height)
    report.add(
        {
            "partitions": len(codeio_final),
            "profile": method.profile,
            "sft_conversations": len(sft),
            "parsed_items": len(parsed),
            "decontam/benchmarks": ", ".join(index.benchmarks),
            "decontam/threshold": config.contamination_threshold,
            "decontam/max_similarity": float(df["benchmark_similarity"].max() or 0.0)
            if df.height
            else 0.0,
            **export_meta,
        }
    )
    report.tally("split", df["split"].to_list())
    report.tally("final_status", df["final_status"].to_list())
    return report.emit(context, df, preview=["kind", "split", "final_status", "prompt"])


def card(
    df: pl.DataFrame,
    sft_conversations: int,
    config: ReleaseConfig,
    benchmarks: list[str],
    profile: str = "assay",
    verified_only: bool = True,
) -> str:
    """The dataset card: what the records are, how they were made and split, the files."""
    return card_markdown(
        f"CodeI/O++ (assay, profile {profile})",
        f"{df.height} input/output prediction records from {df['item_id'].n_unique() if df.height else 0} "
        f"programs; {sft_conversations} SFT conversations.",
        {
            "Method": CARD_METHOD,
            "Decontamination": f"Items whose prompt shares at least {config.contamination_threshold:.0%} of its "
            f"word 5-grams with a problem of {', '.join(benchmarks)} are in `{CAUTION}`, not `{TRAIN}`.",
            "Records": "Every record has CodeI/O++'s fields (prompt, turn_1, feedback_1, turn_2, "
            "feedback_2); `in_codeio_pp` marks CodeI/O++'s own set (turn-1 successes and every revised "
            "record). "
            + (
                "Profile `original`: only those records are released."
                if profile == "original"
                else "Profile `assay`: every record the model answered, with its statuses."
            ),
            "Files": "`data/<split>-*.parquet` (CodeI/O++ records); `sft_sharegpt.json` (LLaMA-Factory, see "
            f"`dataset_info.json`; train split only, {'verified records' if verified_only else 'every record'}); `codeio_parsed.jsonl` (each program with its verified "
            "pairs in CodeI/O's parsed shape: problem_description, io_requirements, refcode, funcname, ios).",
        },
        {
            "kind": counts_table(df, "kind"),
            "final status": counts_table(df, "final_status"),
            "split": counts_table(df, "split"),
        },
    )
