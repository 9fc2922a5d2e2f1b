"""The batch contract: one completion per sample, in order, with usage and metadata."""

from __future__ import annotations

import logging

import pytest

from resources.llm import BatchResult, Completion, LLMRequest
from resources.llm.client import SamplingDefaults, run_batch
from tests.fakes.openai_server import OpenAIServer, count_tokens


def test_request_accepts_lists_and_normalises_them_to_tuples():
    request = LLMRequest(key="k", messages=[{"role": "user", "content": "x"}], stop=["\n"])
    assert isinstance(request.messages, tuple) and request.stop == ("\n",)
    with pytest.raises(ValueError, match="n must be >= 1"):
        LLMRequest(key="k", messages=[{"role": "user", "content": "x"}], n=0)


def test_requests_are_hashable_and_equal_by_content():
    a = LLMRequest("k", [{"role": "user", "content": "x"}])
    b = LLMRequest("k", ({"content": "x", "role": "user"},))
    assert a == b and len({a, b}) == 1


def test_completions_come_back_in_request_then_sample_order(
    server, cache_path, make_resource, prompts
):
    requests = prompts(5, n=3)
    result = make_resource(server.base_url, cache_path).generate(requests)

    assert len(result.completions) == 15
    assert [(c.key, c.sample_index) for c in result.completions] == [
        (r.key, i) for r in requests for i in range(3)
    ]
    assert all(c.ok and c.text == f"echo: question number {c.key[4:]}" for c in result.completions)


def test_each_sample_is_its_own_request_with_its_own_seed(cache_path, make_resource):
    with OpenAIServer(responder=lambda body: f"seed={body['seed']} n={body['n']}") as fake:
        result = make_resource(fake.base_url, cache_path).generate(
            [LLMRequest("only", [{"role": "user", "content": "same prompt"}], n=4)]
        )
        assert fake.stats.requests == 4
    texts = [c.text for c in result.completions]
    assert len(set(texts)) == 4
    assert all(t.endswith("n=1") for t in texts)


def test_raising_n_only_sends_the_new_samples(server, cache_path, make_resource, prompts):
    resource = make_resource(server.base_url, cache_path)
    resource.generate(prompts(3, n=2))
    result = resource.generate(prompts(3, n=5))

    assert result.stats.cache_hits == 6
    assert result.stats.sent == 9
    assert server.stats.requests == 6 + 9


def test_request_overrides_reach_the_server(cache_path, make_resource):
    seen: list[dict] = []

    def responder(body: dict) -> str:
        seen.append(body)
        return "ok"

    with OpenAIServer(responder=responder) as fake:
        make_resource(fake.base_url, cache_path, max_tokens=99, temperature=0.5).generate(
            [
                LLMRequest("a", [{"role": "user", "content": "x"}]),
                LLMRequest(
                    "b",
                    [{"role": "user", "content": "y"}],
                    max_tokens=7,
                    temperature=0.0,
                    stop=("END",),
                ),
            ]
        )
    by_content = {body["messages"][0]["content"]: body for body in seen}
    assert (by_content["x"]["max_tokens"], by_content["x"]["temperature"]) == (99, 0.5)
    assert (
        by_content["y"]["max_tokens"],
        by_content["y"]["temperature"],
        by_content["y"]["stop"],
    ) == (
        7,
        0.0,
        ["END"],
    )


def test_usage_counts_tokens_spent_and_cached_rows_keep_theirs(
    server, cache_path, make_resource, prompts
):
    resource = make_resource(server.base_url, cache_path)
    first = resource.generate(prompts(10))
    second = resource.generate(prompts(10))

    expected_prompt = sum(count_tokens(f"question number {i}") for i in range(10))
    expected_completion = sum(count_tokens(f"echo: question number {i}") for i in range(10))
    assert first.stats.prompt_tokens == expected_prompt
    assert first.stats.completion_tokens == expected_completion
    assert sum(c.completion_tokens for c in first.completions) == expected_completion
    assert (second.stats.prompt_tokens, second.stats.completion_tokens) == (0, 0)
    assert sum(c.completion_tokens for c in second.completions) == expected_completion


