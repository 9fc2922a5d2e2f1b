"""Job validation and the result shapes for jobs that never reach a worker.

A malformed job gets an `error` result in its slot instead of failing the batch: one bad
row must not cost the other thousands.
"""

from __future__ import annotations

from typing import Any

from .status import CRASHED, ERROR

KINDS = ("pytest", "call", "trace")
REQUIRED = {
    "pytest": ("solution_code", "test_code"),
    "call": ("code", "entry_point"),
    "trace": ("code", "entry_point"),
}


def problem(job: Any) -> str | None:
    """Why a job cannot run, or None when it is well formed."""
    if not isinstance(job, dict):
        return f"a job must be a dict, got {type(job).__name__}"
    kind = job.get("kind")
    if kind not in KINDS:
        return f"unknown job kind {kind!r}; expected one of {', '.join(KINDS)}"
    for field in REQUIRED[kind]:
        if not isinstance(job.get(field), str):
            return f"{kind} job needs a string field {field!r}"
    limit = job.get("timeout_s")
    if limit is not None and (
        isinstance(limit, bool) or not isinstance(limit, (int, float)) or not limit > 0
    ):
        return "job field 'timeout_s' must be a positive number of seconds"
    if kind == "call":
        has_json = isinstance(job.get("inputs"), list)
        has_py = isinstance(job.get("inputs_py"), list)
        if has_json == has_py:
            return "call job needs exactly one of 'inputs' (list of kwargs dicts) or 'inputs_py' (list of expressions)"
        if has_py and not all(isinstance(e, str) for e in job["inputs_py"]):
            return "every entry of 'inputs_py' must be a string"
    if kind == "trace" and not isinstance(job.get("kwargs", {}), dict):
        return "trace job field 'kwargs' must be a dict"
    if kind == "trace" and job.get("args_py") is not None:
        if not isinstance(job["args_py"], str):
            return "trace job field 'args_py' must be a string (the source between the call's parentheses)"
        if job.get("kwargs"):
            return "trace job takes 'kwargs' or 'args_py', not both"
    return None


def failed_result(job: Any, status: str, message: str) -> dict:
    """A result in the job kind's shape, for jobs the sandbox could not run to the end."""
    jid = job.get("id") if isinstance(job, dict) else None
    kind = job.get("kind") if isinstance(job, dict) else None
    base: dict[str, Any] = {"id": jid, "status": status, "duration_s": 0.0}
    if kind == "call":
        n = len(job.get("inputs_py") or job.get("inputs") or [])
        outcome = {
            "ok": False,
            "value_json": None,
            "value_repr": None,
            "exception_type": "Crashed" if status == CRASHED else "Error",
            "exception_message": message,
            "duration_s": 0.0,
        }
        base.update({"outcomes": [dict(outcome) for _ in range(n)], "error": message})
    elif kind == "trace":
        base.update(
            {
                "events": [{"event": "end", "stop": status}],
                "stop": status,
                "truncated": False,
                "error": message,
            }
        )
    else:
        base.update(
            {
                "tests_collected": 0,
                "tests_passed": 0,
                "tests_failed": 0,
                "failures": [{"test": "<sandbox>", "message": message}],
                "coverage": None,
            }
        )
    return base


def invalid_result(job: Any, message: str) -> dict:
    return failed_result(job, ERROR, message)


def finish_trace(result: dict) -> dict:
    """A trace result that always says why it stopped and ends with an `end` event, also when
    the worker had to kill the job (a loop inside C code never reaches the trace's own alarm)."""
    if "stop" in result:
        return result
    events = list(result.get("events") or [])
    stop = result.get("status") or ERROR
    events.append({"event": "end", "stop": stop})
    return {**result, "stop": stop, "events": events, "truncated": bool(result.get("truncated"))}
