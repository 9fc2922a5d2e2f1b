"""Case2Code's filter: which examples an item keeps, or why the item is dropped."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from assets.case2code.case_results import EXCEPTION, NO_RESULT, RETURN, CaseResult


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
