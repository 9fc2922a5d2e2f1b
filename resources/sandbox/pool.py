"""A warm pool of zygote workers, one thread each, sharing one queue of jobs.

A worker that dies mid-job (its zygote crashed, was killed, or stopped answering) is
replaced by a fresh one; the job it was running is retried once on the new worker and,
if that dies too, recorded as `crashed`. The batch always completes.
"""

from __future__ import annotations

import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from .backends import Channel, WorkerDied, WorkerSpec
from .jobs import failed_result
from .status import CRASHED

log = logging.getLogger(__name__)

START_TIMEOUT_S = 180.0
HOST_GRACE_S = 90.0  # covers the heavy tier's first import on a loaded machine
UID_BASE = 200_000


def job_wall_s(job: dict, timeout_s: float) -> float:
    """The longest a job may run inside the worker, as the zygote computes it."""
    if job.get("kind") == "call":
        return timeout_s * (len(job.get("inputs_py") or job.get("inputs") or []) + 1) + 1.0
    return timeout_s + 1.0 if job.get("kind") == "trace" else timeout_s


class Worker:
    """One zygote: started lazily, restarted after it dies."""

    def __init__(self, backend: Any, spec: WorkerSpec) -> None:
        self.backend = backend
        self.spec = spec
        self.channel: Channel | None = None
        self.info: dict = {}
        self.restarts = 0

    def ensure_started(self) -> None:
        if self.channel is not None:
            return
        channel = self.backend.start(self.spec)
        try:
            ready = channel.recv(START_TIMEOUT_S)
        except WorkerDied:
            channel.close()
            raise
        if not isinstance(ready, dict) or not ready.get("ready"):
            channel.close()
            raise WorkerDied(f"worker sent {ready!r} instead of its ready frame")
        self.info = ready
        self.channel = channel

    def run(self, job: dict, settings: dict) -> dict:
        self.ensure_started()
        assert self.channel is not None
        # A job may carry its own time limit; the zygote reads it from the request.
        timeout_s = float(job.get("timeout_s") or settings["timeout_s"])
        try:
            self.channel.send({"job": job, **settings, "timeout_s": timeout_s})
            result = self.channel.recv(job_wall_s(job, timeout_s) + HOST_GRACE_S)
        except WorkerDied:
            self.stop()
            raise
        if not isinstance(result, dict):
            self.stop()
            raise WorkerDied("worker answered with something that is not a result")
        if result.pop("_restart", False):
            # The job left processes that only the death of this sandbox can end.
            self.stop()
        if "_zygote_error" in result:
            return failed_result(job, CRASHED, f"sandbox error: {result['_zygote_error']}"[:600])
        return result

    def stop(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
            self.restarts += 1

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None


class Pool:
    """Runs batches on `size` workers; results come back in input order."""

    def __init__(
        self, backend: Any, size: int, preload: tuple[str, ...], heavy: tuple[str, ...] = ()
    ) -> None:
        if size < 1:
            raise ValueError("a sandbox needs at least one worker")
        base = UID_BASE + random.randrange(0, 100_000, 16)
        self.backend = backend
        self.workers = [
            Worker(backend, WorkerSpec(i, base + i, preload, heavy)) for i in range(size)
        ]
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start every worker in parallel (their imports dominate start-up)."""
        errors: list[BaseException] = []

        def start_one(w: Worker) -> None:
            try:
                w.ensure_started()
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=start_one, args=(w,), daemon=True) for w in self.workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise RuntimeError(f"sandbox workers failed to start: {errors[0]}") from errors[0]

    def run(
        self,
        jobs: Sequence[dict],
        settings: dict,
        on_result: Callable[[int, dict], None] | None = None,
    ) -> list[dict | None]:
        results: list[dict | None] = [None] * len(jobs)
        todo: queue.Queue[tuple[int, int]] = queue.Queue()
        for i in range(len(jobs)):
            todo.put((i, 0))

        def loop(worker: Worker) -> None:
            while True:
                try:
                    i, attempt = todo.get_nowait()
                except queue.Empty:
                    return
                results[i] = self._run_one(
                    worker, jobs[i], settings, attempt, lambda a, i=i: todo.put((i, a))
                )
                if results[i] is not None and on_result is not None:
                    on_result(i, results[i])

        with self._lock:
            busy = self.workers[: max(1, min(len(self.workers), len(jobs)))]
            if len(busy) == 1:
                # One job (or one worker): no thread to start and join for it.
                loop(busy[0])
                return results
            threads = [threading.Thread(target=loop, args=(w,), daemon=True) for w in busy]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        return results

    def _run_one(
        self,
        worker: Worker,
        job: dict,
        settings: dict,
        attempt: int,
        requeue: Callable[[int], None],
    ) -> dict | None:
        started = time.perf_counter()
        try:
            result = worker.run(job, settings)
        except WorkerDied as exc:
            log.warning(
                "sandbox: worker %d died on job %r (attempt %d): %s",
                worker.spec.index,
                job.get("id"),
                attempt + 1,
                exc,
            )
            self._replace(worker)
            if attempt == 0:
                requeue(1)
                return None
            out = failed_result(
                job, CRASHED, f"the worker died twice running this job: {exc}"[:600]
            )
            out["duration_s"] = round(time.perf_counter() - started, 6)
            return out
        except Exception as exc:  # noqa: BLE001 - e.g. a worker that cannot start again
            log.error(
                "sandbox: worker %d failed on job %r: %s", worker.spec.index, job.get("id"), exc
            )
            self._replace(worker)
            if attempt == 0:
                requeue(1)
                return None
            return failed_result(job, CRASHED, f"sandbox failure: {exc}"[:600])
        result.pop("id", None)
        return {"id": job.get("id"), **result}

    def _replace(self, worker: Worker) -> None:
        """Start the replacement now, so that the pool is back at full capacity when the batch ends."""
        try:
            worker.ensure_started()
        except Exception as exc:  # noqa: BLE001 - the next job on this worker tries again
            log.error("sandbox: could not restart worker %d: %s", worker.spec.index, exc)

    def capacity(self) -> int:
        """Workers that are started and answering."""
        return sum(1 for w in self.workers if w.channel is not None and w.channel.alive())

    def close(self) -> None:
        for w in self.workers:
            w.close()
