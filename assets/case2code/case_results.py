"""What a function did on each example (CaseResult), in our form and in Case2Code's, and how two
runs' results agree.

The sandbox reports one outcome per input: a returned value's `repr`, or the
exception's type and message. Case2Code stores a return as
`{"return": json.dumps(repr(value))}` and an exception as
`{"error": '<|EXCEPTION|> ' + json.dumps(str(type(e)) + ': ' + str(e))}`;
comparing two runs means comparing those strings exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from resources.sandbox import CallOutcome, CallResult

EXCEPTION_MARK = "<|EXCEPTION|>"
RETURN = "return"
EXCEPTION = "exception"
# No value and no exception: the example ran out of time or memory, or the worker died.
NO_RESULT = "no_result"
_CLASS_PREFIX = "<class '"
# Outcomes that say something about the run, not the function: sandbox exception name -> reason.
_NOT_BEHAVIOUR = {"Timeout": "timeout", "MemoryError": "memory"}
_GOLD_EXCEPTION = re.compile(r"^<class '([^']+)'>: (.*)$", re.DOTALL)


@dataclass(frozen=True)
class CaseResult:
    """One example's outcome: `kind` is return / exception / no_result."""

    kind: str
    value_repr: str | None = None
    exception_type: str | None = None
    exception_message: str | None = None
    reason: str | None = None  # for no_result: timeout, memory, crashed, missing

    @property
    def returned(self) -> bool:
        return self.kind == RETURN

    def exception_text(self) -> str:
        """`str(type(e)) + ': ' + str(e)` as Case2Code prints it."""
        return f"{class_text(self.exception_type or 'Exception')}: {self.exception_message or ''}"

    def canonical(self) -> str:
        """The string two runs must agree on; exception classes by name (the sandbox reports no module)."""
        if self.kind == RETURN:
            return f"return {self.value_repr}"
        if self.kind == EXCEPTION:
            return f"error {short_type(self.exception_type or 'Exception')}: {self.exception_message or ''}"
        return f"no_result {self.reason}"

    def case2code(self) -> dict[str, str]:
        """This outcome in Case2Code's `example_outputs` encoding."""
        if self.kind == RETURN:
            return {"return": json.dumps(self.value_repr)}
        if self.kind == EXCEPTION:
            return {"error": f"{EXCEPTION_MARK} {json.dumps(self.exception_text())}"}
        return {"error": f"{EXCEPTION_MARK} {json.dumps(f'<no result: {self.reason}>')}"}

    def shown(self) -> str:
        """How a prompt shows this outcome: the value's repr, or the exception."""
        if self.kind == RETURN:
            return self.value_repr or ""
        if self.kind == EXCEPTION:
            return f"{short_type(self.exception_type or 'Exception')}: {self.exception_message or ''}".rstrip(
                ": "
            )
        return f"<no result: {self.reason}>"

    def as_row(self) -> dict[str, Any]:
        """The result as the `results` column stores it (see schemas.RESULTS)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> CaseResult:
        return cls(
            **{
                k: data.get(k)
                for k in ("kind", "value_repr", "exception_type", "exception_message", "reason")
            }
        )


def class_text(exception_type: str) -> str:
    """`str(type(e))` from a type name: builtins unqualified, others as reported."""
    if exception_type.startswith(_CLASS_PREFIX):
        return exception_type
    name = exception_type.removeprefix("builtins.")
    return f"<class '{name}'>"


def short_type(exception_type: str) -> str:
    """`NameError` from `NameError`, `builtins.NameError` or `<class 'json.decoder.JSONDecodeError'>` alike."""
    text = exception_type
    if text.startswith(_CLASS_PREFIX) and text.endswith("'>"):
        text = text[len(_CLASS_PREFIX) : -2]
    return text.rsplit(".", 1)[-1]


def from_outcome(outcome: CallOutcome) -> CaseResult:
    """One sandbox `call` outcome as a CaseResult.

    A value whose repr the sandbox had to cut or could not compute, a per-input
    time limit and running out of memory are not facts about the function's
    behaviour, so they have no result rather than a wrong one.
    """
    if outcome.ok:
        if outcome.value_repr is None:
            return CaseResult(kind=NO_RESULT, reason="no repr")
        text = str(outcome.value_repr)
        if outcome.repr_truncated:
            return CaseResult(kind=NO_RESULT, reason="repr_truncated")
        if text.startswith("<unrepresentable "):
            return CaseResult(kind=NO_RESULT, reason="unrepresentable")
        return CaseResult(kind=RETURN, value_repr=text)
    etype = outcome.exception_type
    if etype:
        if etype in _NOT_BEHAVIOUR:
            return CaseResult(kind=NO_RESULT, reason=_NOT_BEHAVIOUR[etype])
        return CaseResult(
            kind=EXCEPTION,
            exception_type=str(etype),
            exception_message=str(outcome.exception_message or ""),
        )
    return CaseResult(kind=NO_RESULT, reason="no value and no exception")


def job_results(job: CallResult | None, n_inputs: int) -> list[CaseResult]:
    """Exactly `n_inputs` CaseResults for one call job (None: it never ran); inputs the job
    never reached have no result."""
    outcomes = list(job.outcomes if job else ())[:n_inputs]
    results = [from_outcome(o) for o in outcomes]
    status = str(job.status if job else "missing")
    reason = status if status in ("timeout", "memory", "crashed") else f"not run ({status})"
    results += [CaseResult(kind=NO_RESULT, reason=reason)] * (n_inputs - len(results))
    return results


def gold_canonical(output: Mapping[str, Any]) -> str:
    """A Case2Code `example_outputs` entry as a canonical string (traces are ignored)."""
    if "return" in output:
        return f"return {_unquote(output['return'])}"
    if "error" in output:
        text = str(output["error"]).strip()
        if text.startswith(EXCEPTION_MARK):
            text = text[len(EXCEPTION_MARK) :].strip()
        text = _unquote(text)
        match = _GOLD_EXCEPTION.match(text)
        return f"error {short_type(match.group(1))}: {match.group(2)}" if match else f"error {text}"
    raise ValueError(f"example output has neither 'return' nor 'error': {sorted(output)}")


def _unquote(text: str) -> str:
    try:
        value = json.loads(text)
    except (json.JSONDecodeError, TypeError):
        return str(text)
    return value if isinstance(value, str) else str(text)


@dataclass(frozen=True)
class Agreement:
    """How one run's outcomes compare with expected ones."""

    matched: int
    total: int
    first_mismatch: int | None  # index of the first differing example
    detail: str | None  # what differed there

    @property
    def all_match(self) -> bool:
        return self.total > 0 and self.matched == self.total


def agreement(actual: Sequence[str], expected: Sequence[str]) -> Agreement:
    """Compare canonical strings pairwise; a length difference counts as a mismatch."""
    total = max(len(actual), len(expected))
    matched, first, detail = 0, None, None
    for i in range(total):
        a = actual[i] if i < len(actual) else "<missing>"
        e = expected[i] if i < len(expected) else "<missing>"
        if a == e:
            matched += 1
        elif first is None:
            first, detail = i, f"example {i}: got {a[:200]!r}, expected {e[:200]!r}"
    return Agreement(matched=matched, total=total, first_mismatch=first, detail=detail)
