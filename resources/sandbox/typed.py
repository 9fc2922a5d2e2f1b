"""Typed sandbox jobs and results: what assets build and read, over the same wire format.

The worker pool speaks plain dicts (see jobs.py and assay_runtime/); these dataclasses
are the one place that knows those dicts' fields, so an asset writes
`PytestJob(id, solution, tests)` and reads `result.passed` instead of spelling keys.
`CallOutcome` is the one decoder of a `call` job's per-input outcome, and owns the
runner's repr limit.

    results = run_jobs(sandbox, [PytestJob("t1", code, tests)])   # assets.common.execute
    results["t1"].status, results["t1"].tests_passed
"""

from __future__ import annotations

import ast
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import Any

from .assay_runtime.call_runner import REPR_CHARS
from .status import PASSED


@dataclass(frozen=True)
class PytestJob:
    """Run `test_code` with pytest against `solution_code` (importable as `solution`).

    `timeout_s` overrides the sandbox's per-job limit for this job (a method's own
    verification time limit, e.g. KodCode's 30 s); None keeps the sandbox's."""

    id: str
    solution_code: str
    test_code: str
    timeout_s: float | None = None

    def wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {
            "id": self.id,
            "kind": "pytest",
            "solution_code": self.solution_code,
            "test_code": self.test_code,
        }
        if self.timeout_s is not None:
            wire["timeout_s"] = float(self.timeout_s)
        return wire


@dataclass(frozen=True)
class CallJob:
    """Call `entry_point` of `code` once per input: kwargs dicts (`inputs`) or Python
    expressions evaluated in the sandbox (`inputs_py`); exactly one of the two."""

    id: str
    code: str
    entry_point: str
    inputs: Sequence[Mapping[str, Any]] | None = None
    inputs_py: Sequence[str] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def wire(self) -> dict[str, Any]:
        job: dict[str, Any] = {
            "id": self.id,
            "kind": "call",
            "code": self.code,
            "entry_point": self.entry_point,
        }
        if self.inputs is not None:
            job["inputs"] = [dict(i) for i in self.inputs]
        if self.inputs_py is not None:
            job["inputs_py"] = list(self.inputs_py)
        return {**job, **self.extra}

    @property
    def n_inputs(self) -> int:
        return len(self.inputs if self.inputs is not None else self.inputs_py or [])


@dataclass(frozen=True)
class TraceJob:
    """Call `entry_point(**kwargs)` of `code` and record line events with locals."""

    id: str
    code: str
    entry_point: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    max_events: int | None = None
    args_py: str | None = (
        None  # the call's argument source instead of kwargs (evaluated before tracing)
    )
    args_line: int | None = None  # the line those arguments sit on in the script being reproduced
    eval_view: bool = False  # each local's eval(repr) value and type (ExecVerify's reading)

    def wire(self) -> dict[str, Any]:
        job: dict[str, Any] = {
            "id": self.id,
            "kind": "trace",
            "code": self.code,
            "entry_point": self.entry_point,
            "kwargs": dict(self.kwargs),
        }
        if self.max_events is not None:
            job["max_events"] = self.max_events
        if self.args_py is not None:
            job.update(args_py=self.args_py, args_line=self.args_line or 1)
        if self.eval_view:
            job["eval_view"] = True
        return job


Job = PytestJob | CallJob | TraceJob


def _from_wire(cls: type, data: Mapping[str, Any], **converted: Any) -> Any:
    """`cls` from a result dict: its fields by name (missing ones keep their defaults)."""
    names = {f.name for f in fields(cls)} - set(converted)
    return cls(**{k: v for k, v in data.items() if k in names}, **converted)


@dataclass(frozen=True)
class PytestResult:
    id: str
    status: str
    tests_collected: int = 0
    tests_passed: int = 0
    tests_failed: int = 0
    coverage: float | None = None
    failures: tuple[dict, ...] = ()
    duration_s: float = 0.0

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def first_failure(self, chars: int = 300) -> str:
        """The first failure's message, cut to `chars` (empty when none)."""
        return str(self.failures[0].get("message", ""))[:chars] if self.failures else ""

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> PytestResult:
        return _from_wire(cls, data, failures=tuple(data.get("failures") or ()))


