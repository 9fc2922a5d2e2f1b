"""The Case2Code release: every partition's prompts as one SFT set, and a model's score on a test set."""

import json
from collections import Counter
from pathlib import Path
from typing import Any

import polars as pl
from dagster import (
    AssetExecutionContext,
    AssetIn,
    Config,
    DagsterType,
    Failure,
    MetadataValue,
    asset,
)
from pydantic import Field

from assets.case2code.decontaminate import contaminated
from assets.case2code.records import record_from_row
from assets.case2code.scoring import pass_at_k_metadata, score_rows
from assets.case2code.testset import read_test_set
from assets.common.bookkeeping import frame_metadata
from assets.common.release import (
    card_markdown,
    combine_partitions,
    counts_table,
    export_parquet_dataset,
    json_records,
    partition_frames,
)
from resources.llm import LLMRequest
from resources.workspace import Workspace

FAMILY = "case2code"
RELEASE_GROUP = f"{FAMILY}_release"
EXPORT_COLUMNS = [
    "prompt_id",
    "case_id",
    "partition",
    "func_name",
    "template",
    "n_shown",
    "n_cases",
    "prompt",
    "response",
]

CARD_METHOD = """\
Each row teaches a model to write a function from examples of its behaviour.
Seed functions were given to a generator model that wrote example inputs only
(read with `ast`, literal values only, checked against the signature); the
sandbox ran the function on every example and recorded the return value's
`repr` or the exception, so every shown output is right by construction. Items
with no returned value (only exceptions) were dropped. Each prompt shows a
seeded random subset of at least three cases in one of several raw or call
styles; the target is the function in a python block.
"""


class SFTReleaseConfig(Config):
    dataset_name: str = Field(
        default="case2code", description="folder name under the export directory"
    )
    decontaminate_against: list[str] = Field(
        default=["case2code/eval/demo_test.jsonl"],
        description="Case2Code-format test sets (relative paths: under the seed directory) whose functions "
        "must not be trained on; missing files are skipped with a warning",
    )


# With a single partition materialized, the IO manager hands over a bare frame instead of a dict, which the
# plain `dict[str, pl.DataFrame]` annotation's type check rejects; this type loads the same way and accepts both.
PARTITION_FRAMES = DagsterType(
    name="Case2CodePartitionFrames",
    type_check_fn=lambda _, value: value is None or isinstance(value, (dict, pl.DataFrame)),
    typing_type=dict[str, pl.DataFrame],
    description="Every materialized partition's frame (a dict by partition key, or one frame when there is one).",
)


def resolve_test_set(path: str, seed_dir: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else Path(seed_dir) / candidate


def _reference_programs(paths: list[str], seed_dir: str) -> tuple[list[str], list[Path]]:
    """Reference code of every item in the given test sets, and the paths that do not exist."""
    programs, missing = [], []
    for raw in paths:
        path = resolve_test_set(raw, seed_dir)
        if not path.is_file():
            missing.append(path)
            continue
        programs += [
            item.reference_code for item in read_test_set(path).items if item.reference_code
        ]
    return programs, missing


def sharegpt_records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """LLaMA-Factory sharegpt rows: one human turn (the prompt), one gpt turn (the function)."""
    return [
        {
            "id": r["prompt_id"],
            "conversations": [
                {"from": "human", "value": r["prompt"]},
                {"from": "gpt", "value": r["response"]},
            ],
        }
        for r in df.iter_rows(named=True)
    ]


@asset(
    group_name=RELEASE_GROUP,
    ins={
        "case2code_prompts": AssetIn(
            metadata={"allow_missing_partitions": True}, dagster_type=PARTITION_FRAMES
        )
    },
    description="Every partition's prompts, one per function across files, exported as Parquet + sharegpt JSON + Case2Code JSONL.",
)
def case2code_sft(
    context: AssetExecutionContext,
    config: SFTReleaseConfig,
    workspace: Workspace,
    case2code_prompts: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    frames = partition_frames(case2code_prompts)
    combined = combine_partitions(frames, ["case_id", "partition", "prompt_id"])
    rows_in = combined.height
    # The same function in two seed files gives the same case ids; keep the copy from the first file by name.
    df = (
        combined.unique(subset=["prompt_id"], keep="first", maintain_order=True)
        if rows_in
        else combined
    )
    drops = {"duplicate_across_partitions": rows_in - df.height}
    references, missing = _reference_programs(config.decontaminate_against, workspace.seed_dir)
    for path in missing:
        context.log.warning(f"decontamination test set not found, skipped: {path}")
    if df.height and references:
        codes = {
            r["prompt_id"]: r["case2code"]["code"]
            for r in df.iter_rows(named=True)
        }
        flagged = contaminated(codes, references)
        df = df.filter(~pl.col("prompt_id").is_in(list(flagged)))
        for reason, count in Counter(flagged.values()).items():
            drops[f"in_test_set_{reason}"] = count
    if df.height == 0:
        df = pl.DataFrame(schema={c: pl.Utf8 for c in EXPORT_COLUMNS})
    out_dir = Path(workspace.export_dir) / config.dataset_name
    counts = {"template": counts_table(df, "template"), "partition": counts_table(df, "partition")}
    card = card_markdown(
        "Case2Code SFT (assay)",
        f"{df.height} prompts from {df['case_id'].n_unique() if df.height else 0} functions: infer a Python function from input/output cases.",
        {
            "Method": CARD_METHOD,
            "Files": "`data/train-*.parquet`; `sft_sharegpt.json` (LLaMA-Factory, see `dataset_info.json`); "
            "`case2code_format.jsonl` (Case2Code's own format, readable by `case2code_eval`).",
        },
        counts,
    )
    records = (
        [record_from_row(x) for x in df["case2code"].to_list()]
        if "case2code" in df.columns
        else []
    )
    export_meta = export_parquet_dataset(
        {"train": df.select([c for c in EXPORT_COLUMNS if c in df.columns])},
        out_dir,
        card,
        sort_by="prompt_id",
        extra_files={
            "sft_sharegpt.json": json_records(sharegpt_records(df)),
            "dataset_info.json": json.dumps(
                {
                    config.dataset_name: {
                        "file_name": "sft_sharegpt.json",
                        "formatting": "sharegpt",
                        "columns": {"messages": "conversations"},
                    }
                },
                indent=2,
            )
            + "\n",
            "case2code_format.jsonl": "".join(
                json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n"
                for r in sorted(records, key=lambda r: r["id"])
            ),
        },
    )
    extra = {
        "partitions": len(frames),
        "decontamination/reference_programs": len(references),
        **export_meta,
        **{f"template/{k}": v for k, v in counts["template"].items()},
    }
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=rows_in,
            drops=drops,
            preview=["func_name", "template", "prompt"],
            extra=extra,
        )
    )
    return df


