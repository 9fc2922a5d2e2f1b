"""The heavy tier: a second zygote that has also imported pandas, scipy, scikit-learn, sympy."""

from __future__ import annotations

import os
import re
import signal
from typing import TYPE_CHECKING

from . import protocol
from .preload import import_available, warm_caches

if TYPE_CHECKING:
    from .zygote import Zygote

HEAVY_IMPORT = re.compile(r"^\s*(?:import|from)\s+([A-Za-z_][\w.]*)", re.MULTILINE)


def needs_heavy(job: dict, modules: tuple[str, ...]) -> bool:
    """Does the job import one of the heavy packages (pandas, scipy, ...)? A cheap text scan."""
    text = "\n".join(str(job.get(k) or "") for k in ("solution_code", "test_code", "code"))
    if not any(m.split(".")[0] in text for m in modules):
        return False
    tops = {m.split(".")[0] for m in modules}
    return any(name.split(".")[0] in tops for name in HEAVY_IMPORT.findall(text))


class HeavyTier:
    """A second zygote, forked from the light one, that has also imported the heavy packages.

    Importing pandas, scipy, scikit-learn and sympy costs seconds; doing it in every job that
    uses them would make those jobs time out, and doing it in the zygote would make every
    fork (and every exit) of every job slower. So the light zygote forwards only the jobs
    that import them to this tier, which forks them from its own warm state.
    """

    def __init__(self, light: Zygote, modules: tuple[str, ...]) -> None:
        self.light = light
        self.modules = modules
        self.pid = 0
        self.ready = False

    def spawn(self) -> None:
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        pid = os.fork()
        if pid == 0:
            os.close(req_w)
            os.close(resp_r)
            zygote = self.light
            zygote.heavy = None
            # No spare here: this tier's idle child would look to the light tier's reaping
            # like a process a job left behind.
            zygote.prefork = False
            zygote.family = {os.getppid()}
            try:
                import_available(self.modules)
                warm_caches()
                # What the heavy imports loaded or touched becomes part of this tier's reference.
                zygote.settle()
                zygote.serve(req_r, resp_w)
            finally:
                os._exit(0)
        os.close(req_r)
        os.close(resp_w)
        self.pid, self.req_w, self.resp_r, self.ready = pid, req_w, resp_r, False
        self.light.family = {pid}

    def run(self, request: dict) -> dict | None:
        """The heavy tier's result, or None when it died (it is then started again).

        Started on the first job that needs it: its imports cost seconds of CPU that a batch
        without such jobs should not pay. The job's own time limit starts once it is ready."""
        if not self.pid:
            self.spawn()
        try:
            if not self.ready:
                protocol.read_frame(self.resp_r)
                self.ready = True
            protocol.write_frame(self.req_w, request)
            result = protocol.read_frame(self.resp_r)
        except (EOFError, OSError, protocol.ProtocolError):
            self.restart()
            return None
        if result.pop("_restart", False):
            # The tier is exiting: a job left processes only a restart can end. What it left
            # is seen (and ended, with the whole worker if need be) by the light zygote next.
            self.restart()
        return result

    def stop(self) -> None:
        """End the tier the way the host ends a worker: end of input, then reap it."""
        if not self.pid:
            return
        os.close(self.req_w)
        os.close(self.resp_r)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass
        self.pid = 0

    def restart(self) -> None:
        for fd in (self.req_w, self.resp_r):
            try:
                os.close(fd)
            except OSError:
                pass
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        self.pid, self.ready = 0, False
        self.light.family = set()
