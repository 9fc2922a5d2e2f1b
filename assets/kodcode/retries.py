"""Hard questions get more trials: a question none of whose first trials passed is asked
again, up to a cap, and the rescued ones join the verified instruct-style triplets."""

import json

import polars as pl
from dagster import AssetExecutionContext, Config, asset
from pydantic import Field

from assets.common.ask import ask
from assets.common.execute import PytestResult, run_jobs
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.kodcode import prompts
from assets.kodcode.method import chat_requests, method
from assets.kodcode.parsing import TrialParse
from assets.kodcode.questions import PARTITIONED
from assets.kodcode.trials import (
    SANDBOX_COLUMNS,
    TRIAL_KEY,
    TRIPLET_SCHEMA,
    parse_answer,
    pytest_job,
    result_fields,
    trial_id,
    verify_question,
    with_trials,
)
from resources.llm import Completion, LLMResource
from resources.sandbox import SandboxResource

RETRY_SCHEMA = {
    **TRIAL_KEY,
    **{k: pl.Utf8 for k in ("solution_code", "test_code", "parse_error", "llm_error")},
    **SANDBOX_COLUMNS,
    "model": pl.Utf8,
}
TRIPLETS_SCHEMA = {
    "style": pl.Utf8,
    **TRIPLET_SCHEMA,
    "parent_question_id": pl.Utf8,
    "metadata": pl.Utf8,
}


class RetryConfig(Config):
    max_trials: int | None = Field(
        default=None,
        description="cap on trials per question, first ones included; None: the profile's "
        "(assay 6, original 10 as KodCode's paper)",
    )
    max_tokens: int | None = Field(
        default=None,
        description="per trial; keep it equal to kodcode_solution_trials' max_tokens so the first "
        "trials come from the cache (None: the profile's, as there)",
    )


def retry_row(tid: str, c: Completion, p: TrialParse, result: PytestResult | None) -> dict:
    """One extra trial as a row: its answer, parse and sandbox result."""
    return {
        "trial_id": tid,
        "question_id": c.key,
        "trial_index": c.sample_index,
        "solution_code": p.solution,
        "test_code": p.tests,
        "parse_error": p.error,
        "llm_error": c.error,
        **result_fields(result, "llm_failed" if c.error else "unparsed"),
        "model": c.model,
    }


@asset(
    **PARTITIONED,
    description="Extra solution trials, run in the sandbox, for questions none of whose first trials passed.",
)
def kodcode_retry_trials(
    context: AssetExecutionContext,
    config: RetryConfig,
    llm: LLMResource,
    sandbox: SandboxResource,
    kodcode_profile: Profile,
    kodcode_questions: pl.DataFrame,
    kodcode_solution_trials: pl.DataFrame,
    kodcode_test_results: pl.DataFrame,
) -> pl.DataFrame:
    m = method(kodcode_profile)
    max_trials = config.max_trials or m.retry_max_trials
    passed = set(kodcode_test_results.filter(pl.col("status") == "passed")["question_id"])
    trials = kodcode_solution_trials
    attempts = dict(trials.group_by("question_id").len().iter_rows()) if trials.height else {}
    # Same prompt and sampling as the first trials with a larger n: samples below the first
    # count are cache hits, the rest are new attempts with their own sample indices.
    requests = chat_requests(
        kodcode_questions,
        "question_id",
        lambda q: prompts.trial_messages(q["question"], kodcode_profile.original),
        m.trials,
        n=max_trials,
        max_tokens=config.max_tokens,
        where=lambda q: (
            q["question_id"] not in passed and attempts.get(q["question_id"], 0) < max_trials
        ),
    )
    answers = ask(llm, requests, log=context.log)
    extra = [c for c in answers.completions if c.sample_index >= attempts.get(c.key, 0)]
    regenerated = sum(
        not c.cached for c in answers.completions if c.sample_index < attempts.get(c.key, 0)
    )
    if regenerated:  # the first trials are in the cache unless their sampling changed
        context.log.warning(
            f"{regenerated} of the first trials were generated again: set max_tokens to "
            "kodcode_solution_trials' value so they come from the cache"
        )
    parsed = {
        trial_id(c.key, c.sample_index): (
            c,
            parse_answer(c.text, not c.ok, kodcode_profile.original),
        )
        for c in extra
    }
    jobs = [
        pytest_job(tid, p.solution, p.tests, kodcode_profile)
        for tid, (_, p) in parsed.items()
        if not p.error
    ]
    results = run_jobs(sandbox, jobs, log=context.log)
    rows = [retry_row(tid, c, p, results.get(tid)) for tid, (c, p) in parsed.items()]
    df = pl.DataFrame(rows, schema=RETRY_SCHEMA)
    report = StepReport(rows_in=len(extra))
    rescued = df.filter(pl.col("status") == "passed")["question_id"].n_unique() if df.height else 0
    report.add(
        {
            "hard_questions": len(requests),
            "rescued_questions": rescued,
            "max_trials": max_trials,
            "first_trials_regenerated": regenerated,
        }
    )
    statuses = report.tally("status", df["status"].to_list())
    report.share("pass_rate", statuses.get("passed", 0), df.height)
    report.add(answers.metadata())
    preview = ["question_id", "trial_index", "status", "tests_passed", "tests_failed"]
    return report.emit(context, df, preview=preview)


