"""The spare: a job's child forked before its job is known (light tier only)."""

from __future__ import annotations

import os
import signal

from . import protocol


class Spare:
    """A job's child, forked before its job is known, so that the fork and the child's
    job-independent setup (new session, descriptors, environment) happen while the previous
    job runs (or, without a job uid, while the host is busy with its result), not while the
    next job waits.

    It holds nothing of any job. The zygote never holds a job's files or processes, only
    its request (as it did for every later fork). With a job uid the spare is forked right
    after the previous job was handed to its own child: it keeps the zygote's uid, which
    that job's uid can neither signal nor trace, until its own job arrives, and the
    zygote sends that only after the previous job and every process it left were reaped
    and scratch was wiped and handed to the job uid. Without a job uid (where a job could
    signal it) it is forked only after the previous job was reaped and wiped. It reads its
    job from a pipe."""

    def __init__(self, pid: int, job_w: int, result_r: int, nonce_w: int) -> None:
        self.pid = pid
        self.job_w = job_w
        self.result_r = result_r
        self.nonce_w = nonce_w

    def send(self, request: dict) -> bool:
        """Give the child its job; False when it is gone (its pipe is closed)."""
        previous = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
        try:
            protocol.write_frame(self.job_w, request)
        except OSError:
            return False
        finally:
            signal.signal(signal.SIGPIPE, previous)
            os.close(self.job_w)
            self.job_w = -1
        return True

    def kill(self) -> None:
        """End a child that never ran a job, and release its pipes."""
        for fd in (self.job_w, self.result_r, self.nonce_w):
            if fd >= 0:
                os.close(fd)
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
