"""A loopback OpenAI-compatible chat server with deterministic fault injection.

Tests and benchmarks point the real client at it to check what happens when an
endpoint is slow, rate-limits, truncates, resets connections or answers garbage,
without a model or a network. Faults are chosen from a hash of (plan seed,
request body, how many times this body was seen), so a run is reproducible no
matter in which order concurrent requests arrive.

Run it standalone (a separate process keeps its GIL apart from a client under
benchmark):  python -m tests.fakes.openai_server --latency-s 0.1
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Self

Responder = Callable[[dict], str]

FAULT_KINDS: tuple[str, ...] = (
    "rate_limit_retry_after",  # 429 with a Retry-After header
    "rate_limit",  # 429 without Retry-After
    "server_error",  # 500
    "unavailable",  # 503
    "connection_reset",  # TCP RST before any answer
    "read_timeout",  # sleeps past the client's timeout, then answers
    "slow",  # answers correctly after an extra delay
    "truncated",  # finish_reason "length"
    "content_filter",  # finish_reason "content_filter"
    "empty_body",  # 200 with an empty body
    "malformed_json",  # 200 with a body that is not JSON
)


def echo_responder(body: dict) -> str:
    """Default answer: the last user message (or the raw prompt), so tests can see what was asked."""
    if "prompt" in body:
        return f"echo: {body['prompt']}"
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            return f"echo: {message.get('content', '')}"
    return "echo:"


def _content(text: str | dict) -> str:
    return str(text.get("content") or "") if isinstance(text, dict) else text


def count_tokens(text: str) -> int:
    """Whitespace token count: stable and cheap, good enough for usage accounting tests."""
    return len(text.split())


@dataclass(frozen=True)
class FaultPlan:
    """Per-request probabilities of each fault kind; the rest are answered normally.

    `first_attempts_only` limits faults to the first N times a given body is seen,
    so tests can assert that retries eventually succeed.
    """

    seed: int = 0
    rate_limit_retry_after: float = 0.0
    rate_limit: float = 0.0
    server_error: float = 0.0
    unavailable: float = 0.0
    connection_reset: float = 0.0
    read_timeout: float = 0.0
    slow: float = 0.0
    truncated: float = 0.0
    content_filter: float = 0.0
    empty_body: float = 0.0
    malformed_json: float = 0.0
    retry_after_s: float = 0.2
    timeout_sleep_s: float = 2.0
    slow_s: float = 0.3
    first_attempts_only: int | None = None

    @classmethod
    def uniform(cls, total_rate: float, seed: int = 0, **overrides: Any) -> FaultPlan:
        """Spread `total_rate` evenly over every fault kind."""
        each = total_rate / len(FAULT_KINDS)
        return cls(seed=seed, **{kind: each for kind in FAULT_KINDS}, **overrides)

    def choose(self, body_digest: str, attempt: int) -> str | None:
        """The fault for this body's `attempt`-th arrival (0-based), or None."""
        if self.first_attempts_only is not None and attempt >= self.first_attempts_only:
            return None
        draw = random.Random(f"{self.seed}:{body_digest}:{attempt}").random()
        edge = 0.0
        for kind in FAULT_KINDS:
            edge += getattr(self, kind)
            if draw < edge:
                return kind
        return None


@dataclass
class ServerStats:
    """Thread-safe counters of what the server saw; read them after a run."""

    requests: int = 0  # chat completion requests received
    ok: int = 0  # requests answered with a normal, complete answer
    faults: Counter = field(default_factory=Counter)  # fault kind -> count
    # (time.monotonic(), body digest, outcome) per request, in arrival order
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def _record(self, digest: str, outcome: str) -> None:
        with self._lock:
            if outcome == "ok":
                self.ok += 1
            elif outcome not in ("models", "not_found"):
                self.faults[outcome] += 1
            self.arrivals.append((time.monotonic(), digest, outcome))

    def _arrive(self, digest: str, counts: Counter) -> int:
        with self._lock:
            self.requests += 1
            attempt = counts[digest]
            counts[digest] += 1
            return attempt

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"requests": self.requests, "ok": self.ok, "faults": dict(self.faults)}


