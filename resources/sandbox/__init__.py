"""The sandbox: runs LLM-written code and tests in a warm, isolated worker pool.

    from resources.sandbox import Sandbox, SandboxResource, PASSED
    with Sandbox(backend="bwrap", workers=2, timeout_s=10.0) as sb:
        results = sb.run(jobs)

The Dagster resource is imported lazily so that the plain API works without Dagster.

Inside the sandbox: Python 3.11 (the host interpreter, mounted read-only) with pytest,
coverage, numpy (pre-imported by every worker) and pandas, scipy, scikit-learn, sympy
(pre-imported by each worker's second tier, used for jobs that import them); the rest
of the standard library and of the environment's site-packages is importable.

Isolation (backend "bwrap"): one bubblewrap per worker with its own PID, network, IPC
and UTS namespaces, read-only /usr and interpreter, private tmpfs /tmp, cleared
environment; per job a fork with a new session, rlimits (CPU, data, address space,
processes, file size, open files), an unprivileged uid of its own, an empty scratch
directory, and every process of that uid killed afterwards. Verdicts come only from
the guard (assay_runtime/guard.py), never from what a job prints or how it exits.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .sandbox import Sandbox
from .status import ALL_STATUSES, CRASHED, ERROR, FAILED, MEMORY, NO_TESTS, PASSED, TIMEOUT, Status
from .typed import (
    REPR_CHARS,
    CallJob,
    CallOutcome,
    CallResult,
    Job,
    PytestJob,
    PytestResult,
    Result,
    TraceJob,
    TraceResult,
    result_from_wire,
)

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
    "REPR_CHARS",
    "TIMEOUT",
    "CallJob",
    "CallOutcome",
    "CallResult",
    "Job",
    "PytestJob",
    "PytestResult",
    "Result",
    "Sandbox",
    "SandboxResource",
    "Status",
    "TraceJob",
    "TraceResult",
    "result_from_wire",
]


def __getattr__(name: str) -> Any:
    if name == "SandboxResource":
        from .dagster_resource import SandboxResource

        return SandboxResource
    raise AttributeError(name)
