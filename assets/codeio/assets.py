"""CodeI/O as partitioned assets: raw code → unified code → I/O pairs → prediction prompts →
predictions (turn 1, verified) → revisions (turn 2, re-verified) → final CodeI/O++ records."""

import hashlib
import json
from collections import Counter
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, Config, MetadataValue, asset
from pydantic import Field

from assets.codeio import harness, prompts
from assets.codeio.judging import Task, judge_batch
from assets.codeio.pairs import read_search, reads_clock, rerun_mismatch
from assets.codeio.records import final_record, revision_messages
from assets.codeio.unified import parse_unified
from assets.codeio.verify import REVISABLE, STATUSES, SUCCESS, dumps
from assets.common.bookkeeping import frame_metadata
from assets.common.family import partitioned
from assets.common.ids import seeded_rng, stable_id
from assets.common.seeds import require_fields
from assets.common.steps import read_partition_seeds
from resources.llm import BatchResult, LLMBatchFailed, LLMRequest, LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace

FAMILY = "codeio"
PARTITIONED = partitioned(FAMILY)
MESSAGES = pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8}))
KINDS = ("output", "input")

validate_seed = require_fields("content", types={"content": str})


class RawCodeConfig(Config):
    max_code_chars: int = Field(
        default=6000,
        description="longer files are dropped (too_long): the model must read them whole; 6,000 characters "
        "(~1,800 tokens) plus the prompt and a 1,024-token answer fit the embedded engine's 4,096-token window",
    )


class UnifyConfig(Config):
    max_tokens: int = Field(default=1024, description="per unified-code answer")
    temperature: float | None = Field(default=None, description="None: the resource's default")


class PairsConfig(Config):
    tries: int = Field(default=1000, description="input generator calls per item, at most")
    max_pairs: int = Field(default=10, description="stop after this many valid pairs")
    min_pairs: int = Field(default=2, description="items with fewer pairs are dropped")
    search_budget_s: float = Field(
        default=5.0,
        description="wall time for one item's search loop; capped at half the sandbox's per-call limit",
    )
    drop_clock_readers: bool = Field(
        default=True,
        description="drop items whose main code reads the clock or calendar (reads_clock)",
    )


class PromptsConfig(Config):
    pairs_per_item: int = Field(
        default=3, description="the first N pairs of each item get one output and one input prompt"
    )
    reference_code_tip: bool = Field(
        default=True, description="append the reference code as a tip (CodeI/O does)"
    )


class PredictConfig(Config):
    max_tokens: int = Field(
        default=1024, description="per prediction answer (step-by-step reasoning, then JSON)"
    )
    temperature: float | None = Field(default=None, description="None: the resource's default")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _llm_failure(completion: Any) -> str:
    return "llm_truncated" if completion.finish_reason == "length" else "llm_failed"


class DropLog:
    """Counts drop reasons and keeps the first example of each, so the UI shows why, not just how many."""

    def __init__(self, context: AssetExecutionContext, what: str) -> None:
        self.counts: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self._context, self._what = context, what

    def drop(self, reason: str, key: str, detail: str = "") -> None:
        self.counts[reason] += 1
        self.examples.setdefault(reason, f"{key}: {detail}"[:500])
        self._context.log.debug(f"{self._what} {key} dropped: {reason}: {detail}")

    def metadata(self) -> dict[str, Any]:
        return {
            f"drop_example/{reason}": MetadataValue.text(text)
            for reason, text in sorted(self.examples.items())
        }


def _status_counts(prefix: str, statuses: list[str]) -> dict[str, int]:
    counts = Counter(statuses)
    return {f"{prefix}/{s}": counts.get(s, 0) for s in STATUSES}


# ---------------------------------------------------------------------------------------------


