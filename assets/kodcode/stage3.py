"""KodCode stage 3 as partitioned assets, downstream of the verified triplets.

kodcode_retry_trials (more trials for questions none passed) → kodcode_instruct_triplets
→ kodcode_style_conversions (complete-style stubs, leak checks, re-verification)
→ kodcode_triplets (both styles, KodCode's record shape) → kodcode_sft_responses
(reasoner) → kodcode_sft (cross-verified, labelled) and kodcode_rl (verl rows).
"""

import json
from collections import Counter

import polars as pl
from dagster import AssetExecutionContext, Config, asset
from pydantic import Field

from assets.common.bookkeeping import frame_metadata
from assets.common.ids import stable_id
from assets.kodcode import parsing, prompts, rl, sft, style
from assets.kodcode.assets import PARTITIONED, TRIPLET_SCHEMA, verify_question
from assets.kodcode.prompts_stage3 import solve_messages, style_messages
from resources.llm import TRUNCATED, LLMRequest, LLMResource
from resources.sandbox import SandboxResource

RETRY_SCHEMA = {
    "trial_id": pl.Utf8, "question_id": pl.Utf8, "trial_index": pl.Int64, "solution_code": pl.Utf8, "test_code": pl.Utf8,
    "parse_error": pl.Utf8, "llm_error": pl.Utf8, "status": pl.Utf8, "tests_collected": pl.Int64, "tests_passed": pl.Int64,
    "tests_failed": pl.Int64, "coverage": pl.Float64, "failures_json": pl.Utf8, "model": pl.Utf8,
}
TRIPLETS_SCHEMA = {"style": pl.Utf8, **TRIPLET_SCHEMA, "parent_question_id": pl.Utf8, "metadata": pl.Utf8}
CONVERSION_SCHEMA = {
    "question_id": pl.Utf8, "parent_question_id": pl.Utf8, "stub": pl.Utf8, "drop_reason": pl.Utf8, "detail": pl.Utf8,
    "reverify_status": pl.Utf8, "has_examples": pl.Boolean, "llm_error": pl.Utf8, "completion_tokens": pl.Int64, "model": pl.Utf8,
}
RESPONSE_SCHEMA = {
    "question_id": pl.Utf8, "sample_index": pl.Int64, "response": pl.Utf8, "finish_reason": pl.Utf8, "llm_error": pl.Utf8,
    "prompt_tokens": pl.Int64, "completion_tokens": pl.Int64, "model": pl.Utf8,
}


class RetryConfig(Config):
    max_trials: int = Field(default=6, description="cap on trials per question, first ones included (KodCode's paper retried up to 10)")
    max_tokens: int = Field(
        default=1024,
        description="per trial; keep it equal to kodcode_solution_trials' max_tokens so the first trials come from the cache",
    )


class StyleConfig(Config):
    max_tokens: int = Field(default=384, description="per stub: a signature and a docstring with examples")


class SFTConfig(Config):
    n_samples: int = Field(default=3, description="reasoner responses per question")
    max_tokens: int = Field(
        default=1024,
        description="per response; sized for the embedded CPU demo, raise to 16384+ for R1-class reasoning models "
                    "(answers cut off here are kept as failed rows and counted, not trained on)",
    )


def _sandbox_results(sandbox: SandboxResource, jobs: list[dict], context: AssetExecutionContext) -> dict[str, dict]:
    return {r["id"]: r for r in sandbox.run(jobs, log=context.log)} if jobs else {}


def _first_failure(result: dict | None) -> str:
    failures = (result or {}).get("failures") or []
    return str(failures[0].get("message", ""))[:300] if failures else ""


