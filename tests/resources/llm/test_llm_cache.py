"""The durable per-sample cache: a re-run never pays twice, and only good answers are kept."""

from __future__ import annotations

import sqlite3
import time
from dataclasses import replace

import pytest

from resources.llm import LLMRequest
from resources.llm.cache import AnswerCache, CachedAnswer, CacheWriter, SampleParams
from tests.fakes.openai_server import FaultPlan, OpenAIServer


def _params(**changes: object) -> SampleParams:
    base = SampleParams(
        model="m",
        messages=({"role": "user", "content": "hi"},),
        temperature=0.7,
        top_p=0.95,
        max_tokens=64,
        stop=None,
        sample_index=0,
        seed=0,
    )
    return replace(base, **changes)


def test_cache_key_is_stable_and_ignores_dict_key_order():
    a = _params(messages=({"role": "user", "content": "hi"},))
    b = _params(messages=({"content": "hi", "role": "user"},))
    assert a.cache_key() == b.cache_key()
    assert len(a.cache_key()) == 64


def test_cache_key_changes_with_everything_that_determines_the_answer():
    base = _params().cache_key()
    variants = [
        _params(model="other"),
        _params(messages=({"role": "user", "content": "hello"},)),
        _params(temperature=0.2),
        _params(top_p=0.5),
        _params(max_tokens=65),
        _params(stop=("\n",)),
        _params(sample_index=1),
        _params(seed=1),
    ]
    keys = {v.cache_key() for v in variants}
    assert base not in keys
    assert len(keys) == len(variants)


def test_sampling_seed_differs_per_sample_and_is_reproducible():
    seeds = [_params(sample_index=i).sampling_seed() for i in range(4)]
    assert len(set(seeds)) == 4
    assert seeds == [_params(sample_index=i).sampling_seed() for i in range(4)]
    assert _params(seed=1).sampling_seed() != _params(seed=0).sampling_seed()


def test_cache_file_uses_wal_and_survives_reopening(tmp_path):
    path = tmp_path / "c.sqlite"
    cache = AnswerCache(path)
    cache.put_many([("k", CachedAnswer("text", "stop", 3, 4, "m"))])
    cache.close()
    reopened = AnswerCache(path)
    assert reopened.get_many(["k", "missing"]) == {"k": CachedAnswer("text", "stop", 3, 4, "m")}
    reopened.close()
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_many_processes_may_open_a_new_cache_file_at_the_same_moment(tmp_path):
    # Dagster steps open the cache concurrently; switching a new file to WAL can be refused
    # without SQLite waiting, which once failed a run with "database is locked".
    from concurrent.futures import ThreadPoolExecutor

    for round_ in range(20):
        path = tmp_path / f"cache{round_}.sqlite"
        with ThreadPoolExecutor(4) as pool:
            caches = list(pool.map(lambda _, path=path: AnswerCache(path), range(4)))
        assert len(caches) == 4
        caches[0].put_many([("k", CachedAnswer("a", "stop", 1, 1, "m"))])
        assert caches[3].get_many(["k"])["k"].text == "a"


def _rows(path) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]


def test_writer_commits_each_answer_soon_not_only_when_the_batch_ends(tmp_path):
    # What a killed run keeps: answers reach the file while the batch is still going.
    path = tmp_path / "c.sqlite"
    cache = AnswerCache(path)
    writer = CacheWriter(cache, linger_s=0.01)
    writer.submit("k", CachedAnswer("a", "stop", 1, 1, "m"))
    deadline = time.monotonic() + 30
    while _rows(path) == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        assert _rows(path) == 1
    finally:
        writer.close()
        cache.close()


def test_writer_groups_answers_into_few_commits_and_close_flushes_them_all(tmp_path, monkeypatch):
    commits = []
    real_put_many = AnswerCache.put_many
    monkeypatch.setattr(
        AnswerCache,
        "put_many",
        lambda self, rows: commits.append(len(rows)) or real_put_many(self, rows),
    )
    path = tmp_path / "c.sqlite"
    cache = AnswerCache(path)
    writer = CacheWriter(cache, linger_s=60.0)  # only close() ends the first linger
    for i in range(500):
        writer.submit(f"k{i}", CachedAnswer(f"a{i}", "stop", 1, 1, "m"))
    writer.close()

    assert _rows(path) == 500 and sum(commits) == 500
    assert len(commits) == 1
    assert cache.get_many(["k499"])["k499"].text == "a499"
    cache.close()


