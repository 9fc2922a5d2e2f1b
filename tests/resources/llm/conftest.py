"""Fixtures for the LLM resource tests: a fake endpoint and a resource pointed at it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# Make `resources` and `tests.fakes` importable however pytest was launched.
_ROOT = Path(__file__).resolve().parents[3]
if str(_ROOT) not in sys.path:
    sys.path.insert(0, str(_ROOT))

from resources.llm import LLMRequest, LLMResource
from tests.fakes.openai_server import OpenAIServer


@pytest.fixture
def server() -> Iterator[OpenAIServer]:
    with OpenAIServer() as fake:
        yield fake


@pytest.fixture
def cache_path(tmp_path: Path) -> str:
    return str(tmp_path / "llm_cache.sqlite")


def _make_resource(base_url: str, cache_path: str, **overrides: object) -> LLMResource:
    config: dict = {
        "engine": "openai",
        "base_url": base_url,
        "model": "fake-model",
        "cache_path": cache_path,
        "concurrency": 8,
        "timeout_s": 5.0,
        "retry_base_s": 0.001,
        "retry_max_s": 0.01,
    }
    config.update(overrides)
    return LLMResource(**config)


def _prompts(count: int, n: int = 1, prefix: str = "question") -> list[LLMRequest]:
    return [
        LLMRequest(
            key=f"row-{i}", messages=[{"role": "user", "content": f"{prefix} number {i}"}], n=n
        )
        for i in range(count)
    ]


@pytest.fixture
def make_resource():
    """Factory for a resource tuned for tests: short backoff so retries cost milliseconds."""
    return _make_resource


@pytest.fixture
def prompts():
    """Factory for `count` distinct single-message requests keyed row-0, row-1, …"""
    return _prompts