RAW_SCHEMA = {
    "code_id": pl.Utf8,
    "partition": pl.Utf8,
    "seed_line": pl.Int64,
    "blob_id": pl.Utf8,
    "repo_name": pl.Utf8,
    "path": pl.Utf8,
    "content_sha": pl.Utf8,
    "content": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="One row per raw code file of the seed file; bad lines quarantined, duplicates and oversize files dropped.",
)
def codeio_raw_code(
    context: AssetExecutionContext, config: RawCodeConfig, workspace: Workspace
) -> pl.DataFrame:
    seeds, seed_meta = read_partition_seeds(context, workspace, FAMILY, validate_seed)
    rows, drops, seen = [], Counter({"quarantined": len(seeds.bad)}), set()
    for seed in seeds.rows:
        content = seed["content"]
        sha = _sha(content)
        if len(content) > config.max_code_chars:
            drops["too_long"] += 1
            continue
        if sha in seen:
            drops["duplicate_content"] += 1
            continue
        seen.add(sha)
        rows.append(
            {
                "code_id": stable_id(FAMILY, context.partition_key, seed["seed_line"], sha),
                "partition": context.partition_key,
                "seed_line": seed["seed_line"],
                "blob_id": str(seed.get("blob_id") or sha),
                "repo_name": seed.get("repo_name"),
                "path": seed.get("path"),
                "content_sha": sha,
                "content": content,
            }
        )
    df = pl.DataFrame(rows, schema=RAW_SCHEMA)
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=seeds.lines_read,
            drops=drops,
            preview=["repo_name", "path", "content"],
            extra=seed_meta,
        )
    )
    return df


UNIFIED_SCHEMA = {
    "item_id": pl.Utf8,
    "code_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "main_code": pl.Utf8,
    "generator_code": pl.Utf8,
    "program": pl.Utf8,
    "io_description": pl.Utf8,
    "problem_statement": pl.Utf8,
    "response": pl.Utf8,
    "completion_tokens": pl.Int64,
}


@asset(
    **PARTITIONED,
    description="The generator rewrites each file into main_solution, I/O description, input_generator and a problem statement.",
)
def codeio_unified(
    context: AssetExecutionContext,
    config: UnifyConfig,
    llm: LLMResource,
    codeio_raw_code: pl.DataFrame,
) -> pl.DataFrame:
    raw = {r["code_id"]: r for r in codeio_raw_code.iter_rows(named=True)}
    requests = [
        LLMRequest(
            key=code_id,
            messages=({"role": "user", "content": prompts.unify_prompt(r["content"])},),
            max_tokens=config.max_tokens,
            temperature=config.temperature,
        )
        for code_id, r in raw.items()
    ]
    result = llm.generate(requests, log=context.log)
    rows, drops = [], DropLog(context, "unified code")
    for c in result.completions:
        if not c.ok:
            drops.drop(_llm_failure(c), c.key, c.error or "")
            continue
        parsed = parse_unified(c.text)
        if parsed.code is None:
            drops.drop(parsed.reason or "unparsed", c.key, parsed.detail)
            continue
        code, source = parsed.code, raw[c.key]
        rows.append(
            {
                "item_id": stable_id(c.key, "unified"),
                "code_id": c.key,
                "partition": source["partition"],
                "content_sha": source["content_sha"],
                "main_code": code.main_code,
                "generator_code": code.generator_code,
                "program": code.program,
                "io_description": code.io_description,
                "problem_statement": code.problem_statement,
                "response": c.text,
                "completion_tokens": c.completion_tokens,
            }
        )
    df = pl.DataFrame(rows, schema=UNIFIED_SCHEMA)
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=len(requests),
            drops=drops.counts,
            preview=["problem_statement", "io_description"],
            extra={
                **result.metadata(),
                "unified_share": df.height / max(1, len(requests)),
                **drops.metadata(),
            },
        )
    )
    return df


