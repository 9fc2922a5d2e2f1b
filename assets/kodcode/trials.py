"""KodCode's second step: N solution + test trials per question -> sandbox results -> triplets.

A triplet (question, solution, tests) is kept when at least one trial passed; the
passing trial with the best coverage is chosen, and the pass rate sets the difficulty.
"""

import json

import polars as pl
from dagster import AssetExecutionContext, Config, asset

from assets.common.ask import ask
from assets.common.execute import PytestJob, PytestResult, job_timing, run_jobs
from assets.common.frames import FromRows, frame_in_slices
from assets.common.ids import stable_id
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.kodcode import original, parsing, prompts
from assets.kodcode.method import chat_requests, method
from assets.kodcode.questions import PARTITIONED
from resources.llm import LLMResource
from resources.sandbox import SandboxResource

TEST_INFO = pl.List(
    pl.Struct(
        {
            "function_name": pl.Utf8,
            "parameter_list": pl.Utf8,
            "function_declaration": pl.Utf8,
            "docstring": pl.Utf8,
        }
    )
)
TRIAL_KEY = {"trial_id": pl.Utf8, "question_id": pl.Utf8, "trial_index": pl.Int64}
# A trial's sandbox result as columns (result_fields fills them).
SANDBOX_COLUMNS = {
    "status": pl.Utf8,
    "tests_collected": pl.Int64,
    "tests_passed": pl.Int64,
    "tests_failed": pl.Int64,
    "coverage": pl.Float64,
    "failures_json": pl.Utf8,
}
RESULT_SCHEMA = {**TRIAL_KEY, **SANDBOX_COLUMNS}
TRIPLET_SCHEMA = {
    "question_id": pl.Utf8,
    "partition": pl.Utf8,
    "subset": pl.Utf8,
    "mode": pl.Utf8,
    "question": pl.Utf8,
    "solution": pl.Utf8,
    "test_code": pl.Utf8,
    "test_info": TEST_INFO,
    "pass_sequence": pl.List(pl.Boolean),
    "pass_count": pl.Int64,
    "trials": pl.Int64,
    "pass_percentage": pl.Float64,
    "difficulty": pl.Utf8,
    "chosen_trial": pl.Int64,
    "chosen_trial_id": pl.Utf8,
    "chosen_status": pl.Utf8,
    "chosen_coverage": pl.Float64,
}


class TrialConfig(Config):
    n_trials: int | None = None  # None: the profile's (3 in both)
    max_tokens: int | None = None  # None: the profile's (assay 1024, original 8192)


def trial_id(question_id: str, index: int) -> str:
    return stable_id(question_id, index, "trial")


def parse_answer(
    text: str | None, failed: bool, original_rules: bool = False
) -> parsing.TrialParse:
    """A trial's solution and tests; a failed sample (truncated, filtered, no answer) may
    still carry text, but it is never parsed as a whole answer. `original_rules`: step2.2's
    tags only, the tests kept as written."""
    if failed or text is None:
        return parsing.TrialParse(None, None, "llm_failed")
    if original_rules:
        found = original.parse_trial(text)
        if found is None:
            return parsing.TrialParse(None, None, "missing_solution_or_tests")
        return parsing.TrialParse(found[0], found[1], None)
    return parsing.parse_trial(text)


def pytest_job(job_id: str, solution: str, tests: str, profile: Profile) -> PytestJob:
    """A trial's sandbox job under a profile: the original runs its tests after
    `from solution import *` within its own time limit (run_test.sh: 30 s)."""
    if profile.original:
        tests = original.runnable_tests(tests)
    return PytestJob(job_id, solution, tests, timeout_s=method(profile).verify_timeout_s)


def result_fields(result: PytestResult | None, fallback_status: str) -> dict:
    """A sandbox result as row fields (a trial that never ran gets `fallback_status`)."""
    return {
        "status": result.status if result else fallback_status,
        "tests_collected": result.tests_collected if result else 0,
        "tests_passed": result.tests_passed if result else 0,
        "tests_failed": result.tests_failed if result else 0,
        "coverage": result.coverage if result else None,
        "failures_json": json.dumps(list(result.failures) if result else [], ensure_ascii=False),
    }


@asset(
    **PARTITIONED,
    description="N independent solution + pytest trials per question from the generator.",
)
def kodcode_solution_trials(
    context: AssetExecutionContext,
    config: TrialConfig,
    llm: LLMResource,
    kodcode_profile: Profile,
    kodcode_questions: pl.DataFrame,
) -> pl.DataFrame:
    requests = chat_requests(
        kodcode_questions,
        "question_id",
        lambda q: prompts.trial_messages(q["question"], kodcode_profile.original),
        method(kodcode_profile).trials,
        n=config.n_trials,
        max_tokens=config.max_tokens,
    )
    answers = ask(llm, requests, log=context.log)
    df = answers.frame(kodcode_questions, key="question_id", keep=["partition", "subset"])
    parsed = [
        parse_answer(text, error is not None, kodcode_profile.original)
        for text, error in zip(df["response"].to_list(), df["llm_error"].to_list())
    ]
    df = df.rename({"sample_index": "trial_index"}).with_columns(
        pl.Series(
            "trial_id",
            [trial_id(q, i) for q, i in zip(df["question_id"], df["sample_index"])],
            dtype=pl.Utf8,
        ),
        pl.Series("solution_code", [p.solution for p in parsed], dtype=pl.Utf8),
        pl.Series("test_code", [p.tests for p in parsed], dtype=pl.Utf8),
        pl.Series("parse_error", [p.error for p in parsed], dtype=pl.Utf8),
    )
    report = StepReport(rows_in=requests.samples)
    report.add(answers.metadata())
    report.tally("parse_error", [p.error.split(":")[0] for p in parsed if p.error])
    return report.emit(context, df, preview=["trial_id", "trial_index", "parse_error"])


