"""Faulty endpoints: every sample still ends as an answer or a failure with its reason."""

from __future__ import annotations

import socket

import pytest

from resources.llm import LLMBatchFailed
from resources.llm.retry import CircuitBreaker, RetryPolicy, parse_retry_after
from tests.fakes.openai_server import FAULT_KINDS, FaultPlan, OpenAIServer

# What a sample ends as when the server shows this fault on every attempt.
PERSISTENT_OUTCOME = {
    "rate_limit_retry_after": "http_429 after 3 attempts",
    "rate_limit": "http_429 after 3 attempts",
    "server_error": "http_500 after 3 attempts",
    "unavailable": "http_503 after 3 attempts",
    "connection_reset": "connection after 3 attempts",
    "read_timeout": "timeout after 3 attempts",
    "slow": None,
    "truncated": "finish_reason=length",
    "content_filter": "finish_reason=content_filter",
    "empty_body": "bad_response after 3 attempts",
    "malformed_json": "bad_response after 3 attempts",
}
NOT_RETRIED = {"truncated", "content_filter", "slow"}


def _plan(kind: str, **extra: object) -> FaultPlan:
    return FaultPlan(**{kind: 1.0}, retry_after_s=0.01, timeout_sleep_s=1.0, slow_s=0.05, **extra)


def _timeout_for(kind: str) -> float:
    """Short only where the timeout is the point, so a loaded machine cannot fake one."""
    return 0.4 if kind == "read_timeout" else 10.0


def test_fault_table_covers_every_fault_kind():
    assert set(PERSISTENT_OUTCOME) == set(FAULT_KINDS)


@pytest.mark.parametrize("kind", FAULT_KINDS)
def test_persistent_fault_is_recorded_with_its_reason(kind, cache_path, make_resource, prompts):
    with OpenAIServer(faults=_plan(kind)) as fake:
        resource = make_resource(
            fake.base_url,
            cache_path,
            max_retries=2,
            timeout_s=_timeout_for(kind),
            failure_threshold=1.0,
            circuit_breaker_after=0,
        )
        result = resource.generate(prompts(3))
        requests_seen = fake.stats.requests

    assert [c.error for c in result.completions] == [PERSISTENT_OUTCOME[kind]] * 3
    assert all(c.ok == (PERSISTENT_OUTCOME[kind] is None) for c in result.completions)
    assert result.stats.sent == (3 if kind in NOT_RETRIED else 9)
    if kind == "read_timeout":
        # A request the client gave up on may not have been read by the server yet.
        assert 3 <= requests_seen <= 9
    else:
        assert requests_seen == result.stats.sent


@pytest.mark.parametrize("kind", sorted(set(FAULT_KINDS) - NOT_RETRIED))
def test_transient_fault_is_retried_until_answered(kind, cache_path, make_resource, prompts):
    with OpenAIServer(faults=_plan(kind, first_attempts_only=2)) as fake:
        result = make_resource(fake.base_url, cache_path, timeout_s=_timeout_for(kind)).generate(
            prompts(3)
        )
        assert fake.stats.faults[kind] == 6
        assert fake.stats.ok == 3

    assert all(c.ok for c in result.completions)
    assert result.stats.retries == 6 and result.stats.failed == 0


def test_retry_waits_at_least_as_long_as_retry_after(cache_path, make_resource, prompts):
    plan = FaultPlan(rate_limit_retry_after=1.0, retry_after_s=0.4, first_attempts_only=1)
    with OpenAIServer(faults=plan) as fake:
        result = make_resource(fake.base_url, cache_path, retry_base_s=0.001).generate(prompts(1))
        (first_at, digest, first), (second_at, digest2, second) = fake.stats.arrivals

    assert (first, second, digest) == ("rate_limit_retry_after", "ok", digest2)
    assert second_at - first_at >= 0.4
    assert result.completions[0].ok


