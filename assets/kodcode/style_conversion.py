"""Complete-style items: each instruct question rewritten as the tested functions' signatures
with docstrings, checked for leaks, and re-verified (the original solution, under the stub's
signature, must pass the tests again)."""

import json

import polars as pl
from dagster import AssetExecutionContext, Config, asset
from pydantic import Field

from assets.common.ask import ask
from assets.common.execute import run_jobs
from assets.common.ids import stable_id
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.kodcode import original, style
from assets.kodcode.method import chat_requests, method
from assets.kodcode.prompts import style_prompt
from assets.kodcode.questions import PARTITIONED
from assets.kodcode.retries import TRIPLETS_SCHEMA
from assets.kodcode.trials import pytest_job
from resources.llm import Completion, LLMResource
from resources.sandbox import SandboxResource

CONVERSION_SCHEMA = {
    "question_id": pl.Utf8,
    "parent_question_id": pl.Utf8,
    "stub": pl.Utf8,
    "drop_reason": pl.Utf8,
    "detail": pl.Utf8,
    "reverify_status": pl.Utf8,
    "has_examples": pl.Boolean,
    "llm_error": pl.Utf8,
    "completion_tokens": pl.Int64,
    "model": pl.Utf8,
}


class StyleConfig(Config):
    max_tokens: int | None = Field(
        default=None,
        description="per stub: a signature and a docstring with examples (None: the profile's, "
        "assay 384, original 8192)",
    )


def check_answer(
    triplet: dict, answer: Completion | None, original_rules: bool = False
) -> tuple[style.StubCheck, str | None]:
    """The stub check of one converter answer, and the code to re-verify when it passed.

    `original_rules`: step3.1.3's, the tagged completion kept unless it is the solution
    itself, with no leak check and no re-verification."""
    if answer is None:
        return style.StubCheck(None, "no_tested_function", "test_info is empty"), None
    if not answer.ok:
        return style.StubCheck(None, "llm_failed", answer.error or ""), None
    if original_rules:
        stub, reason = original.parse_completion(answer.text or "", triplet["solution"])
        return style.StubCheck(stub, reason, (answer.text or "")[:300] if reason else ""), None
    names = [i["function_name"] for i in triplet["test_info"]]
    check = style.check_stub(style.stub_code(answer.text, names), triplet["solution"], names)
    if check.stub is None:
        return check, None
    try:
        return check, style.graft(triplet["solution"], check.stub)
    except (SyntaxError, ValueError) as exc:
        return style.StubCheck(None, "graft_failed", str(exc)[:300]), None


@asset(
    **PARTITIONED,
    description="Complete-style stub per instruct triplet: leak checks, then re-verification in the sandbox.",
)
def kodcode_style_conversions(
    context: AssetExecutionContext,
    config: StyleConfig,
    llm: LLMResource,
    sandbox: SandboxResource,
    kodcode_profile: Profile,
    kodcode_instruct_triplets: pl.DataFrame,
) -> pl.DataFrame:
    triplets = list(kodcode_instruct_triplets.iter_rows(named=True))
    by_original = kodcode_profile.original
    # Without a function the tests import there is nothing to complete: no request is spent
    # on those (the original converts every triplet).
    requests = chat_requests(
        triplets,
        "question_id",
        lambda t: style_prompt(
            t["question"], t["test_info"], t["test_code"], t["solution"], by_original
        ),
        method(kodcode_profile).style,
        max_tokens=config.max_tokens,
        where=lambda t: by_original or bool(t["test_info"]),
    )
    answers = ask(llm, requests, log=context.log)
    by_key = answers.by_key()
    checks, jobs = {}, []
    for t in triplets:
        check, code = check_answer(t, by_key.get(t["question_id"]), by_original)
        checks[t["question_id"]] = check
        if code is not None:
            jobs.append(pytest_job(t["question_id"], code, t["test_code"], kodcode_profile))
    results = run_jobs(sandbox, jobs, log=context.log)
    rows = []
    for t in triplets:
        qid = t["question_id"]
        check, answer, result = checks[qid], by_key.get(qid), results.get(qid)
        reason, detail = check.drop_reason, check.detail
        if result is not None and not result.passed:
            reason, detail = "reverify_failed", f"{result.status}: {result.first_failure()}"
        rows.append(
            {
                "question_id": stable_id(qid, "complete"),
                "parent_question_id": qid,
                "stub": check.stub,
                "drop_reason": reason,
                "detail": detail,
                "reverify_status": result.status if result else None,
                "has_examples": check.has_examples,
                "llm_error": answer.error if answer else None,
                "completion_tokens": answer.completion_tokens if answer else 0,
                "model": answer.model if answer else None,
            }
        )
    df = pl.DataFrame(rows, schema=CONVERSION_SCHEMA)
    report = StepReport(rows_in=len(triplets))
    outcomes = report.tally("outcome", [r["drop_reason"] or "kept" for r in rows])
    report.share("survival_share", outcomes.get("kept", 0), len(triplets))
    report.add({"reverified": len(jobs), **answers.metadata()})
    return report.emit(context, df, preview=["parent_question_id", "drop_reason", "detail", "stub"])


@asset(
    **PARTITIONED,
    description="Instruct and complete-style triplets in KodCode's record shape, labelled by style.",
)
def kodcode_triplets(
    context: AssetExecutionContext,
    kodcode_instruct_triplets: pl.DataFrame,
    kodcode_style_conversions: pl.DataFrame,
) -> pl.DataFrame:
    parents = {r["question_id"]: r for r in kodcode_instruct_triplets.iter_rows(named=True)}
    rows = list(parents.values())
    report = StepReport(
        rows_in=kodcode_instruct_triplets.height + kodcode_style_conversions.height, log=context.log
    )
    for conv in kodcode_style_conversions.iter_rows(named=True):
        if conv["drop_reason"]:
            report.drop(conv["drop_reason"], conv["parent_question_id"], conv["detail"] or "")
            continue
        parent = parents[conv["parent_question_id"]]
        meta = {
            **json.loads(parent["metadata"]),
            "converter_model": conv["model"],
            "has_examples": conv["has_examples"],
            "reverify_status": conv["reverify_status"],
        }
        rows.append(
            {
                **parent,
                "style": "complete",
                "question_id": conv["question_id"],
                "question": conv["stub"],
                "parent_question_id": parent["question_id"],
                "metadata": json.dumps(meta, ensure_ascii=False, sort_keys=True),
            }
        )
    df = pl.DataFrame(rows, schema=TRIPLETS_SCHEMA).sort(["parent_question_id", "style"])
    styles = report.tally("style", df["style"].to_list())
    report.share(
        "complete_survival_share", styles.get("complete", 0), kodcode_style_conversions.height
    )
    return report.emit(context, df, preview=["style", "subset", "difficulty", "question"])
