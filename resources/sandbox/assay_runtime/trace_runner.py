"""trace jobs: line, call, return and exception events of the job's own functions, with locals.

ExecVerify's white-box questions ask for the next line executed and for the value and
type of variables; the trace answers them. A job gives its code, the entry point and its
arguments, either as JSON `kwargs` or as Python source `args_py` (what is written between
the parentheses of the call, evaluated in the code's namespace before tracing starts, at
line `args_line` so that a lambda written there keeps the line it would have in a script).

Every event carries a frame number (frames numbered in order of first appearance; a new
frame never reuses an old number, as `id(frame)` can), and each local its repr (at most
200 characters, `truncated` set when cut), its type, and with `eval_view` the value and
type that evaluating that repr without builtins gives (what ExecVerify computes on its
host; here it is computed where the code ran). The last event is `end`.

It is bounded in events and time. Nothing is raised from the trace function (CPython
would then unset the tracer itself, which the guard refuses while job code is on the
stack): the stop is an alarm whose handler raises only in the job's own frames. A job
that turns tracing off (`sys.settrace`, `frame.f_trace`, `f_trace_lines`) ends `error`
with `stop: tampered`: its trace would be silently incomplete; one with a local whose
repr raises (MemoryError for a gigantic one, anything else) ends `error`, `stop: bad_repr`.
"""

from __future__ import annotations

import signal
import sys
import time
from typing import Any

from .call_runner import InputTimeout, _safe_repr, _truncate, load_code

LOCAL_REPR_CHARS = 200
MAX_LOCALS = 50
RETRY_S = 0.0005
REPEAT_S = 0.01
_RUNTIME_DIR = __file__.rsplit("/", 1)[0] + "/"
_GENERATOR_FLAGS = 0x20 | 0x80 | 0x200  # CO_GENERATOR | CO_COROUTINE | CO_ASYNC_GENERATOR


def bounded_repr(value: Any, limit: int = LOCAL_REPR_CHARS) -> tuple[str, bool]:
    """The first `limit` characters of repr(value) and whether it was longer.

    Built-in containers and strings are represented piece by piece and only as far as the
    limit, so a local of a hundred megabytes costs what a small one does; the characters
    are those of repr() (same quotes, same `[...]` for a list that contains itself)."""
    text = _prefix(value, limit + 1, set())
    return text[:limit], len(text) > limit


def _str_prefix(value: str, budget: int) -> str:
    if len(value) <= budget:
        return repr(value)
    head = value[:budget]
    if "'" in value and '"' not in value:  # repr(value) quotes with "
        text = repr(head)
        return text if "'" in head else '"' + text[1:]
    if "'" in head and '"' not in head:  # repr(head) alone would pick " where value does not
        return repr(head + '"')[:-2]
    return repr(head)


def _prefix(value: Any, budget: int, active: set) -> str:
    kind = type(value)
    if kind is str:
        return _str_prefix(value, budget)
    if kind not in (list, tuple, set, frozenset, dict) or not value:
        return repr(value)
    if id(value) in active:
        return "[...]" if kind is list else "{...}" if kind is dict else repr(value)
    active.add(id(value))
    try:
        opening, closing = {
            list: ("[", "]"),
            tuple: ("(", ")"),
            set: ("{", "}"),
            frozenset: ("frozenset({", "})"),
            dict: ("{", "}"),
        }[kind]
        parts = [opening]
        used = len(opening)
        items = value.items() if kind is dict else value
        for i, item in enumerate(items):
            if i:
                parts.append(", ")
                used += 2
            if kind is dict:
                key = _prefix(item[0], budget - used, active)
                parts.append(key + ": ")
                used += len(key) + 2
                piece = _prefix(item[1], budget - used, active) if used < budget else ""
            else:
                piece = _prefix(item, budget - used, active)
            parts.append(piece)
            used += len(piece)
            if used >= budget:
                return "".join(parts)
        if kind is tuple and len(value) == 1:
            parts.append(",")
        parts.append(closing)
        return "".join(parts)
    finally:
        active.discard(id(value))


def eval_view(text: str, truncated: bool) -> tuple[str | None, str | None]:
    """ExecVerify's reading of a local: eval its (200-character, marked) repr without builtins.

    Returns (str(value), str(type(value))), or (None, None) where the eval fails, which
    ExecVerify answers with the repr text typed `str`."""
    source = text + "...<truncated>" if truncated else text
    try:
        value = eval(source, {"__builtins__": {}})
        return str(value), str(type(value))
    except BaseException as exc:
        if isinstance(exc, InputTimeout):
            raise
        return None, None