@asset(
    **PARTITIONED,
    description="Every parsed trial run in the sandbox: per-test outcomes, status and solution coverage.",
)
def kodcode_test_results(
    context: AssetExecutionContext,
    sandbox: SandboxResource,
    kodcode_profile: Profile,
    kodcode_solution_trials: pl.DataFrame,
) -> pl.DataFrame:
    trials = kodcode_solution_trials
    runnable = trials.filter(pl.col("parse_error").fill_null("") == "")
    jobs = FromRows(
        runnable.select("trial_id", "solution_code", "test_code"),
        lambda t: pytest_job(t["trial_id"], t["solution_code"], t["test_code"], kodcode_profile),
    )
    results = run_jobs(sandbox, jobs, log=context.log)
    rows = [
        {
            "trial_id": t["trial_id"],
            "question_id": t["question_id"],
            "trial_index": t["trial_index"],
            **result_fields(
                results.get(t["trial_id"]), "llm_failed" if t["llm_error"] else "unparsed"
            ),
        }
        for t in trials.select("trial_id", "question_id", "trial_index", "llm_error").iter_rows(
            named=True
        )
    ]
    df = pl.DataFrame(rows, schema=RESULT_SCHEMA)
    report = StepReport(rows_in=trials.height)
    statuses = report.tally("status", df["status"].to_list())
    report.share("pass_rate", statuses.get("passed", 0), trials.height)
    report.add({"sandbox_jobs": runnable.height, **job_timing(results)})
    preview = ["trial_id", "status", "tests_passed", "tests_failed", "coverage"]
    return report.emit(context, df, preview=preview)


def chosen_by_original(passing: list[dict]) -> dict:
    """step2.4:136-148's choice in trial order: a trial with 100% coverage replaces any
    earlier choice, otherwise the first passing trial is kept unless a later one covers more."""
    chosen = None
    for t in passing:
        coverage = t["coverage"]
        covers_more = chosen is None or (
            coverage is not None and coverage > (chosen["coverage"] or 0)
        )
        if coverage == 100.0 or covers_more:
            chosen = t
    assert chosen is not None
    return chosen


def verify_question(
    question: dict, trials: list[dict], original_rules: bool = False
) -> dict | None:
    """The triplet for one question: the passing trial with the best coverage (the first on
    ties; `original_rules`: step2.4's choice), or None if none passed."""
    passing = [t for t in trials if t["status"] == "passed"]
    if not passing:
        return None
    if original_rules:
        chosen = chosen_by_original(sorted(passing, key=lambda t: t["trial_index"]))
    else:
        chosen = max(
            passing,
            key=lambda t: (t["coverage"] if t["coverage"] is not None else -1.0, -t["trial_index"]),
        )
    return {
        "question_id": question["question_id"],
        "partition": question["partition"],
        "subset": question["subset"],
        "mode": question["mode"],
        "question": question["question"],
        "solution": chosen["solution_code"],
        "test_code": chosen["test_code"],
        "test_info": parsing.build_test_info(chosen["solution_code"], chosen["test_code"]),
        "pass_sequence": [t["status"] == "passed" for t in trials],
        "pass_count": len(passing),
        "trials": len(trials),
        "pass_percentage": len(passing) / len(trials),
        "difficulty": parsing.difficulty(len(passing), len(trials)),
        "chosen_trial": chosen["trial_index"],
        "chosen_trial_id": chosen["trial_id"],
        "chosen_status": chosen["status"],
        "chosen_coverage": chosen["coverage"],
    }


def with_trials(questions: pl.DataFrame, trials: pl.DataFrame) -> pl.DataFrame:
    """`questions` with a `trials` column: each question's trials in trial order, as a list
    of structs (null when it has none). Rows become Python dicts only as a step reads them."""
    grouped = (
        trials.sort("question_id", "trial_index")
        .with_columns(pl.col("question_id").alias("_qid"))
        .group_by("_qid", maintain_order=True)
        .agg(pl.struct(pl.all().exclude("_qid")).alias("trials"))
        .rename({"_qid": "question_id"})
    )
    return questions.join(grouped, on="question_id", how="left", maintain_order="left")


@asset(
    **PARTITIONED,
    description="Question, chosen solution and tests that agree in the sandbox, with pass sequence and difficulty.",
)
def kodcode_verified_triplets(
    context: AssetExecutionContext,
    kodcode_profile: Profile,
    kodcode_questions: pl.DataFrame,
    kodcode_solution_trials: pl.DataFrame,
    kodcode_test_results: pl.DataFrame,
) -> pl.DataFrame:
    code = kodcode_solution_trials.select(["trial_id", "solution_code", "test_code"])
    questions = with_trials(kodcode_questions, code.join(kodcode_test_results, on="trial_id"))
    report = StepReport(rows_in=kodcode_questions.height, log=context.log)

    def verified(q: dict) -> dict | None:
        trials = q.pop("trials") or []
        row = verify_question(q, trials, kodcode_profile.original)
        if row is None:
            report.drop("no_passing_trial", q["question_id"], f"0 of {len(trials)} trials passed")
        return row

    df = frame_in_slices(questions.iter_rows(named=True), verified, TRIPLET_SCHEMA)
    report.share("verified_share", df.height, kodcode_questions.height)
    report.tally("difficulty", df["difficulty"].to_list())
    preview = ["subset", "difficulty", "pass_sequence", "question"]
    return report.emit(context, df, preview=preview)
