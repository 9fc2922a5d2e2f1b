"""The values that cross the LLMResource boundary: requests in, completions out."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LLMRequest:
    """One prompt for which `n` independent samples are wanted.

    `key` is the stable id of the row the request belongs to; it comes back on
    every completion so callers can join answers to rows without relying on order.
    The prompt is either chat `messages` or a raw `prompt` (a plain text completion, sent
    to `/v1/completions` as is, with no chat template: Magpie-style generation from a
    pre-query template needs the model to continue text the caller formatted itself).
    """

    key: str
    messages: tuple[dict, ...] = ()
    n: int = 1
    max_tokens: int | None = None
    temperature: float | None = None
    stop: tuple[str, ...] | None = None
    # Per-request sampling that not every engine honours: top_p reaches all of them;
    # repetition_penalty reaches vLLM (offline and server) and the embedded llama.cpp server.
    top_p: float | None = None
    repetition_penalty: float | None = None
    prompt: str | None = None

    def __post_init__(self) -> None:
        # Accept lists from callers but keep the dataclass hashable-ish and immutable.
        object.__setattr__(self, "messages", tuple(dict(m) for m in self.messages))
        if self.stop is not None:
            object.__setattr__(self, "stop", tuple(self.stop))
        if self.n < 1:
            raise ValueError(f"LLMRequest {self.key!r}: n must be >= 1, got {self.n}")
        if self.prompt is None and not self.messages:
            raise ValueError(f"LLMRequest {self.key!r}: messages is empty")
        if self.prompt is not None and self.messages:
            raise ValueError(f"LLMRequest {self.key!r}: give messages or a raw prompt, not both")
        if self.prompt is not None and not self.prompt:
            raise ValueError(f"LLMRequest {self.key!r}: the raw prompt is empty")

    def __hash__(self) -> int:
        # Messages are dicts, so the generated hash would fail; hash their canonical JSON instead.
        messages = json.dumps(self.messages, sort_keys=True, default=str)
        return hash(
            (
                self.key,
                messages,
                self.n,
                self.max_tokens,
                self.temperature,
                self.stop,
                self.top_p,
                self.repetition_penalty,
                self.prompt,
            )
        )


# What went wrong with a sample, one word for every family: the answer was cut off at
# max_tokens, withheld by a content filter, never came (an error), or nothing went wrong.
TRUNCATED_FAILURE = "truncated"
FILTERED_FAILURE = "filtered"
ERROR_FAILURE = "error"
NO_FAILURE = "none"


def failure_of(finish_reason: str | None, error: str | None) -> str:
    """truncated | filtered | error | none, from a completion's (or a stored row's) fields."""
    if error is None:
        return NO_FAILURE
    if finish_reason == "length":
        return TRUNCATED_FAILURE
    if finish_reason == "content_filter":
        return FILTERED_FAILURE
    return ERROR_FAILURE


@dataclass(frozen=True)
class Completion:
    """One sample's outcome: text when it succeeded, otherwise the reason it did not."""

    key: str
    sample_index: int
    text: str | None
    finish_reason: str | None
    error: str | None
    prompt_tokens: int
    completion_tokens: int
    cached: bool
    model: str
    reasoning: str | None = None  # the server's `reasoning_content`, when it sends one

    @property
    def ok(self) -> bool:
        return self.error is None and self.text is not None

    @property
    def failure(self) -> str:
        """truncated | filtered | error | none: the one way every family reads a failure."""
        if self.error is None and self.text is None:
            return ERROR_FAILURE
        return failure_of(self.finish_reason, self.error)


@dataclass
class BatchStats:
    """What a batch cost and how it went; surfaced as Dagster metadata."""

    requests: int = 0
    samples: int = 0
    cache_hits: int = 0
    sent: int = 0  # HTTP attempts (or engine calls), retries included
    retries: int = 0
    failed: int = 0
    failure_reasons: Counter = field(default_factory=Counter)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    elapsed_s: float = 0.0
    # Summed over answers (they overlap in time on a server with parallel slots), from servers
    # that report them (llama.cpp): prompt prefill vs generation, and prefix-cache reuse.
    prefill_s: float = 0.0
    decode_s: float = 0.0
    reused_prompt_tokens: int = 0

    @property
    def failed_share(self) -> float:
        return self.failed / self.samples if self.samples else 0.0


@dataclass
class BatchResult:
    """Every sample of every request, in request order then sample index."""

    completions: list[Completion]
    stats: BatchStats

    def metadata(self) -> dict[str, Any]:
        """Flat numbers for `context.add_output_metadata`, so the UI can plot them over runs."""
        s = self.stats
        meta: dict[str, Any] = {
            "llm/requests": s.requests,
            "llm/samples": s.samples,
            "llm/cache_hits": s.cache_hits,
            "llm/sent": s.sent,
            "llm/retries": s.retries,
            "llm/failed": s.failed,
            "llm/failed_share": float(s.failed_share),
            "llm/prompt_tokens": s.prompt_tokens,
            "llm/completion_tokens": s.completion_tokens,
            "llm/elapsed_s": float(s.elapsed_s),
        }
        if s.elapsed_s > 0 and s.sent:
            # Wall-clock throughput of this step's answered requests (cache hits cost nothing).
            meta["llm/prompt_tokens_per_s"] = round(s.prompt_tokens / s.elapsed_s, 1)
            meta["llm/completion_tokens_per_s"] = round(s.completion_tokens / s.elapsed_s, 1)
        if s.prefill_s or s.decode_s:
            meta["llm/prefill_s"] = round(s.prefill_s, 2)
            meta["llm/decode_s"] = round(s.decode_s, 2)
            meta["llm/reused_prompt_tokens"] = s.reused_prompt_tokens
        for reason, count in sorted(s.failure_reasons.items()):
            meta[f"llm/failed/{reason}"] = count
        return meta


class LLMBatchFailed(RuntimeError):
    """Too large a share of a batch failed; carries the result so callers can inspect it."""

    def __init__(self, message: str, result: BatchResult) -> None:
        super().__init__(message)
        self.result = result
