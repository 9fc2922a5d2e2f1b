"""Guards on what downstream users rely on, partitioned like their assets."""

from __future__ import annotations

import json

import polars as pl
from dagster import AssetCheckResult, asset_check

from assets.codeio.assets import FAMILY, codeio_final, codeio_io_pairs
from assets.codeio.limits import fits_limits
from assets.codeio.pairs import pairs_from_rows
from assets.codeio.release import codeio_release
from assets.codeio.released import violations
from assets.codeio.verify import STATUSES, SUCCESS
from assets.common.checks import count_check, unique_ids
from assets.common.family import seed_partitions

FAMILY_PARTITIONS = seed_partitions(FAMILY)


@asset_check(
    asset=codeio_io_pairs,
    partitions_def=FAMILY_PARTITIONS,
    description="Every item's pairs are distinct, counted right and within CodeI/O's size limits; ids unique.",
)
def codeio_pairs_within_limits(codeio_io_pairs: pl.DataFrame) -> AssetCheckResult:
    # Pair-count bounds are per-run config (CodeI/O: 2 to 10), so the check holds the count to the rows' own.
    miscounted = out_of_limits = repeated = 0
    for ios, n_pairs in codeio_io_pairs.select(["ios", "n_pairs"]).iter_rows():
        pairs = pairs_from_rows(ios)
        miscounted += not pairs or len(pairs) != n_pairs
        out_of_limits += sum(
            not (fits_limits(p["input"]) and fits_limits(p["output"])) for p in pairs
        )
        repeated += len(pairs) - len({json.dumps(p["input"], sort_keys=True) for p in pairs})
    return count_check(
        {
            "items_with_wrong_pair_count": miscounted,
            "pairs_out_of_limits": out_of_limits,
            "repeated_inputs": repeated,
            "duplicate_ids": unique_ids(codeio_io_pairs, "item_id"),
        },
        info={
            "fewest_pairs": int(codeio_io_pairs["n_pairs"].min() or 0),
            "most_pairs": int(codeio_io_pairs["n_pairs"].max() or 0),
        },
    )


@asset_check(
    asset=codeio_final,
    partitions_def=FAMILY_PARTITIONS,
    description="One record per prompt, known statuses, verified means a final success, conversations end with the model.",
)
def codeio_final_consistent(codeio_final: pl.DataFrame) -> AssetCheckResult:
    df = codeio_final
    unknown = df.filter(~pl.col("final_status").is_in(list(STATUSES))).height
    verified_wrong = df.filter(pl.col("verified") != (pl.col("final_status") == SUCCESS)).height
    bad_conversations = sum(
        1
        for messages in df["messages"].to_list()
        if messages and (messages[-1]["role"] != "assistant" or messages[0]["role"] != "user")
    )
    return count_check(
        {
            "unknown_status": unknown,
            "verified_mismatch": verified_wrong,
            "bad_conversations": bad_conversations,
            "duplicate_ids": unique_ids(df, "prompt_id"),
        }
    )


@asset_check(
    asset=codeio_release,
    description="The released records carry CodeI/O++'s fields and types (prompt, turn_1, "
    "feedback_1 as text; turn_2, feedback_2 as text or null, together).",
)
def codeio_release_is_codeio_pp(codeio_release: pl.DataFrame) -> AssetCheckResult:
    return count_check(violations(codeio_release), info={"records": codeio_release.height})
