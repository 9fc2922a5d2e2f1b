"""The per-item decisions of each Case2Code stage, as pure functions the assets call.

Kept apart from the @asset definitions so they can be tested without Dagster,
a model or a sandbox.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from assets.case2code.examples import (
    Example,
    ParsedExamples,
    case2code_input,
    example_str,
    parse_examples_answer,
)
from assets.case2code.functions import FunctionInfo
from assets.case2code.outcomes import EXCEPTION, NO_RESULT, RETURN, CaseResult
from assets.case2code.prompts import response_text


@dataclass
class ExampleVerdict:
    """What one answer gave: the usable examples and every rejected one's reason."""

    examples: list[Example] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    error: str | None = None  # set when no example is usable
    repaired: bool = False


def usable_examples(
    answer: str,
    function: FunctionInfo,
    strict: bool = True,
    check_signature: bool = True,
    max_examples: int = 10,
) -> ExampleVerdict:
    """Parse an answer and keep the examples that can bind to the function's parameters."""
    parsed: ParsedExamples = parse_examples_answer(answer, strict=strict)
    verdict = ExampleVerdict(
        rejected=Counter(_reason_key(r) for r in parsed.rejected), repaired=parsed.repaired
    )
    for example in parsed.examples:
        misfit = function.signature.misfit(example.keys) if check_signature else None
        if misfit:
            verdict.rejected[_reason_key(misfit)] += 1
        elif len(verdict.examples) >= max_examples:
            verdict.rejected["beyond max_examples"] += 1
        else:
            verdict.examples.append(example)
    if not verdict.examples:
        if parsed.error:
            verdict.error = parsed.error
        elif verdict.rejected:
            top = verdict.rejected.most_common(1)[0][0]
            verdict.error = (
                f"no usable example ({sum(verdict.rejected.values())} rejected, mostly: {top})"
            )
        else:
            verdict.error = "the examples list is empty"
    return verdict


def _reason_key(reason: str) -> str:
    """A countable reason: the category before any per-example detail."""
    return reason.split(":")[0].strip()


def examples_to_json(examples: Sequence[Example]) -> str:
    return json.dumps([ex.as_json() for ex in examples], ensure_ascii=False)


def examples_from_json(text: str | None) -> list[Example]:
    return [Example.from_json(pairs) for pairs in json.loads(text or "[]")]


def results_to_json(results: Sequence[CaseResult]) -> str:
    return json.dumps([r.as_dict() for r in results], ensure_ascii=False)


def results_from_json(text: str | None) -> list[CaseResult]:
    return [CaseResult.from_dict(d) for d in json.loads(text or "[]")]


@dataclass(frozen=True)
class CaseSelection:
    """The examples an item keeps, or why the item is dropped."""

    keep: tuple[int, ...]
    drop_reason: str | None
    returns: int
    exceptions: int
    no_result: int


def select_cases(
    results: Sequence[CaseResult],
    keep_exceptions: bool = True,
    min_returns: int = 1,
    min_distinct_returns: int = 1,
) -> CaseSelection:
    """Case2Code's filter: an item needs returned values, not only exceptions.

    Examples without any result (time or memory limit) are never kept: nothing
    true can be said about them. Exception cases are kept unless configured away.
    `min_distinct_returns` > 1 also drops items whose every call returns the same
    value (Case2Code left that filter switched off), since their cases do not
    pin a function down.
    """
    kinds = Counter(r.kind for r in results)
    returns, exceptions, missing = kinds[RETURN], kinds[EXCEPTION], kinds[NO_RESULT]
    keep = tuple(
        i
        for i, r in enumerate(results)
        if r.kind == RETURN or (keep_exceptions and r.kind == EXCEPTION)
    )
    reason = None
    if not results:
        reason = "no_examples"
    elif returns == 0 and exceptions == 0:
        reason = "no_results"
    elif returns == 0:
        reason = "only_exceptions"
    elif returns < min_returns:
        reason = "too_few_returns"
    elif len({r.value_repr for r in results if r.kind == RETURN}) < min_distinct_returns:
        reason = "too_few_distinct_returns"
    return CaseSelection(
        keep=keep, drop_reason=reason, returns=returns, exceptions=exceptions, no_result=missing
    )


def case2code_record(
    item_id: str,
    func_name: str,
    code: str,
    examples: Sequence[Example],
    results: Sequence[CaseResult],
    prompt: str | None = None,
    shown: Sequence[int] = (),
) -> dict[str, Any]:
    """One item in Case2Code's own file format, so its tools and our evaluation read it."""
    return {
        "id": item_id,
        "func_name": func_name,
        "code": code,
        "exec_code": code,
        "example_str": example_str(list(examples)),
        "example_inputs": [case2code_input(ex) for ex in examples],
        "example_outputs": [r.case2code() for r in results],
        "exec_status": True,
        "prompt": prompt,
        "output": response_text(code),
        "choosed_example_idx": list(shown),
    }
