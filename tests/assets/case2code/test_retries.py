"""Re-asking for unusable answers: attempt k is sample k, so earlier answers are never paid for twice."""

from __future__ import annotations

import pytest

from assets.case2code.retries import ask_until_usable
from assets.common.ask import Answers
from resources.llm import BatchResult, BatchStats, Completion, LLMBatchFailed, LLMRequest


class ScriptedGenerate:
    """Answers sample i of key k with answers[k][i] (None: the request failed); records what was asked."""

    def __init__(self, answers: dict[str, list[str | None]]) -> None:
        self.answers = answers
        self.calls: list[list[tuple[str, int]]] = []

    def __call__(self, requests: list[LLMRequest]) -> BatchResult:
        self.calls.append([(r.key, r.n) for r in requests])
        completions = []
        for r in requests:
            for i in range(r.n):
                text = self.answers[r.key][min(i, len(self.answers[r.key]) - 1)]
                completions.append(
                    Completion(
                        key=r.key,
                        sample_index=i,
                        text=text,
                        finish_reason="stop",
                        error=None if text is not None else "server_error",
                        prompt_tokens=1,
                        completion_tokens=1,
                        cached=i < r.n - 1,
                        model="m",
                    )
                )
        return BatchResult(
            completions, BatchStats(requests=len(requests), samples=len(completions))
        )


def asking(generate):
    """`ask` over a scripted `generate`, as assets.common.ask.ask is over the resource."""

    def ask(requests: list[LLMRequest]) -> Answers:
        result = generate(requests)
        return Answers.of(result.completions, result)

    return ask


def _ask(answers, max_retries=3):
    generate = ScriptedGenerate(answers)
    state, meta = ask_until_usable(
        list(answers),
        lambda key, n: LLMRequest(key=key, messages=({"role": "user", "content": key},), n=n),
        judge=lambda key, text: text,
        usable=lambda verdict: verdict == "good",
        ask=asking(generate),
        max_retries=max_retries,
    )
    return state, meta, generate


def test_only_unusable_items_are_asked_again_each_time_for_one_more_sample():
    state, meta, generate = _ask({"a": ["good"], "b": ["bad", "bad", "good"]})
    assert generate.calls == [[("a", 1), ("b", 1)], [("b", 2)], [("b", 3)]]
    assert (state["a"].attempts, state["b"].attempts) == (1, 3)
    assert state["b"].verdict == "good" and state["b"].answer == "good"
    assert meta["llm/attempt_rounds"] == 3


def test_an_item_that_never_gets_a_usable_answer_stops_after_max_retries():
    state, _, generate = _ask({"x": ["bad"]}, max_retries=3)
    assert len(generate.calls) == 4 and state["x"].attempts == 4 and state["x"].verdict == "bad"


def test_a_failed_request_is_retried_and_its_error_kept_if_it_never_succeeds():
    state, _, _ = _ask({"x": [None, "good"], "y": [None]}, max_retries=1)
    assert state["x"].verdict == "good" and state["x"].llm_error is None
    assert state["y"].verdict is None and state["y"].llm_error == "server_error"


class FailingGenerate(ScriptedGenerate):
    """Like the resource: raises LLMBatchFailed, carrying the result, when most samples failed."""

    def __call__(self, requests):
        result = super().__call__(requests)
        failed = sum(not c.ok for c in result.completions)
        if failed / len(result.completions) > 0.5:
            raise LLMBatchFailed(f"{failed} failed", result)
        return result


def test_an_outage_in_the_first_round_fails_but_a_failing_retry_round_keeps_its_errors():
    common = {
        "request_for": lambda key, n: LLMRequest(
            key=key, messages=({"role": "user", "content": key},), n=n
        ),
        "judge": lambda key, text: text,
        "usable": lambda verdict: verdict == "good",
        "max_retries": 2,
    }
    with pytest.raises(LLMBatchFailed):
        ask_until_usable(
            ["a", "b"], ask=asking(FailingGenerate({"a": [None], "b": [None]})), **common
        )
    state, meta = ask_until_usable(
        ["a", "b", "c"],
        ask=asking(FailingGenerate({"a": ["good"], "b": ["good"], "c": [None]})),
        **common,
    )
    assert (
        state["a"].verdict == "good"
        and state["c"].llm_error == "server_error"
        and state["c"].attempts == 3
    )
    assert meta["llm/retry_rounds_over_threshold"] == 2


def test_an_answer_cut_off_at_max_tokens_is_judged_not_asked_again():
    """A small model that loops past max_tokens still wrote complete examples before the cut."""
    cut = Completion(
        key="x",
        sample_index=0,
        text="good",
        finish_reason="length",
        error="finish_reason=length",
        prompt_tokens=1,
        completion_tokens=384,
        cached=False,
        model="m",
    )
    asked = []

    def ask(requests):
        asked.append([r.key for r in requests])
        return Answers.of([cut], BatchResult([cut], BatchStats(requests=1, samples=1)))

    state, _ = ask_until_usable(
        ["x"],
        lambda key, n: LLMRequest(key=key, messages=({"role": "user", "content": key},), n=n),
        judge=lambda key, text: text,
        usable=lambda verdict: verdict == "good",
        ask=ask,
        max_retries=3,
    )
    assert asked == [["x"]]
    assert state["x"].verdict == "good" and state["x"].llm_error == "finish_reason=length"
