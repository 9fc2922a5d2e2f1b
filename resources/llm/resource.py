"""LLMResource: the one batch call every asset uses, whatever engine is behind it."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterable

import dagster as dg
from pydantic import Field

from resources.interrupts import interruptible
from resources.llm.cache import AnswerCache
from resources.llm.client import (
    TRUNCATED,
    WINDOW_SAMPLES,
    Engine,
    SamplingDefaults,
    run_batch,
)
from resources.llm.retry import RetryPolicy
from resources.llm.types import BatchResult, Completion, LLMBatchFailed, LLMRequest

ENGINES = ("embedded", "openai", "vllm")
_OPENAI_DEFAULT_MODEL = "gpt-4o-mini"
_served_models: dict[str, str] = {}
_served_lock = threading.Lock()


class LLMResource(dg.ConfigurableResource):
    """Requests in, completions out; cached per sample, retried, never silently dropped.

    Several instances can play different roles (generator, reasoner, evaluator).
    """

    engine: str = Field(default="embedded", description="embedded | openai | vllm")
    model: str = Field(default="", description='"" picks the engine default')
    base_url: str | None = Field(default=None, description="openai engine: endpoint ending in /v1")
    api_key_env: str = Field(
        default="OPENAI_API_KEY", description="name of the env var holding the key"
    )
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 1024
    concurrency: int = 8
    max_retries: int = 6
    timeout_s: float = 120.0
    cache_path: str = Field(
        default=".assay/llm_cache.sqlite",
        description='SQLite answer cache shared by all runs and processes; "" disables it',
    )
    failure_threshold: float = Field(
        default=0.5,
        description="generate() raises LLMBatchFailed when the failed share exceeds this",
    )
    seed: int = 0
    retry_base_s: float = Field(
        default=0.5, description="first backoff step; doubles per retry, jittered"
    )
    retry_max_s: float = Field(
        default=30.0, description="longest backoff step without a Retry-After"
    )
    window_samples: int = Field(
        default=WINDOW_SAMPLES,
        description="samples asked at a time: a batch's prompts and answers are held one window at a time",
    )
    circuit_breaker_after: int = Field(
        default=10,
        description="consecutive connection failures before the rest of a batch fails fast",
    )

    def resolved_model(self) -> str:
        """The model name that goes into cache keys and requests."""
        if self.engine not in ENGINES:
            raise ValueError(f"LLMResource.engine must be one of {ENGINES}, got {self.engine!r}")
        if self.model:
            return self.model
        if self.engine == "embedded":
            from resources.llm.engines.embedded import DEFAULT_MODEL

            return DEFAULT_MODEL
        if self.engine == "vllm":
            raise ValueError(
                "LLMResource(engine='vllm') needs model= (a Hugging Face id or local path)"
            )
        return (
            _served_model(self.base_url, self._api_key())
            if self.base_url
            else _OPENAI_DEFAULT_MODEL
        )

    def generate(
        self,
        requests: Iterable[LLMRequest],
        log: logging.Logger | None = None,
        truncation_is_an_outcome: bool = False,
        sink: Callable[[list[Completion]], None] | None = None,
    ) -> BatchResult:
        """Answer every sample of every request, in order; raise if too many failed.

        `truncation_is_an_outcome`: answers cut off at max_tokens are results the asset
        records (a reasoning model thinking past its budget, a prediction with no final
        answer), not an outage: they do not count towards failure_threshold.
        `sink`: receives the completions a window at a time, in order, instead of the result
        (whose `completions` is then empty): requests may be a generator of any length."""
        model = self.resolved_model()
        defaults = SamplingDefaults(model, self.temperature, self.top_p, self.max_tokens, self.seed)
        cache = AnswerCache(self.cache_path) if self.cache_path else None
        try:
            with interruptible():
                result = run_batch(
                    requests,
                    defaults,
                    lambda: self._engine(model),
                    cache,
                    log,
                    sink=sink,
                    window=self.window_samples,
                )
        finally:
            if cache is not None:
                cache.close()
        stats = result.stats
        truncated = stats.failure_reasons.get(TRUNCATED, 0) if truncation_is_an_outcome else 0
        if truncated and log is not None:
            log.warning(
                f"{truncated} of {stats.samples} answers hit max_tokens; kept as failed rows"
            )
        if stats.samples and (stats.failed - truncated) / stats.samples > self.failure_threshold:
            reasons = ", ".join(f"{r}: {c}" for r, c in stats.failure_reasons.most_common(5))
            raise LLMBatchFailed(
                f"{stats.failed} of {stats.samples} LLM samples failed ({stats.failed_share:.0%} > "
                f"failure_threshold {self.failure_threshold:.0%}) on engine {self.engine!r}, model {model!r}; "
                f"reasons: {reasons}. Answers are cached (truncated and filtered ones too: raise max_tokens "
                "to ask those anew), so a re-run only retries requests that got no answer.",
                result,
            )
        return result

    def _api_key(self) -> str:
        key = os.environ.get(self.api_key_env, "")
        if key:
            return key
        if self.engine == "openai" and not self.base_url:
            raise ValueError(
                f"LLMResource(engine='openai') without base_url talks to api.openai.com and needs a key "
                f"in the environment variable {self.api_key_env!r}"
            )
        return "EMPTY"  # local servers (vLLM, llama.cpp) accept any key

    def _retry(self) -> RetryPolicy:
        return RetryPolicy(
            max_retries=self.max_retries, base_s=self.retry_base_s, max_s=self.retry_max_s
        )

    def _engine(self, model: str) -> Engine:
        from resources.llm.engines.openai import OpenAIEngine

        if self.engine == "openai":
            return OpenAIEngine(
                self.base_url,
                self._api_key(),
                model,
                self.concurrency,
                self.timeout_s,
                self._retry(),
                self.circuit_breaker_after,
            )
        if self.engine == "embedded":
            from resources.llm.engines.embedded import MIN_TIMEOUT_S, ensure_server, slots_for

            slots = slots_for(self.concurrency)
            return OpenAIEngine(
                ensure_server(model, slots=slots),
                "EMPTY",
                model,
                slots,  # more requests in flight than slots would only queue inside the server
                max(self.timeout_s, MIN_TIMEOUT_S),
                self._retry(),
                self.circuit_breaker_after,
                penalty_field="repeat_penalty",
            )
        from resources.llm.engines.vllm import VLLMEngine

        return VLLMEngine(model)


def _served_model(base_url: str, api_key: str) -> str:
    """First model an OpenAI-compatible server lists; asked once per process per endpoint."""
    with _served_lock:
        if base_url not in _served_models:
            import openai

            client = openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=3, timeout=30.0)
            try:
                models = client.models.list().data
            finally:
                client.close()
            if not models:
                raise ValueError(f"{base_url} lists no models; set LLMResource.model")
            _served_models[base_url] = models[0].id
        return _served_models[base_url]
