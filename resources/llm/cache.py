"""Durable per-sample answer cache, so a crashed or re-run batch never pays twice.

One SQLite file in WAL mode: every successful answer is committed as it arrives,
by a writer thread off the event loop (`CacheWriter`), readers (other Dagster step
processes) are not blocked by the writer, and a process killed mid-batch loses only
the answers of its last ~20 ms.
"""

from __future__ import annotations

import hashlib
import json
import os
import queue
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

KEY_VERSION = 1


@dataclass(frozen=True)
class SampleParams:
    """Everything that determines one sample's answer; its hash is the cache key."""

    model: str
    messages: tuple[dict, ...]
    temperature: float
    top_p: float
    max_tokens: int
    stop: tuple[str, ...] | None
    sample_index: int
    seed: int
    repetition_penalty: float | None = None
    prompt: str | None = None  # a raw completion prompt (then `messages` is empty)

    @property
    def raw(self) -> bool:
        """A raw text completion (`/v1/completions`) rather than a chat."""
        return self.prompt is not None

    def cache_key(self) -> str:
        payload = {
            "v": KEY_VERSION,
            "model": self.model,
            "messages": list(self.messages),
            "temperature": round(float(self.temperature), 6),
            "top_p": round(float(self.top_p), 6),
            "max_tokens": int(self.max_tokens),
            "stop": list(self.stop) if self.stop else None,
            "sample_index": self.sample_index,
            "seed": self.seed,
        }
        if self.repetition_penalty is not None:  # absent otherwise, so older keys stay valid
            payload["repetition_penalty"] = round(float(self.repetition_penalty), 6)
        if self.prompt is not None:  # absent for chats, so their keys stay valid
            payload["prompt"] = self.prompt
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

    def sampling_seed(self) -> int:
        """Per-sample seed from (batch seed, messages, sample index), sent to servers that accept one.

        Distinct samples of one prompt get distinct seeds; the same sample always gets the same.
        """
        what = (
            messages_digest(self.messages)
            if self.prompt is None
            else hashlib.sha256(self.prompt.encode()).hexdigest()
        )
        digest = hashlib.sha256(f"{self.seed}:{what}:{self.sample_index}".encode()).digest()
        return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


def canonical_json(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def messages_digest(messages: Sequence[dict]) -> str:
    return hashlib.sha256(canonical_json(list(messages)).encode()).hexdigest()


@dataclass(frozen=True)
class CachedAnswer:
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    model: str
    reasoning: str | None = None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created_at REAL NOT NULL,
    reasoning TEXT
)
"""


def _retry_locked(statement: Callable[[], object], attempts: int = 200) -> None:
    """Run a setup statement that SQLite may refuse with "database is locked" at once.

    Switching to WAL (and creating the schema) while another process opens the same new
    file can fail without SQLite's busy handler ever waiting, so we wait here instead.
    """
    for attempt in range(attempts):
        try:
            statement()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(min(0.01 * (attempt + 1), 0.25))


class AnswerCache:
    """SQLite-backed map from cache key to a successful answer. Safe across threads and processes."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(
            str(self.path), timeout=60.0, check_same_thread=False, isolation_level=None
        )
        self._conn.execute("PRAGMA busy_timeout=60000")
        _retry_locked(lambda: self._conn.execute("PRAGMA journal_mode=WAL"))
        # NORMAL in WAL mode survives a killed process (not a power cut) and keeps commits cheap.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        _retry_locked(lambda: self._conn.execute(_SCHEMA))
        columns = {row[1] for row in self._conn.execute("PRAGMA table_info(answers)")}
        if "reasoning" not in columns:  # a cache written before reasoning_content was kept
            try:
                _retry_locked(
                    lambda: self._conn.execute("ALTER TABLE answers ADD COLUMN reasoning TEXT")
                )
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):  # another process added it first
                    raise

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedAnswer]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, CachedAnswer] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    "SELECT key, text, finish_reason, prompt_tokens, completion_tokens, model, reasoning"
                    f" FROM answers WHERE key IN ({marks})",
                    chunk,
                ).fetchall()
                for key, text, finish, p_tok, c_tok, model, reasoning in rows:
                    found[key] = CachedAnswer(text, finish, p_tok, c_tok, model, reasoning)
        return found

    def put_many(self, answers: Sequence[tuple[str, CachedAnswer]]) -> None:
        """Commit answers in one transaction: one commit per answer costs far more than one per batch."""
        now = time.time()
        rows = [
            (
                key,
                a.model,
                a.text,
                a.finish_reason,
                a.prompt_tokens,
                a.completion_tokens,
                now,
                a.reasoning,
            )
            for key, a in answers
        ]
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                self._conn.executemany(
                    "INSERT OR REPLACE INTO answers (key, model, text, finish_reason, prompt_tokens,"
                    " completion_tokens, created_at, reasoning) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            except BaseException:
                if self._conn.in_transaction:  # SQLite may have rolled back already
                    self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_CLOSE = object()


class CacheWriter:
    """Commits answers on a thread of its own as they arrive, those of each ~20 ms in one transaction.

    A commit on the event loop costs ~0.15 ms and now and then a WAL checkpoint's fsync
    (~15 ms), stalling every request in flight; one commit per answer also costs ~0.2 ms
    of CPU, a tenth of the client's at hundreds of answers per second. Here the loop only
    enqueues; the thread commits what arrived within `linger_s` of the first answer
    waiting, with SQLite running outside the GIL. An answer is on disk ~`linger_s` after
    it arrives, so a killed process pays again only for that moment's answers, and
    `close()` flushes, so every answer is durable before the batch that received it returns.
    """

    def __init__(self, cache: AnswerCache, linger_s: float = 0.02) -> None:
        self._cache = cache
        self._linger_s = linger_s
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._error: BaseException | None = None
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._drain, name="assay-llm-cache", daemon=True)
        self._thread.start()

    def submit(self, key: str, answer: CachedAnswer) -> None:
        """Queue one answer for the next commit; returns at once."""
        self._queue.put((key, answer))

    def close(self) -> None:
        """Commit everything submitted, stop the thread, and raise the first write error if any."""
        self._closing.set()
        self._queue.put(_CLOSE)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def _drain(self) -> None:
        closing = False
        while not closing:
            answers, closing = self._next_batch()
            if answers and self._error is None:
                try:
                    self._cache.put_many(answers)
                except BaseException as exc:  # noqa: BLE001 - raised in the caller's thread by close()
                    self._error = exc

    def _next_batch(self) -> tuple[list[tuple[str, CachedAnswer]], bool]:
        """Wait for an answer, let others gather for the linger (close cuts it short), take all."""
        items = [self._queue.get()]
        if items[0] is not _CLOSE:
            self._closing.wait(self._linger_s)  # one wake-up per commit, not one per answer
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        answers = [item for item in items if item is not _CLOSE]
        return answers, len(answers) < len(items)  # type: ignore[return-value]
