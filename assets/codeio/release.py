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

from assets.codeio.schemas import FINAL_SCHEMA, PAIRS_SCHEMA
from assets.codeio.selection import CAUTION, TRAIN, parsed_records, select
from assets.common.bookkeeping import frame_metadata
from assets.common.decontam import DecontamIndex, load_benchmarks
from assets.common.formats import llamafactory_dataset_info, sharegpt
from assets.common.release import (
    card_markdown,
    combine_partitions,
    counts_table,
    export_parquet_dataset,
    json_records,
    partition_frames,
)
from resources.workspace import Workspace

FAMILY = "codeio"
RELEASE_GROUP = f"{FAMILY}_release"
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
    sft_verified_only: bool = Field(
        default=True,
        description="SFT conversations only for records whose final answer was verified (CodeI/O++ keeps all)",
    )
    benchmarks: list[str] = Field(
        default=["humaneval"], description="built-in benchmarks to decontaminate against"
    )
    contamination_threshold: float = Field(
        default=0.5,
        description="benchmark similarity (share of shared word 5-grams) at which an item goes to use_with_caution",
    )


def sharegpt_records(df: pl.DataFrame, verified_only: bool) -> list[dict[str, Any]]:
    """LLaMA-Factory sharegpt rows from the `train` split: verified records, or every answered one."""
    rows = df.filter(pl.col("split") == TRAIN)
    rows = rows.filter(pl.col("verified")) if verified_only else rows.filter(pl.col("turns") > 0)
    return [
        {"id": r["prompt_id"], "kind": r["kind"], **sharegpt(r["messages"])}
        for r in rows.sort("prompt_id").iter_rows(named=True)
    ]


# The IO manager hands over a dict (partition -> frame), or a bare frame when only one
# partition exists, which a `dict[...]` annotation would reject: hence `Any`.
@asset(
    group_name=RELEASE_GROUP,
    ins={
        "codeio_final": AssetIn(metadata={"allow_missing_partitions": True}),
        "codeio_io_pairs": AssetIn(metadata={"allow_missing_partitions": True}),
    },
    description="Every partition's CodeI/O++ records, one copy per source file, decontaminated, "
    "exported as Parquet splits + sharegpt SFT JSON + the items in CodeI/O's parsed JSONL shape.",
)
def codeio_release(
    context: AssetExecutionContext,
    config: ReleaseConfig,
    workspace: Workspace,
    codeio_final: Any,
    codeio_io_pairs: Any,
) -> pl.DataFrame:
    frames = partition_frames(codeio_final)
    pair_frames = partition_frames(codeio_io_pairs)
    pairs = combine_partitions(pair_frames, ["item_id"]) if pair_frames else pl.DataFrame()
    if pairs.height == 0:
        pairs = pl.DataFrame(schema=PAIRS_SCHEMA)
    combined = combine_partitions(frames, ["partition", "prompt_id"]) if frames else pl.DataFrame()
    if combined.height == 0:
        combined = pl.DataFrame(schema=FINAL_SCHEMA)
    index = DecontamIndex(load_benchmarks(config.benchmarks))
    df = select(combined, index, config.contamination_threshold)
    sft = sharegpt_records(df, config.sft_verified_only)
    parsed = parsed_records(pairs, df)
    splits = {
        name: df.filter(pl.col("split") == name).select(EXPORT_COLUMNS) for name in (TRAIN, CAUTION)
    }
    # `datasets` cannot load an empty split file; train stays so readers still see the schema.
    splits = {name: part for name, part in splits.items() if part.height or name == TRAIN}
    counts = {
        "kind": counts_table(df, "kind"),
        "final status": counts_table(df, "final_status"),
        "split": counts_table(df, "split"),
    }
    card = card_markdown(
        "CodeI/O++ (assay)",
        f"{df.height} input/output prediction records from {df['item_id'].n_unique() if df.height else 0} "
        f"programs; {len(sft)} SFT conversations.",
        {
            "Method": CARD_METHOD,
            "Decontamination": f"Items whose prompt shares at least {config.contamination_threshold:.0%} of its "
            f"word 5-grams with a problem of {', '.join(index.benchmarks)} are in `{CAUTION}`, not `{TRAIN}`.",
            "Files": "`data/<split>-*.parquet` (CodeI/O++ records); `sft_sharegpt.json` (LLaMA-Factory, see "
            "`dataset_info.json`; train split only); `codeio_parsed.jsonl` (each program with its verified "
            "pairs in CodeI/O's parsed shape: problem_description, io_requirements, refcode, funcname, ios).",
        },
        counts,
    )
    export_meta = export_parquet_dataset(
        splits,
        Path(workspace.export_dir) / config.dataset_name,
        card,
        sort_by="prompt_id",
        extra_files={
            "sft_sharegpt.json": json_records(sft),
            "codeio_parsed.jsonl": "".join(
                json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in parsed
            ),
            "dataset_info.json": json.dumps(
                llamafactory_dataset_info(config.dataset_name, "sft_sharegpt.json"), indent=2
            )
            + "\n",
        },
    )
    extra = {
        "partitions": len(frames),
        "sft_conversations": len(sft),
        "parsed_items": len(parsed),
        "verified_share": df.filter(pl.col("verified")).height / max(1, df.height),
        "decontam/benchmarks": ", ".join(index.benchmarks),
        "decontam/threshold": config.contamination_threshold,
        "decontam/max_similarity": float(df["benchmark_similarity"].max() or 0.0)
        if df.height
        else 0.0,
        **export_meta,
        **{f"split/{k}": v for k, v in counts["split"].items()},
        **{f"final_status/{k}": v for k, v in counts["final status"].items()},
    }
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=combined.height,
            drops={"duplicate_source_across_partitions": combined.height - df.height},
            preview=["kind", "split", "final_status", "prompt"],
            extra=extra,
        )
    )
    return df
