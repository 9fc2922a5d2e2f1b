"""LLM access for every asset: one batch call, durable per-sample cache, pluggable engines."""

from resources.llm.resource import LLMResource
from resources.llm.types import BatchResult, BatchStats, Completion, LLMBatchFailed, LLMRequest

__all__ = ["BatchResult", "BatchStats", "Completion", "LLMBatchFailed", "LLMRequest", "LLMResource"]
