"""The LLM resource the asset tests point at a scripted server: one definition for all."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from resources.llm import LLMResource


def scripted_llm(base_url: str, home: Path, **overrides: Any) -> LLMResource:
    """An `openai`-engine resource on `base_url`, caching under `home`, quick to give up."""
    config: dict[str, Any] = {
        "engine": "openai",
        "model": "scripted",
        "base_url": base_url,
        "api_key_env": "NO_KEY",
        "cache_path": str(Path(home) / "cache.sqlite"),
        "max_retries": 1,
        "timeout_s": 10,
    }
    return LLMResource(**{**config, **overrides})
