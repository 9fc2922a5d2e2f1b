"""trace jobs: line, call, return and exception events of the job's own functions, with locals.

ExecVerify's white-box questions ask for the next line executed and for the value and
type of variables; the trace answers them. It is bounded in events (the run stops
once the bound is hit) and in time (the caller's alarm).
"""

from __future__ import annotations

import sys
import time
from typing import Any

from .call_runner import InputTimeout, _safe_repr, _truncate, _with_alarm, load_code

LOCAL_REPR_CHARS = 200
MAX_LOCALS = 50


class EventLimit(BaseException):
    """Raised from the tracer to stop a run that produced too many events."""


def _locals(frame: Any) -> dict:
    out = {}
    for i, (name, value) in enumerate(frame.f_locals.items()):
        if i >= MAX_LOCALS:
            break
        if name.startswith("__") and name.endswith("__"):
            continue
        try:
            text = _truncate(repr(value), LOCAL_REPR_CHARS)
        except BaseException as exc:  # noqa: BLE001
            text = f"<unrepresentable: {type(exc).__name__}>"
        out[name] = {"repr": text, "type": type(value).__name__}
    return out


def run_trace_job(job: dict, filename: str, timeout_s: float, max_events: int) -> dict:
    events: list[dict] = []
    truncated = False

    def tracer(frame: Any, event: str, arg: Any) -> Any:
        nonlocal truncated
        if frame.f_code.co_filename != filename:
            return None
        if len(events) >= max_events:
            truncated = True
            raise EventLimit()
        record: dict = {"event": event, "func": frame.f_code.co_name, "line": frame.f_lineno}
        if event == "return":
            record["value"] = _safe_repr(arg)
        elif event == "exception":
            record["exception_type"] = arg[0].__name__
            record["exception_message"] = _truncate(str(arg[1]), 300)
        record["locals"] = _locals(frame)
        events.append(record)
        return tracer

    started = time.perf_counter()
    try:
        namespace = _with_alarm(timeout_s, lambda: load_code(job.get("code") or "", filename))
    except BaseException as exc:  # noqa: BLE001
        status = "timeout" if isinstance(exc, InputTimeout) else "error"
        return {
            "status": status,
            "events": [],
            "truncated": False,
            "error": f"{type(exc).__name__}: {exc}",
        }
    fn = namespace.get(job.get("entry_point") or "")
    if not callable(fn):
        return {
            "status": "error",
            "events": [],
            "truncated": False,
            "error": "entry point is not defined",
        }
    kwargs = job.get("kwargs") or {}
    result: dict = {"return_repr": None, "exception_type": None, "exception_message": None}
    status = "passed"

    def traced_call() -> Any:
        sys.settrace(tracer)
        try:
            return fn(**kwargs)
        finally:
            sys.settrace(None)

    try:
        value = _with_alarm(timeout_s, traced_call)
        result["return_repr"] = _safe_repr(value)
    except EventLimit:
        status = "passed"
    except InputTimeout:
        status = "timeout"
    except MemoryError:
        status = "memory"
    except BaseException as exc:  # noqa: BLE001
        status = "failed"
        result["exception_type"] = type(exc).__name__
        result["exception_message"] = _truncate(str(exc), 600)
    result.update(
        {
            "status": status,
            "events": events,
            "truncated": truncated,
            "duration_s": round(time.perf_counter() - started, 6),
        }
    )
    return result
