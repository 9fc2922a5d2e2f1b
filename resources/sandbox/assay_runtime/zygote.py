"""The warm worker: imports the test stack once, then forks one isolated child per job.

Runs inside the sandbox (one per bubblewrap or container), speaking length-prefixed
JSON frames on the descriptors that were its stdin and stdout. Per job it prepares an
empty scratch directory, forks, and in the child: new session, closed descriptors, a
cleared environment, then (once the job is read from a pipe) limits, an unprivileged
uid, the verdict guard and the job. The parent enforces the wall-clock limit, reads the one
guarded result frame, kills every process the job left behind and wipes what it wrote.
The light tier forks the next job's child ahead of its job (see Spare).
"""

from __future__ import annotations

import argparse
import gc
import os
import secrets
import select
import signal
import sys
import time

from . import call_runner, limits, prefault, protocol, reaping, trace_runner, verdict
from .guard import Guard, Trust, close_other_fds
from .heavy import HeavyTier, needs_heavy
from .preload import HEAVY_PRELOAD, LIGHT_PRELOAD, import_available, warm_caches
from .pytest_runner import (
    WARM_UP_SOLUTION,
    WARM_UP_TEST,
    PreparedSession,
    preload_pytest_modules,
    run_pytest_job,
)
from .spare import Spare

PR_SET_CHILD_SUBREAPER = 36
RESULT_LIMIT = 16 * 1024 * 1024
FILE_LIMIT = 64 * 1024 * 1024
NOFILE = 256
NPROC = 64
MAX_TRACE_EVENTS = 2000
THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS")


