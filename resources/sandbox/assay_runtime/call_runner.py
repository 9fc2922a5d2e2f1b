"""call jobs: load code once, call its entry point on many inputs, record each result or exception.

Serves CodeI/O (main_solution on generated inputs), Case2Code (outputs of LLM-written
example inputs, which are Python expressions rather than JSON) and ExecVerify's filters.
"""

from __future__ import annotations

import json
import math
import signal
import time
from typing import Any

REPR_CHARS = 2000
MESSAGE_CHARS = 600
CODE_FILE = "code.py"


class InputTimeout(BaseException):
    """Raised by the per-input alarm; a BaseException so that `except Exception` cannot swallow it."""


def _on_alarm(signum: int, frame: Any) -> None:
    raise InputTimeout()


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _safe_repr(value: Any) -> str:
    try:
        return _truncate(repr(value), REPR_CHARS)
    except BaseException as exc:  # noqa: BLE001 - a job's __repr__ may raise anything
        return f"<unrepresentable {type(value).__name__}: {type(exc).__name__}>"


def _json_value(value: Any) -> Any:
    """The value as JSON when it round-trips exactly (so tuples, sets and NaN do not)."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    if len(text) > 1_000_000:
        return None
    try:
        return value if json.loads(text) == value and _plain(value) else None
    except BaseException:  # noqa: BLE001
        return None


def _plain(value: Any) -> bool:
    if value is None or type(value) in (bool, int, str):
        return True
    if type(value) is float:
        return math.isfinite(value)
    if type(value) is list:
        return all(_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and _plain(v) for k, v in value.items())
    return False


def _exc_outcome(exc: BaseException, started: float) -> dict:
    name = "Timeout" if isinstance(exc, InputTimeout) else type(exc).__name__
    try:
        message = "input exceeded its time limit" if isinstance(exc, InputTimeout) else str(exc)
    except BaseException:  # noqa: BLE001
        message = "<unprintable>"
    return {
        "ok": False,
        "value_json": None,
        "value_repr": None,
        "exception_type": name,
        "exception_message": _truncate(message, MESSAGE_CHARS),
        "duration_s": round(time.perf_counter() - started, 6),
    }


def _with_alarm(seconds: float, fn: Any) -> Any:
    signal.signal(signal.SIGALRM, _on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.001))
    try:
        return fn()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def load_code(code: str, filename: str) -> dict:
    namespace: dict = {"__name__": "__main__", "__file__": filename, "__builtins__": __builtins__}
    exec(compile(code, filename, "exec"), namespace)  # noqa: S102 - this is the sandbox
    return namespace


def run_call_job(job: dict, filename: str, per_input_s: float, emit: Any) -> dict:
    """Run every input; `emit` streams each outcome so that a later kill keeps earlier ones."""
    started = time.perf_counter()
    try:
        namespace = _with_alarm(per_input_s, lambda: load_code(job.get("code") or "", filename))
    except BaseException as exc:  # noqa: BLE001
        out = _exc_outcome(exc, started)
        status = "timeout" if isinstance(exc, InputTimeout) else "error"
        return {
            "status": status,
            "load_error": f"{out['exception_type']}: {out['exception_message']}",
        }
    fn = namespace.get(job.get("entry_point") or "")
    if not callable(fn):
        return {
            "status": "error",
            "load_error": f"entry point {job.get('entry_point')!r} is not defined",
        }
    if "inputs_py" in job and job.get("inputs_py") is not None:
        specs = [("py", s) for s in job["inputs_py"]]
    else:
        specs = [("json", s) for s in job.get("inputs") or []]
    for kind, spec in specs:
        started = time.perf_counter()

        def call_one(kind: str = kind, spec: Any = spec) -> Any:
            kwargs = eval(spec, namespace) if kind == "py" else spec
            if not isinstance(kwargs, dict):
                raise TypeError(
                    f"an input must be a dict of keyword arguments, got {type(kwargs).__name__}"
                )
            value = fn(**kwargs)
            return value, _json_value(value), _safe_repr(value)

        try:
            _, value_json, value_repr = _with_alarm(per_input_s, call_one)
            outcome = {
                "ok": True,
                "value_json": value_json,
                "value_repr": value_repr,
                "exception_type": None,
                "exception_message": None,
                "duration_s": round(time.perf_counter() - started, 6),
            }
        except BaseException as exc:  # noqa: BLE001 - SystemExit, MemoryError, anything
            outcome = _exc_outcome(exc, started)
        emit(outcome)
    return {"status": "passed"}
