"""CodeI/O as partitioned assets: raw code → unified code → I/O pairs → prediction prompts →
predictions (turn 1, verified) → revisions (turn 2, re-verified) → final CodeI/O++ records.

Each asset reads: load the upstream frame → ask the model or run the sandbox → parse with the
pure functions of this package → report (drops with reasons, figures) → return the frame."""

import hashlib
import json

import polars as pl
from dagster import AssetExecutionContext, asset

from assets.codeio import harness, original_src, prompts
from assets.codeio.configs import (
    PairsConfig,
    PredictConfig,
    PromptsConfig,
    RawCodeConfig,
    UnifyConfig,
    pick,
)
from assets.codeio.judging import AssayRules, OriginalRules, Rules, Task, judge_batch
from assets.codeio.method import Method, method_for
from assets.codeio.pairs import (
    pairs_row,
    read_search,
    reads_clock,
    rerun_mismatch,
)
from assets.codeio.records import final_record, revision_messages
from assets.codeio.schemas import (
    FINAL_SCHEMA,
    PAIRS_SCHEMA,
    PREDICTIONS_SCHEMA,
    PROMPTS_SCHEMA,
    RAW_SCHEMA,
    REVISIONS_SCHEMA,
    UNIFIED_SCHEMA,
)
from assets.codeio.unified import parse_unified, parse_unified_original
from assets.codeio.verify import REVISABLE, STATUSES, SUCCESS, Verdict
from assets.common.ask import TRUNCATED_FAILURE, Answers, ask
from assets.common.execute import run_jobs
from assets.common.family import partitioned
from assets.common.ids import seeded_rng, stable_id
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.common.seeds import require_fields
from assets.common.steps import read_partition_seeds
from resources.llm import Completion, LLMBatchFailed, LLMRequest, LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace

FAMILY = "codeio"
PARTITIONED = partitioned(FAMILY)
KINDS = ("output", "input")

validate_seed = require_fields("content", types={"content": str})


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _llm_failure(completion: Completion) -> str:
    return "llm_truncated" if completion.failure == TRUNCATED_FAILURE else "llm_failed"


def _user(content: str) -> tuple[dict[str, str], ...]:
    return ({"role": "user", "content": content},)


@asset(
    **PARTITIONED,
    description="One row per raw code file of the seed file; bad lines quarantined, duplicates and oversize files dropped.",
)
def codeio_raw_code(
    context: AssetExecutionContext,
    config: RawCodeConfig,
    workspace: Workspace,
    codeio_profile: Profile,
) -> pl.DataFrame:
    method = method_for(codeio_profile)
    max_chars = pick(config.max_code_chars, method.max_code_chars) or None
    seeds, seed_meta = read_partition_seeds(context, workspace, FAMILY, validate_seed)
    report = StepReport(rows_in=seeds.lines_read, log=context.log)
    report.drop("quarantined", n=len(seeds.bad))
    rows, seen = [], set()
    for seed in seeds.rows:
        content, sha = seed["content"], _sha(seed["content"])
        if max_chars and len(content) > max_chars:
            report.drop("too_long", key=f"line {seed['seed_line']}", detail=f"{len(content)} chars")
        elif sha in seen and method.drop_repeated_files:
            report.drop("duplicate_content", key=f"line {seed['seed_line']}", detail=sha)
        else:
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
    report.add({**seed_meta, "profile": method.profile})
    df = pl.DataFrame(rows, schema=RAW_SCHEMA)
    return report.emit(context, df, preview=["repo_name", "path", "content"])


@asset(
    **PARTITIONED,
    description="The generator rewrites each file into main_solution, I/O description, input_generator and a problem statement.",
)
def codeio_unified(
    context: AssetExecutionContext,
    config: UnifyConfig,
    llm: LLMResource,
    codeio_profile: Profile,
    codeio_raw_code: pl.DataFrame,
) -> pl.DataFrame:
    method = method_for(codeio_profile)
    unify_prompt = original_src.unify_prompt if method.original else prompts.unify_prompt
    parse = parse_unified_original if method.strict_sections else parse_unified
    raw = {r["code_id"]: r for r in codeio_raw_code.iter_rows(named=True)}
    answers = ask(
        llm,
        [
            LLMRequest(
                key=code_id,
                messages=_user(unify_prompt(r["content"])),
                max_tokens=pick(config.max_tokens, method.unify_max_tokens),
                temperature=pick(config.temperature, method.temperature),
            )
            for code_id, r in raw.items()
        ],
        log=context.log,
    )
    report = StepReport(rows_in=len(raw), log=context.log)
    rows = []
    for c in answers.completions:
        parsed = parse(c.text) if c.ok else None
        if parsed is None:
            report.drop(_llm_failure(c), key=c.key, detail=c.error or "")
        elif parsed.code is None:
            report.drop(parsed.reason or "unparsed", key=c.key, detail=parsed.detail)
        else:
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
    report.add(answers.metadata())
    report.share("unified_share", df.height, len(raw))
    return report.emit(context, df, preview=["problem_statement", "io_description"])


