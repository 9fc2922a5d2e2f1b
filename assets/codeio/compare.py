"""Does a predicted value match the reference? CodeI/O's tolerance, made explicit.

Two values agree when their JSON texts are identical (so `Infinity` matches
`Infinity`, as in CodeI/O) or when they are close:
ints exactly, floats within a relative 1e-3 *and* with the same integer part
(CodeI/O's rule: 0.9996 is not close to 1.0), lists element-wise with equal
lengths, dicts key-set-equal and value-wise, anything else by `==`.
NaN and infinities are never *close*. One deliberate difference from CodeI/O:
booleans only agree with booleans (CodeI/O lets `true` match `1`).
"""

from __future__ import annotations

import json
import math
from typing import Any

REL_TOL = 1e-3


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_close(pred: Any, target: Any, tol: float = REL_TOL) -> bool:
    """Structural comparison with a relative tolerance on floats."""
    if isinstance(pred, dict) and isinstance(target, dict):
        if pred.keys() != target.keys():
            return False
        return all(is_close(pred[k], target[k], tol) for k in pred)
    if isinstance(pred, (list, tuple)) and isinstance(target, (list, tuple)):
        if len(pred) != len(target):
            return False
        return all(is_close(p, t, tol) for p, t in zip(pred, target))
    if _number(pred) and _number(target):
        if isinstance(pred, float) or isinstance(target, float):
            if not (math.isfinite(pred) and math.isfinite(target)):
                return False
            return abs(pred - target) <= tol * abs(target) and int(pred) == int(target)
        return pred == target
    if isinstance(pred, bool) or isinstance(target, bool):
        return type(pred) is type(target) and pred == target
    return pred == target


def canonical_json(value: Any) -> str | None:
    """Key-order-independent JSON text (NaN/Infinity spelled as Python's json does), or None."""
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return None


def values_agree(pred: Any, target: Any) -> bool:
    """CodeI/O's acceptance test: same JSON text, or close."""
    text = canonical_json(pred)
    if text is not None and text == canonical_json(target):
        return True
    try:
        return is_close(pred, target)
    except (TypeError, ValueError, OverflowError, RecursionError):
        return False


def to_json_value(value: Any) -> Any:
    """Tuples become lists (a model may answer with a Python tuple); other values as is."""
    if isinstance(value, tuple | list):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json_value(v) for k, v in value.items()}
    return value
