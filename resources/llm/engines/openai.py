"""Any OpenAI-compatible chat endpoint (OpenAI, vLLM/SGLang servers, llama.cpp, Ollama, …).

Chat requests go to `/chat/completions`; a raw prompt (LLMRequest.prompt) goes to the
legacy text endpoint `/completions`, which vLLM, SGLang and llama.cpp servers serve.

One client path for every HTTP engine: bounded concurrency on one event loop,
backoff, Retry-After and the circuit breaker are ours, and a connection pool sized
to the concurrency so no request waits for a socket.

The `openai` package resolves the endpoint (base URL, API key, organization and
project from arguments or the environment) into a URL and headers, and supplies the
HTTP client with its defaults; each request is then one POST on that client. The
SDK's per-request pipeline (options copies, header merging, URL joining, auth hooks)
cost ~0.5 ms of CPU per request, about 40% of the client's total: at hundreds of
requests per second on one event loop that, not the endpoint, set the throughput.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import anyio
import openai

from resources.llm.client import Answer, BatchRecorder, Unit, run_coroutine
from resources.llm.retry import CircuitBreaker, RetryPolicy, parse_retry_after

try:  # recent openai SDKs ship their own httpx fork; limits must come from the same package
    import httpx2 as _httpx
except ImportError:  # pragma: no cover - depends on the installed SDK
    import httpx as _httpx  # type: ignore[no-redef]


POOL_SIZE = 4
# The first window of requests starts one gap apart (64 requests: ~0.1 s, once per batch).
# On one event loop, answers that arrive together wait for each other, and against an
# endpoint with steady latency they keep arriving together round after round; requests
# started about one client-CPU-per-request apart (~1-1.5 ms here) come back spread out.
# Measured with bench/llm_client.py settings, 15 alternating pairs in one process at load
# ~1-1.8: ratio median 0.87 -> 0.91, the ramp ahead in 10 of 15 pairs (a noisy machine).
RAMP_GAP_S = 0.0015
_CONNECT_TIMEOUTS = (_httpx.ConnectTimeout, _httpx.PoolTimeout)


@dataclass(frozen=True)
class _Outcome:
    """How one HTTP attempt ended when it did not produce an answer."""

    reason: str  # category, e.g. "http_429", "timeout", "connection", "bad_response"
    retryable: bool
    retry_after_s: float | None = None
    connection_failure: bool = False  # counts towards the circuit breaker


def classify(exc: BaseException) -> _Outcome:
    """Map a failed attempt's exception to a failure category and whether it is worth retrying."""
    if isinstance(exc, _httpx.TimeoutException):
        # A read timeout means the endpoint is alive but slow: retry, but do not trip the breaker.
        # Only failing to connect at all counts as "dead".
        return _Outcome("timeout", True, connection_failure=isinstance(exc, _CONNECT_TIMEOUTS))
    if isinstance(exc, (_httpx.RequestError, ssl.SSLError, anyio.EndOfStream)):
        return _Outcome("connection", True, connection_failure=True)
    if isinstance(exc, (json.JSONDecodeError, ValueError, KeyError, TypeError)):
        return _Outcome("bad_response", True)
    return _Outcome(f"error_{type(exc).__name__}", False)


def status_outcome(status: int, headers: Mapping[str, str]) -> _Outcome:
    """An HTTP error status as a failure category; 408/409/425/429 and 5xx are worth retrying."""
    retryable = status in (408, 409, 425, 429) or status >= 500
    return _Outcome(f"http_{status}", retryable, parse_retry_after(headers))


