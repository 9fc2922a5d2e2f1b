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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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
    """Default answer: the last user message, so tests can see what was asked."""
    for message in reversed(body.get("messages", [])):
        if message.get("role") == "user":
            return f"echo: {message.get('content', '')}"
    return "echo:"


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
    def uniform(cls, total_rate: float, seed: int = 0, **overrides: Any) -> "FaultPlan":
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
    arrivals: list[tuple[float, str, str]] = field(default_factory=list)  # (monotonic, digest, outcome)
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


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_HTTPServer"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        return

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send_raw(status, json.dumps(payload).encode(), headers)

    def _send_raw(self, status: int, data: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        fake: OpenAIServer = self.server.fake
        if self.path.rstrip("/") == "/stats":
            self._send_json(200, fake.stats.snapshot())
        elif self.path.rstrip("/") == "/v1/models":
            self._send_json(
                200,
                {"object": "list", "data": [{"id": fake.model, "object": "model", "owned_by": "fake"}]},
            )
        else:
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})

    def do_POST(self) -> None:
        fake: OpenAIServer = self.server.fake
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if self.path.rstrip("/") != "/v1/chat/completions":
            self._send_json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
            return
        try:
            body = json.loads(raw)
        except ValueError:
            self._send_json(400, {"error": {"message": "body is not JSON", "type": "invalid_request_error"}})
            return
        digest = hashlib.sha256(raw).hexdigest()[:16]
        attempt = fake.stats._arrive(digest, fake._seen)
        fault = fake.faults.choose(digest, attempt) if fake.faults else None
        if fake.latency_s:
            time.sleep(fake.latency_s)
        plan = fake.faults
        if fault == "connection_reset":
            fake.stats._record(digest, fault)
            # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        if fault in ("rate_limit_retry_after", "rate_limit"):
            fake.stats._record(digest, fault)
            headers = {"Retry-After": f"{plan.retry_after_s:g}"} if fault == "rate_limit_retry_after" else {}
            self._send_json(429, {"error": {"message": "rate limited", "type": "rate_limit_error"}}, headers)
            return
        if fault in ("server_error", "unavailable"):
            fake.stats._record(digest, fault)
            status = 500 if fault == "server_error" else 503
            self._send_json(status, {"error": {"message": fault, "type": "server_error"}})
            return
        if fault == "empty_body":
            fake.stats._record(digest, fault)
            self._send_raw(200, b"")
            return
        if fault == "malformed_json":
            fake.stats._record(digest, fault)
            self._send_raw(200, b'{"id": "chatcmpl-broken", "choices": [{"mess')
            return
        if fault == "read_timeout":
            fake.stats._record(digest, fault)
            time.sleep(plan.timeout_sleep_s)
        elif fault == "slow":
            time.sleep(plan.slow_s)
        finish = {"truncated": "length", "content_filter": "content_filter"}.get(fault or "", "stop")
        payload = fake._answer(body, finish)
        if fault != "read_timeout":
            fake.stats._record(digest, fault if fault in ("truncated", "content_filter") else "ok")
            if fault == "slow":
                with fake.stats._lock:
                    fake.stats.faults["slow"] += 1
        try:
            self._send_json(200, payload)
        except OSError:
            self.close_connection = True


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 1024
    fake: "OpenAIServer"


class OpenAIServer:
    """OpenAI-compatible `/v1/chat/completions` and `/v1/models` on 127.0.0.1, in a thread.

    Use as a context manager; `base_url` ends in /v1 and `stats` counts what arrived
    (also served as JSON at GET /stats for a server running in another process).
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
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._ids = 0

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("server not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> "OpenAIServer":
        self._httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        self._httpd.fake = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> "OpenAIServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, body: dict, finish_reason: str) -> dict:
        n = int(body.get("n") or 1)
        texts = [self.responder(body) for _ in range(n)]
        if finish_reason == "content_filter":
            texts = ["" for _ in texts]
        prompt_tokens = sum(count_tokens(str(m.get("content") or "")) for m in body.get("messages", []))
        with self.stats._lock:
            self._ids += 1
            ident = self._ids
        return {
            "id": f"chatcmpl-fake-{ident}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": body.get("model") or self.model,
            "choices": [
                {
                    "index": i,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": finish_reason,
                }
                for i, text in enumerate(texts)
            ],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": sum(count_tokens(t) for t in texts),
                "total_tokens": prompt_tokens + sum(count_tokens(t) for t in texts),
            },
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency-s", type=float, default=0.0)
    parser.add_argument("--fault-rate", type=float, default=0.0, help="total rate spread over all fault kinds")
    parser.add_argument("--fault-seed", type=int, default=0)
    parser.add_argument("--timeout-sleep-s", type=float, default=2.0)
    args = parser.parse_args()
    plan = (
        FaultPlan.uniform(args.fault_rate, seed=args.fault_seed, timeout_sleep_s=args.timeout_sleep_s)
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