@asset(**PARTITIONED, description="Extra solution trials, run in the sandbox, for questions none of whose first trials passed.")
def kodcode_retry_trials(
    context: AssetExecutionContext, config: RetryConfig, llm: LLMResource, sandbox: SandboxResource,
    kodcode_questions: pl.DataFrame, kodcode_solution_trials: pl.DataFrame, kodcode_test_results: pl.DataFrame,
) -> pl.DataFrame:
    passed = set(kodcode_test_results.filter(pl.col("status") == "passed")["question_id"].to_list())
    attempts = dict(kodcode_solution_trials.group_by("question_id").len().iter_rows()) if kodcode_solution_trials.height else {}
    hard = [q for q in kodcode_questions.iter_rows(named=True)
            if q["question_id"] not in passed and attempts.get(q["question_id"], 0) < config.max_trials]
    # Same prompt and sampling as the first trials with a larger n: samples below the first count are cache
    # hits, the rest are new attempts with their own sample indices.
    requests = [LLMRequest(key=q["question_id"], messages=prompts.trial_messages(q["question"]), n=config.max_trials,
                           max_tokens=config.max_tokens) for q in hard]
    result = llm.generate(requests, log=context.log) if requests else None
    completions = result.completions if result else []
    extra = [c for c in completions if c.sample_index >= attempts.get(c.key, 0)]
    repeated = [c for c in completions if c.sample_index < attempts.get(c.key, 0)]
    if any(not c.cached for c in repeated):
        context.log.warning(f"{sum(not c.cached for c in repeated)} of the first trials were generated again: set "
                            "max_tokens to kodcode_solution_trials' value so they come from the cache")
    parsed = {(c.key, c.sample_index): parsing.parse_trial(c.text) if c.ok else parsing.TrialParse(None, None, "llm_failed")
              for c in extra}
    jobs = [{"id": stable_id(c.key, c.sample_index, "trial"), "kind": "pytest", "solution_code": p.solution, "test_code": p.tests}
            for c in extra if not (p := parsed[(c.key, c.sample_index)]).error]
    results = _sandbox_results(sandbox, jobs, context)
    rows = []
    for c in extra:
        p = parsed[(c.key, c.sample_index)]
        trial_id = stable_id(c.key, c.sample_index, "trial")
        r = results.get(trial_id) or {}
        rows.append({
            "trial_id": trial_id, "question_id": c.key, "trial_index": c.sample_index, "solution_code": p.solution,
            "test_code": p.tests, "parse_error": p.error, "llm_error": c.error,
            "status": r.get("status") or ("llm_failed" if c.error else "unparsed"),
            "tests_collected": r.get("tests_collected", 0), "tests_passed": r.get("tests_passed", 0),
            "tests_failed": r.get("tests_failed", 0), "coverage": r.get("coverage"),
            "failures_json": json.dumps(r.get("failures", []), ensure_ascii=False), "model": c.model,
        })
    df = pl.DataFrame(rows, schema=RETRY_SCHEMA)
    rescued = df.filter(pl.col("status") == "passed")["question_id"].n_unique() if df.height else 0
    statuses = Counter(df["status"].to_list())
    context.add_output_metadata(frame_metadata(
        df, rows_in=len(extra), preview=["question_id", "trial_index", "status", "tests_passed", "tests_failed"],
        extra={"hard_questions": len(hard), "rescued_questions": rescued, "max_trials": config.max_trials,
               "first_trials_regenerated": sum(not c.cached for c in repeated),
               "pass_rate": statuses.get("passed", 0) / max(1, df.height),
               **{f"status/{k}": v for k, v in sorted(statuses.items())}, **(result.metadata() if result else {})},
    ))
    return df


def _with_style(triplet: dict, metadata: dict) -> dict:
    return {"style": "instruct", **triplet, "parent_question_id": triplet["question_id"],
            "metadata": json.dumps(metadata, ensure_ascii=False, sort_keys=True)}


@asset(**PARTITIONED, description="Verified instruct-style triplets: the first trials' plus questions rescued by retries.")
def kodcode_instruct_triplets(
    context: AssetExecutionContext, kodcode_questions: pl.DataFrame, kodcode_verified_triplets: pl.DataFrame,
    kodcode_solution_trials: pl.DataFrame, kodcode_test_results: pl.DataFrame, kodcode_retry_trials: pl.DataFrame,
) -> pl.DataFrame:
    verified = {r["question_id"]: r for r in kodcode_verified_triplets.iter_rows(named=True)}
    first = kodcode_solution_trials.select(["trial_id", "solution_code", "test_code"]).join(kodcode_test_results, on="trial_id")
    trials: dict[str, list[dict]] = {}
    for t in pl.concat([first.select(sorted(set(first.columns) & set(RETRY_SCHEMA))),
                        kodcode_retry_trials.select(sorted(set(first.columns) & set(RETRY_SCHEMA)))], how="diagonal_relaxed"
                       ).sort(["question_id", "trial_index"]).iter_rows(named=True):
        trials.setdefault(t["question_id"], []).append(t)
    retried = set(kodcode_retry_trials["question_id"].to_list())
    # Which model wrote each trial, so the released metadata names it (licences follow the model).
    models = dict(pl.concat([kodcode_solution_trials.select("trial_id", "model"), kodcode_retry_trials.select("trial_id", "model")],
                            how="vertical_relaxed").iter_rows())
    rows, drops = [], Counter()
    for q in kodcode_questions.iter_rows(named=True):
        base = {"mode": q["mode"], "partition": q["partition"], "retried": q["question_id"] in retried}
        if q["question_id"] in verified:
            row = verified[q["question_id"]]
        else:
            row = verify_question(q, trials.get(q["question_id"], []))
            if row is None:
                drops["no_passing_trial_after_retries" if q["question_id"] in retried else "no_passing_trial"] += 1
                continue
        rows.append(_with_style({k: row[k] for k in TRIPLET_SCHEMA},
                                {**base, "chosen_trial_id": row["chosen_trial_id"], "chosen_coverage": row["chosen_coverage"],
                                 "generator_model": models.get(row["chosen_trial_id"])}))
    df = pl.DataFrame(rows, schema=TRIPLETS_SCHEMA)
    rescued = df.filter(~pl.col("question_id").is_in(list(verified))).height if df.height else 0
    context.add_output_metadata(frame_metadata(
        df, rows_in=kodcode_questions.height, drops=drops, preview=["subset", "difficulty", "trials", "question"],
        extra={"verified_first_trials": len(verified), "rescued_by_retry": rescued,
               "verified_share": df.height / max(1, kodcode_questions.height)},
    ))
    return df