_NAMES = {"inf": math.inf, "nan": math.nan, "True": True, "False": False, "None": None}


def _literal(node: ast.AST) -> Any:
    if isinstance(node, ast.Constant) and isinstance(
        node.value, (int, float, str, bool, type(None))
    ):
        return node.value
    if isinstance(node, ast.Name) and node.id in _NAMES:
        return _NAMES[node.id]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    if isinstance(node, ast.Dict) and all(k is not None for k in node.keys):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _literal(node.operand)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
        name = ast.unparse(node.func)
        arg = _literal(node.args[0])
        if (
            name == "float"
            and isinstance(arg, str)
            and arg.lower() in ("inf", "-inf", "nan", "infinity", "-infinity")
        ):
            return float(arg)
        if (
            name in ("np.float64", "numpy.float64")
            and isinstance(arg, (int, float))
            and not isinstance(arg, bool)
        ):
            return float(arg)
    raise ValueError(f"not a plain literal: {ast.dump(node)[:80]}")


def literal_from_repr(text: str | None) -> tuple[bool, Any]:
    """(True, value) when `text` is the repr of JSON-like data (tuples read as lists), else
    (False, None); a literal-only reader, never `eval`."""
    if not text:
        return False, None
    try:
        return True, _literal(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False, None


@dataclass(frozen=True)
class CallOutcome:
    """What one input of a `call` job did: returned (`value_json`, `value_repr`) or raised.

    The runner cuts reprs at REPR_CHARS characters and ends them with "..."; such a repr
    (`repr_truncated`) says nothing exact about the value.
    """

    ok: bool
    value_json: Any = None
    value_repr: str | None = None
    exception_type: str | None = None
    exception_message: str | None = None
    duration_s: float = 0.0

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> CallOutcome:
        return _from_wire(cls, data, ok=bool(data.get("ok")))

    @property
    def repr_truncated(self) -> bool:
        text = self.value_repr
        return text is not None and len(text) >= REPR_CHARS and text.endswith("...")

    def value(self) -> tuple[bool, Any]:
        """(True, value) when the call returned and its value reads as JSON data, else (False, None).

        `value_json` is the value itself or its JSON text (the repr tells the two apart:
        a string value's repr is the quoted string); otherwise the repr is read back with
        a literal-only reader, so tuples come back as lists and inf/nan as floats.
        """
        if not self.ok:
            return False, None
        raw, representation = self.value_json, self.value_repr
        if raw is not None:
            if not isinstance(raw, str) or repr(raw) == representation:
                return True, raw
            try:
                return True, json.loads(raw)
            except ValueError:
                return True, raw
        return literal_from_repr(representation)


@dataclass(frozen=True)
class CallResult:
    id: str
    status: str
    outcomes: tuple[CallOutcome, ...] = ()
    error: str | None = None
    load_error: str | None = None
    duration_s: float = 0.0

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> CallResult:
        outcomes = tuple(CallOutcome.from_wire(o) for o in data.get("outcomes") or ())
        return _from_wire(cls, data, outcomes=outcomes)


@dataclass(frozen=True)
class TraceResult:
    id: str
    status: str
    events: tuple[dict, ...] = ()
    truncated: bool = False
    error: str | None = None
    duration_s: float = 0.0
    stop: str | None = None  # returned | raised | event_limit | timeout | tampered | memory | error
    return_repr: str | None = None
    exception_type: str | None = None

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> TraceResult:
        return _from_wire(cls, data, events=tuple(data.get("events") or ()))


Result = PytestResult | CallResult | TraceResult
_RESULTS = {PytestJob: PytestResult, CallJob: CallResult, TraceJob: TraceResult}


def result_from_wire(job: Job, data: Mapping[str, Any]) -> Result:
    """The typed result of `job` from the dict the pool returned for it."""
    return _RESULTS[type(job)].from_wire(data)
