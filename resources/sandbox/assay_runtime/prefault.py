"""Copy ahead of time the zygote's pages that every forked job writes.

A forked job shares the zygote's memory copy-on-write. Running pytest writes to ~1,500
of those pages (reference counts of the functions, classes, code objects and dicts it
touches), and each first write is a page fault that copies one page: ~3 us each on the
virtual machines we run on, more than half of a trivial job's time in pytest. The pages
are nearly the same for every job, so the zygote learns them once, from a probe child
that runs its warm-up job, and a spare child (forked before its job arrives, see
zygote.Spare) copies them while it waits, and stops as soon as its job is there.

The copy is made by process_vm_writev on the process itself: one byte of each page is
written back with its own value, which makes the kernel copy the page exactly as the
job's first write would have, up to 1,024 pages per system call instead of one fault
each. Nothing is changed: the spare is single-threaded and runs no job code yet, so no
write can come between the read of a byte and its write-back. Where the call is not
allowed (a seccomp profile) the job simply takes its faults as before.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import struct
from typing import Any

PAGE = os.sysconf("SC_PAGE_SIZE")
PRESENT = 1 << 63
EXCLUSIVE = 1 << 56  # the page is mapped by this process only (Linux 4.2)
MAX_PAGES = 8192
# Pages copied between two looks at whether the job has arrived (~0.3 ms).
BATCH = 128

_libc = ctypes.CDLL(None, use_errno=True)
_process_vm_writev = _libc.process_vm_writev
_process_vm_writev.argtypes = (
    ctypes.c_int,
    ctypes.c_void_p,
    ctypes.c_ulong,
    ctypes.c_void_p,
    ctypes.c_ulong,
    ctypes.c_ulong,
)
_process_vm_writev.restype = ctypes.c_ssize_t


class _IOVec(ctypes.Structure):
    _fields_ = (("base", ctypes.c_void_p), ("length", ctypes.c_size_t))


class HotPages:
    """One byte of each page to copy, as the iovec array process_vm_writev reads: made in
    the zygote, only read in a child (reading it copies none of its pages)."""

    def __init__(self, pages: list[int]) -> None:
        pages = sorted(set(pages))[:MAX_PAGES]
        self.count = len(pages)
        self.vectors = (_IOVec * max(1, self.count))()
        for i, page in enumerate(pages):
            self.vectors[i].base = page
            self.vectors[i].length = 1
        self.address = ctypes.addressof(self.vectors)

    def populate(self, stop_fd: int) -> None:
        """Copy the pages now; return early once stop_fd is readable (the job is there)."""
        poller = select.poll()
        poller.register(stop_fd, select.POLLIN | select.POLLHUP)
        pid = os.getpid()
        size = ctypes.sizeof(_IOVec)
        done = 0
        while done < self.count and not poller.poll(0):
            n = min(BATCH, self.count - done)
            at = self.address + done * size
            copied = _process_vm_writev(pid, at, n, at, n, 0)
            if copied < 0:
                if ctypes.get_errno() != errno.EFAULT:
                    return  # not allowed (seccomp) or not supported here
                copied = 0
            # A page that is no longer mapped ends the call there (EFAULT): skip it.
            done += n if copied >= n else copied + 1


NO_PAGES = HotPages([])


def writable_regions(proc: str) -> list[tuple[int, int]]:
    """Private writable mappings of this process (where copy-on-write happens)."""
    out = []
    with open(f"{proc}/self/maps", encoding="ascii", errors="replace") as fh:
        for line in fh:
            parts = line.split()
            perms = parts[1]
            name = parts[5] if len(parts) > 5 else ""
            if perms[:2] != "rw" or perms[3] != "p" or name.startswith("[v") or name == "[stack]":
                continue
            start, end = (int(x, 16) for x in parts[0].split("-"))
            out.append((start, end))
    return out


def exclusive_pages(regions: list[tuple[int, int]], proc: str) -> list[int]:
    """Pages of `regions` that only this process maps: in a child, the ones it copied."""
    pages = []
    with open(f"{proc}/self/pagemap", "rb") as fh:
        for start, end in regions:
            fh.seek(start // PAGE * 8)
            data = fh.read((end - start) // PAGE * 8)
            for i, (entry,) in enumerate(struct.iter_unpack("<Q", data)):
                if entry & PRESENT and entry & EXCLUSIVE:
                    pages.append(start + i * PAGE)
    return pages


def pack(pages: list[int]) -> bytes:
    return struct.pack(f"<{len(pages)}Q", *pages)


def unpack(data: bytes) -> list[Any]:
    return list(struct.unpack(f"<{len(data) // 8}Q", data[: len(data) // 8 * 8]))
