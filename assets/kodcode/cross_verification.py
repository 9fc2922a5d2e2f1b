"""Cross-verification of reasoning-model answers: one SFT row per sampled response, labelled
correct only when its code passes the triplet's tests in the sandbox.

The full response (reasoning included) is what a model trains on; the code
after `</think>` is only what gets verified. Both conversation shapes trainers
read are emitted: OpenAI `messages` and LLaMA-Factory sharegpt.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from assets.common.execute import PytestJob, PytestResult
from assets.common.formats import MESSAGES_DTYPE, SHAREGPT_DTYPE, chat_messages, sharegpt
from assets.common.ids import stable_id
from assets.kodcode.answers import Alignment, prepare

SFT_SCHEMA: dict[str, pl.DataType] = {
    "sft_id": pl.Utf8,
    "question_id": pl.Utf8,
    "parent_question_id": pl.Utf8,
    "partition": pl.Utf8,
    "style": pl.Utf8,
    "subset": pl.Utf8,
    "difficulty": pl.Utf8,
    "sample_index": pl.Int64,
    "response": pl.Utf8,
    "answer_code": pl.Utf8,
    "renamed_json": pl.Utf8,
    "correct": pl.Boolean,
    "verify_status": pl.Utf8,
    "tests_passed": pl.Int64,
    "tests_failed": pl.Int64,
    "finish_reason": pl.Utf8,
    "completion_tokens": pl.Int64,
    "model": pl.Utf8,
    "messages": MESSAGES_DTYPE,
    "conversations": SHAREGPT_DTYPE,
    "system": pl.Utf8,
}


def sft_id(question_id: str, sample_index: int) -> str:
    return stable_id(question_id, sample_index, "sft")


def prepared_answers(
    responses: Sequence[Mapping[str, Any]],
    test_info_by_question: Mapping[str, Sequence[Mapping[str, str]]],
) -> dict[str, tuple[Alignment | None, str | None]]:
    """For each successful response (by sft id): its aligned code, or why it cannot be run."""
    out = {}
    for r in responses:
        if r["llm_error"] is None and r["response"] is not None:
            out[sft_id(r["question_id"], r["sample_index"])] = prepare(
                r["response"], test_info_by_question[r["question_id"]]
            )
    return out


def verification_jobs(
    responses: Sequence[Mapping[str, Any]],
    prepared: Mapping[str, tuple[Alignment | None, str | None]],
    tests_by_question: Mapping[str, str],
) -> list[PytestJob]:
    """Sandbox pytest jobs for every response whose code could be extracted."""
    jobs = []
    for r in responses:
        key = sft_id(r["question_id"], r["sample_index"])
        alignment, _ = prepared.get(key, (None, None))
        if alignment is not None:
            jobs.append(PytestJob(key, alignment.code, tests_by_question[r["question_id"]]))
    return jobs


def sft_row(
    response: Mapping[str, Any],
    triplet: Mapping[str, Any],
    prompt: Sequence[Mapping[str, str]],
    prepared: tuple[Alignment | None, str | None],
    result: PytestResult | None,
) -> dict[str, Any]:
    """One labelled SFT row: correct only if the aligned answer passed every test in the sandbox."""
    key = sft_id(response["question_id"], response["sample_index"])
    alignment, why_not = prepared
    status = result.status if result else (why_not or "not_run").split(":")[0]
    messages = chat_messages(prompt, response["response"])
    conversation = sharegpt(messages)
    return {
        "sft_id": key,
        "question_id": triplet["question_id"],
        "parent_question_id": triplet["parent_question_id"],
        "partition": triplet["partition"],
        "style": triplet["style"],
        "subset": triplet["subset"],
        "difficulty": triplet["difficulty"],
        "sample_index": response["sample_index"],
        "response": response["response"],
        "answer_code": alignment.code if alignment else None,
        "renamed_json": json.dumps(alignment.renamed if alignment else {}, sort_keys=True),
        "correct": bool(result and result.passed),
        "verify_status": status,
        "tests_passed": result.tests_passed if result else 0,
        "tests_failed": result.tests_failed if result else 0,
        "finish_reason": response["finish_reason"],
        "completion_tokens": response["completion_tokens"],
        "model": response["model"],
        "messages": messages,
        "conversations": conversation["conversations"],
        "system": conversation["system"],
    }