@asset(
    **PARTITIONED,
    description="Distinct generated inputs within size limits and their outputs, each reproduced in a second process.",
)
def codeio_io_pairs(
    context: AssetExecutionContext,
    config: PairsConfig,
    sandbox: SandboxResource,
    workspace: Workspace,
    codeio_profile: Profile,
    codeio_unified: pl.DataFrame,
) -> pl.DataFrame:
    method = method_for(codeio_profile)
    tries = pick(config.tries, method.search_tries)
    want = pick(config.max_pairs, method.max_pairs)
    min_pairs = pick(config.min_pairs, method.min_pairs)
    report = StepReport(rows_in=codeio_unified.height, log=context.log)
    items = {}
    for row in codeio_unified.iter_rows(named=True):
        drop_clock = pick(config.drop_clock_readers, method.drop_clock_readers)
        cue = reads_clock(row["main_code"]) if drop_clock else None
        if cue:
            report.drop("reads_clock", key=row["item_id"], detail=f"main code calls {cue}")
        else:
            items[row["item_id"]] = row
    budget = _search_limit(
        context, method, pick(config.search_budget_s, method.search_limit_s), sandbox
    )
    seeds = {
        i: seeded_rng(workspace.global_seed, context.partition_key, "codeio_io_pairs", i).randrange(
            2**31
        )
        for i in items
    }
    search_jobs = [
        harness.original_search_job(
            i, r["main_code"], r["generator_code"], seeds[i], tries, want, budget
        )
        if method.original
        else harness.pair_search_job(i, r["program"], seeds[i], tries, want, budget)
        for i, r in items.items()
    ]
    searched = run_jobs(sandbox, search_jobs, log=context.log)
    candidates = {}
    for item_id in items:
        found = read_search(searched[item_id], min_pairs)
        if found.reason:
            report.drop(found.reason, key=item_id, detail=found.detail)
        else:
            candidates[item_id] = found
    rerun_jobs = [
        harness.rerun_job(i, items[i]["program"], [p["input"] for p in f.pairs])
        for i, f in candidates.items()
        if method.check_determinism
    ]
    reruns = run_jobs(sandbox, rerun_jobs, log=context.log)
    rows, rejected = [], {}
    for item_id, found in candidates.items():
        mismatch = rerun_mismatch(found.pairs, reruns[item_id]) if item_id in reruns else None
        if mismatch:
            report.drop(mismatch[0], key=item_id, detail=mismatch[1])
            continue
        for reason, count in found.rejected.items():
            rejected[reason] = rejected.get(reason, 0) + count
        rows.append(pairs_row(items[item_id], found, seeds[item_id]))
    df = pl.DataFrame(rows, schema=PAIRS_SCHEMA)
    report.add(
        {
            "pairs_total": int(df["n_pairs"].sum() or 0),
            "sandbox_jobs": len(search_jobs) + len(rerun_jobs),
            "search_budget_s": budget,
            "size_measure": method.size_measure,
            **{f"draw_rejected/{k}": v for k, v in sorted(rejected.items())},
        }
    )
    return report.emit(context, df, preview=["problem_statement", "n_pairs", "draws"])


@asset(
    **PARTITIONED,
    description="For the first pairs of each item: one output-prediction and one input-prediction prompt.",
)
def codeio_prediction_prompts(
    context: AssetExecutionContext,
    config: PromptsConfig,
    codeio_profile: Profile,
    codeio_io_pairs: pl.DataFrame,
) -> pl.DataFrame:
    method = method_for(codeio_profile)
    per_item = pick(config.pairs_per_item, method.pairs_per_item)
    rows = []
    for item in codeio_io_pairs.iter_rows(named=True):
        tip = item["main_code"] if config.reference_code_tip else None
        for index, pair in enumerate(item["ios"][:per_item]):
            for kind in KINDS:
                rows.append(
                    {
                        "prompt_id": stable_id(item["item_id"], index, kind),
                        "item_id": item["item_id"],
                        "partition": item["partition"],
                        "content_sha": item["content_sha"],
                        "kind": kind,
                        "pair_index": index,
                        "prompt": _prediction_prompt(method, kind, item, pair, tip),
                        "input_json": pair["input_json"],
                        "output_json": pair["output_json"],
                        "program": item["program"],
                        "main_code": item["main_code"],
                    }
                )
    df = pl.DataFrame(rows, schema=PROMPTS_SCHEMA)
    # One item makes several prompts: counted as items in, not as rows.
    report = StepReport(rows_in=None, log=context.log)
    report.add({"items_in": codeio_io_pairs.height})
    report.tally("kind", df["kind"].to_list(), known=KINDS)
    return report.emit(context, df, preview=["kind", "pair_index", "prompt"])


