"""Any OpenAI-compatible chat endpoint (OpenAI, vLLM/SGLang servers, llama.cpp, Ollama, …).

One client path for every HTTP engine: bounded concurrency on one event loop,
the SDK's own retries off so backoff, Retry-After and the circuit breaker are ours,
and a connection pool sized to the concurrency so no request waits for a socket.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import ssl
from collections.abc import Sequence
from dataclasses import dataclass

import openai

from resources.llm.client import Answer, BatchRecorder, Unit, run_coroutine
from resources.llm.retry import CircuitBreaker, RetryPolicy, parse_retry_after

try:  # recent openai SDKs ship their own httpx fork; limits must come from the same package
    import httpx2 as _httpx
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx as _httpx  # type: ignore[no-redef]


POOL_SIZE = 4


@dataclass(frozen=True)
class _Outcome:
    """How one HTTP attempt ended when it did not produce an answer."""

    reason: str  # category, e.g. "http_429", "timeout", "connection", "bad_response"
    retryable: bool
    retry_after_s: float | None = None
    connection_failure: bool = False  # counts towards the circuit breaker


def classify(exc: BaseException) -> _Outcome:
    """Map a client exception to a failure category and whether it is worth retrying."""
    if isinstance(exc, openai.APITimeoutError):
        # A read timeout means the endpoint is alive but slow: retry, but do not trip the breaker.
        # Only failing to connect at all counts as "dead".
        return _Outcome("timeout", True, connection_failure=_is_connect_timeout(exc))
    if isinstance(exc, openai.APIConnectionError):
        return _Outcome("connection", True, connection_failure=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        retry_after = parse_retry_after(exc.response.headers if exc.response is not None else None)
        retryable = status in (408, 409, 425, 429) or status >= 500
        return _Outcome(f"http_{status}", retryable, retry_after)
    if isinstance(
        exc,
        (json.JSONDecodeError, openai.APIResponseValidationError, ValueError, KeyError, TypeError),
    ):
        return _Outcome("bad_response", True)
    return _Outcome(f"error_{type(exc).__name__}", False)


async def _tick_every(recorder: BatchRecorder, seconds: float) -> None:
    """Keep progress lines coming while every slot is busy with a long answer."""
    while True:
        await asyncio.sleep(seconds)
        recorder.tick()


def _is_connect_timeout(exc: BaseException) -> bool:
    cause = exc.__cause__ or exc.__context__
    return isinstance(cause, (_httpx.ConnectTimeout, _httpx.PoolTimeout))


class OpenAIEngine:
    """Sends each missing sample as its own chat completion (n=1 with a per-sample seed)."""

    def __init__(
        self,
        base_url: str | None,
        api_key: str,
        model: str,
        concurrency: int,
        timeout_s: float,
        retry: RetryPolicy,
        breaker_threshold: int,
        send_seed: bool = True,
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.model = model
        self.concurrency = max(1, concurrency)
        self.timeout_s = timeout_s
        self.retry = retry
        self.breaker_threshold = breaker_threshold
        self.send_seed = send_seed

    def run(self, units: Sequence[Unit], recorder: BatchRecorder) -> None:
        run_coroutine(self._run(units, recorder))

    async def _run(self, units: Sequence[Unit], recorder: BatchRecorder) -> None:
        workers = min(self.concurrency, len(units))
        clients = [self._client(size) for size in _pool_sizes(workers)]
        breaker = CircuitBreaker(self.breaker_threshold)
        queue: asyncio.Queue[Unit] = asyncio.Queue()
        for unit in units:
            queue.put_nowait(unit)
        rng = random.Random()

        async def worker(client: openai.AsyncOpenAI) -> None:
            while True:
                try:
                    unit = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    await self._complete(client, unit, recorder, breaker, rng)
                except Exception as exc:  # noqa: BLE001 - one sample's bug must not drop the others
                    recorder.fail(
                        unit, "client_error", f"client_error: {type(exc).__name__}: {exc}"[:300]
                    )

        # Each worker is pinned to a pool with a connection reserved for it, so it never waits for a socket.
        pinned = [
            client for client, size in zip(clients, _pool_sizes(workers)) for _ in range(size)
        ]
        ticker = asyncio.create_task(_tick_every(recorder, 1.0))
        try:
            await asyncio.gather(*(worker(client) for client in pinned))
        finally:
            ticker.cancel()
            for client in clients:
                await client.close()

    def _client(self, connections: int) -> openai.AsyncOpenAI:
        limits = _httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        return openai.AsyncOpenAI(
            base_url=self.base_url,
            api_key=self.api_key,
            max_retries=0,  # retries are ours: backoff, Retry-After and the circuit breaker
            timeout=self.timeout_s,
            http_client=openai.DefaultAsyncHttpxClient(
                limits=limits, timeout=self.timeout_s, verify=_ssl_context()
            ),
        )

    def _body(self, unit: Unit) -> dict:
        p = unit.params
        body: dict = {
            "model": self.model,
            "messages": [dict(m) for m in p.messages],
            "temperature": p.temperature,
            "top_p": p.top_p,
            "max_tokens": p.max_tokens,
            "n": 1,
        }
        if p.stop:
            body["stop"] = list(p.stop)
        if self.send_seed:
            body["seed"] = p.sampling_seed()
        return body

    async def _complete(
        self,
        client: openai.AsyncOpenAI,
        unit: Unit,
        recorder: BatchRecorder,
        breaker: CircuitBreaker,
        rng: random.Random,
    ) -> None:
        body = self._body(unit)
        attempts = 0
        while True:
            if breaker.is_open:
                recorder.fail(unit, "circuit_open", f"circuit_open after {attempts} attempts")
                return
            recorder.attempt(retry=attempts > 0)
            attempts += 1
            try:
                # The SDK's documented raw path: its auth, base URL, timeouts and status errors,
                # without re-validating our already plain-JSON body or building pydantic models
                # for the answer, which costs more CPU than the rest of the request at high rates.
                response = await client.post(
                    "/chat/completions", body=body, cast_to=_httpx.Response
                )
                payload = json.loads(response.content)
            except Exception as exc:  # noqa: BLE001 - classified below
                outcome = classify(exc)
                if outcome.connection_failure:
                    breaker.record_connection_failure()
                else:
                    breaker.record_response()
                if not outcome.retryable or attempts > self.retry.max_retries:
                    recorder.fail(
                        unit, outcome.reason, f"{outcome.reason} after {attempts} attempts"
                    )
                    return
                await asyncio.sleep(self.retry.delay(attempts, outcome.retry_after_s, rng))
                continue
            breaker.record_response()
            answer = answer_from_payload(payload, self.model)
            if answer is None:
                if attempts > self.retry.max_retries:
                    recorder.fail(unit, "bad_response", f"bad_response after {attempts} attempts")
                    return
                await asyncio.sleep(self.retry.delay(attempts, None, rng))
                continue
            recorder.answer(unit, answer)
            return


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context per process: loading the CA bundle costs ~30 ms per client otherwise."""
    return _httpx.create_ssl_context()


def _pool_sizes(workers: int) -> list[int]:
    """Split `workers` connections over pools of at most POOL_SIZE.

    httpcore scans every connection of a pool on each request, so one pool of 64
    costs more CPU per request than sixteen pools of 4 at high request rates.
    """
    pools = max(1, -(-workers // POOL_SIZE))
    return [workers // pools + (1 if i < workers % pools else 0) for i in range(pools)]


def answer_from_payload(payload: object, fallback_model: str) -> Answer | None:
    """The first choice of a chat completion body, or None when the body lacks one."""
    if not isinstance(payload, dict):
        return None
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    text = message.get("content")
    finish = choice.get("finish_reason") or "stop"
    if text is None:
        if finish not in ("length", "content_filter"):
            return None
        text = ""
    if not isinstance(text, str):
        return None
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
    return Answer(
        text=text,
        finish_reason=str(finish),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        model=str(payload.get("model") or fallback_model),
    )