_REASONS = {
    200: "OK",
    400: "Bad Request",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


def _response(status: int, data: bytes, headers: dict[str, str] | None = None) -> bytes:
    """The whole HTTP/1.1 response as one buffer, so it leaves in one send."""
    lines = [
        f"HTTP/1.1 {status} {_REASONS.get(status, 'Unknown')}",
        "Content-Type: application/json",
        f"Content-Length: {len(data)}",
    ]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + data


def _json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> bytes:
    return _response(status, json.dumps(payload).encode(), headers)


def _error(status: int, message: str, kind: str) -> bytes:
    return _json_response(status, {"error": {"message": message, "type": kind}})


def _new_event_loop() -> asyncio.AbstractEventLoop:
    """uvloop when installed (it halves the server's CPU per request), else asyncio's default."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


class OpenAIServer:
    """OpenAI-compatible `/v1/chat/completions`, `/v1/completions` (raw prompts: the
    responder sees a body with `prompt` instead of `messages`) and `/v1/models` on
    127.0.0.1, in a thread.

    Use as a context manager; `base_url` ends in /v1 and `stats` counts what arrived
    (also served as JSON at GET /stats for a server running in another process).
    An asyncio server with keep-alive: thousands of concurrent slow requests cost
    sleeping coroutines, not threads. `responder` runs on the server's loop, so keep it quick.
    """

    def __init__(
        self,
        responder: Responder = echo_responder,
        latency_s: float = 0.0,
        faults: FaultPlan | None = None,
        model: str = "fake-model",
        port: int = 0,
    ) -> None:
        self.responder = responder
        self.latency_s = latency_s
        self.faults = faults
        self.model = model
        self.stats = ServerStats()
        self._seen: Counter = Counter()
        self._port = port
        self._address: tuple[str, int] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ids = 0

    @property
    def base_url(self) -> str:
        if self._address is None:
            raise RuntimeError("server not started")
        host, port = self._address
        return f"http://{host}:{port}/v1"

    def start(self) -> Self:
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = _new_event_loop()
            asyncio.set_event_loop(loop)
            self._loop = loop
            try:
                self._server = loop.run_until_complete(
                    asyncio.start_server(self._connection, "127.0.0.1", self._port, backlog=4096)
                )
                self._address = self._server.sockets[0].getsockname()[:2]
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread
                failure.append(exc)
                ready.set()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                tasks = asyncio.all_tasks(loop)
                for task in tasks:
                    task.cancel()
                loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
                loop.close()

        self._thread = threading.Thread(target=serve, name="fake-openai-server", daemon=True)
        self._thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        return self

    def stop(self) -> None:
        loop, server = self._loop, self._server
        if loop is None or server is None or self._thread is None:
            return

        def close() -> None:
            server.close()
            loop.stop()

        loop.call_soon_threadsafe(close)
        self._thread.join(timeout=10)
        self._loop = self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                request_line, *header_lines = head.decode("latin-1").split("\r\n")
                method, path, _ = (request_line.split(" ") + ["", "", ""])[:3]
                headers = {}
                for line in header_lines:
                    name, sep, value = line.partition(":")
                    if sep:
                        headers[name.strip().lower()] = value.strip()
                raw = await reader.readexactly(int(headers.get("content-length") or 0))
                response = await self._handle(method, path.split("?")[0].rstrip("/"), raw)
                if response is None:  # connection reset fault: RST instead of an answer
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    writer.transport.abort()
                    return
                writer.write(response)
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:  # stop() with requests in flight: end quietly
            return
        finally:
            if not writer.transport.is_closing():
                writer.close()

    async def _handle(self, method: str, path: str, raw: bytes) -> bytes | None:
        if method == "GET" and path == "/stats":
            return _json_response(200, self.stats.snapshot())
        if method == "GET" and path == "/v1/models":
            return _json_response(
                200,
                {
                    "object": "list",
                    "data": [{"id": self.model, "object": "model", "owned_by": "fake"}],
                },
            )
        if method != "POST" or path not in ("/v1/chat/completions", "/v1/completions"):
            return _error(404, f"no route {method} {path}", "not_found")
        try:
            body = json.loads(raw)
        except ValueError:
            return _error(400, "body is not JSON", "invalid_request_error")
        digest = hashlib.sha256(raw).hexdigest()[:16]
        attempt = self.stats._arrive(digest, self._seen)
        fault = self.faults.choose(digest, attempt) if self.faults else None
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        plan = self.faults
        if fault == "connection_reset":
            self.stats._record(digest, fault)
            return None
        if fault in ("rate_limit_retry_after", "rate_limit"):
            self.stats._record(digest, fault)
            headers = (
                {"Retry-After": f"{plan.retry_after_s:g}"}
                if fault == "rate_limit_retry_after"
                else {}
            )
            return _json_response(
                429, {"error": {"message": "rate limited", "type": "rate_limit_error"}}, headers
            )
        if fault in ("server_error", "unavailable"):
            self.stats._record(digest, fault)
            return _error(500 if fault == "server_error" else 503, fault, "server_error")
        if fault == "empty_body":
            self.stats._record(digest, fault)
            return _response(200, b"")
        if fault == "malformed_json":
            self.stats._record(digest, fault)
            return _response(200, b'{"id": "chatcmpl-broken", "choices": [{"mess')
        if fault == "read_timeout":
            self.stats._record(digest, fault)
            await asyncio.sleep(plan.timeout_sleep_s)
        elif fault == "slow":
            await asyncio.sleep(plan.slow_s)
        finish = {"truncated": "length", "content_filter": "content_filter"}.get(
            fault or "", "stop"
        )
        try:
            payload = self._answer(body, finish)
        except Exception as exc:  # noqa: BLE001 - a broken test responder shows up as a 500, not a hang
            self.stats._record(digest, "responder_error")
            return _error(500, f"responder raised {exc!r}", "server_error")
        if fault in ("truncated", "content_filter"):
            self.stats._record(digest, fault)
        elif fault != "read_timeout":
            self.stats._record(digest, "ok")
            if fault == "slow":
                with self.stats._lock:
                    self.stats.faults["slow"] += 1
        return _json_response(200, payload)

    def _answer(self, body: dict, finish_reason: str) -> dict:
        n = int(body.get("n") or 1)
        texts = [self.responder(body) for _ in range(n)]
        if finish_reason == "content_filter":
            texts = ["" for _ in texts]
        prompt_tokens = sum(
            count_tokens(str(m.get("content") or "")) for m in body.get("messages", [])
        )
        with self.stats._lock:
            self._ids += 1
            ident = self._ids
        if "prompt" in body:  # a raw text completion: choices carry `text`
            prompt_tokens = count_tokens(str(body["prompt"]))
            completion_tokens = sum(count_tokens(_content(t)) for t in texts)
            return {
                "id": f"cmpl-fake-{ident}",
                "object": "text_completion",
                "created": int(time.time()),
                "model": body.get("model") or self.model,
                "choices": [
                    {"index": i, "text": _content(t), "finish_reason": finish_reason}
                    for i, t in enumerate(texts)
                ],
                "usage": {
                    "prompt_tokens": prompt_tokens,
                    "completion_tokens": completion_tokens,
                    "total_tokens": prompt_tokens + completion_tokens,
                },
            }
        return {
            "id": f"chatcmpl-fake-{ident}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "choices": [
                {
                    "index": i,
                    # A responder may return the message's fields (e.g. reasoning_content too).
                    "message": {"role": "assistant", **text}
                    if isinstance(text, dict)
                    else {"role": "assistant", "content": text},
                    "finish_reason": finish_reason,
                }
                for i, text in enumerate(texts)
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": sum(count_tokens(_content(t)) for t in texts),
                "total_tokens": prompt_tokens + sum(count_tokens(_content(t)) for t in texts),
            },
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-s", type=float, default=0.0)
    parser.add_argument(
        "--fault-rate", type=float, default=0.0, help="total rate spread over all fault kinds"
    )
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--timeout-sleep-s", type=float, default=2.0)
    args = parser.parse_args()
    plan = (
        FaultPlan.uniform(
            args.fault_rate, seed=args.fault_seed, timeout_sleep_s=args.timeout_sleep_s
        )
        if args.fault_rate
        else None
    )
    server = OpenAIServer(latency_s=args.latency_s, faults=plan, port=args.port).start()
    print(server.base_url, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