class _Trace:
    """The tracer's state; its methods run as the trace function and the alarm handler."""

    def __init__(self, filename: str, max_events: int, with_eval: bool) -> None:
        self.filename = filename
        self.max_events = max_events
        self.with_eval = with_eval
        self.events: list[dict] = []
        self.frames: dict[int, tuple[int, Any]] = {}
        self.next_frame = 0
        self.balance: dict[int, int] = {}
        self.depth = 0
        self.max_depth = 0
        self.eval_cache: dict[str, tuple[str | None, str | None]] = {}
        self.truncated = False
        self.stopping = False
        self.timed_out = False
        self.tampered: str | None = None
        self.bad_repr: str | None = None

    # ---------------------------------------------------------------- the alarm
    def on_alarm(self, signum: int, frame: Any) -> None:
        """Raise only in job frames; inside the runtime (the tracer) try again a moment later."""
        self.stopping = True
        if not self.truncated:
            self.timed_out = True
        if signal.getitimer(signal.ITIMER_REAL)[1] == 0:
            signal.setitimer(signal.ITIMER_REAL, REPEAT_S, REPEAT_S)  # again, if the job catches it
        if frame is not None and frame.f_code.co_filename.startswith(_RUNTIME_DIR):
            return
        raise InputTimeout()

    def stop_soon(self) -> None:
        if not self.stopping:
            self.stopping = True
            signal.setitimer(signal.ITIMER_REAL, RETRY_S, REPEAT_S)

    # ---------------------------------------------------------------- the tracer
    def frame_number(self, frame: Any, event: str) -> int:
        key = id(frame)
        known = self.frames.get(key)
        if known is not None and known[1] is frame:
            return known[0]
        number = self.next_frame
        self.next_frame += 1
        # Generator frames are kept alive so that their id is not reused while suspended;
        # other frames are forgotten at their return event.
        self.frames[key] = (number, frame)
        return number

    def locals_of(self, frame: Any) -> dict:
        out: dict = {}
        for i, (name, value) in enumerate(frame.f_locals.items()):
            if i >= MAX_LOCALS:
                break
            if name.startswith("__") and name.endswith("__"):
                continue
            try:
                text, cut = bounded_repr(value)
            except InputTimeout:
                self.stop_soon()
                text, cut = "<unrepresentable: Timeout>", False
            except BaseException as exc:  # noqa: BLE001
                # A value the trace cannot show: the trace would be wrong about it, so it ends.
                text, cut = f"<unrepresentable: {type(exc).__name__}>", False
                if not isinstance(
                    exc, RecursionError
                ):  # that one is the stack's depth, not the value
                    self.bad_repr = (
                        self.bad_repr or f"the repr of local {name!r} raised {type(exc).__name__}"
                    )
                    self.stop_soon()
            record = {"repr": text, "type": type(value).__name__, "truncated": cut}
            if self.with_eval:
                view = self.eval_cache.get(text + ("\0" if cut else ""))
                if view is None:
                    try:
                        view = eval_view(text, cut)
                    except InputTimeout:
                        self.stop_soon()
                        view = (None, None)
                    self.eval_cache[text + ("\0" if cut else "")] = view
                record["eval_str"], record["eval_type"] = view
            out[name] = record
        return out

    def __call__(self, frame: Any, event: str, arg: Any) -> Any:
        if frame.f_code.co_filename != self.filename or frame.f_code.co_name == "<module>":
            return None
        if self.stopping:
            return None
        if not frame.f_trace_lines or frame.f_trace_opcodes:
            self.tampered = "the job changed its frame's trace settings"
        if len(self.events) >= self.max_events:
            self.truncated = True
            self.stop_soon()
            return None
        number = self.frame_number(frame, event)
        record: dict = {
            "event": event,
            "func": frame.f_code.co_name,
            "line": frame.f_lineno,
            "frame": number,
        }
        if event == "call":
            self.balance[number] = self.balance.get(number, 0) + 1
            self.depth += 1
            self.max_depth = max(self.max_depth, self.depth)
        elif event == "return":
            self.balance[number] = self.balance.get(number, 0) - 1
            self.depth -= 1
            record["value"] = _safe_repr(arg)
            if not frame.f_code.co_flags & _GENERATOR_FLAGS:
                self.frames.pop(id(frame), None)
        elif event == "exception":
            record["exception_type"] = arg[0].__name__
            record["exception_message"] = _truncate(str(arg[1]), 300)
        record["locals"] = self.locals_of(frame)
        self.events.append(record)
        return self