def instruct_row(triplet: dict, metadata: dict) -> dict:
    """A verified triplet in the styled record shape (an instruct item is its own parent)."""
    return {
        "style": "instruct",
        **{k: triplet[k] for k in TRIPLET_SCHEMA},
        "parent_question_id": triplet["question_id"],
        "metadata": json.dumps(metadata, ensure_ascii=False, sort_keys=True),
    }


@asset(
    **PARTITIONED,
    description="Verified instruct-style triplets: the first trials' plus questions rescued by retries.",
)
def kodcode_instruct_triplets(
    context: AssetExecutionContext,
    kodcode_profile: Profile,
    kodcode_questions: pl.DataFrame,
    kodcode_verified_triplets: pl.DataFrame,
    kodcode_solution_trials: pl.DataFrame,
    kodcode_test_results: pl.DataFrame,
    kodcode_retry_trials: pl.DataFrame,
) -> pl.DataFrame:
    verified = {r["question_id"]: r for r in kodcode_verified_triplets.iter_rows(named=True)}
    first = kodcode_solution_trials.select(["trial_id", "solution_code", "test_code"]).join(
        kodcode_test_results, on="trial_id"
    )
    shared = sorted(set(first.columns) & set(RETRY_SCHEMA))
    questions = with_trials(
        kodcode_questions,
        pl.concat(
            [first.select(shared), kodcode_retry_trials.select(shared)], how="diagonal_relaxed"
        ),
    )
    retried = set(kodcode_retry_trials["question_id"].to_list())
    # Which model wrote each trial, so the released metadata names it (licences follow the model).
    models = dict(
        pl.concat(
            [
                kodcode_solution_trials.select("trial_id", "model"),
                kodcode_retry_trials.select("trial_id", "model"),
            ],
            how="vertical_relaxed",
        ).iter_rows()
    )
    report = StepReport(rows_in=kodcode_questions.height, log=context.log)
    rows = []
    for q in questions.iter_rows(named=True):
        qid, trials = q["question_id"], q.pop("trials") or []
        row = verified.get(qid) or verify_question(q, trials, kodcode_profile.original)
        if row is None:
            reason = "no_passing_trial_after_retries" if qid in retried else "no_passing_trial"
            report.drop(reason, qid, f"0 of {len(trials)} trials passed")
            continue
        meta = {
            "mode": q["mode"],
            "partition": q["partition"],
            "retried": qid in retried,
            "chosen_trial_id": row["chosen_trial_id"],
            "chosen_coverage": row["chosen_coverage"],
            "generator_model": models.get(row["chosen_trial_id"]),
        }
        rows.append(instruct_row(row, meta))
    df = pl.DataFrame(rows, schema=TRIPLETS_SCHEMA)
    rescued = df.filter(~pl.col("question_id").is_in(list(verified))).height if df.height else 0
    report.add({"verified_first_trials": len(verified), "rescued_by_retry": rescued})
    report.share("verified_share", df.height, kodcode_questions.height)
    return report.emit(context, df, preview=["subset", "difficulty", "trials", "question"])