def test_metadata_is_flat_numbers_prefixed_llm(server, cache_path, make_resource, prompts):
    result = make_resource(server.base_url, cache_path).generate(prompts(4))
    meta = result.metadata()

    assert all(key.startswith("llm/") for key in meta)
    assert all(isinstance(value, (int, float)) for value in meta.values())
    assert meta["llm/samples"] == 4 and meta["llm/sent"] == 4 and meta["llm/failed"] == 0


def test_progress_is_logged_with_rates_and_cache_hits(
    server, cache_path, make_resource, prompts, caplog
):
    with caplog.at_level(logging.INFO, logger="assay.test"):
        make_resource(server.base_url, cache_path).generate(
            prompts(5), log=logging.getLogger("assay.test")
        )
    lines = [r.getMessage() for r in caplog.records if r.name == "assay.test"]
    assert any(
        "5/5 samples done" in line and "req/s" in line and "cache hits" in line for line in lines
    )


def test_an_engine_that_forgets_a_sample_records_it_instead_of_dropping_it(cache_path):
    class ForgetfulEngine:
        def run(self, units, recorder):
            recorder.fail(units[0], "http_400", "http_400 after 1 attempts")

    defaults = SamplingDefaults("m", 0.7, 0.95, 16, 0)
    requests = [LLMRequest(f"k{i}", [{"role": "user", "content": str(i)}]) for i in range(3)]
    result: BatchResult = run_batch(requests, defaults, ForgetfulEngine, None)

    assert [c.error for c in result.completions] == [
        "http_400 after 1 attempts",
        "unreported",
        "unreported",
    ]
    assert all(isinstance(c, Completion) and not c.ok for c in result.completions)
    assert result.stats.failure_reasons == {"http_400": 1, "unreported": 2}


def test_progress_keeps_coming_while_answers_are_slow(cache_path, caplog):
    from resources.llm.client import BatchProgress, BatchRecorder, expand
    from resources.llm.engines.openai import OpenAIEngine
    from resources.llm.retry import RetryPolicy
    from resources.llm.types import BatchStats

    units = expand(
        [LLMRequest("slow", [{"role": "user", "content": "take your time"}])],
        SamplingDefaults("fake-model", 0.7, 0.95, 16, 0),
    )
    log = logging.getLogger("assay.test.slow")
    batch = BatchProgress(BatchStats(requests=1, samples=1), log, total=1, progress_every_s=0.2)
    recorder = BatchRecorder(units, None, batch)
    with OpenAIServer(latency_s=1.5) as fake, caplog.at_level(logging.INFO, logger=log.name):
        OpenAIEngine(fake.base_url, "k", "fake-model", 1, 10.0, RetryPolicy(), 10).run(
            units, recorder
        )

    lines = [r.getMessage() for r in caplog.records if r.name == log.name]
    assert any(line.startswith("llm: 0/1 samples done") for line in lines)
    assert recorder.completions()[0].ok


def test_per_request_top_p_and_repetition_penalty_reach_the_server_and_the_cache_key(
    cache_path, make_resource
):
    seen: list[dict] = []

    def responder(body: dict) -> str:
        seen.append(body)
        return "ok"

    plain = LLMRequest("a", [{"role": "user", "content": "x"}])
    tuned = LLMRequest("a", [{"role": "user", "content": "x"}], top_p=0.9, repetition_penalty=1.05)
    with OpenAIServer(responder=responder) as fake:
        resource = make_resource(fake.base_url, cache_path, top_p=1.0)
        resource.generate([plain])
        resource.generate(
            [tuned]
        )  # a different request: not served from the first one's cache entry
        resource.generate([tuned])  # the same one again: served from the cache
    assert len(seen) == 2
    assert seen[0]["top_p"] == 1.0 and "repetition_penalty" not in seen[0]
    assert seen[1]["top_p"] == 0.9 and seen[1]["repetition_penalty"] == 1.05


def test_reasoning_content_is_kept_and_cached(cache_path, make_resource):
    def responder(body: dict) -> dict:
        return {"content": "the answer", "reasoning_content": "first, think"}

    request = LLMRequest("a", [{"role": "user", "content": "x"}])
    with OpenAIServer(responder=responder) as fake:
        first = make_resource(fake.base_url, cache_path).generate([request]).completions[0]
        again = make_resource(fake.base_url, cache_path).generate([request]).completions[0]
        assert fake.stats.requests == 1
    assert (first.text, first.reasoning) == ("the answer", "first, think")
    assert again.cached and (again.text, again.reasoning) == ("the answer", "first, think")
