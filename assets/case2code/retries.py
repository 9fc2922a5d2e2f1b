"""Asking again for the items whose answer was not usable, without paying twice for any answer.

Attempt k of an item is sample k of the same request (`n = k + 1`): the LLM
resource caches every sample, so samples 0..k-1 come back from the cache and
only the new one is generated. A re-run of the asset replays every attempt
from the cache and reaches the same result.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from assets.common.ask import TRUNCATED_FAILURE, Answers
from resources.llm import LLMBatchFailed, LLMRequest

V = TypeVar("V")


@dataclass
class Attempted(Generic[V]):
    """The last answer an item got, how many attempts it took, and what the judge made of it."""

    attempts: int = 0
    answer: str | None = None
    llm_error: str | None = None
    verdict: V | None = None


def ask_until_usable(
    keys: Sequence[str],
    request_for: Callable[[str, int], LLMRequest],
    judge: Callable[[str, str], V],
    usable: Callable[[V], bool],
    ask: Callable[[list[LLMRequest]], Answers],
    max_retries: int,
    log: logging.Logger | None = None,
) -> tuple[dict[str, Attempted[V]], Counter]:
    """Ask for every key, then re-ask (up to `max_retries` times) those whose answer failed or was judged unusable.

    `request_for(key, n)` builds the request with n samples; `judge(key, text)` reads one answer;
    `ask` is assets.common.ask.ask bound to the LLM resource.
    Returns each key's final state and the LLM metadata summed over attempts.
    """
    state: dict[str, Attempted[V]] = {key: Attempted() for key in keys}
    llm_meta: Counter = Counter()
    pending = list(keys)
    for attempt in range(max_retries + 1):
        if not pending:
            break
        try:
            answers = ask([request_for(key, attempt + 1) for key in pending])
        except LLMBatchFailed as exc:
            if attempt == 0:
                raise  # the endpoint failed most of the batch: a real outage, not a few bad answers
            # A retry round is small, so a couple of failures can cross the threshold; keep them as errors.
            answers = Answers.of(exc.result.completions, exc.result)
            llm_meta["llm/retry_rounds_over_threshold"] += 1
        llm_meta.update(
            {
                k: v
                for k, v in answers.metadata().items()
                if isinstance(v, int) and not isinstance(v, bool)
            }
        )
        llm_meta["llm/attempt_rounds"] += 1
        again = []
        for completion in answers.completions:
            if completion.sample_index != attempt:
                continue  # an earlier attempt's answer, replayed from the cache
            entry = state[completion.key]
            entry.attempts = attempt + 1
            entry.answer, entry.llm_error = completion.text, completion.error
            # A cut-off answer is judged like any other: its complete examples count.
            if not completion.ok and completion.failure != TRUNCATED_FAILURE:
                again.append(completion.key)
                continue
            entry.verdict = judge(completion.key, completion.text)
            if not usable(entry.verdict):
                again.append(completion.key)
        pending = again
        if again and log is not None and attempt < max_retries:
            log.info(
                f"attempt {attempt + 1}: {len(again)} item(s) without a usable answer; asking again"
            )
    return state, llm_meta