class Zygote:
    def __init__(self, scratch: str, uid: int | None, proc: str | None, preload: list[str]) -> None:
        self.scratch = scratch.rstrip("/")
        self.uid = uid
        self.proc = proc
        self.family: set[int] = set()
        self.heavy: HeavyTier | None = None
        # A child forked ahead of the next job (see Spare); only the light tier keeps one.
        self.prefork = True
        self.spare: Spare | None = None
        self.spare_cpu = 0.0
        # The kind of the last job: a spare expects the next one to be alike (batches are),
        # and prefaults only for pytest jobs, the ones whose pages it learned.
        self.last_kind: str | None = None
        os.makedirs(self.scratch, mode=0o755, exist_ok=True)
        os.chdir(self.scratch)
        import_available(preload)
        preload_pytest_modules()
        import coverage  # noqa: F401 - imported now so that coverage=True costs nothing per job

        self.prepared = PreparedSession(self.scratch)
        warm_caches()
        # The zygote's own environment becomes exactly the jobs' (nothing it still needs
        # reads it), so that a fork normally finds it ready instead of rebuilding it.
        self.job_env = job_environment(self.scratch)
        os.environ.clear()
        os.environ.update(self.job_env)
        self.settle()
        self.hot_pages = self._probe_hot_pages()

    def settle(self) -> None:
        """Take what exists now as the reference every job is judged against: the guard's
        trusted state, the memory baselines the limits add to; then become the subreaper of
        the jobs, undumpable, and freeze the heap so forks share it. Done once per tier, after
        its last import."""
        self.trust = Trust()
        self.baseline_vm = limits.virtual_size_bytes()
        self.baseline_data = limits.data_size_bytes()
        limits.prctl(PR_SET_CHILD_SUBREAPER, 1)
        limits.prctl(limits.PR_SET_DUMPABLE, 0)
        gc.collect()
        gc.freeze()

    # ----------------------------------------------------------------- host side
    def serve(self, in_fd: int, out_fd: int) -> None:
        protocol.write_frame(
            out_fd,
            {
                "ready": True,
                "pid": os.getpid(),
                "python": sys.version.split()[0],
                "prefault_pages": self.hot_pages.count,
            },
        )
        while True:
            try:
                request = protocol.read_frame(in_fd)
            except EOFError:
                self._discard_spare()
                if self.heavy is not None:
                    self.heavy.stop()
                return
            job = request.get("job") or {}
            try:
                if self.heavy is not None and needs_heavy(job, self.heavy.modules):
                    # The spare would be a process the heavy tier's job did not start.
                    self._discard_spare()
                    result = self.heavy.run(request) or self.handle(job, request)
                else:
                    result = self.handle(job, request)
            except Exception as exc:  # noqa: BLE001 - the zygote must outlive any single job
                result = {"id": job.get("id"), "_zygote_error": f"{type(exc).__name__}: {exc}"}
            restart = result.pop("_restart", False)
            protocol.write_frame(out_fd, result)
            if restart:
                self._discard_spare()
                return
            if self.prefork and self.spare is None:
                # While the host reads this result and sends the next job (with a job uid,
                # the spare was forked while the last job ran; see handle).
                self._keep_spare()

    def handle(self, job: dict, request: dict) -> dict:
        wall_s = job_wall_s(job, request)
        self.last_kind = job.get("kind")
        own_cpu = time.process_time() - self.spare_cpu
        self.spare_cpu = 0.0
        spare, started = self._start(request)
        pid, r_fd = spare.pid, spare.result_r
        # Made after the fork, so the child's memory (which the job can walk) never held it.
        nonce = secrets.token_hex(16)
        os.write(spare.nonce_w, nonce.encode("ascii"))
        os.close(spare.nonce_w)
        if self.prefork and self.uid is not None:
            # The next job's child, forked while this one runs (see Spare). A fork that
            # fails must not leave this job unsupervised: the spare is then forked later.
            try:
                self._keep_spare(prepare=False)
            except OSError:
                self.spare = None
        data, wait_status, job_cpu, timed_out, overflow = self._supervise(
            pid, r_fd, started + wall_s
        )
        duration = time.perf_counter() - started
        leftovers = reaping.reap(pid, self.uid, self.proc, self._ours())
        if self.spare is not None:
            # Only now that the job and every process it left are gone: wiped, then
            # handed to the job uid for the spare's job.
            reaping.prepare_scratch(self.scratch, self.uid)
        else:
            reaping.wipe(self.scratch, self.uid)
        payload, channel_error = self._decode(data, nonce, overflow)
        result = verdict.job_result(job, payload, channel_error, wait_status, timed_out, duration)
        # CPU the job cost: its process (and the children it waited for), plus this zygote's
        # own work for it (fork, supervision, reaping, wiping), less the next job's fork.
        result["cpu_s"] = round(job_cpu + time.process_time() - own_cpu - self.spare_cpu, 6)
        if leftovers == "restart":
            result["_restart"] = True
        return result

    def _fork_spare(self, prepare: bool = True) -> Spare:
        """Fork a child that sets itself up and then waits for its job (see Spare).
        prepare=False leaves scratch alone: the caller prepares it before the job is sent."""
        if prepare:
            reaping.prepare_scratch(self.scratch, self.uid)
        r_fd, w_fd = os.pipe()
        nonce_r, nonce_w = os.pipe()
        job_r, job_w = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            for fd in (r_fd, w_fd, nonce_r, nonce_w, job_r, job_w):
                os.close(fd)
            raise
        if pid == 0:
            for fd in (r_fd, nonce_w, job_w):
                os.close(fd)
            self.child(job_r, w_fd, nonce_r)
        for fd in (w_fd, nonce_r, job_r):
            os.close(fd)
        return Spare(pid, job_w, r_fd, nonce_w)

    def _keep_spare(self, prepare: bool = True) -> None:
        """Fork the next job's child now, counting the CPU this costs to that job."""
        started = time.process_time()
        self.spare = self._fork_spare(prepare)
        self.spare_cpu += time.process_time() - started

    def _start(self, request: dict) -> tuple[Spare, float]:
        """Hand the job to the spare (or to a fresh child where there is none, or it died);
        returns the child and when its job started."""
        spare, self.spare = self.spare, None
        for _ in range(2):
            spare = spare or self._fork_spare()
            started = time.perf_counter()
            if spare.send(request):
                return spare, started
            spare.kill()
            spare = None
        raise RuntimeError("no child took the job")

    def _discard_spare(self) -> None:
        if self.spare is not None:
            self.spare.kill()
            self.spare = None

    def _supervise(
        self, pid: int, r_fd: int, deadline: float
    ) -> tuple[bytes, int | None, float, bool, bool]:
        pidfd = os.pidfd_open(pid)
        chunks: list[bytes] = []
        size = 0
        timed_out = overflow = False
        exited = False
        poller = select.poll()
        poller.register(r_fd, select.POLLIN | select.POLLHUP)
        poller.register(pidfd, select.POLLIN)
        reading = True
        while not exited:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                timed_out = True
                os.kill(pid, signal.SIGKILL)
                break
            for fd, _ in poller.poll(remaining * 1000):
                if fd == pidfd:
                    exited = True
                elif reading:
                    chunk = os.read(r_fd, 1 << 20)
                    if not chunk:
                        reading = False
                        poller.unregister(r_fd)
                        continue
                    size += len(chunk)
                    if size > RESULT_LIMIT:
                        overflow = True
                        os.kill(pid, signal.SIGKILL)
                        exited = True
                        break
                    chunks.append(chunk)
        _, wait_status, usage = os.wait4(pid, 0)
        job_cpu = usage.ru_utime + usage.ru_stime
        os.close(pidfd)
        # The child is gone; take what is already in the pipe without waiting for writers
        # it may have left behind.
        os.set_blocking(r_fd, False)
        while reading and not overflow:
            try:
                chunk = os.read(r_fd, 1 << 20)
            except BlockingIOError:
                break
            if not chunk:
                break
            size += len(chunk)
            if size > RESULT_LIMIT:
                overflow = True
                break
            chunks.append(chunk)
        os.close(r_fd)
        return b"".join(chunks), wait_status, job_cpu, timed_out, overflow

    def _decode(self, data: bytes, nonce: str, overflow: bool) -> tuple[dict | None, str | None]:
        if overflow:
            return None, "result channel overflowed"
        if not data:
            return None, None
        try:
            frames = protocol.split_frames(data)
        except protocol.ProtocolError as exc:
            return None, f"result channel corrupted: {exc}"
        if len(frames) != 1 or not isinstance(frames[0], dict) or frames[0].get("nonce") != nonce:
            return None, "result channel carried frames the harness did not write"
        result, guard = frames[0].get("result"), frames[0].get("guard")
        if not isinstance(result, dict):
            return None, None
        result["guard"] = guard if isinstance(guard, dict) else {}
        return result, None

    # ------------------------------------------------------------------ prefaulting
    def _probe_hot_pages(self) -> prefault.HotPages:
        """The zygote's pages a job's child writes (none where they cannot be learned): a
        probe child runs the warm-up job the way a job's child runs its job (guard
        installed, pytest in-process) and reports the pages it copied."""
        proc = self.proc or "/proc"
        try:
            regions = prefault.writable_regions(proc)
        except OSError:
            return prefault.NO_PAGES
        pages_r, pages_w = os.pipe()
        nonce_r, nonce_w = os.pipe()
        result_w = os.open(os.devnull, os.O_WRONLY)
        os.write(nonce_w, b"0" * 32)
        os.close(nonce_w)
        pid = os.fork()
        if pid == 0:
            try:
                os.close(pages_r)
                self._probe(regions, proc, pages_w, result_w, nonce_r)
            finally:
                os._exit(0)
        for fd in (pages_w, nonce_r, result_w):
            os.close(fd)
        chunks = []
        while chunk := os.read(pages_r, 1 << 20):
            chunks.append(chunk)
        os.close(pages_r)
        os.waitpid(pid, 0)
        reaping.wipe(self.scratch, self.uid)
        return prefault.HotPages(prefault.unpack(b"".join(chunks)))

    def _probe(self, regions: list, proc: str, pages_w: int, result_w: int, nonce_r: int) -> None:
        try:
            Guard(self.trust, result_w, nonce_r, Zygote._probe.__code__, self.scratch + "/")
            job = {"kind": "pytest", "solution_code": WARM_UP_SOLUTION, "test_code": WARM_UP_TEST}
            Guard.report(run_pytest_job(self.prepared, job, False))
            data = memoryview(prefault.pack(prefault.exclusive_pages(regions, proc)))
            while data:
                data = data[os.write(pages_w, data) :]
        except Exception:  # noqa: BLE001, S110 - no pages learned only means no prefaulting
            pass

    def _ours(self) -> set[int]:
        """The worker's own processes, which reaping never counts as left by a job."""
        ours = {1, os.getpid(), *self.family}
        if self.spare is not None:
            ours.add(self.spare.pid)
        return ours

    # ------------------------------------------------------------------ job side
    def child(self, job_r: int, w_fd: int, nonce_r: int) -> None:
        """Runs in the fork; never returns. Its code object anchors the guard's trusted stack.

        Everything that does not depend on the job is done before the job is read, so that
        a spare forked ahead of time has done it by the time the job arrives."""
        try:
            os.setsid()
            fd = 100 + secrets.randbelow(NOFILE - 110)
            os.dup2(w_fd, fd, inheritable=False)
            os.close(w_fd)
            nonce_fd = fd + 1 if fd + 1 < NOFILE else fd - 1
            os.dup2(nonce_r, nonce_fd, inheritable=False)
            os.close(nonce_r)
            job_fd = fd + 2 if fd + 2 < NOFILE else fd - 2
            os.dup2(job_r, job_fd, inheritable=False)
            os.close(job_r)
            null = os.open(os.devnull, os.O_RDWR)
            for target in (0, 1, 2):
                os.dup2(null, target)
            close_other_fds([0, 1, 2, fd, nonce_fd, job_fd])
            if os.environ != self.job_env:
                os.environ.clear()
                os.environ.update(self.job_env)
            os.umask(0o077)
            limits.die_with_parent()
            limits.reset_signals()
            sys.dont_write_bytecode = True
            if sys.path[:1] != [self.scratch]:
                sys.path.insert(0, self.scratch)
            # While it waits for its job, a spare copies the pages a pytest job would copy
            # one fault at a time (see prefault), when the last job was one; a child whose
            # job is already there does not.
            if self.last_kind == "pytest":
                self.hot_pages.populate(job_fd)
            request = protocol.read_frame(job_fd)
            os.close(job_fd)
            job = request.get("job") or {}
            timeout_s = float(request.get("timeout_s") or 10.0)
            memory_mb = int(request.get("memory_mb") or 1024)
            limits.set_limits(
                cpu_s=timeout_s * (len(job.get("inputs_py") or job.get("inputs") or []) + 1) + 1.0,
                memory_bytes=self.baseline_data + memory_mb * 1024 * 1024,
                address_space_bytes=self.baseline_vm + 4 * memory_mb * 1024 * 1024 + (2 << 30),
                nproc=NPROC if self.uid is not None else None,
                fsize_bytes=FILE_LIMIT,
                nofile=NOFILE,
            )
            # Only now: a spare waiting for its job under the job uid would be a process of
            # that uid that outlives the previous job, which the sandbox promises never exists.
            if self.uid is not None:
                limits.drop_privileges(self.uid, self.uid)
                limits.die_with_parent()
            Guard(self.trust, fd, nonce_fd, Zygote.child.__code__, self.scratch + "/")
            payload = self._run_kind(job, request, timeout_s)
            Guard.report(payload)
        except BaseException:  # noqa: BLE001, S110 - nothing may escape a fork; no result means not passed
            pass
        os._exit(0)

    def _run_kind(self, job: dict, request: dict, timeout_s: float) -> dict:
        kind = job.get("kind")
        if kind == "pytest":
            return run_pytest_job(self.prepared, job, bool(request.get("coverage")))
        if kind == "call":
            outcomes: list[dict] = []
            result = call_runner.run_call_job(
                job, self.scratch + "/code.py", timeout_s, outcomes.append
            )
            result["outcomes"] = outcomes
            return result
        if kind == "trace":
            max_events = int(job.get("max_events") or MAX_TRACE_EVENTS)
            return trace_runner.run_trace_job(
                job, self.scratch + "/code.py", timeout_s, min(max_events, 20_000)
            )
        return {"status": verdict.ERROR, "error": f"unknown job kind {kind!r}"}


