"""LLM access for every asset: one batch call, durable per-sample cache, pluggable engines.

    result = llm.generate([LLMRequest(key=row_id, messages=[{"role": "user", "content": p}], n=4)],
                          log=context.log)
    for c in result.completions:          # request order, then sample_index; never fewer rows
        ...c.key, c.sample_index, c.ok, c.text, c.error...
    context.add_output_metadata(result.metadata())

Engines: "embedded" (local GGUF via xllamacpp, the default), "openai" (any OpenAI-compatible
endpoint), "vllm" (offline GPU batch, optional extra). Answers are cached per sample in SQLite
(`cache_path`), so re-runs and crashed runs only pay for what is missing.
"""

from resources.llm.client import TRUNCATED
from resources.llm.resource import LLMResource
from resources.llm.types import (
    ERROR_FAILURE,
    FILTERED_FAILURE,
    NO_FAILURE,
    TRUNCATED_FAILURE,
    BatchResult,
    BatchStats,
    Completion,
    LLMBatchFailed,
    LLMRequest,
    failure_of,
)

__all__ = [
    "ERROR_FAILURE",
    "FILTERED_FAILURE",
    "NO_FAILURE",
    "TRUNCATED",
    "TRUNCATED_FAILURE",
    "BatchResult",
    "BatchStats",
    "Completion",
    "LLMBatchFailed",
    "LLMRequest",
    "LLMResource",
    "failure_of",
]