PAIRS_SCHEMA = {
    "item_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "main_code": pl.Utf8,
    "program": pl.Utf8,
    "io_description": pl.Utf8,
    "problem_statement": pl.Utf8,
    "ios_json": pl.Utf8,
    "n_pairs": pl.Int64,
    "draws": pl.Int64,
    "search_seed": pl.Int64,
    "rejected_json": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="Distinct generated inputs within size limits and their outputs, each reproduced in a second process.",
)
def codeio_io_pairs(
    context: AssetExecutionContext,
    config: PairsConfig,
    sandbox: SandboxResource,
    workspace: Workspace,
    codeio_unified: pl.DataFrame,
) -> pl.DataFrame:
    items = {r["item_id"]: r for r in codeio_unified.iter_rows(named=True)}
    drops = DropLog(context, "item")
    if config.drop_clock_readers:
        for item_id, row in list(items.items()):
            cue = reads_clock(row["main_code"])
            if cue:
                drops.drop("reads_clock", item_id, f"main code calls {cue}")
                del items[item_id]
    # The search is one call, so the sandbox's per-call limit bounds it; stopping at half of it
    # leaves room for the draw in progress when the budget runs out.
    budget = min(config.search_budget_s, 0.5 * float(sandbox.timeout_s))
    seeds = {
        i: seeded_rng(workspace.global_seed, context.partition_key, "codeio_io_pairs", i).randrange(2**31)
        for i in items
    }
    search_jobs = [
        harness.pair_search_job(i, r["program"], seeds[i], config.tries, config.max_pairs, budget)
        for i, r in items.items()
    ]
    searched = (
        {
            res["id"]: read_search(res, config.min_pairs)
            for res in sandbox.run(search_jobs, log=context.log)
        }
        if search_jobs
        else {}
    )
    candidates = {}
    for item_id in items:
        found = searched[item_id]
        if found.reason:
            drops.drop(found.reason, item_id, found.detail)
        else:
            candidates[item_id] = found
    rerun_jobs = [
        harness.rerun_job(i, items[i]["program"], [p["input"] for p in f.pairs])
        for i, f in candidates.items()
    ]
    reruns = (
        {res["id"]: res for res in sandbox.run(rerun_jobs, log=context.log)} if rerun_jobs else {}
    )
    rows, rejected_total = [], Counter()
    for item_id, found in candidates.items():
        mismatch = rerun_mismatch(found.pairs, reruns[item_id])
        if mismatch:
            drops.drop(mismatch[0], item_id, mismatch[1])
            continue
        rejected_total.update(found.rejected)
        r = items[item_id]
        rows.append(
            {
                "item_id": item_id,
                "partition": r["partition"],
                "content_sha": r["content_sha"],
                "main_code": r["main_code"],
                "program": r["program"],
                "io_description": r["io_description"],
                "problem_statement": r["problem_statement"],
                "ios_json": json.dumps(found.pairs, ensure_ascii=False),
                "n_pairs": len(found.pairs),
                "draws": found.draws,
                "search_seed": seeds[item_id],
                "rejected_json": json.dumps(found.rejected, sort_keys=True),
            }
        )
    df = pl.DataFrame(rows, schema=PAIRS_SCHEMA)
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=codeio_unified.height,
            drops=drops.counts,
            preview=["problem_statement", "n_pairs", "draws"],
            extra={
                "pairs_total": int(df["n_pairs"].sum() or 0),
                "sandbox_jobs": len(search_jobs) + len(rerun_jobs),
                "search_budget_s": budget,
                **{f"draw_rejected/{k}": v for k, v in sorted(rejected_total.items())},
                **drops.metadata(),
            },
        )
    )
    return df


PROMPTS_SCHEMA = {
    "prompt_id": pl.Utf8,
    "item_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "kind": pl.Utf8,
    "pair_index": pl.Int64,
    "prompt": pl.Utf8,
    "input_json": pl.Utf8,
    "output_json": pl.Utf8,
    "program": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="For the first pairs of each item: one output-prediction and one input-prediction prompt.",
)
def codeio_prediction_prompts(
    context: AssetExecutionContext, config: PromptsConfig, codeio_io_pairs: pl.DataFrame
) -> pl.DataFrame:
    rows = []
    for item in codeio_io_pairs.iter_rows(named=True):
        tip = item["main_code"] if config.reference_code_tip else None
        for index, pair in enumerate(json.loads(item["ios_json"])[: config.pairs_per_item]):
            for kind in KINDS:
                given = dumps(pair["input"] if kind == "output" else pair["output"])
                rows.append(
                    {
                        "prompt_id": stable_id(item["item_id"], index, kind),
                        "item_id": item["item_id"],
                        "partition": item["partition"],
                        "content_sha": item["content_sha"],
                        "kind": kind,
                        "pair_index": index,
                        "prompt": prompts.prediction_prompt(
                            kind, item["problem_statement"], item["io_description"], given, tip
                        ),
                        "input_json": dumps(pair["input"]),
                        "output_json": dumps(pair["output"]),
                        "program": item["program"],
                    }
                )
    df = pl.DataFrame(rows, schema=PROMPTS_SCHEMA)
    kinds = Counter(df["kind"].to_list())
    context.add_output_metadata(
        frame_metadata(
            df,
            preview=["kind", "pair_index", "prompt"],
            extra={
                "items_in": codeio_io_pairs.height,
                **{f"kind/{k}": kinds.get(k, 0) for k in KINDS},
            },
        )
    )
    return df


