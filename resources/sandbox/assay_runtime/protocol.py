"""Length-prefixed JSON frames: the only language spoken across the sandbox wall.

Verdicts never come from a job's stdout; they travel as frames on descriptors the
harness owns, so printing a fake summary line changes nothing.
"""

from __future__ import annotations

import json
import os
import struct
from typing import Any

HEADER = struct.Struct(">I")
MAX_FRAME = 64 * 1024 * 1024


class ProtocolError(Exception):
    """The peer sent something that is not a well-formed frame."""


def encode(obj: Any) -> bytes:
    body = json.dumps(obj, separators=(",", ":"), ensure_ascii=True).encode("ascii")
    return HEADER.pack(len(body)) + body


def write_frame(fd: int, obj: Any) -> None:
    data = memoryview(encode(obj))
    while data:
        n = os.write(fd, data)
        data = data[n:]


def read_exact(fd: int, n: int) -> bytes:
    chunks = []
    while n:
        chunk = os.read(fd, min(n, 1 << 20))
        if not chunk:
            raise EOFError("peer closed the channel")
        chunks.append(chunk)
        n -= len(chunk)
    return b"".join(chunks)


def read_frame(fd: int) -> Any:
    (size,) = HEADER.unpack(read_exact(fd, HEADER.size))
    if size > MAX_FRAME:
        raise ProtocolError(f"frame of {size} bytes exceeds the limit")
    try:
        return json.loads(read_exact(fd, size))
    except ValueError as exc:
        raise ProtocolError(f"malformed frame: {exc}") from None


def split_frames(buf: bytes) -> list[Any]:
    """Decode a complete byte string into frames; raise on any trailing or malformed byte."""
    out = []
    pos = 0
    while pos < len(buf):
        if len(buf) - pos < HEADER.size:
            raise ProtocolError("truncated frame header")
        (size,) = HEADER.unpack_from(buf, pos)
        pos += HEADER.size
        if size > MAX_FRAME or pos + size > len(buf):
            raise ProtocolError("truncated frame body")
        try:
            out.append(json.loads(buf[pos : pos + size]))
        except ValueError as exc:
            raise ProtocolError(f"malformed frame: {exc}") from None
        pos += size
    return out