class EvalConfig(Config):
    llm_key: str = Field(
        default="evaluator",
        description="resource key of the LLM role to score: llm, reasoner or evaluator",
    )
    test_set: str = Field(
        default="case2code/eval/demo_test.jsonl",
        description="Case2Code-format JSONL; a relative path is under the seed directory",
    )
    n_samples: int = Field(
        default=1, description="answers per item; pass@k is reported for every k up to this"
    )
    max_tokens: int = Field(default=512)
    temperature: float | None = Field(default=None, description="None: the role's default")
    limit: int | None = Field(default=None, description="score only the first N items")


EVAL_SCHEMA = {
    "eval_id": pl.Utf8,
    "item_id": pl.Utf8,
    "sample_index": pl.Int64,
    "func_name": pl.Utf8,
    "status": pl.Utf8,
    "passed": pl.Boolean,
    "matched": pl.Int64,
    "n_examples": pl.Int64,
    "first_difference": pl.Utf8,
    "code": pl.Utf8,
    "answer": pl.Utf8,
    "llm_error": pl.Utf8,
    "model": pl.Utf8,
}


@asset(
    group_name=RELEASE_GROUP,
    required_resource_keys={"llm", "reasoner", "evaluator", "sandbox", "workspace"},
    description="Scores an LLM role on a Case2Code-format test set: code from each prompt, run on every example, pass@k.",
)
def case2code_eval(context: AssetExecutionContext, config: EvalConfig) -> pl.DataFrame:
    if config.llm_key not in ("llm", "reasoner", "evaluator"):
        raise ValueError(f"llm_key must be one of llm, reasoner, evaluator; got {config.llm_key!r}")
    llm = getattr(context.resources, config.llm_key)
    workspace = context.resources.workspace
    path = resolve_test_set(config.test_set, workspace.seed_dir)
    if not path.is_file():
        raise Failure(
            description=f"Case2Code test set not found: {path}. Point EvalConfig.test_set at a Case2Code-format JSONL "
            "(the release's case2code_format.jsonl is one; bench/case2code_demo_testset.py writes the demo file).",
            allow_retries=False,
        )
    test_set = read_test_set(path, limit=config.limit)
    for item_id, reason in test_set.skipped_ids[:5]:
        context.log.warning(f"{path}: item {item_id} cannot be scored: {reason}")
    requests = [
        LLMRequest(
            key=item.id,
            messages=({"role": "user", "content": item.prompt},),
            n=config.n_samples,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
        )
        for item in test_set.items
    ]
    result = llm.generate(requests, log=context.log)
    rows = score_rows(
        test_set.items,
        result.completions,
        lambda jobs: context.resources.sandbox.run(jobs, log=context.log),
    )
    df = pl.DataFrame(rows, schema=EVAL_SCHEMA)
    statuses = Counter(df["status"].to_list())
    extra = {
        "test_set": MetadataValue.path(str(path)),
        "llm_key": config.llm_key,
        "items": len(test_set.items),
        **pass_at_k_metadata(df, config.n_samples),
        "pass_rate": float(df["passed"].mean())
        if df.height
        else 0.0,  # share of samples that passed
        "example_match_rate": float(df["matched"].sum() / df["n_examples"].sum())
        if df.height and df["n_examples"].sum()
        else 0.0,
        **{f"status/{k}": v for k, v in sorted(statuses.items())},
        **{f"skipped/{k}": v for k, v in sorted(test_set.skipped.items())},
        **result.metadata(),
    }
    rows_in = len(test_set.items) * config.n_samples
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=rows_in,
            preview=["item_id", "sample_index", "status", "matched", "n_examples"],
            extra=extra,
        )
    )
    return df