def _judge(sandbox: SandboxResource, context: AssetExecutionContext, tasks: list[Task]):
    return judge_batch(tasks, lambda jobs: sandbox.run(jobs, log=context.log))


PREDICTIONS_SCHEMA = {
    "prompt_id": pl.Utf8,
    "item_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "kind": pl.Utf8,
    "pair_index": pl.Int64,
    "prompt": pl.Utf8,
    "input_json": pl.Utf8,
    "output_json": pl.Utf8,
    "program": pl.Utf8,
    "turn_1": pl.Utf8,
    "status_1": pl.Utf8,
    "feedback_1": pl.Utf8,
    "predicted_1": pl.Utf8,
    "exception_type_1": pl.Utf8,
    "llm_error": pl.Utf8,
    "completion_tokens": pl.Int64,
}


@asset(
    **PARTITIONED,
    description="Turn 1: the model predicts each output or input; outputs compared with tolerance, inputs re-executed.",
)
def codeio_predictions(
    context: AssetExecutionContext,
    config: PredictConfig,
    llm: LLMResource,
    sandbox: SandboxResource,
    codeio_prediction_prompts: pl.DataFrame,
) -> pl.DataFrame:
    prompt_rows = {r["prompt_id"]: r for r in codeio_prediction_prompts.iter_rows(named=True)}
    requests = [
        LLMRequest(
            key=k,
            messages=({"role": "user", "content": r["prompt"]},),
            max_tokens=config.max_tokens,
            temperature=config.temperature,
        )
        for k, r in prompt_rows.items()
    ]
    result = llm.generate(requests, log=context.log, truncation_is_an_outcome=True)
    tasks = [
        Task(
            c.key,
            prompt_rows[c.key]["kind"],
            prompt_rows[c.key]["input_json"],
            prompt_rows[c.key]["output_json"],
            prompt_rows[c.key]["program"],
            c.text if c.ok else None,  # a truncated or filtered answer is never judged
        )
        for c in result.completions
    ]
    verdicts = _judge(sandbox, context, tasks)
    rows = []
    for c in result.completions:
        v = verdicts[c.key]
        rows.append(
            {
                **prompt_rows[c.key],
                "turn_1": c.text,
                "status_1": v.status,
                "feedback_1": v.feedback,
                "predicted_1": v.predicted_json,
                "exception_type_1": v.exception_type,
                "llm_error": c.error,
                "completion_tokens": c.completion_tokens,
            }
        )
    df = pl.DataFrame(rows, schema=PREDICTIONS_SCHEMA)
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=len(requests),
            preview=["kind", "status_1", "predicted_1", "feedback_1"],
            extra={
                **result.metadata(),
                **_accuracy(df, "status_1"),
                **_status_counts("status_1", df["status_1"].to_list()),
            },
        )
    )
    return df


def _accuracy(df: pl.DataFrame, column: str) -> dict[str, float]:
    out = {"pass_rate": df.filter(pl.col(column) == SUCCESS).height / max(1, df.height)}
    for kind in KINDS:
        part = df.filter(pl.col("kind") == kind)
        out[f"pass_rate/{kind}"] = part.filter(pl.col(column) == SUCCESS).height / max(
            1, part.height
        )
    return out


REVISIONS_SCHEMA = {
    "prompt_id": pl.Utf8,
    "item_id": pl.Utf8,
    "kind": pl.Utf8,
    "status_1": pl.Utf8,
    "turn_2": pl.Utf8,
    "status_2": pl.Utf8,
    "feedback_2": pl.Utf8,
    "predicted_2": pl.Utf8,
    "exception_type_2": pl.Utf8,
    "llm_error": pl.Utf8,
    "completion_tokens": pl.Int64,
}


