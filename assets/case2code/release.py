"""The Case2Code release: every partition's prompts as one SFT set, and a model's score on a test set."""

import json
from pathlib import Path
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, AssetIn, Config, Failure, MetadataValue, asset
from pydantic import Field

from assets.case2code.method import method_of
from assets.case2code.original_prompts import eval_prompt as original_eval_prompt
from assets.case2code.prompts import EVAL_SUFFIX
from assets.case2code.records import record_from_row
from assets.case2code.schemas import PROMPTS_SCHEMA
from assets.case2code.scoring import pass_at_k_metadata, score_rows
from assets.case2code.selection import decide
from assets.case2code.testset import EvalItem, read_test_set
from assets.common.ask import ask
from assets.common.decontam import BenchmarkProblem
from assets.common.execute import run_jobs
from assets.common.family import release_group
from assets.common.formats import chat_messages, sharegpt
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
from resources.llm import LLMRequest
from resources.workspace import Workspace

FAMILY = "case2code"
RELEASE_GROUP = release_group(FAMILY)
# Case2Code's released fields first (release_fields.SFT_FIELDS: `id` and `output` are its names
# for prompt_id and response), then ours.
EXPORT_COLUMNS = [
    "id",
    "prompt",
    "output",
    "prompt_id",
    "case_id",
    "partition",
    "func_name",
    "template",
    "n_shown",
    "n_cases",
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
    benchmarks: list[str] = Field(
        default=["humaneval"], description="built-in benchmarks to decontaminate against"
    )
    contamination_threshold: float = Field(
        default=0.5,
        description="similarity (share of shared word 5-grams) of a function's code to a test-set or "
        "benchmark problem at which it goes to use_with_caution",
    )
    dedup_threshold: float = Field(
        default=0.8,
        description="MinHash similarity of two functions' code at which only the first seed file's copy is kept",
    )

    def policy(self) -> ReleasePolicy:
        """The shared release policy with this run's thresholds and benchmarks."""
        return ReleasePolicy(
            dedup_threshold=self.dedup_threshold,
            benchmarks=tuple(self.benchmarks),
            contamination_threshold=self.contamination_threshold,
        )


def resolve_test_set(path: str, seed_dir: str) -> Path:
    candidate = Path(path)
    return candidate if candidate.is_absolute() else Path(seed_dir) / candidate


def test_set_problems(paths: list[str], seed_dir: str) -> tuple[list[BenchmarkProblem], list[Path]]:
    """The reference program of every item of the given test sets, as problems to
    decontaminate against, and the paths that do not exist."""
    problems, missing = [], []
    for raw in paths:
        path = resolve_test_set(raw, seed_dir)
        if not path.is_file():
            missing.append(path)
            continue
        problems += [
            BenchmarkProblem(f"test set {path.name}", item.id, item.reference_code)
            for item in read_test_set(path).items
            if item.reference_code
        ]
    return problems, missing


def sharegpt_records(df: pl.DataFrame) -> list[dict[str, Any]]:
    """LLaMA-Factory sharegpt rows: one human turn (the prompt), one gpt turn (the function)."""
    return [
        {"id": r["prompt_id"], **sharegpt(chat_messages([_user(r["prompt"])], r["response"]))}
        for r in df.iter_rows(named=True)
    ]


def _user(content: str) -> dict[str, str]:
    return {"role": "user", "content": content}


@asset(
    group_name=RELEASE_GROUP,
    ins={"case2code_prompts": AssetIn(metadata={"allow_missing_partitions": True})},
    description="Every partition's prompts, one copy per function, decontaminated, exported as Parquet "
    "splits + sharegpt JSON + Case2Code JSONL (train only).",
)
def case2code_sft(
    context: AssetExecutionContext,
    config: SFTReleaseConfig,
    workspace: Workspace,
    case2code_prompts: dict[str, pl.DataFrame],
) -> pl.DataFrame:
    prompts = released_frames(
        case2code_prompts, PROMPTS_SCHEMA, ["case_id", "partition", "prompt_id"]
    )
    references, missing = test_set_problems(config.decontaminate_against, workspace.seed_dir)
    for path in missing:
        context.log.warning(f"decontamination test set not found, skipped: {path}")
    policy = config.policy()
    index = policy.index(extra=references)
    decided = decide(prompts, policy, index)
    df = decided.filter(pl.col("split").is_in([TRAIN, CAUTION])).with_columns(
        pl.col("prompt_id").alias("id"), pl.col("response").alias("output")
    )
    train = df.filter(pl.col("split") == TRAIN)
    records = sorted(
        (record_from_row(x) for x in train["case2code"].to_list()), key=lambda r: r["id"]
    )
    export_meta = export_parquet_dataset(
        release_splits(df, EXPORT_COLUMNS),
        Path(workspace.export_dir) / config.dataset_name,
        card(df, policy.splits_text(index.benchmarks)),
        sort_by="prompt_id",
        extra_files={
            **sharegpt_files(config.dataset_name, sharegpt_records(train)),
            "case2code_format.jsonl": "".join(
                json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records
            ),
        },
    )
    report = StepReport(rows_in=prompts.height, log=context.log)
    for reason, n in left_out(decided["split"].to_list()).items():
        report.drop(reason, n=n)
    report.add(
        {
            "partitions": len(case2code_prompts),
            "decontamination/reference_programs": len(references),
            "decontamination/benchmarks": ", ".join(index.benchmarks),
            **export_meta,
        }
    )
    report.tally("split", df["split"].to_list())
    report.tally("template", df["template"].to_list())
    return report.emit(context, df, preview=["func_name", "template", "split", "prompt"])


def card(df: pl.DataFrame, splits_text: str) -> str:
    """The dataset card: what the prompts are, how they were made and split, the files."""
    return card_markdown(
        "Case2Code SFT (assay)",
        f"{df.height} prompts from {df['case_id'].n_unique() if df.height else 0} functions: "
        "infer a Python function from input/output cases.",
        {
            "Method": CARD_METHOD,
            "Splits": splits_text,
            "Files": "`data/<split>-*.parquet`; `sft_sharegpt.json` (LLaMA-Factory, see `dataset_info.json`; "
            "train split only); `case2code_format.jsonl` (Case2Code's own format, readable by "
            "`case2code_eval`; train split only).",
        },
        {
            "template": counts_table(df, "template"),
            "partition": counts_table(df, "partition"),
            "split": counts_table(df, "split"),
        },
    )


def _eval_prompt(item: EvalItem, original: bool) -> str:
    if original:
        return original_eval_prompt(item.prompt, item.func_name)
    return EVAL_SUFFIX.format(prompt=item.prompt, func_name=item.func_name)


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
    max_tokens: int | None = Field(default=None, description="None: the profile's (2,048)")
    temperature: float | None = Field(
        default=None, description="None: the profile's (0.0, greedy, as Case2Code)"
    )
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
    required_resource_keys={
        "llm",
        "reasoner",
        "evaluator",
        "sandbox",
        "workspace",
        "case2code_profile",
    },
    description="Scores an LLM role on a Case2Code-format test set: code from each prompt, run on every example, pass@k.",
)
def case2code_eval(context: AssetExecutionContext, config: EvalConfig) -> pl.DataFrame:
    """Each item's prompt with the argument-names suffix (Case2Code's, and its chat wrapper,
    under `original`; ours under `assay`), sampled greedily, scored by exact comparison."""
    method = method_of(context.resources.case2code_profile)
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
            messages=({"role": "user", "content": _eval_prompt(item, method.original)},),
            n=config.n_samples,
            max_tokens=config.max_tokens or method.eval_max_tokens,
            temperature=method.eval_temperature
            if config.temperature is None
            else config.temperature,
            top_p=method.eval_top_p,
        )
        for item in test_set.items
    ]
    answers = ask(llm, requests, log=context.log)
    rows = score_rows(
        test_set.items,
        answers.completions,
        lambda jobs: run_jobs(context.resources.sandbox, jobs, log=context.log),
        original=method.original,
    )
    df = pl.DataFrame(rows, schema=EVAL_SCHEMA)
    report = StepReport(rows_in=len(test_set.items) * config.n_samples, log=context.log)
    report.add(
        {
            "test_set": MetadataValue.path(str(path)),
            "llm_key": config.llm_key,
            "items": len(test_set.items),
            **pass_at_k_metadata(df, config.n_samples),
            # share of samples that passed
            "pass_rate": float(df["passed"].mean()) if df.height else 0.0,
            "example_match_rate": float(df["matched"].sum() / df["n_examples"].sum())
            if df.height and df["n_examples"].sum()
            else 0.0,
        }
    )
    report.tally("status", df["status"].to_list())
    report.add({f"skipped/{k}": v for k, v in sorted(test_set.skipped.items())})
    report.add(answers.metadata())
    return report.emit(
        context, df, preview=["item_id", "sample_index", "status", "matched", "n_examples"]
    )