def job_wall_s(job: dict, request: dict) -> float:
    """The longest a job may run: a call job gets the per-input limit for each input and
    for loading its code, plus a second."""
    timeout_s = float(request.get("timeout_s") or 10.0)
    if job.get("kind") == "call":
        return timeout_s * (len(job.get("inputs_py") or job.get("inputs") or []) + 1) + 1.0
    return (
        timeout_s + 1.0 if job.get("kind") == "trace" else timeout_s
    )  # a trace reports its own timeout


def job_environment(scratch: str) -> dict[str, str]:
    """All a job's process sees in its environment."""
    return {
        "HOME": scratch,
        "TMPDIR": scratch,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONBREAKPOINT": "0",
        "USER": "sandbox",
        "LOGNAME": "sandbox",
        **{k: "1" for k in THREAD_ENV},
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="assay-zygote")
    parser.add_argument("--scratch", required=True)
    parser.add_argument(
        "--uid", type=int, default=None, help="unprivileged uid for jobs (needs root)"
    )
    parser.add_argument("--proc", default=None, help="procfs of this sandbox's PID namespace")
    parser.add_argument("--preload", default=",".join(LIGHT_PRELOAD))
    parser.add_argument(
        "--heavy",
        default=",".join(HEAVY_PRELOAD),
        help="modules of the second, heavy tier ('' for none)",
    )
    args = parser.parse_args(argv)
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    for key in THREAD_ENV:
        os.environ[key] = "1"
    in_fd = os.dup(0)
    out_fd = os.dup(1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.set_inheritable(in_fd, False)
    os.set_inheritable(out_fd, False)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    zygote = Zygote(args.scratch, args.uid, args.proc, [p for p in args.preload.split(",") if p])
    heavy = tuple(p for p in args.heavy.split(",") if p)
    if heavy:
        zygote.heavy = HeavyTier(zygote, heavy)
    zygote.serve(in_fd, out_fd)


if __name__ == "__main__":
    main()
