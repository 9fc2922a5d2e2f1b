"""Offline batch generation with vLLM on a GPU (optional extra: pip install 'assay[vllm]').

vLLM is imported only when this engine runs, so the rest of assay works without it.
Missing samples are generated in chunks, and each chunk's answers are recorded (and
cached) as soon as the chunk finishes, so a crash loses at most one chunk.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

from resources.llm.client import Answer, BatchRecorder, Unit

CHUNK_SIZE = 256

_llms: dict[str, Any] = {}
_lock = threading.Lock()


class VLLMUnavailable(RuntimeError):
    """vLLM is not installed (or cannot start) in this environment."""


def sampling_kwargs(unit: Unit) -> dict[str, Any]:
    """Keyword arguments for `vllm.SamplingParams` that reproduce one sample of a request.

    Each sample is its own generation (n=1) with its own seed, exactly like the HTTP engines,
    so an answer cached by one engine means the same thing as one produced by another.
    """
    p = unit.params
    kwargs: dict[str, Any] = {
        "n": 1,
        "temperature": p.temperature,
        "top_p": p.top_p,
        "max_tokens": p.max_tokens,
        "seed": p.sampling_seed(),
    }
    if p.stop:
        kwargs["stop"] = list(p.stop)
    if p.repetition_penalty is not None:
        kwargs["repetition_penalty"] = p.repetition_penalty
    return kwargs


def _load_vllm() -> Any:
    try:
        import vllm
    except ImportError as exc:
        raise VLLMUnavailable(
            "LLMResource(engine='vllm') needs vLLM, which is not installed: pip install 'assay[vllm]' "
            "(needs a CUDA GPU). Without a GPU use engine='embedded', or engine='openai' with "
            f"base_url pointing at a vLLM server. ({exc})"
        ) from exc
    return vllm


class VLLMEngine:
    """One `vllm.LLM` per model per process, reused across batches."""

    def __init__(self, model: str, chunk_size: int = CHUNK_SIZE, **llm_kwargs: Any) -> None:
        self.model = model
        self.chunk_size = max(1, chunk_size)
        self.llm_kwargs = llm_kwargs

    def _llm(self, vllm: Any) -> Any:
        with _lock:
            if self.model not in _llms:
                _llms[self.model] = vllm.LLM(model=self.model, **self.llm_kwargs)
            return _llms[self.model]

    def run(self, units: Sequence[Unit], recorder: BatchRecorder) -> None:
        vllm = _load_vllm()
        llm = self._llm(vllm)
        for start in range(0, len(units), self.chunk_size):
            chunk = units[start : start + self.chunk_size]
            for _ in chunk:
                recorder.attempt(retry=False)
            # Chats get the model's chat template; raw prompts (Magpie-style pre-query
            # templates) are generated from as they are.
            chats = [u for u in chunk if not u.params.raw]
            raws = [u for u in chunk if u.params.raw]
            if chats:
                outputs = llm.chat(
                    [[dict(m) for m in u.params.messages] for u in chats],
                    [vllm.SamplingParams(**sampling_kwargs(u)) for u in chats],
                    use_tqdm=False,
                )
                for unit, output in zip(chats, outputs):
                    recorder.answer(unit, answer_from_output(output, self.model))
            if raws:
                outputs = llm.generate(
                    [u.params.prompt for u in raws],
                    [vllm.SamplingParams(**sampling_kwargs(u)) for u in raws],
                    use_tqdm=False,
                )
                for unit, output in zip(raws, outputs):
                    recorder.answer(unit, answer_from_output(output, self.model))


def answer_from_output(output: Any, model: str) -> Answer:
    """Map a `vllm.RequestOutput` (first sample) to an Answer; pure, so it is testable without vLLM."""
    sample = output.outputs[0]
    return Answer(
        text=sample.text,
        finish_reason=sample.finish_reason or "stop",
        prompt_tokens=len(output.prompt_token_ids or ()),
        completion_tokens=len(sample.token_ids or ()),
        model=model,
    )