def test_a_failed_cache_write_is_raised_when_the_writer_closes(tmp_path, monkeypatch):
    def full_disk(self, rows):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(AnswerCache, "put_many", full_disk)
    cache = AnswerCache(tmp_path / "c.sqlite")
    writer = CacheWriter(cache, linger_s=0.0)
    writer.submit("k", CachedAnswer("a", "stop", 1, 1, "m"))
    with pytest.raises(sqlite3.OperationalError, match="disk is full"):
        writer.close()
    cache.close()


def test_rerun_is_served_from_cache_with_zero_requests(server, cache_path, make_resource, prompts):
    resource = make_resource(server.base_url, cache_path)
    first = resource.generate(prompts(20, n=2))
    sent_first = server.stats.requests

    second = resource.generate(prompts(20, n=2))

    assert sent_first == 40
    assert server.stats.requests == sent_first
    assert second.stats.cache_hits == 40 and second.stats.sent == 0
    assert all(c.cached for c in second.completions)
    assert [c.text for c in second.completions] == [c.text for c in first.completions]


def test_fully_cached_batch_needs_no_endpoint(server, cache_path, make_resource, prompts):
    make_resource(server.base_url, cache_path).generate(prompts(5))
    dead = make_resource("http://127.0.0.1:9/v1", cache_path)

    result = dead.generate(prompts(5))

    assert [c.ok and c.cached for c in result.completions] == [True] * 5


def test_changing_a_sampling_parameter_misses_the_cache(server, cache_path, make_resource, prompts):
    make_resource(server.base_url, cache_path).generate(prompts(5))
    make_resource(server.base_url, cache_path, temperature=0.1).generate(prompts(5))
    assert server.stats.requests == 10


def test_a_truncated_answer_is_a_recorded_failure_that_a_rerun_serves_from_the_cache(
    cache_path, make_resource, prompts
):
    # Every body is truncated on its first arrival and answered properly afterwards.
    plan = FaultPlan(truncated=1.0, first_attempts_only=1)
    with OpenAIServer(faults=plan) as fake:
        first = make_resource(fake.base_url, cache_path, failure_threshold=1.0).generate(prompts(6))
        second = make_resource(fake.base_url, cache_path, failure_threshold=1.0).generate(
            prompts(6)
        )
        sent_before_asking_anew = fake.stats.requests
        longer = make_resource(
            fake.base_url, cache_path, max_tokens=4096, failure_threshold=1.0
        ).generate(prompts(6))

    assert [c.error for c in first.completions] == ["finish_reason=length"] * 6
    assert sent_before_asking_anew == 6
    assert second.stats.sent == 0 and second.stats.cache_hits == 6
    assert second.stats.failure_reasons == {"finish_reason=length": 6}
    assert [(c.text, c.error) for c in second.completions] == [
        (c.text, c.error) for c in first.completions
    ]
    # max_tokens is part of the key: a longer budget asks again.
    assert longer.stats.sent == 6 and longer.stats.cache_hits == 0


def test_transient_failures_are_not_cached(cache_path, make_resource, prompts):
    plan = FaultPlan(server_error=1.0, first_attempts_only=1)
    with OpenAIServer(faults=plan) as fake:
        first = make_resource(fake.base_url, cache_path, max_retries=0, failure_threshold=1.0)
        failed = first.generate(prompts(6))
        second = make_resource(fake.base_url, cache_path).generate(prompts(6))

    assert [c.ok for c in failed.completions] == [False] * 6
    assert second.stats.cache_hits == 0 and all(c.ok for c in second.completions)


def test_identical_samples_in_one_batch_are_asked_once(server, cache_path, make_resource):
    same = [{"role": "user", "content": "the same question"}]
    result = make_resource(server.base_url, cache_path).generate(
        [LLMRequest("first", same, n=2), LLMRequest("second", same, n=2)]
    )

    assert server.stats.requests == 2
    assert [(c.key, c.sample_index, c.cached) for c in result.completions] == [
        ("first", 0, False),
        ("first", 1, False),
        ("second", 0, True),
        ("second", 1, True),
    ]
    assert result.completions[0].text == result.completions[2].text
    assert result.stats.cache_hits == 2 and result.stats.sent == 2
