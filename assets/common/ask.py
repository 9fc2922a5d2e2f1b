"""Asking the LLM for a frame of rows: requests in, one row per completion out.

    requests = requests_from(questions, "question_id", lambda q: trial_messages(q["question"]), n=3)
    answers = ask(llm, requests, log=context.log)
    df = answers.frame(questions, key="question_id", keep=["partition", "subset"])
    report.add(answers.metadata())

Every family's answer rows carry the same columns (ANSWER_SCHEMA); `failure_of` (or
`Completion.failure`) reads them as truncated | filtered | error | none.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from resources.llm import (
    ERROR_FAILURE,
    FILTERED_FAILURE,
    NO_FAILURE,
    TRUNCATED_FAILURE,
    BatchResult,
    Completion,
    LLMRequest,
    LLMResource,
    failure_of,
)

__all__ = [
    "ANSWER_SCHEMA",
    "ERROR_FAILURE",
    "FILTERED_FAILURE",
    "NO_FAILURE",
    "TRUNCATED_FAILURE",
    "Answers",
    "answer_row",
    "ask",
    "failure_of",
    "requests_from",
    "row_failure",
]

# The columns every answer row has, after its key and the columns kept from its request row.
ANSWER_SCHEMA: dict[str, pl.DataType] = {
    "sample_index": pl.Int64(),
    "response": pl.Utf8(),
    "finish_reason": pl.Utf8(),
    "llm_error": pl.Utf8(),
    "prompt_tokens": pl.Int64(),
    "completion_tokens": pl.Int64(),
    "model": pl.Utf8(),
}


def answer_row(completion: Completion) -> dict[str, Any]:
    """A completion's ANSWER_SCHEMA fields."""
    return {
        "sample_index": completion.sample_index,
        "response": completion.text,
        "finish_reason": completion.finish_reason,
        "llm_error": completion.error,
        "prompt_tokens": completion.prompt_tokens,
        "completion_tokens": completion.completion_tokens,
        "model": completion.model,
    }


def row_failure(row: dict[str, Any]) -> str:
    """truncated | filtered | error | none for a stored answer row."""
    return failure_of(row.get("finish_reason"), row.get("llm_error"))


@dataclass(frozen=True)
class Answers:
    """Every completion of a batch (request order, then sample index) and its figures."""

    completions: list[Completion]
    result: BatchResult | None = None

    def metadata(self) -> dict[str, Any]:
        """`llm/*` figures (none when nothing was asked)."""
        return self.result.metadata() if self.result else {}

    def by_key(self) -> dict[str, Completion]:
        """The completion of each key (for requests with n=1)."""
        return {c.key: c for c in self.completions}

    def frame(
        self,
        rows: pl.DataFrame | None = None,
        key: str = "key",
        keep: Sequence[str] = (),
    ) -> pl.DataFrame:
        """One row per completion: `key`, the `keep` columns of its request row in `rows`,
        then ANSWER_SCHEMA. Failed samples stay, with their error."""
        if rows is not None:
            by_key = {r[key]: r for r in rows.select([key, *keep]).iter_rows(named=True)}
            schema = {k: rows.schema[k] for k in [key, *keep]}
        else:
            by_key, schema = {}, {key: pl.Utf8()}
        data = [
            {**(by_key[c.key] if rows is not None else {key: c.key}), **answer_row(c)}
            for c in self.completions
        ]
        return pl.DataFrame(data, schema={**schema, **ANSWER_SCHEMA})


def requests_from(
    rows: pl.DataFrame | Iterable[Mapping[str, Any]],
    key: str,
    messages: Callable[[Mapping[str, Any]], Sequence[Mapping[str, str]]],
    *,
    n: int = 1,
    max_tokens: int | None = None,
    where: Callable[[Mapping[str, Any]], bool] | None = None,
) -> list[LLMRequest]:
    """One request per row (for which `where` holds), keyed by the row's `key` column."""
    iterable = rows.iter_rows(named=True) if isinstance(rows, pl.DataFrame) else rows
    return [
        LLMRequest(key=r[key], messages=tuple(messages(r)), n=n, max_tokens=max_tokens)
        for r in iterable
        if where is None or where(r)
    ]


def ask(
    llm: LLMResource,
    requests: Iterable[LLMRequest],
    log: logging.Logger | None = None,
    *,
    truncation_is_an_outcome: bool = False,
) -> Answers:
    """Answer every request (nothing is sent when there are none); see LLMResource.generate."""
    requests = list(requests)
    if not requests:
        return Answers([])
    result = llm.generate(requests, log=log, truncation_is_an_outcome=truncation_is_an_outcome)
    return Answers(result.completions, result)