@asset(
    **PARTITIONED,
    description="Turn 2 (CodeI/O++): failed predictions get the feedback and a request to redo; the answer is re-verified.",
)
def codeio_revisions(
    context: AssetExecutionContext,
    config: PredictConfig,
    llm: LLMResource,
    sandbox: SandboxResource,
    codeio_predictions: pl.DataFrame,
) -> pl.DataFrame:
    failed = {
        r["prompt_id"]: r
        for r in codeio_predictions.iter_rows(named=True)
        if r["status_1"] in REVISABLE
    }
    requests = [
        LLMRequest(
            key=k,
            messages=tuple(revision_messages(r["prompt"], r["turn_1"], r["feedback_1"], r["kind"])),
            max_tokens=config.max_tokens,
            temperature=config.temperature,
        )
        for k, r in failed.items()
    ]
    batch_failed = 0
    try:
        result = (
            llm.generate(requests, log=context.log, truncation_is_an_outcome=True)
            if requests
            else None
        )
    except LLMBatchFailed as exc:
        # A revision is an improvement, never a condition: keep every item and record why it has no turn 2.
        context.log.warning(f"revision batch failed ({exc}); items keep their first turn")
        result, batch_failed = exc.result, 1
    completions = result.completions if result is not None else []
    tasks = [
        Task(
            c.key,
            failed[c.key]["kind"],
            failed[c.key]["input_json"],
            failed[c.key]["output_json"],
            failed[c.key]["program"],
            c.text if c.ok else None,  # a truncated or filtered answer is never judged
        )
        for c in completions
    ]
    verdicts = _judge(sandbox, context, tasks) if tasks else {}
    rows = []
    for c in completions:
        v, first = verdicts[c.key], failed[c.key]
        answered = c.ok and c.text is not None
        rows.append(
            {
                "prompt_id": c.key,
                "item_id": first["item_id"],
                "kind": first["kind"],
                "status_1": first["status_1"],
                "turn_2": c.text,
                "status_2": v.status,
                "feedback_2": v.feedback if answered else None,
                "predicted_2": v.predicted_json,
                "exception_type_2": v.exception_type,
                "llm_error": c.error,
                "completion_tokens": c.completion_tokens,
            }
        )
    df = pl.DataFrame(rows, schema=REVISIONS_SCHEMA)
    meta = result.metadata() if isinstance(result, BatchResult) else {}
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=len(requests),
            preview=["kind", "status_1", "status_2", "predicted_2"],
            extra={
                **meta,
                "revision/batch_failed": batch_failed,
                "revision/asked": len(requests),
                "revision/fixed": df.filter(pl.col("status_2") == SUCCESS).height,
                **_status_counts("status_2", df["status_2"].to_list()),
            },
        )
    )
    return df


FINAL_SCHEMA = {
    "prompt_id": pl.Utf8,
    "item_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "kind": pl.Utf8,
    "pair_index": pl.Int64,
    "prompt": pl.Utf8,
    "turn_1": pl.Utf8,
    "feedback_1": pl.Utf8,
    "turn_2": pl.Utf8,
    "feedback_2": pl.Utf8,
    "status_1": pl.Utf8,
    "status_2": pl.Utf8,
    "final_status": pl.Utf8,
    "verified": pl.Boolean,
    "turns": pl.Int64,
    "revision_error": pl.Utf8,
    "messages": MESSAGES,
}


@asset(
    **PARTITIONED,
    description="CodeI/O++ records (prompt, turn_1, feedback_1, turn_2, feedback_2) and SFT conversations, one per prompt.",
)
def codeio_final(
    context: AssetExecutionContext, codeio_predictions: pl.DataFrame, codeio_revisions: pl.DataFrame
) -> pl.DataFrame:
    revisions = {r["prompt_id"]: r for r in codeio_revisions.iter_rows(named=True)}
    rows = [
        final_record(r, revisions.get(r["prompt_id"]))
        for r in codeio_predictions.iter_rows(named=True)
    ]
    df = pl.DataFrame(rows, schema=FINAL_SCHEMA)
    first_ok = df.filter(pl.col("status_1") == SUCCESS).height
    fixed = df.filter((pl.col("turns") == 2) & pl.col("verified")).height
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=codeio_predictions.height,
            preview=["kind", "status_1", "status_2", "final_status", "turns"],
            extra={
                "verified_share": df.filter(pl.col("verified")).height / max(1, df.height),
                "turn_1_success": first_ok,
                "fixed_by_revision": fixed,
                "revision_failed": df.filter(pl.col("revision_error").is_not_null()).height,
                **_status_counts("final_status", df["final_status"].to_list()),
            },
        )
    )
    return df
