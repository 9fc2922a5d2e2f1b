"""After a job: kill every process it left and wipe what it wrote.

Runs in the zygote (never in a job's child). Without a job uid, a job's processes are its
process group; with one, they are every process of that uid, which a reaper forked under
that uid kills with kill(-1). What cannot be ended that way ends the worker ("restart").
"""

from __future__ import annotations

import os
import shutil
import signal
from typing import Any


def prepare_scratch(scratch: str, uid: int | None) -> None:
    """Empty scratch and hand it to the job uid (when jobs run under one)."""
    wipe(scratch, uid)
    if uid is not None:
        os.chown(scratch, uid, uid)
        os.chmod(scratch, 0o700)


def wipe(scratch: str, uid: int | None) -> None:
    """Remove everything in scratch and, with a job uid, what that uid left in /dev/shm and /tmp."""
    for entry in os.scandir(scratch):
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            if os.path.lexists(entry.path):
                _force_rmtree(entry.path)
        else:
            os.unlink(entry.path)
    if uid is not None:
        os.chown(scratch, 0, 0)
        os.chmod(scratch, 0o755)
        for shared in ("/dev/shm", "/tmp"):
            try:
                for entry in os.scandir(shared):
                    if entry.path != scratch and entry.stat(follow_symlinks=False).st_uid == uid:
                        if entry.is_dir(follow_symlinks=False):
                            _force_rmtree(entry.path)
                        else:
                            os.unlink(entry.path)
            except OSError:
                continue


def reap(pid: int, uid: int | None, proc: str | None, ours: set[int]) -> str:
    """Kill every process the job (child `pid`) left; 'restart' when that is only possible
    by dying. `ours` are the worker's own processes, never counted as left behind."""
    collect_zombies()
    if uid is None:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        collect_zombies()
        if proc is not None and leftovers(proc, uid, ours):
            return "restart"
        return "clean"
    for _ in range(100):
        if not leftovers(proc, uid, ours):
            return "clean"
        reaper = os.fork()
        if reaper == 0:
            try:
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                for _ in range(1000):
                    try:
                        os.kill(-1, signal.SIGKILL)
                    except ProcessLookupError:
                        break
            finally:
                os._exit(0)
        os.waitpid(reaper, 0)
        collect_zombies()
    return "restart"


def leftovers(proc: str | None, uid: int | None, ours: set[int]) -> list[int]:
    """Live processes a job left: its uid's, or (without a job uid) all but `ours`."""
    if proc is None:
        return []
    out = []
    for name in os.listdir(proc):
        if not name.isdigit() or int(name) in ours:
            continue
        try:
            if uid is not None and os.stat(f"{proc}/{name}").st_uid != uid:
                continue
            with open(f"{proc}/{name}/stat", "rb") as fh:
                state = fh.read().rsplit(b")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state not in (b"Z", b"X"):
            out.append(int(name))
    return out


def collect_zombies() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _force_rmtree(path: str) -> None:
    def onerror(func: Any, p: str, exc: Any) -> None:
        try:
            os.chmod(os.path.dirname(p), 0o700)
            os.chmod(p, 0o700)
            func(p)
        except OSError:
            pass

    shutil.rmtree(path, onerror=onerror)
