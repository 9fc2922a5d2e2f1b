"""Answers cut off at max_tokens: failures by default, recorded outcomes where an asset says so.

A reasoning model thinking past its budget, or a prediction that never reached its final
answer, is a result to keep as a row; a server that is down is not, whatever the asset says.
"""

import logging

import pytest

from resources.llm import TRUNCATED, LLMBatchFailed
from tests.fakes.openai_server import FaultPlan, OpenAIServer


def test_truncated_answers_past_the_threshold_fail_the_batch_by_default(
    cache_path, make_resource, prompts
):
    with OpenAIServer(faults=FaultPlan(truncated=1.0)) as server, pytest.raises(LLMBatchFailed):
        make_resource(server.base_url, cache_path).generate(prompts(3, n=2))


def test_as_an_outcome_every_truncated_sample_comes_back_recorded(
    cache_path, make_resource, prompts, caplog
):
    with OpenAIServer(faults=FaultPlan(truncated=1.0)) as server:
        result = make_resource(server.base_url, cache_path).generate(
            prompts(3, n=2), log=logging.getLogger("test"), truncation_is_an_outcome=True
        )
    assert len(result.completions) == 6
    assert all(not c.ok for c in result.completions)
    assert dict(result.stats.failure_reasons) == {TRUNCATED: 6}
    assert "6 of 6 answers hit max_tokens" in caplog.text


def test_a_server_that_fails_otherwise_still_fails_the_batch(cache_path, make_resource, prompts):
    with OpenAIServer(faults=FaultPlan(server_error=1.0)) as server, pytest.raises(LLMBatchFailed):
        make_resource(server.base_url, cache_path, max_retries=0).generate(
            prompts(3, n=2), truncation_is_an_outcome=True
        )