def _search_limit(
    context: AssetExecutionContext, method: Method, limit_s: float, sandbox: SandboxResource
) -> float:
    """The search's time limit within the sandbox's per-call limit. Our budget stops at half
    of it (room for the draw in progress); the original's limit is the whole search, so it
    needs a sandbox limit at least as long (ASSAY_SANDBOX_TIMEOUT_S), or it is cut short."""
    per_call = float(sandbox.timeout_s)
    if not method.search_limit_drops:
        return min(limit_s, 0.5 * per_call)
    if per_call < limit_s:
        context.log.warning(
            f"the original's {limit_s:.0f} s pair search is cut to the sandbox's {per_call:.0f} s "
            f"per-call limit: set ASSAY_SANDBOX_TIMEOUT_S={limit_s + 1:.0f} to give it its full time"
        )
    return min(limit_s, per_call)


def _prediction_prompt(method: Method, kind: str, item: dict, pair: dict, tip: str | None) -> str:
    if method.original:
        return original_src.prediction_prompt(
            kind,
            item["problem_statement"],
            item["io_description"],
            tip,
            json.loads(pair["input_json"]),
            json.loads(pair["output_json"]),
        )
    given = pair["input_json"] if kind == "output" else pair["output_json"]
    return prompts.prediction_prompt(
        kind, item["problem_statement"], item["io_description"], given, tip
    )


def _rules(method: Method, sandbox: SandboxResource) -> Rules:
    limit = min(method.input_check_limit_s, float(sandbox.timeout_s))
    if method.original:
        return OriginalRules(original_src.feedback(), original_src.solution_prefix(), limit)
    return AssayRules(limit)


def _judge(
    sandbox: SandboxResource, context: AssetExecutionContext, method: Method, tasks: list[Task]
) -> dict[str, Verdict]:
    return judge_batch(
        tasks,
        lambda jobs: run_jobs(sandbox, jobs, log=context.log),
        _rules(method, sandbox),
        method.timeout_reruns,
    )


def _accuracy(report: StepReport, df: pl.DataFrame, column: str) -> None:
    report.share("pass_rate", df.filter(pl.col(column) == SUCCESS).height, df.height)
    for kind in KINDS:
        part = df.filter(pl.col("kind") == kind)
        report.share(
            f"pass_rate/{kind}", part.filter(pl.col(column) == SUCCESS).height, part.height
        )


@asset(
    **PARTITIONED,
    description="Turn 1: the model predicts each output or input; outputs compared with tolerance, inputs re-executed.",
)
def codeio_predictions(
    context: AssetExecutionContext,
    config: PredictConfig,
    llm: LLMResource,
    sandbox: SandboxResource,
    codeio_profile: Profile,
    codeio_prediction_prompts: pl.DataFrame,
) -> pl.DataFrame:
    method = method_for(codeio_profile)
    prompt_rows = {r["prompt_id"]: r for r in codeio_prediction_prompts.iter_rows(named=True)}
    answers = ask(
        llm,
        [
            LLMRequest(
                key=k,
                messages=_user(r["prompt"]),
                max_tokens=pick(config.max_tokens, method.predict_max_tokens),
                temperature=pick(config.temperature, method.temperature),
            )
            for k, r in prompt_rows.items()
        ],
        log=context.log,
        truncation_is_an_outcome=True,
    )
    verdicts = _judge(
        sandbox, context, method, [_task(c, prompt_rows[c.key]) for c in answers.completions]
    )
    rows = []
    for c in answers.completions:
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
    report = StepReport(rows_in=len(prompt_rows), log=context.log)
    report.add(answers.metadata())
    _accuracy(report, df, "status_1")
    report.tally("status_1", df["status_1"].to_list(), known=STATUSES)
    return report.emit(context, df, preview=["kind", "status_1", "predicted_1", "feedback_1"])


