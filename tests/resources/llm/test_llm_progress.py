"""What a live screen and the UI learn from a batch: every outcome as it happens, and where
a llama.cpp server's time went (prompt prefill vs generation), as metadata numbers."""

from __future__ import annotations

from resources import progress
from resources.llm.engines.openai import answer_from_payload


def test_every_outcome_reaches_progress_listeners_and_the_last_report_says_finished(
    server, cache_path, make_resource, prompts
):
    seen: list[progress.Progress] = []
    unsubscribe = progress.subscribe(seen.append)
    try:
        make_resource(server.base_url, cache_path).generate(prompts(4, n=2))
    finally:
        unsubscribe()

    llm = [p for p in seen if p.source == "llm"]
    assert [p.done for p in llm if not p.finished][-1] == 8
    assert llm[-1].finished and llm[-1].done == llm[-1].total == 8
    assert llm[-1].completion_tokens > 0 and llm[-1].prompt_tokens > 0
    assert not progress.listening()


def test_a_cached_rerun_reports_cache_hits_and_no_tokens(
    server, cache_path, make_resource, prompts
):
    resource = make_resource(server.base_url, cache_path)
    resource.generate(prompts(3))
    seen: list[progress.Progress] = []
    unsubscribe = progress.subscribe(seen.append)
    try:
        resource.generate(prompts(3))
    finally:
        unsubscribe()
    assert seen[-1].finished and seen[-1].cache_hits == 3 and seen[-1].completion_tokens == 0


def test_a_failing_listener_does_not_fail_the_batch(server, cache_path, make_resource, prompts):
    def broken(_: progress.Progress) -> None:
        raise RuntimeError("display bug")

    unsubscribe = progress.subscribe(broken)
    try:
        result = make_resource(server.base_url, cache_path).generate(prompts(2))
    finally:
        unsubscribe()
    assert all(c.ok for c in result.completions)


def test_prompt_and_completion_throughput_are_metadata_numbers(
    server, cache_path, make_resource, prompts
):
    meta = make_resource(server.base_url, cache_path).generate(prompts(3)).metadata()
    assert meta["llm/prompt_tokens"] > 0 and meta["llm/completion_tokens"] > 0
    assert meta["llm/prompt_tokens_per_s"] > 0 and meta["llm/completion_tokens_per_s"] > 0


def test_llama_cpp_timings_split_prefill_from_generation():
    payload = {
        "model": "m",
        "choices": [{"message": {"content": "hi"}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 300, "completion_tokens": 20},
        "timings": {
            "cache_n": 250,
            "prompt_n": 50,
            "prompt_ms": 400.0,
            "predicted_n": 20,
            "predicted_ms": 900.0,
        },
    }
    answer = answer_from_payload(payload, "m")
    assert answer is not None
    assert (answer.prefill_s, answer.decode_s, answer.reused_prompt_tokens) == (0.4, 0.9, 250)


def test_servers_without_timings_report_none():
    payload = {"choices": [{"message": {"content": "hi"}}], "usage": {"prompt_tokens": 3}}
    answer = answer_from_payload(payload, "m")
    assert answer is not None and (answer.prefill_s, answer.decode_s) == (0.0, 0.0)
