"""Durable per-sample answer cache, so a crashed or re-run batch never pays twice.

One SQLite file in WAL mode: every successful answer is committed the moment it
arrives, readers (other Dagster step processes) are not blocked by the writer,
and a process killed mid-batch loses at most the answer being written.
"""

from __future__ import annotations

import hashlib
import json
import os
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
        return hashlib.sha256(canonical_json(payload).encode()).hexdigest()

    def sampling_seed(self) -> int:
        """Per-sample seed from (batch seed, messages, sample index), sent to servers that accept one.

        Distinct samples of one prompt get distinct seeds; the same sample always gets the same.
        """
        digest = hashlib.sha256(
            f"{self.seed}:{messages_digest(self.messages)}:{self.sample_index}".encode()
        ).digest()
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


_SCHEMA = """
CREATE TABLE IF NOT EXISTS answers (
    key TEXT PRIMARY KEY,
    model TEXT NOT NULL,
    text TEXT NOT NULL,
    finish_reason TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL,
    completion_tokens INTEGER NOT NULL,
    created_at REAL NOT NULL
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

    def get_many(self, keys: Iterable[str]) -> dict[str, CachedAnswer]:
        keys = list(dict.fromkeys(keys))
        found: dict[str, CachedAnswer] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    "SELECT key, text, finish_reason, prompt_tokens, completion_tokens, model"
                    f" FROM answers WHERE key IN ({marks})",
                    chunk,
                ).fetchall()
                for key, text, finish, p_tok, c_tok, model in rows:
                    found[key] = CachedAnswer(text, finish, p_tok, c_tok, model)
        return found

    def put(self, key: str, answer: CachedAnswer) -> None:
        """Commit one answer now; called as each answer arrives."""
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO answers VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    key,
                    answer.model,
                    answer.text,
                    answer.finish_reason,
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    time.time(),
                ),
            )

    def __len__(self) -> int:
        with self._lock:
            return self._conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._conn.close()
