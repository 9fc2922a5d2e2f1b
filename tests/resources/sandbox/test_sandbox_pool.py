"""The worker pool: a worker that dies mid-batch is replaced, its job retried once, then `crashed`."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from typing import Any

import pytest
from sandbox_hostile import job_processes
from sandbox_support import bwrap_usable, make_job

from resources.sandbox import CRASHED, PASSED, Sandbox
from resources.sandbox.backends import WorkerDied, WorkerSpec
from resources.sandbox.pool import Pool

SLEEPY = make_job(
    "sleepy",
    "import time\ndef f():\n    time.sleep(1.5)\n    return 1\n",
    "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
)
QUICK = make_job(
    "quick",
    "def f():\n    return 1\n",
    "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
)


class FakeChannel:
    """A zygote stand-in that dies whenever it is handed a job listed in `deadly`."""

    def __init__(self, backend: FakeBackend) -> None:
        self.backend = backend
        self.pending: list[Any] = [{"ready": True}]
        self.open = True

    def send(self, obj: Any) -> None:
        job = obj["job"]
        self.backend.attempts[job["id"]] = self.backend.attempts.get(job["id"], 0) + 1
        if self.backend.deadly.get(job["id"], 0) > 0:
            self.backend.deadly[job["id"]] -= 1
            self.open = False
            return
        self.pending.append({"id": job["id"], "status": "passed"})

    def recv(self, timeout_s: float) -> Any:
        if not self.open:
            raise WorkerDied("fake worker died")
        return self.pending.pop(0)

    def alive(self) -> bool:
        return self.open

    def close(self) -> None:
        self.open = False


class FakeBackend:
    def __init__(self, deadly: dict[str, int]) -> None:
        self.deadly = dict(deadly)
        self.attempts: dict[str, int] = {}
        self.started = 0

    def start(self, spec: WorkerSpec) -> FakeChannel:
        self.started += 1
        return FakeChannel(self)


def test_a_job_that_kills_its_worker_once_is_retried_and_succeeds() -> None:
    backend = FakeBackend({"b": 1})
    pool = Pool(backend, 2, ())
    pool.start()
    results = pool.run([{"id": i, "kind": "pytest"} for i in "abc"], {"timeout_s": 1})
    assert [r["status"] for r in results] == [PASSED] * 3
    assert backend.attempts["b"] == 2 and backend.started == 3


def test_a_job_that_kills_its_worker_twice_is_crashed_and_the_batch_completes() -> None:
    backend = FakeBackend({"b": 5})
    pool = Pool(backend, 2, ())
    pool.start()
    results = pool.run([{"id": i, "kind": "pytest"} for i in "abcd"], {"timeout_s": 1})
    assert [r["id"] for r in results] == list("abcd")
    assert [r["status"] for r in results] == [PASSED, CRASHED, PASSED, PASSED]
    assert backend.attempts["b"] == 2
    assert "died twice" in results[1]["failures"][0]["message"]
    assert pool.capacity() == 2


def _kill_worker_while_a_job_runs(sb: Sandbox, times: int, stop: threading.Event) -> None:
    killed = 0
    uids = sb.job_uids()
    while killed < times and not stop.is_set():
        if job_processes(uids):
            channel = sb.pool.workers[0].channel
            if channel is not None:
                os.killpg(channel.proc.pid, signal.SIGKILL)  # type: ignore[attr-defined]
                killed += 1
                while job_processes(uids) and not stop.is_set():
                    time.sleep(0.01)
        time.sleep(0.01)


@pytest.mark.parametrize("kills,expected", [(1, PASSED), (2, CRASHED)])
def test_a_real_worker_killed_mid_job_is_replaced(kills: int, expected: str) -> None:
    if bwrap_usable():
        pytest.skip(str(bwrap_usable()))
    with Sandbox(backend="bwrap", workers=1, timeout_s=10) as sb:
        sb.run([QUICK])
        stop = threading.Event()
        killer = threading.Thread(
            target=_kill_worker_while_a_job_runs, args=(sb, kills, stop), daemon=True
        )
        killer.start()
        try:
            (result,) = sb.run([SLEEPY])
        finally:
            stop.set()
            killer.join(timeout=5)
        assert result["status"] == expected
        assert sb.capacity() == 1
        assert sb.run([QUICK])[0]["status"] == PASSED


def test_progress_is_logged_for_a_batch(caplog: pytest.LogCaptureFixture) -> None:
    pool_jobs = [dict(QUICK, id=f"q{i}") for i in range(3)]
    with Sandbox(backend="process", workers=1, timeout_s=5) as sb, caplog.at_level(logging.INFO):
        results = sb.run(pool_jobs, log=logging.getLogger("progress-test"))
    assert [r["status"] for r in results] == [PASSED] * 3
    assert any("3/3 jobs done" in m and "jobs/s" in m for m in caplog.messages)


def test_the_process_backend_says_it_is_unsafe(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING), Sandbox(backend="process", workers=1) as sb:
        assert sb.run([QUICK])[0]["status"] == PASSED
    assert any("UNSAFE" in m for m in caplog.messages)


def test_the_pool_starts_lazily_and_an_unknown_backend_is_refused() -> None:
    sb = Sandbox(backend="bwrap", workers=3)
    assert sb.capacity() == 0
    with pytest.raises(ValueError, match="unknown sandbox backend"):
        Sandbox(backend="chroot").run([QUICK])


def test_many_jobs_in_a_row_leave_no_process_and_no_scratch_behind(sandbox: Sandbox) -> None:
    spawner = make_job(
        "spawn",
        "import os, subprocess\ndef f():\n    open('x', 'w').write('x')\n    subprocess.Popen(['sleep', '600'])\n    return 1\n",
        "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    )
    jobs = [
        dict(spawner, id=f"s{i}") if i % 10 == 0 else dict(QUICK, id=f"q{i}") for i in range(200)
    ]
    results = sandbox.run(jobs)
    assert {r["status"] for r in results} == {PASSED}
    assert job_processes(sandbox.job_uids()) == []
    probe = {
        "id": "p",
        "kind": "call",
        "code": "import os\ndef f():\n    return sorted(os.listdir('.'))\n",
        "entry_point": "f",
        "inputs": [{}],
    }
    assert sandbox.run([probe])[0]["outcomes"][0]["value_json"] == []


def test_a_worker_learns_the_pages_its_jobs_copy(sandbox: Sandbox) -> None:
    """The zygote's probe works inside the sandbox (its /proc, its capabilities): a worker
    that learned no pages would still be correct, only slower (see assay_runtime.prefault)."""
    sandbox.run([dict(QUICK, id="warm")])
    counts = [w.info.get("prefault_pages", 0) for w in sandbox.pool.workers if w.channel]
    assert counts and all(n > 100 for n in counts), counts
