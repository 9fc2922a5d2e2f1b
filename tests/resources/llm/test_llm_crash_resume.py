"""A batch killed mid-way keeps every answer that arrived; the re-run sends only the rest."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from tests.fakes.openai_server import OpenAIServer

ROOT = Path(__file__).resolve().parents[3]
TOTAL = 80

BATCH_SCRIPT = textwrap.dedent(
    """
    import sys
    from resources.llm import LLMRequest, LLMResource
    base_url, cache_path, total = sys.argv[1], sys.argv[2], int(sys.argv[3])
    resource = LLMResource(engine="openai", base_url=base_url, model="fake-model",
                           cache_path=cache_path, concurrency=4)
    resource.generate([LLMRequest(f"row-{i}", [{"role": "user", "content": f"question number {i}"}])
                       for i in range(total)])
    """
)


def _cached_rows(cache_path: str) -> int:
    with sqlite3.connect(cache_path) as conn:
        return conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]


def test_killed_batch_resumes_without_paying_twice(cache_path, make_resource, prompts):
    with OpenAIServer(latency_s=0.05) as fake:
        env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
        child = subprocess.Popen(
            [sys.executable, "-c", BATCH_SCRIPT, fake.base_url, cache_path, str(TOTAL)],
            env=env,
            cwd=ROOT,
        )
        try:
            deadline = time.monotonic() + 60
            while (
                fake.stats.ok < TOTAL // 4 and child.poll() is None and time.monotonic() < deadline
            ):
                time.sleep(0.01)
            os.kill(child.pid, signal.SIGKILL)
        finally:
            child.wait()
        assert child.returncode == -signal.SIGKILL

        cached = _cached_rows(cache_path)
        before = fake.stats.requests
        result = make_resource(fake.base_url, cache_path).generate(prompts(TOTAL))
        sent_again = fake.stats.requests - before

    assert 0 < cached < TOTAL
    assert sent_again == TOTAL - cached
    assert result.stats.cache_hits == cached
    assert all(c.ok for c in result.completions)


def test_two_writers_can_fill_one_cache_at_once(cache_path, make_resource, prompts):
    # Each generate() opens its own SQLite connection, as separate Dagster step processes do.
    with OpenAIServer(latency_s=0.01) as fake, ThreadPoolExecutor(2) as pool:
        results = list(
            pool.map(
                lambda n: make_resource(fake.base_url, cache_path).generate(
                    prompts(60, prefix=f"writer {n}")
                ),
                range(2),
            )
        )

    assert all(c.ok for r in results for c in r.completions)
    assert _cached_rows(cache_path) == 120
    assert fake.stats.ok == 120
