"""Asking the LLM for a frame of rows: requests in, one row per completion out.

    requests = requests_from(questions, "question_id", lambda q: trial_messages(q["question"]), n=3)
    answers = ask(llm, requests, log=context.log)
    df = answers.frame(questions, key="question_id", keep=["partition", "subset"])
    report.add(answers.metadata())

Every family's answer rows carry the same columns (ANSWER_SCHEMA); `failure_of` (or
`Completion.failure`) reads them as truncated | filtered | error | none.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence, Sized
from dataclasses import dataclass
from typing import Any

import polars as pl

from assets.common.frames import FromRows
from resources.llm import (
    ERROR_FAILURE,
    FILTERED_FAILURE,
    NO_FAILURE,
    TRUNCATED_FAILURE,
    BatchResult,
    Completion,
    LLMBatchFailed,
    LLMRequest,
    LLMResource,
    failure_of,
)

__all__ = [
    "ANSWER_SCHEMA",
    "COMPLETION_SCHEMA",
    "ERROR_FAILURE",
    "FILTERED_FAILURE",
    "NO_FAILURE",
    "TRUNCATED_FAILURE",
    "Answers",
    "RowRequests",
    "answer_row",
    "ask",
    "completion_frame",
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


# What Answers holds per completion: its key, ANSWER_SCHEMA, and the two Completion fields
# rows do not carry. Columns, not Completion objects: ~5x less memory a sample.
COMPLETION_SCHEMA: dict[str, pl.DataType] = {
    "key": pl.Utf8(),
    **ANSWER_SCHEMA,
    "cached": pl.Boolean(),
    "reasoning": pl.Utf8(),
}
_COMPLETION_ORDER = [  # Completion's own field order
    "key", "sample_index", "response", "finish_reason", "llm_error",
    "prompt_tokens", "completion_tokens", "cached", "model", "reasoning",
]  # fmt: skip


def completion_frame(completions: Iterable[Completion]) -> pl.DataFrame:
    """Completions as COMPLETION_SCHEMA rows, in their order."""
    fields = [
        (c.key, c.sample_index, c.text, c.finish_reason, c.error, c.prompt_tokens,
         c.completion_tokens, c.cached, c.model, c.reasoning)
        for c in completions
    ]  # fmt: skip
    columns = list(zip(*fields, strict=True)) if fields else [[] for _ in _COMPLETION_ORDER]
    return pl.DataFrame(
        dict(zip(_COMPLETION_ORDER, columns, strict=True)), schema=COMPLETION_SCHEMA
    ).select(list(COMPLETION_SCHEMA))


@dataclass(frozen=True)
class Answers:
    """Every completion of a batch (request order, then sample index) and its figures."""

    table: pl.DataFrame  # COMPLETION_SCHEMA
    result: BatchResult | None = None

    @classmethod
    def of(cls, completions: Iterable[Completion], result: BatchResult | None = None) -> Answers:
        return cls(completion_frame(completions), result)

    def __len__(self) -> int:
        return self.table.height

    @property
    def completions(self) -> Iterator[Completion]:
        """The completions, one at a time (each access starts from the first)."""
        for row in self.table.select(_COMPLETION_ORDER).iter_rows():
            yield Completion(*row)

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
        answers = self.table.select(pl.col("key").alias(key), *ANSWER_SCHEMA)
        if rows is None:
            return answers
        request_rows = rows.select(key, *keep).unique(key, keep="last", maintain_order=True)
        answers = answers.with_columns(pl.col(key).cast(rows.schema[key]))
        unknown = answers.join(request_rows, on=key, how="anti")
        if unknown.height:
            raise KeyError(
                f"answers for keys not among the request rows: {unknown[key][:3].to_list()}"
            )
        joined = answers.join(request_rows, on=key, how="left", maintain_order="left")
        return joined.select(key, *keep, *ANSWER_SCHEMA)


@dataclass(frozen=True)
class RowRequests(FromRows[LLMRequest]):
    """Requests made from rows as the batch reaches them (see FromRows); `n`: samples each
    request asks for, or a function of its row giving them."""

    n: int | Callable[[Mapping[str, Any]], int] = 1

    @property
    def samples(self) -> int:
        """Samples the batch asks for."""
        if callable(self.n):
            return sum(map(self.n, self.selected()))
        return len(self) * self.n


def requests_from(
    rows: pl.DataFrame | Sequence[Mapping[str, Any]],
    key: str,
    messages: Callable[[Mapping[str, Any]], Sequence[Mapping[str, str]]],
    *,
    n: int = 1,
    max_tokens: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    where: Callable[[Mapping[str, Any]], bool] | None = None,
) -> RowRequests:
    """One chat request per row (for which `where` holds), keyed by the row's `key` column;
    unset sampling fields fall back to the LLM resource's."""

    def make(r: Mapping[str, Any]) -> LLMRequest:
        return LLMRequest(
            key=r[key],
            messages=tuple(messages(r)),
            n=n,
            max_tokens=max_tokens,
            temperature=temperature,
            top_p=top_p,
        )

    return RowRequests(rows, make, where, n)


def ask(
    llm: LLMResource,
    requests: Iterable[LLMRequest],
    log: logging.Logger | None = None,
    *,
    truncation_is_an_outcome: bool = False,
) -> Answers:
    """Answer every request (nothing is sent when there are none); see LLMResource.generate.

    Requests are asked a window at a time and each window's completions become columns at
    once, so a batch of any size holds one window of Python objects."""
    if isinstance(requests, Sized):
        if not len(requests):
            return Answers.of([])
    else:
        stream = iter(requests)
        first = next(stream, None)
        if first is None:
            return Answers.of([])
        requests = itertools.chain([first], stream)
    parts: list[pl.DataFrame] = []
    try:
        result = llm.generate(
            requests,
            log=log,
            truncation_is_an_outcome=truncation_is_an_outcome,
            sink=lambda completions: parts.append(completion_frame(completions)),
        )
    except LLMBatchFailed as exc:
        answers = Answers(_joined(parts))
        raise LLMBatchFailed(
            str(exc), BatchResult(list(answers.completions), exc.result.stats)
        ) from exc
    return Answers(_joined(parts), result)


def _joined(parts: Sequence[pl.DataFrame]) -> pl.DataFrame:
    return pl.concat(parts, rechunk=True) if parts else completion_frame([])
