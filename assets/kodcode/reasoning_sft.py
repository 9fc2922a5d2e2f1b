"""The reasoning-model SFT set: N reasoner answers per triplet, kept whole, then cross-verified
against the triplet's tests (correctness label, OpenAI messages and sharegpt)."""

import polars as pl
from dagster import AssetExecutionContext, Config, asset
from pydantic import Field

from assets.common.ask import TRUNCATED_FAILURE, ask, row_failure
from assets.common.execute import run_jobs
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.kodcode import cross_verification as cv
from assets.kodcode import original
from assets.kodcode.answers import Alignment
from assets.kodcode.method import chat_requests, method
from assets.kodcode.prompts import solve_prompt
from assets.kodcode.questions import PARTITIONED
from assets.kodcode.trials import pytest_job
from resources.llm import LLMResource
from resources.sandbox import SandboxResource


class SFTConfig(Config):
    n_samples: int | None = Field(
        default=None, description="reasoner responses per question (None: the profile's, 3)"
    )
    max_tokens: int | None = Field(
        default=None,
        description="per response (None: the profile's: assay 1024, sized for the embedded CPU "
        "demo; original 16384 for R1-class reasoning models). Answers cut off here are kept as "
        "failed rows and counted, not trained on",
    )


def original_prepared(
    responses: list[dict], test_info: dict[str, list]
) -> dict[str, tuple[Alignment | None, str | None]]:
    """step3.3.3's extraction for each successful response: the first python block after
    `</think>`, its one function renamed to the tested one."""
    out = {}
    for r in responses:
        if r["llm_error"] is None and r["response"] is not None:
            code = original.sft_solution(r["response"], test_info[r["question_id"]])
            key = cv.sft_id(r["question_id"], r["sample_index"])
            out[key] = (Alignment(code), None) if code is not None else (None, "no_code")
    return out


@asset(
    **PARTITIONED,
    description="N reasoning-model responses per triplet (reasoner role), kept whole.",
)
def kodcode_sft_responses(
    context: AssetExecutionContext,
    config: SFTConfig,
    reasoner: LLMResource,
    kodcode_profile: Profile,
    kodcode_triplets: pl.DataFrame,
) -> pl.DataFrame:
    requests = chat_requests(
        kodcode_triplets,
        "question_id",
        lambda t: solve_prompt(t["question"], t["style"], t["test_info"], kodcode_profile.original),
        method(kodcode_profile).reasoner,
        n=config.n_samples,
        max_tokens=config.max_tokens,
    )
    answers = ask(reasoner, requests, log=context.log, truncation_is_an_outcome=True)
    df = answers.frame(key="question_id")
    report = StepReport(rows_in=requests.samples)
    report.add(answers.metadata())
    return report.emit(
        context, df, preview=["question_id", "sample_index", "finish_reason", "response"]
    )


@asset(
    **PARTITIONED,
    description="Reasoner responses cross-verified against the triplet's tests: correctness label, sharegpt and messages.",
)
def kodcode_sft(
    context: AssetExecutionContext,
    sandbox: SandboxResource,
    kodcode_profile: Profile,
    kodcode_triplets: pl.DataFrame,
    kodcode_sft_responses: pl.DataFrame,
) -> pl.DataFrame:
    triplets = {t["question_id"]: t for t in kodcode_triplets.iter_rows(named=True)}
    responses = list(kodcode_sft_responses.iter_rows(named=True))
    test_info = {q: t["test_info"] for q, t in triplets.items()}
    prepared = (
        original_prepared(responses, test_info)
        if kodcode_profile.original
        else cv.prepared_answers(responses, test_info)
    )
    jobs = [
        pytest_job(job.id, job.solution_code, job.test_code, kodcode_profile)
        for job in cv.verification_jobs(
            responses, prepared, {q: t["test_code"] for q, t in triplets.items()}
        )
    ]
    results = run_jobs(sandbox, jobs, log=context.log)
    report = StepReport(rows_in=len(responses), log=context.log)
    rows = []
    for r in responses:
        key = cv.sft_id(r["question_id"], r["sample_index"])
        if key not in prepared:
            failure = row_failure(r)
            reason = "truncated" if failure == TRUNCATED_FAILURE else "llm_failed"
            report.drop(reason, key, r["llm_error"] or "")
            continue
        t = triplets[r["question_id"]]
        prompt = solve_prompt(t["question"], t["style"], t["test_info"], kodcode_profile.original)
        rows.append(cv.sft_row(r, t, prompt, prepared[key], results.get(key)))
    df = pl.DataFrame(rows, schema=cv.SFT_SCHEMA)
    correct = int(df["correct"].sum()) if df.height else 0
    report.add(
        {
            "correct": correct,
            "renamed_answers": int((df["renamed_json"] != "{}").sum()) if df.height else 0,
            "questions_with_a_correct_answer": (
                df.filter(pl.col("correct"))["question_id"].n_unique() if df.height else 0
            ),
        }
    )
    report.share("pass_rate", correct, df.height)
    report.tally("status", df["verify_status"].to_list())
    preview = ["style", "correct", "verify_status", "renamed_json", "answer_code"]
    return report.emit(context, df, preview=preview)
