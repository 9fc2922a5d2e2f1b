"""Checks on the releases: no released item is as similar to a benchmark problem as the
contamination threshold the selection was made with."""

import polars as pl
from dagster import AssetCheckResult, AssetIn, asset_check

from assets.common.checks import count_check
from assets.common.decontam import DecontamIndex, load_benchmarks
from assets.common.release import TRAIN
from assets.kodcode import release_schema as shape
from assets.kodcode.release import kodcode_dataset, kodcode_rl_dataset, kodcode_sft_dataset


def _threshold(selection: pl.DataFrame) -> float:
    return float(selection["contamination_threshold"][0]) if selection.height else 0.5


def _contamination(texts: list[tuple[str, str]], selection: pl.DataFrame) -> AssetCheckResult:
    """Fails with examples when a text reaches the selection's threshold."""
    threshold = _threshold(selection)
    names = selection["decontam_benchmarks"][0].split(",") if selection.height else ["humaneval"]
    index = DecontamIndex(load_benchmarks([n for n in names if n]))
    found = []
    for item_id, text in texts:
        match = index.best_match(item_id, text)
        if match and match.similarity >= threshold:
            found.append((item_id, match.problem_id, match.similarity))
    return count_check(
        {"contaminated": len(found)},
        info={
            "rows_checked": len(texts),
            "threshold": threshold,
            "examples": "; ".join(f"{i} ~ {p} ({s:.2f})" for i, p, s in found[:5]),
        },
    )


def _triplet_texts(df: pl.LazyFrame) -> list[tuple[str, str]]:
    train = df.filter(pl.col("split") == TRAIN).select("question_id", "question")
    return list(train.collect().iter_rows())


def _sft_texts(df: pl.DataFrame) -> list[tuple[str, str]]:
    """The prompts of the SFT set's training split (use_with_caution is there to be inspected)."""
    train = df.filter(pl.col("split") == TRAIN)
    return [
        (
            r["question_id"],
            "\n".join(t["value"] for t in r["conversations"] if t["from"] == "human"),
        )
        for r in train.iter_rows(named=True)
    ]


def _rl_texts(df: pl.DataFrame) -> list[tuple[str, str]]:
    return [
        (e["question_id"], "\n".join(m["content"] for m in p))
        for e, p in zip(df["extra_info"].to_list(), df["prompt"].to_list())
    ]


SELECTION = {"kodcode_release_selection": AssetIn()}
DESCRIPTION = "No released {} is as similar to a HumanEval problem as the contamination threshold."


@asset_check(
    asset=kodcode_dataset, additional_ins=SELECTION, description=DESCRIPTION.format("train triplet")
)
def kodcode_dataset_uncontaminated(
    kodcode_dataset: pl.LazyFrame, kodcode_release_selection: pl.DataFrame
) -> AssetCheckResult:
    return _contamination(_triplet_texts(kodcode_dataset), kodcode_release_selection)


@asset_check(
    asset=kodcode_sft_dataset,
    additional_ins=SELECTION,
    description=DESCRIPTION.format("SFT prompt"),
)
def kodcode_sft_dataset_uncontaminated(
    kodcode_sft_dataset: pl.DataFrame, kodcode_release_selection: pl.DataFrame
) -> AssetCheckResult:
    return _contamination(_sft_texts(kodcode_sft_dataset), kodcode_release_selection)


@asset_check(
    asset=kodcode_rl_dataset, additional_ins=SELECTION, description=DESCRIPTION.format("RL prompt")
)
def kodcode_rl_dataset_uncontaminated(
    kodcode_rl_dataset: pl.DataFrame, kodcode_release_selection: pl.DataFrame
) -> AssetCheckResult:
    return _contamination(_rl_texts(kodcode_rl_dataset), kodcode_release_selection)


def _shaped(df: pl.DataFrame | pl.LazyFrame, fields: dict[str, str]) -> AssetCheckResult:
    """Passes when every field of the original's card is there with its type (a LazyFrame's
    schema and row count come from the file's footer, no row is read)."""
    problems = shape.field_problems(pl.DataFrame(schema=df.collect_schema()), fields)
    rows = df.height if isinstance(df, pl.DataFrame) else df.select(pl.len()).collect().item()
    return count_check(
        {"field_problems": len(problems)},
        info={"fields": len(fields), "rows": rows, "problems": "; ".join(problems[:10])},
    )


@asset_check(
    asset=kodcode_dataset,
    description="The triplets carry every KodCode-V1 field with its type (ours come after).",
)
def kodcode_dataset_has_kodcode_v1_fields(kodcode_dataset: pl.LazyFrame) -> AssetCheckResult:
    return _shaped(kodcode_dataset, shape.KODCODE_V1_FIELDS)


@asset_check(
    asset=kodcode_sft_dataset,
    description="The SFT set carries every KodCode-V1-SFT-R1 field with its type (ours come after).",
)
def kodcode_sft_dataset_has_sft_r1_fields(kodcode_sft_dataset: pl.DataFrame) -> AssetCheckResult:
    return _shaped(kodcode_sft_dataset, shape.KODCODE_SFT_R1_FIELDS)


RELEASE_CHECKS = [
    kodcode_dataset_uncontaminated,
    kodcode_sft_dataset_uncontaminated,
    kodcode_rl_dataset_uncontaminated,
    kodcode_dataset_has_kodcode_v1_fields,
    kodcode_sft_dataset_has_sft_r1_fields,
]
