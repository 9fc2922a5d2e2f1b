"""The sandbox: runs LLM-written code and tests in a warm, isolated worker pool.

    from resources.sandbox import Sandbox, SandboxResource, PASSED
    with Sandbox(backend="bwrap", workers=2, timeout_s=10.0) as sb:
        results = sb.run(jobs)

The Dagster resource is imported lazily so that the plain API works without Dagster.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .sandbox import Sandbox
from .status import ALL_STATUSES, CRASHED, ERROR, FAILED, MEMORY, NO_TESTS, PASSED, TIMEOUT, Status

if TYPE_CHECKING:
    from .dagster_resource import SandboxResource

__all__ = [
    "ALL_STATUSES",
    "CRASHED",
    "ERROR",
    "FAILED",
    "MEMORY",
    "NO_TESTS",
    "PASSED",
    "TIMEOUT",
    "Sandbox",
    "SandboxResource",
    "Status",
]


def __getattr__(name: str) -> Any:
    if name == "SandboxResource":
        from .dagster_resource import SandboxResource

        return SandboxResource
    raise AttributeError(name)
