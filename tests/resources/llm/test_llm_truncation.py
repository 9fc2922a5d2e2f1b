"""Answers cut off at max_tokens: failures by default, recorded outcomes where an asset says so.

A reasoning model thinking past its budget, or a prediction that never reached its final
answer, is a result to keep as a row; a server that is down is not, whatever the asset says.
"""

import logging

import pytest

from resources.llm import TRUNCATED, LLMBatchFailed, LLMRequest, LLMResource
from tests.fakes.openai_server import FaultPlan, OpenAIServer

REQUESTS = [
    LLMRequest(key=f"q{i}", messages=({"role": "user", "content": f"solve {i}"},), n=2)
    for i in range(3)
]


def _resource(server: OpenAIServer, tmp_path) -> LLMResource:
    return LLMResource(
        engine="openai",
        model="scripted",
        base_url=server.base_url,
        api_key_env="NO_KEY",
        cache_path=str(tmp_path / "cache.sqlite"),
        max_retries=0,
        timeout_s=10,
        retry_base_s=0.01,
    )


def test_truncated_answers_past_the_threshold_fail_the_batch_by_default(tmp_path):
    with OpenAIServer(faults=FaultPlan(truncated=1.0)) as server, pytest.raises(LLMBatchFailed):
        _resource(server, tmp_path).generate(REQUESTS)


def test_as_an_outcome_every_truncated_sample_comes_back_recorded(tmp_path, caplog):
    with OpenAIServer(faults=FaultPlan(truncated=1.0)) as server:
        result = _resource(server, tmp_path).generate(
            REQUESTS, log=logging.getLogger("test"), truncation_is_an_outcome=True
        )
    assert len(result.completions) == 6
    assert all(not c.ok for c in result.completions)
    assert dict(result.stats.failure_reasons) == {TRUNCATED: 6}
    assert "6 of 6 answers hit max_tokens" in caplog.text


def test_a_server_that_fails_otherwise_still_fails_the_batch(tmp_path):
    with OpenAIServer(faults=FaultPlan(server_error=1.0)) as server, pytest.raises(LLMBatchFailed):
        _resource(server, tmp_path).generate(REQUESTS, truncation_is_an_outcome=True)
