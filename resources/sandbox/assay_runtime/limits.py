"""Resource limits and privilege drop applied in a forked job before any job code runs."""

from __future__ import annotations

import ctypes
import math
import os
import resource
import signal

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
_libc = ctypes.CDLL(None, use_errno=True)


def prctl(option: int, arg: int) -> None:
    _libc.prctl(option, arg, 0, 0, 0)


def virtual_size_bytes() -> int:
    """Current address-space size; the memory limit is added on top of this baseline."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def data_size_bytes() -> int:
    """Current private writable memory (VmData), the baseline the memory limit adds to."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def set_limits(
    *,
    cpu_s: float,
    memory_bytes: int,
    address_space_bytes: int,
    nproc: int | None,
    fsize_bytes: int,
    nofile: int,
) -> None:
    """Hard limits: the job cannot raise them again."""
    cpu = max(1, math.ceil(cpu_s))
    limits = [
        (resource.RLIMIT_CPU, (cpu, cpu + 1)),
        # Memory is limited as private writable data: allocators (Arrow's, jemalloc) reserve
        # address space they never use, which RLIMIT_AS would count. The address-space limit
        # stays as a looser backstop.
        (resource.RLIMIT_DATA, (memory_bytes, memory_bytes)),
        (resource.RLIMIT_AS, (address_space_bytes, address_space_bytes)),
        (resource.RLIMIT_FSIZE, (fsize_bytes, fsize_bytes)),
        (resource.RLIMIT_NOFILE, (nofile, nofile)),
        (resource.RLIMIT_CORE, (0, 0)),
        (resource.RLIMIT_MEMLOCK, (0, 0)),
        (resource.RLIMIT_MSGQUEUE, (0, 0)),
    ]
    if nproc is not None:
        limits.append((resource.RLIMIT_NPROC, (nproc, nproc)))
    for which, value in limits:
        try:
            resource.setrlimit(which, value)
        except (ValueError, OSError):
            # Never loosen: if the hard limit is already lower, keep it.
            _, hard = resource.getrlimit(which)
            cap = min(value[1], hard) if hard != resource.RLIM_INFINITY else value[1]
            resource.setrlimit(which, (min(value[0], cap), cap))


def drop_privileges(uid: int, gid: int) -> None:
    """Become an unprivileged uid that cannot signal, trace or read the zygote."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise RuntimeError("privilege drop failed")


def die_with_parent() -> None:
    """Set after the uid change: the kernel clears the parent-death signal on credential changes."""
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def reset_signals() -> None:
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGPIPE, signal.SIGCHLD, signal.SIGALRM):
        signal.signal(sig, signal.SIG_DFL)
    # Writing past the file-size limit then fails with EFBIG instead of killing the job.
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