def _collect(*args: Any, **kwargs: Any) -> tuple[tuple, dict]:
    return args, kwargs


def _arguments(job: dict, namespace: dict, filename: str) -> tuple[tuple, dict]:
    source = job.get("args_py")
    if source is None:
        return (), dict(job.get("kwargs") or {})
    line = max(int(job.get("args_line") or 1), 1)
    code = compile("\n" * (line - 1) + f"__assay_collect__({source}\n)", filename, "eval")
    return eval(code, namespace, {"__assay_collect__": _collect})


def _failed(status: str, error: str, stop: str) -> dict:
    return {
        "status": status,
        "stop": stop,
        "events": [{"event": "end", "stop": stop}],
        "truncated": False,
        "error": error,
        "return_repr": None,
        "exception_type": None,
        "exception_message": None,
    }


def run_trace_job(job: dict, filename: str, timeout_s: float, max_events: int) -> dict:
    started = time.perf_counter()
    state = _Trace(filename, max_events, bool(job.get("eval_view")))
    previous = signal.signal(signal.SIGALRM, state.on_alarm)
    signal.setitimer(signal.ITIMER_REAL, max(timeout_s, 0.001))
    try:
        try:
            namespace = load_code(job.get("code") or "", filename)
            fn = namespace.get(job.get("entry_point") or "")
            if not callable(fn):
                return _failed("error", "entry point is not defined", "error")
            args, kwargs = _arguments(job, namespace, filename)
        except InputTimeout:
            return _failed(
                "timeout", "loading the code or its arguments exceeded the time limit", "timeout"
            )
        except BaseException as exc:  # noqa: BLE001
            return _failed("error", f"{type(exc).__name__}: {_truncate(str(exc), 600)}", "error")
        result = _traced_call(state, fn, args, kwargs)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    result["duration_s"] = round(time.perf_counter() - started, 6)
    return result


def _traced_call(state: _Trace, fn: Any, args: tuple, kwargs: dict) -> dict:
    result: dict = {
        "return_repr": None,
        "exception_type": None,
        "exception_message": None,
        "error": None,
    }
    raised: BaseException | None = None
    value: Any = None
    sys.settrace(state)
    try:
        value = fn(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - SystemExit, MemoryError, anything
        raised = exc
    finally:
        still_ours = sys.gettrace() is state
        sys.settrace(None)
    signal.setitimer(signal.ITIMER_REAL, 0)
    if raised is None and not state.stopping:
        if not still_ours:
            state.tampered = "the job replaced or removed the tracer"
        elif any(n != 0 for n in state.balance.values()):
            state.tampered = "a frame stopped being traced before it returned"
    if isinstance(raised, RuntimeError) and "blocked by the sandbox guard" in str(raised):
        if state.max_depth >= sys.getrecursionlimit() - 60:
            # The recursion limit was hit inside the tracer; CPython's own attempt to unset
            # it is what the guard refused. The job recursed too deep.
            raised = RecursionError("maximum recursion depth exceeded")
        else:
            state.tampered = f"the sandbox guard refused: {_truncate(str(raised), 200)}"
    if state.tampered:
        status, stop = "error", "tampered"
        result["error"] = state.tampered
    elif state.bad_repr:
        status, stop = "error", "bad_repr"
        result["error"] = state.bad_repr
    elif state.truncated:
        status, stop = "timeout", "event_limit"
        result["error"] = f"the trace reached its limit of {state.max_events} events"
    elif state.timed_out or isinstance(raised, InputTimeout):
        status, stop = "timeout", "timeout"
        result["error"] = "the traced call exceeded its time limit"
    elif isinstance(raised, MemoryError):
        status, stop = "memory", "memory"
    elif raised is not None:
        status, stop = "failed", "raised"
        result["exception_type"] = type(raised).__name__
        result["exception_message"] = _truncate(str(raised), 600)
    else:
        status, stop = "passed", "returned"
        result["return_repr"] = _safe_repr(value)
    state.events.append({"event": "end", "stop": stop})
    result.update(
        {"status": status, "stop": stop, "events": state.events, "truncated": state.truncated}
    )
    return result
