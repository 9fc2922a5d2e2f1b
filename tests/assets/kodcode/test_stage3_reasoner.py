"""Reasoner batches: answers cut off at max_tokens become counted rows; real outages still fail."""

import logging
from types import SimpleNamespace

import pytest

from assets.kodcode.stage3 import TRUNCATED, _generate_tolerating_truncation
from resources.llm import LLMBatchFailed, LLMRequest, LLMResource
from tests.fakes.openai_server import FaultPlan, OpenAIServer

CONTEXT = SimpleNamespace(log=logging.getLogger("test"))
REQUESTS = [
    LLMRequest(key=f"q{i}", messages=({"role": "user", "content": f"solve {i}"},), n=2)
    for i in range(3)
]


def _reasoner(server: OpenAIServer, tmp_path) -> LLMResource:
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


def test_a_batch_cut_off_at_max_tokens_comes_back_with_every_sample_recorded(tmp_path):
    with OpenAIServer(faults=FaultPlan(truncated=1.0)) as server:
        result = _generate_tolerating_truncation(_reasoner(server, tmp_path), REQUESTS, CONTEXT)
    assert len(result.completions) == 6
    assert all(not c.ok for c in result.completions)
    assert dict(result.stats.failure_reasons) == {TRUNCATED: 6}


def test_a_server_that_fails_otherwise_still_fails_the_asset(tmp_path):
    with OpenAIServer(faults=FaultPlan(server_error=1.0)) as server, pytest.raises(LLMBatchFailed):
        _generate_tolerating_truncation(_reasoner(server, tmp_path), REQUESTS, CONTEXT)