async def _tick_every(recorder: BatchRecorder, seconds: float) -> None:
    """Keep progress lines coming while every slot is busy with a long answer."""
    while True:
        await asyncio.sleep(seconds)
        recorder.tick()


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
        penalty_field: str = "repetition_penalty",
    ) -> None:
        self.base_url = base_url
        self.api_key = api_key
        self.model = model
        self.concurrency = max(1, concurrency)
        self.timeout_s = timeout_s
        self.retry = retry
        self.breaker_threshold = breaker_threshold
        # One per engine, so per batch: once open, every later window of the batch fails fast.
        self.breaker = CircuitBreaker(breaker_threshold)
        self.send_seed = send_seed
        self.penalty_field = (
            penalty_field  # vLLM and SGLang servers: repetition_penalty; llama.cpp: repeat_penalty
        )

    def run(self, units: Sequence[Unit], recorder: BatchRecorder) -> None:
        run_coroutine(self._run(units, recorder))

    async def _run(self, units: Sequence[Unit], recorder: BatchRecorder) -> None:
        workers = min(self.concurrency, len(units))
        sizes = _pool_sizes(workers)
        clients = [self._http_client(size) for size in sizes]
        endpoint = resolve_endpoint(self.base_url, self.api_key, clients[0])
        for client in clients:
            # Set once: headers passed per request are parsed and validated on every request.
            client.headers.update(endpoint.headers)
        breaker = self.breaker
        queue: asyncio.Queue[Unit] = asyncio.Queue()
        for unit in units:
            queue.put_nowait(unit)
        rng = random.Random()

        async def worker(client: _httpx.AsyncClient, index: int) -> None:
            await asyncio.sleep(index * RAMP_GAP_S)
            while True:
                try:
                    unit = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                try:
                    await self._complete(client, endpoint, unit, recorder, breaker, rng)
                except Exception as exc:  # noqa: BLE001 - one sample's bug must not drop the others
                    recorder.fail(
                        unit, "client_error", f"client_error: {type(exc).__name__}: {exc}"[:300]
                    )

        # Each worker is pinned to a pool with a connection reserved for it, so it never waits
        # for a socket, and takes the next sample the moment its last one ends: the window of
        # `concurrency` requests stays full until the queue runs dry.
        pinned = [client for client, size in zip(clients, sizes) for _ in range(size)]
        ticker = asyncio.create_task(_tick_every(recorder, 1.0))
        try:
            await asyncio.gather(*(worker(client, i) for i, client in enumerate(pinned)))
        finally:
            ticker.cancel()
            for client in clients:
                await client.aclose()

    def _http_client(self, connections: int) -> _httpx.AsyncClient:
        """The SDK's HTTP client (its timeouts, redirects, proxies from the environment)."""
        limits = _httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        return openai.DefaultAsyncHttpxClient(
            limits=limits, timeout=self.timeout_s, verify=_ssl_context()
        )

    def _body(self, unit: Unit) -> bytes:
        p = unit.params
        body: dict = {"model": self.model}
        if p.raw:
            body["prompt"] = p.prompt
        else:
            body["messages"] = [dict(m) for m in p.messages]
        body |= {
            "temperature": p.temperature,
            "top_p": p.top_p,
            "max_tokens": p.max_tokens,
            "n": 1,
        }
        if p.stop:
            body["stop"] = list(p.stop)
        if self.send_seed:
            body["seed"] = p.sampling_seed()
        if p.repetition_penalty is not None:
            body[self.penalty_field] = p.repetition_penalty
        return json.dumps(body).encode()

    async def _complete(
        self,
        client: _httpx.AsyncClient,
        endpoint: Endpoint,
        unit: Unit,
        recorder: BatchRecorder,
        breaker: CircuitBreaker,
        rng: random.Random,
    ) -> None:
        """Ask for one sample until it is answered, fails for good, or the breaker opens."""
        body = self._body(unit)
        url = endpoint.completions_url if unit.params.raw else endpoint.url
        attempts = 0
        while True:
            if breaker.is_open:
                recorder.fail(unit, "circuit_open", f"circuit_open after {attempts} attempts")
                return
            recorder.attempt(retry=attempts > 0)
            attempts += 1
            result = await self._attempt(client, url, body)
            if isinstance(result, Answer):
                breaker.record_response()
                recorder.answer(unit, result)
                return
            if result.connection_failure:
                breaker.record_connection_failure()
            else:
                breaker.record_response()
            if not result.retryable or attempts > self.retry.max_retries:
                recorder.fail(unit, result.reason, f"{result.reason} after {attempts} attempts")
                return
            await asyncio.sleep(self.retry.delay(attempts, result.retry_after_s, rng))

    async def _attempt(
        self, client: _httpx.AsyncClient, url: str, body: bytes
    ) -> Answer | _Outcome:
        """One POST: the answer, or how it failed."""
        try:
            response = await client.post(url, content=body)
            if response.is_error:
                return status_outcome(response.status_code, response.headers)
            answer = answer_from_payload(json.loads(response.content), self.model)
        except Exception as exc:  # noqa: BLE001 - classified
            return classify(exc)
        return answer if answer is not None else _Outcome("bad_response", True)


@dataclass(frozen=True)
class Endpoint:
    """Where a chat completion is POSTed and with which headers, as the SDK resolves them."""

    url: str
    headers: dict[str, str]

    @property
    def completions_url(self) -> str:
        """The raw text completion endpoint beside the chat one."""
        return self.url.removesuffix("/chat/completions") + "/completions"


def resolve_endpoint(
    base_url: str | None, api_key: str, http_client: _httpx.AsyncClient
) -> Endpoint:
    """Let the SDK turn arguments and environment (OPENAI_BASE_URL, OPENAI_ORG_ID, …) into
    the URL and headers (auth, organization, project, user agent) it would send."""
    sdk = openai.AsyncOpenAI(
        base_url=base_url, api_key=api_key, max_retries=0, http_client=http_client
    )
    headers = {**sdk.default_headers, **sdk.auth_headers}
    return Endpoint(
        f"{str(sdk.base_url).rstrip('/')}/chat/completions",
        {name: value for name, value in headers.items() if isinstance(value, str)},
    )


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
    """The first choice of a chat (or raw text) completion body, or None when it lacks one."""
    if not isinstance(payload, dict):
        return None
    choices = payload.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return None
    choice = choices[0]
    message = choice.get("message") if isinstance(choice.get("message"), dict) else {}
    # A raw completion's choice carries `text` instead of a message.
    text = message.get("content") if message or "text" not in choice else choice.get("text")
    finish = choice.get("finish_reason") or "stop"
    if text is None:
        if finish not in ("length", "content_filter"):
            return None
        text = ""
    if not isinstance(text, str):
        return None
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
    reasoning = message.get("reasoning_content")
    # llama.cpp adds `timings`: prompt (prefill) and predicted (generation) milliseconds, and
    # cache_n, the prompt tokens its prefix cache already held.
    timings = payload.get("timings") if isinstance(payload.get("timings"), dict) else {}
    return Answer(
        text=text,
        finish_reason=str(finish),
        prompt_tokens=int(usage.get("prompt_tokens") or 0),
        completion_tokens=int(usage.get("completion_tokens") or 0),
        model=str(payload.get("model") or fallback_model),
        reasoning=reasoning if isinstance(reasoning, str) else None,
        prefill_s=float(timings.get("prompt_ms") or 0.0) / 1000,
        decode_s=float(timings.get("predicted_ms") or 0.0) / 1000,
        reused_prompt_tokens=int(timings.get("cache_n") or 0),
    )
