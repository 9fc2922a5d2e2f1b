"""Verdicts a job can get. `passed` is the only one that counts as verified."""

from __future__ import annotations

from enum import Enum

from .assay_runtime.verdict import CRASHED, ERROR, FAILED, MEMORY, NO_TESTS, PASSED, TIMEOUT

__all__ = [
    "ALL_STATUSES",
    "CRASHED",
    "ERROR",
    "FAILED",
    "MEMORY",
    "NO_TESTS",
    "PASSED",
    "TIMEOUT",
    "Status",
]


class Status(str, Enum):
    PASSED = PASSED
    FAILED = FAILED
    ERROR = ERROR
    TIMEOUT = TIMEOUT
    MEMORY = MEMORY
    CRASHED = CRASHED
    NO_TESTS = NO_TESTS

    def __str__(self) -> str:
        return self.value


ALL_STATUSES = tuple(s.value for s in Status)
