"""The plain Python API: `with Sandbox(...) as sb: results = sb.run(jobs)`.

No Dagster needed. The worker pool starts lazily on the first batch and stays warm
until the context exits, so a pipeline pays the interpreter start-up once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Iterator, Sequence, Sized
from typing import Any

from resources import progress
from resources.chunks import chunked

from .assay_runtime.preload import HEAVY_PRELOAD as DEFAULT_HEAVY
from .assay_runtime.preload import LIGHT_PRELOAD as DEFAULT_PRELOAD
from .backends import make_backend
from .jobs import finish_trace, invalid_result, problem
from .pool import Pool
from .typed import Job

PROGRESS_EVERY_S = 10.0
# Jobs sent to the pool at a time. The pool's workers stay warm between windows; a window's
# tail (fewer jobs left than workers) is a small share of it.
WINDOW_JOBS = 512


class Sandbox:
    """Runs untrusted pytest, call and trace jobs in a warm, isolated worker pool.

    backend: "bwrap" (default, local), "docker" (deployment), "process" (unsafe, says so).
    timeout_s: wall-clock limit per job (per input for `call` jobs).
    memory_mb: address space a job may add on top of the pre-imported interpreter.
    coverage: measure the solution's line coverage in pytest jobs.
    preload: imported once by every worker (numpy); every job forks from that interpreter.
    heavy: imported by a second warm tier of every worker (pandas, scipy, scikit-learn,
        sympy); jobs whose code imports one of them are forked from there instead.
    """

    def __init__(
        self,
        backend: str = "bwrap",
        workers: int = 2,
        timeout_s: float = 10.0,
        memory_mb: int = 1024,
        coverage: bool = False,
        *,
        preload: Sequence[str] = DEFAULT_PRELOAD,
        heavy: Sequence[str] = DEFAULT_HEAVY,
        docker_client: Any = None,
    ) -> None:
        if timeout_s <= 0:
            raise ValueError("timeout_s must be positive")
        if memory_mb < 64:
            raise ValueError("memory_mb must be at least 64")
        self.backend_name = backend
        self.workers = int(workers)
        self.timeout_s = float(timeout_s)
        self.memory_mb = int(memory_mb)
        self.coverage = bool(coverage)
        self.preload = tuple(preload)
        self.heavy = tuple(heavy)
        self._docker_client = docker_client
        self._pool: Pool | None = None
        self._lock = threading.Lock()

    def __enter__(self) -> Sandbox:  # noqa: PYI034 - subclasses are not expected
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def pool(self) -> Pool:
        with self._lock:
            if self._pool is None:
                backend = make_backend(
                    self.backend_name, memory_mb=self.memory_mb, docker_client=self._docker_client
                )
                pool = Pool(backend, self.workers, self.preload, self.heavy)
                pool.start()
                self._pool = pool
            return self._pool

    def run(self, jobs: Iterable[dict | Job], log: logging.Logger | None = None) -> list[dict]:
        """One result per job, in input order, each carrying its job's "id".

        Jobs are wire dicts or typed jobs (typed.py), which are sent as their `wire()` dict."""
        return [result for _, results in self.run_windows(jobs, log) for result in results]

    def run_windows(
        self, jobs: Iterable[dict | Job], log: logging.Logger | None = None
    ) -> Iterator[tuple[list[dict | Job], list[dict]]]:
        """Each window of `WINDOW_JOBS` jobs with its results, in input order: the jobs of a
        batch of any size (their code, their results) are held a window at a time. Progress
        counts the whole batch."""
        progress = _Progress(len(jobs) if isinstance(jobs, Sized) else None, log)
        for window in chunked(jobs, WINDOW_JOBS):
            yield window, self._run_window(window, progress)
        progress.finish()

    def _run_window(self, window: list[dict | Job], progress: _Progress) -> list[dict]:
        jobs = [j.wire() if hasattr(j, "wire") else j for j in window]
        results: list[dict | None] = [None] * len(jobs)
        runnable: list[int] = []
        for i, job in enumerate(jobs):
            why = problem(job)
            if why is None:
                runnable.append(i)
            else:
                results[i] = invalid_result(job, why)
                progress.tick()
        if runnable:
            settings = {
                "timeout_s": self.timeout_s,
                "memory_mb": self.memory_mb,
                "coverage": self.coverage,
            }
            sub = self.pool.run([jobs[i] for i in runnable], settings, on_result=progress.tick)
            for i, result in zip(runnable, sub):
                results[i] = finish_trace(result) if jobs[i].get("kind") == "trace" else result
        return [r for r in results if r is not None]

    def job_uids(self) -> list[int]:
        """The uids this sandbox's jobs run as (isolated backends as root): for leak checks."""
        return [] if self._pool is None else [w.spec.job_uid for w in self._pool.workers]

    def capacity(self) -> int:
        """Workers currently started and alive (0 before the first batch)."""
        return 0 if self._pool is None else self._pool.capacity()

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


class _Progress:
    """Logs done/total and jobs/s for long batches, at most every PROGRESS_EVERY_S seconds."""

    def __init__(self, total: int | None, log: logging.Logger | None) -> None:
        self.total = total
        self.log = log
        self.done = 0
        self.started = time.monotonic()
        self.last = self.started
        self._lock = threading.Lock()

    def tick(self, index: int = 0, result: dict | None = None) -> None:
        with self._lock:
            self.done += 1
            now = time.monotonic()
            if progress.listening():
                total = self.total if self.total is not None else self.done
                progress.report(progress.Progress("sandbox", self.done, total, now - self.started))
            if self.log is not None and now - self.last >= PROGRESS_EVERY_S:
                self.last = now
                rate = self.done / max(now - self.started, 1e-9)
                self.log.info("sandbox: %s jobs done, %.1f jobs/s", self._count(), rate)

    def _count(self) -> str:
        return f"{self.done}/{self.total}" if self.total is not None else str(self.done)

    def finish(self) -> None:
        if self.log is None or self.done == 0:
            return
        elapsed = max(time.monotonic() - self.started, 1e-9)
        self.log.info(
            "sandbox: %s jobs done in %.1fs, %.1f jobs/s",
            self._count(),
            elapsed,
            self.done / elapsed,
        )
