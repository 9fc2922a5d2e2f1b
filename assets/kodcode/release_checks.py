"""Checks on the releases: no released item is as similar to a benchmark problem as the
contamination threshold the selection was made with."""


import polars as pl
from dagster import AssetCheckResult, AssetIn, asset_check

from assets.common.checks import count_check
from assets.common.decontam import DecontamIndex, load_benchmarks
from assets.common.release import TRAIN
from assets.kodcode.release import kodcode_dataset, kodcode_rl_dataset, kodcode_sft_dataset

SELECTION = {"kodcode_release_selection": AssetIn()}


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


def _user_text(messages: list[dict]) -> str:
    return "\n".join(m["content"] for m in messages if m["role"] == "user")


@asset_check(
    asset=kodcode_dataset,
    additional_ins=SELECTION,
    description="No train triplet is as similar to a HumanEval problem as the contamination threshold.",
)
def kodcode_dataset_uncontaminated(
    kodcode_dataset: pl.DataFrame, kodcode_release_selection: pl.DataFrame
) -> AssetCheckResult:
    train = kodcode_dataset.filter(pl.col("split") == TRAIN)
    texts = list(train.select("question_id", "question").iter_rows())
    return _contamination(texts, kodcode_release_selection)


@asset_check(
    asset=kodcode_sft_dataset,
    additional_ins=SELECTION,
    description="No released SFT prompt is as similar to a HumanEval problem as the contamination threshold.",
)
def kodcode_sft_dataset_uncontaminated(
    kodcode_sft_dataset: pl.DataFrame, kodcode_release_selection: pl.DataFrame
) -> AssetCheckResult:
    texts = [
        (r["sft_id"], _user_text(r["messages"])) for r in kodcode_sft_dataset.iter_rows(named=True)
    ]
    return _contamination(texts, kodcode_release_selection)


@asset_check(
    asset=kodcode_rl_dataset,
    additional_ins=SELECTION,
    description="No released RL prompt is as similar to a HumanEval problem as the contamination threshold.",
)
def kodcode_rl_dataset_uncontaminated(
    kodcode_rl_dataset: pl.DataFrame, kodcode_release_selection: pl.DataFrame
) -> AssetCheckResult:
    df = kodcode_rl_dataset
    texts = [
        (e["question_id"], "\n".join(m["content"] for m in p))
        for e, p in zip(df["extra_info"].to_list(), df["prompt"].to_list())
    ]
    return _contamination(texts, kodcode_release_selection)


RELEASE_CHECKS = [
    kodcode_dataset_uncontaminated,
    kodcode_sft_dataset_uncontaminated,
    kodcode_rl_dataset_uncontaminated,
]
