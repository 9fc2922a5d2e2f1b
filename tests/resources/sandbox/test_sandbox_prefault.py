"""Prefaulting in-process: a forked child copies the parent's pages early without changing them.

What it buys is a benchmark's business (bench/sandbox_overhead.py); these pin what it
must never do (change memory, wait for its whole list once the job is there) and that the
probe's way of learning pages works on this kernel.
"""

from __future__ import annotations

import ctypes
import os
import sys

import pytest

from resources.sandbox.assay_runtime import prefault

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="Linux page maps")


def _in_child(check) -> None:  # type: ignore[no-untyped-def]
    """Run check() in a fork; its assertion failures fail the test."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            check()
            os.write(w, b"ok")
        except BaseException as exc:  # noqa: BLE001
            os.write(w, repr(exc).encode()[:4000])
        finally:
            os._exit(0)
    os.close(w)
    out = os.read(r, 4096)
    os.close(r)
    os.waitpid(pid, 0)
    assert out == b"ok", out.decode()


def _buffer(pages: int) -> tuple[ctypes.Array, list[int]]:
    buf = ctypes.create_string_buffer(pages * prefault.PAGE + prefault.PAGE)
    start = -(-ctypes.addressof(buf) // prefault.PAGE) * prefault.PAGE
    for i in range(pages):
        ctypes.memset(start + i * prefault.PAGE, 0x41 + i % 26, prefault.PAGE)
    return buf, [start + i * prefault.PAGE for i in range(pages)]


def _exclusive(pages: list[int]) -> set[int]:
    regions = [(p, p + prefault.PAGE) for p in pages]
    return set(prefault.exclusive_pages(regions, "/proc"))


def test_a_child_sees_the_pages_it_wrote_as_its_own_and_the_others_as_shared() -> None:
    buf, pages = _buffer(8)

    def check() -> None:
        assert _exclusive(pages) == set()
        ctypes.memset(pages[3], 0x7A, 1)
        assert _exclusive(pages) == {pages[3]}

    _in_child(check)
    del buf


def test_populate_copies_the_pages_and_changes_no_byte() -> None:
    buf, pages = _buffer(40)
    hot = prefault.HotPages(pages[::2])
    before = ctypes.string_at(pages[0], 40 * prefault.PAGE)
    never = os.pipe()

    def check() -> None:
        hot.populate(never[0])
        assert _exclusive(pages) == set(pages[::2])
        assert ctypes.string_at(pages[0], 40 * prefault.PAGE) == before

    _in_child(check)
    del buf


def test_populate_stops_once_the_job_is_there() -> None:
    buf, pages = _buffer(16)
    hot = prefault.HotPages(pages)
    ready_r, ready_w = os.pipe()
    os.write(ready_w, b"job")

    def check() -> None:
        hot.populate(ready_r)
        assert _exclusive(pages) == set()

    _in_child(check)
    del buf


def test_pages_that_are_gone_are_skipped() -> None:
    buf, pages = _buffer(4)
    gone = ctypes.CDLL(None).mmap
    gone.restype = ctypes.c_void_p
    gone.argtypes = (ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int)
    gone.argtypes += (ctypes.c_long,)
    # An address that was mapped once and is not any more.
    hole = gone(None, prefault.PAGE, 3, 0x22, -1, 0)
    ctypes.CDLL(None).munmap(ctypes.c_void_p(hole), ctypes.c_size_t(prefault.PAGE))
    hot = prefault.HotPages([pages[0], hole, pages[2]])
    never = os.pipe()

    def check() -> None:
        hot.populate(never[0])
        assert _exclusive(pages) == {pages[0], pages[2]}

    _in_child(check)
    del buf