@asset(**PARTITIONED, description="Complete-style stub per instruct triplet: leak checks, then re-verification in the sandbox.")
def kodcode_style_conversions(
    context: AssetExecutionContext, config: StyleConfig, llm: LLMResource, sandbox: SandboxResource,
    kodcode_instruct_triplets: pl.DataFrame,
) -> pl.DataFrame:
    triplets = list(kodcode_instruct_triplets.iter_rows(named=True))
    # Without a function the tests import there is nothing to complete: no request is spent on those.
    convertible = [t for t in triplets if t["test_info"]]
    requests = [LLMRequest(key=t["question_id"], messages=style_messages(t["question"], t["test_info"]), max_tokens=config.max_tokens)
                for t in convertible]
    result = llm.generate(requests, log=context.log) if requests else None
    answers = {c.key: c for c in (result.completions if result else [])}
    checks, jobs = {}, []
    for t in triplets:
        c = answers.get(t["question_id"])
        if c is None:
            checks[t["question_id"]] = style.StubCheck(None, "no_tested_function", "test_info is empty")
            continue
        if not c.ok:
            checks[t["question_id"]] = style.StubCheck(None, "llm_failed", c.error or "")
            continue
        names = [i["function_name"] for i in t["test_info"]]
        check = style.check_stub(style.stub_code(c.text, names), t["solution"], names)
        if check.stub is not None:
            try:
                code = style.graft(t["solution"], check.stub)
            except (SyntaxError, ValueError) as exc:
                check = style.StubCheck(None, "graft_failed", str(exc)[:300])
            else:
                jobs.append({"id": t["question_id"], "kind": "pytest", "solution_code": code, "test_code": t["test_code"]})
        checks[t["question_id"]] = check
    results = _sandbox_results(sandbox, jobs, context)
    rows = []
    for t in triplets:
        check, c, r = checks[t["question_id"]], answers.get(t["question_id"]), results.get(t["question_id"])
        reason, detail = check.drop_reason, check.detail
        if r is not None and r["status"] != "passed":
            reason, detail = "reverify_failed", f"{r['status']}: {_first_failure(r)}"
        rows.append({
            "question_id": stable_id(t["question_id"], "complete"), "parent_question_id": t["question_id"], "stub": check.stub,
            "drop_reason": reason, "detail": detail, "reverify_status": r["status"] if r else None,
            "has_examples": check.has_examples, "llm_error": c.error if c else None,
            "completion_tokens": c.completion_tokens if c else 0, "model": c.model if c else None,
        })
    df = pl.DataFrame(rows, schema=CONVERSION_SCHEMA)
    outcomes = Counter(r["drop_reason"] or "kept" for r in rows)
    context.add_output_metadata(frame_metadata(
        df, rows_in=len(triplets), preview=["parent_question_id", "drop_reason", "detail", "stub"],
        extra={"survival_share": outcomes.get("kept", 0) / max(1, len(triplets)), "reverified": len(jobs),
               **{f"outcome/{k}": v for k, v in sorted(outcomes.items())}, **(result.metadata() if result else {})},
    ))
    return df


@asset(**PARTITIONED, description="Instruct and complete-style triplets in KodCode's record shape, labelled by style.")
def kodcode_triplets(
    context: AssetExecutionContext, kodcode_instruct_triplets: pl.DataFrame, kodcode_style_conversions: pl.DataFrame,
) -> pl.DataFrame:
    parents = {r["question_id"]: r for r in kodcode_instruct_triplets.iter_rows(named=True)}
    rows = list(parents.values())
    drops = Counter()
    for conv in kodcode_style_conversions.iter_rows(named=True):
        if conv["drop_reason"]:
            drops[conv["drop_reason"]] += 1
            continue
        parent = parents[conv["parent_question_id"]]
        meta = {**json.loads(parent["metadata"]), "converter_model": conv["model"], "has_examples": conv["has_examples"],
                "reverify_status": conv["reverify_status"]}
        rows.append({**parent, "style": "complete", "question_id": conv["question_id"], "question": conv["stub"],
                     "parent_question_id": parent["question_id"], "metadata": json.dumps(meta, ensure_ascii=False, sort_keys=True)})
    df = pl.DataFrame(rows, schema=TRIPLETS_SCHEMA).sort(["parent_question_id", "style"])
    styles = Counter(df["style"].to_list())
    context.add_output_metadata(frame_metadata(
        df, rows_in=kodcode_instruct_triplets.height + kodcode_style_conversions.height, drops=drops,
        preview=["style", "subset", "difficulty", "question"],
        extra={"complete_survival_share": styles.get("complete", 0) / max(1, kodcode_style_conversions.height),
               **{f"style/{k}": v for k, v in sorted(styles.items())}},
    ))
    return df