def _task(c: Completion, row: dict) -> Task:
    """The prediction to judge; a truncated or filtered answer is never judged."""
    return Task(
        c.key,
        row["kind"],
        row["input_json"],
        row["output_json"],
        row["program"],
        c.text if c.ok else None,
        row["main_code"],
    )


@asset(
    **PARTITIONED,
    description="Turn 2 (CodeI/O++): failed predictions get the feedback and a request to redo; the answer is re-verified.",
)
def codeio_revisions(
    context: AssetExecutionContext,
    config: PredictConfig,
    llm: LLMResource,
    sandbox: SandboxResource,
    codeio_profile: Profile,
    codeio_predictions: pl.DataFrame,
) -> pl.DataFrame:
    method = method_for(codeio_profile)
    failed = {
        r["prompt_id"]: r
        for r in codeio_predictions.iter_rows(named=True)
        if r["status_1"] in REVISABLE
    }
    requests = [
        LLMRequest(
            key=k,
            messages=tuple(
                revision_messages(r["prompt"], r["turn_1"], r["feedback_1"], r["kind"], method)
            ),
            max_tokens=pick(config.max_tokens, method.predict_max_tokens),
            temperature=pick(config.temperature, method.temperature),
        )
        for k, r in failed.items()
    ]
    batch_failed = 0
    try:
        answers = ask(llm, requests, log=context.log, truncation_is_an_outcome=True)
    except LLMBatchFailed as exc:
        # A revision is an improvement, never a condition: keep every item and record why it has no turn 2.
        context.log.warning(f"revision batch failed ({exc}); items keep their first turn")
        answers = Answers.of(exc.result.completions if exc.result else [], exc.result)
        batch_failed = 1
    verdicts = _judge(
        sandbox, context, method, [_task(c, failed[c.key]) for c in answers.completions]
    )
    rows = []
    for c in answers.completions:
        v, first = verdicts[c.key], failed[c.key]
        rows.append(
            {
                "prompt_id": c.key,
                "item_id": first["item_id"],
                "kind": first["kind"],
                "status_1": first["status_1"],
                "turn_2": c.text,
                "status_2": v.status,
                "feedback_2": v.feedback if c.ok and c.text is not None else None,
                "predicted_2": v.predicted_json,
                "exception_type_2": v.exception_type,
                "llm_error": c.error,
                "completion_tokens": c.completion_tokens,
            }
        )
    df = pl.DataFrame(rows, schema=REVISIONS_SCHEMA)
    report = StepReport(rows_in=len(requests), log=context.log)
    report.add(answers.metadata())
    report.add(
        {
            "revision/batch_failed": batch_failed,
            "revision/asked": len(requests),
            "revision/fixed": df.filter(pl.col("status_2") == SUCCESS).height,
        }
    )
    report.tally("status_2", df["status_2"].to_list(), known=STATUSES)
    return report.emit(context, df, preview=["kind", "status_1", "status_2", "predicted_2"])


@asset(
    **PARTITIONED,
    description="CodeI/O++ records (prompt, turn_1, feedback_1, turn_2, feedback_2) and SFT conversations, one per prompt.",
)
def codeio_final(
    context: AssetExecutionContext,
    codeio_profile: Profile,
    codeio_predictions: pl.DataFrame,
    codeio_revisions: pl.DataFrame,
) -> pl.DataFrame:
    method = method_for(codeio_profile)
    revisions = {r["prompt_id"]: r for r in codeio_revisions.iter_rows(named=True)}
    rows = [
        final_record(r, revisions.get(r["prompt_id"]), method)
        for r in codeio_predictions.iter_rows(named=True)
    ]
    df = pl.DataFrame(rows, schema=FINAL_SCHEMA)
    report = StepReport(rows_in=codeio_predictions.height, log=context.log)
    report.share("verified_share", df.filter(pl.col("verified")).height, df.height)
    report.add(
        {
            "turn_1_success": df.filter(pl.col("status_1") == SUCCESS).height,
            "fixed_by_revision": df.filter((pl.col("turns") == 2) & pl.col("verified")).height,
            "revision_failed": df.filter(pl.col("revision_error").is_not_null()).height,
            "codeio_pp_records": df.filter(pl.col("in_codeio_pp")).height,
        }
    )
    report.tally("final_status", df["final_status"].to_list(), known=STATUSES)
    return report.emit(
        context, df, preview=["kind", "status_1", "status_2", "final_status", "turns"]
    )