def test_retry_after_header_forms_are_understood():
    assert parse_retry_after({"Retry-After": "3"}) == 3.0
    assert parse_retry_after({"retry-after-ms": "250"}) == 0.25
    assert parse_retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) == 0.0
    assert parse_retry_after({}) is None


def test_backoff_grows_exponentially_within_jitter_and_caps():
    policy = RetryPolicy(max_retries=10, base_s=1.0, max_s=8.0)
    for number, ceiling in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delay = policy.delay(number)
        assert ceiling / 2 <= delay <= ceiling
    assert policy.delay(1, retry_after_s=5.0) == 5.0


def test_client_errors_are_not_retried(cache_path, make_resource, prompts):
    with OpenAIServer() as fake:
        resource = make_resource(
            fake.base_url.replace("/v1", "/nowhere"), cache_path, failure_threshold=1.0
        )
        result = resource.generate(prompts(2))
        assert fake.stats.requests == 0

    assert [c.error for c in result.completions] == ["http_404 after 1 attempts"] * 2
    assert result.stats.sent == 2


def test_failed_share_above_threshold_raises_with_reasons_and_keeps_the_result(
    cache_path, make_resource, prompts
):
    with OpenAIServer(faults=FaultPlan(server_error=0.75, seed=7)) as fake:
        resource = make_resource(fake.base_url, cache_path, max_retries=0, failure_threshold=0.5)
        with pytest.raises(LLMBatchFailed) as caught:
            resource.generate(prompts(40))

    message = str(caught.value)
    assert "failure_threshold 50%" in message and "http_500" in message
    result = caught.value.result
    assert len(result.completions) == 40
    assert result.stats.failed == sum(not c.ok for c in result.completions) > 20


def test_failed_share_at_or_below_threshold_returns_normally(cache_path, make_resource, prompts):
    with OpenAIServer(faults=FaultPlan(truncated=0.2, seed=1)) as fake:
        result = make_resource(fake.base_url, cache_path, failure_threshold=0.5).generate(
            prompts(40)
        )
    assert 0 < result.stats.failed <= 20
    assert result.stats.failure_reasons == {"finish_reason=length": result.stats.failed}


def test_circuit_breaker_stops_hammering_a_resetting_endpoint(cache_path, make_resource, prompts):
    with OpenAIServer(faults=FaultPlan(connection_reset=1.0)) as fake:
        resource = make_resource(
            fake.base_url, cache_path, concurrency=4, circuit_breaker_after=5, failure_threshold=1.0
        )
        result = resource.generate(prompts(100))
        seen = fake.stats.requests

    assert seen <= 5 + 4
    assert result.stats.failure_reasons["circuit_open"] >= 90
    assert all(c.error is not None for c in result.completions)


def test_read_timeouts_are_retried_but_do_not_open_the_breaker(cache_path, make_resource, prompts):
    with OpenAIServer(faults=FaultPlan(read_timeout=1.0, timeout_sleep_s=1.0)) as fake:
        resource = make_resource(
            fake.base_url,
            cache_path,
            concurrency=4,
            timeout_s=0.3,
            max_retries=1,
            circuit_breaker_after=3,
            failure_threshold=1.0,
        )
        result = resource.generate(prompts(8))

    assert [c.error for c in result.completions] == ["timeout after 2 attempts"] * 8
    assert "circuit_open" not in result.stats.failure_reasons


def test_circuit_breaker_fails_fast_on_a_dead_port(cache_path, make_resource, prompts):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    resource = make_resource(
        f"http://127.0.0.1:{port}/v1", cache_path, circuit_breaker_after=3, concurrency=2
    )

    with pytest.raises(LLMBatchFailed, match="circuit_open"):
        resource.generate(prompts(200))


def test_breaker_counts_only_consecutive_connection_failures():
    breaker = CircuitBreaker(threshold=3)
    for _ in range(2):
        breaker.record_connection_failure()
    breaker.record_response()
    for _ in range(2):
        breaker.record_connection_failure()
    assert not breaker.is_open
    breaker.record_connection_failure()
    assert breaker.is_open