@asset(**PARTITIONED, description="N reasoning-model responses per triplet (reasoner role), kept whole.")
def kodcode_sft_responses(
    context: AssetExecutionContext, config: SFTConfig, reasoner: LLMResource, kodcode_triplets: pl.DataFrame,
) -> pl.DataFrame:
    requests = [LLMRequest(key=t["question_id"], messages=solve_messages(t["question"], t["style"], t["test_info"]),
                           n=config.n_samples, max_tokens=config.max_tokens) for t in kodcode_triplets.iter_rows(named=True)]
    result = reasoner.generate(requests, log=context.log, truncation_is_an_outcome=True) if requests else None
    rows = [{"question_id": c.key, "sample_index": c.sample_index, "response": c.text, "finish_reason": c.finish_reason,
             "llm_error": c.error, "prompt_tokens": c.prompt_tokens, "completion_tokens": c.completion_tokens, "model": c.model}
            for c in (result.completions if result else [])]
    df = pl.DataFrame(rows, schema=RESPONSE_SCHEMA)
    context.add_output_metadata(frame_metadata(
        df, rows_in=sum(r.n for r in requests), preview=["question_id", "sample_index", "finish_reason", "response"],
        extra=result.metadata() if result else {},
    ))
    return df


@asset(**PARTITIONED, description="Reasoner responses cross-verified against the triplet's tests: correctness label, sharegpt and messages.")
def kodcode_sft(
    context: AssetExecutionContext, sandbox: SandboxResource, kodcode_triplets: pl.DataFrame, kodcode_sft_responses: pl.DataFrame,
) -> pl.DataFrame:
    triplets = {t["question_id"]: t for t in kodcode_triplets.iter_rows(named=True)}
    responses = list(kodcode_sft_responses.iter_rows(named=True))
    prepared = sft.prepared_answers(responses, {q: t["test_info"] for q, t in triplets.items()})
    jobs = sft.verification_jobs(responses, prepared, {q: t["test_code"] for q, t in triplets.items()})
    results = _sandbox_results(sandbox, jobs, context)
    rows, drops = [], Counter()
    for r in responses:
        key = sft.sft_id(r["question_id"], r["sample_index"])
        if key not in prepared:
            drops["truncated" if TRUNCATED in (r["llm_error"] or "") else "llm_failed"] += 1
            continue
        t = triplets[r["question_id"]]
        rows.append(sft.sft_row(r, t, solve_messages(t["question"], t["style"], t["test_info"]), prepared[key], results.get(key)))
    df = pl.DataFrame(rows, schema=sft.SFT_SCHEMA)
    correct = int(df["correct"].sum()) if df.height else 0
    statuses = Counter(df["verify_status"].to_list())
    context.add_output_metadata(frame_metadata(
        df, rows_in=len(responses), drops=drops, preview=["style", "correct", "verify_status", "renamed_json", "answer_code"],
        extra={"correct": correct, "pass_rate": correct / max(1, df.height),
               "renamed_answers": int((df["renamed_json"] != "{}").sum()) if df.height else 0,
               "questions_with_a_correct_answer": df.filter(pl.col("correct"))["question_id"].n_unique() if df.height else 0,
               **{f"status/{k}": v for k, v in sorted(statuses.items())}},
    ))
    return df


@asset(**PARTITIONED, description="The RL set in verl's Parquet shape: one row per verified question, tests as ground truth.")
def kodcode_rl(context: AssetExecutionContext, kodcode_triplets: pl.DataFrame) -> pl.DataFrame:
    df = rl.rl_frame(rl.rl_rows(list(kodcode_triplets.iter_rows(named=True))))
    styles = Counter(t["style"] for t in df["extra_info"].to_list())
    context.add_output_metadata(frame_metadata(
        df, rows_in=kodcode_triplets.height, preview=["data_source", "ability", "extra_info"],
        extra={f"style/{k}": v for k, v in sorted(styles.items())},
    ))
    return df


STAGE3_ASSETS = [
    kodcode_retry_trials, kodcode_instruct_triplets, kodcode_style_conversions, kodcode_triplets,
    kodcode_sft_responses, kodcode_sft, kodcode_rl,
]
