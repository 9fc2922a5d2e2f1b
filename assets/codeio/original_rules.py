"""CodeI/O's own rules, re-implemented: what the `original` profile checks, and how.

The behaviour is the original's (codeio_utils.py, parse_gen_ios.py, check_io_pred_acc_mp.py);
the code is ours. The fidelity report runs the original's functions beside these on the
same inputs.

- `last_json(text)`: extract_last_complete_json: the last top-level `{…}` (or the last
  ```json block), with `True/False/None` repaired; then escaped braces and parentheses;
  then the body of the last `\\boxed{`.
- `is_close(pred, target)`: floats within 1e-3 relative and the same integer part, ints
  (and booleans, which are ints) by `==`, lists and dicts structurally.
- `fits_size(obj, asizeof)`: strict_check_size, sizes measured by pympler's asizeof.
- `search_source()` / `check_source()`: the pair search (parse_gen_ios.templatexx) and the
  input check (template_check_input) as functions shipped into the sandbox.
"""

from __future__ import annotations

import inspect
import json
import re
from typing import Any


def _json_at_end(s: str) -> Any:
    if "```json" not in s:
        depth, start, last = 0, None, None
        for i, ch in enumerate(s):
            if ch == "{":
                depth += 1
                if start is None:
                    start = i
            elif ch == "}" and depth:
                depth -= 1
                if depth == 0:
                    last, start = s[start : i + 1], None
    else:
        begin = s.rfind("```json")
        end = s.find("```", begin + len("```json"))
        last = s[begin + 7 : end].strip()
    if not last:
        return None
    for text in (
        last,
        last.replace("False", "false").replace("True", "true").replace("None", "null"),
    ):
        try:
            return json.loads(text.replace("\n", ""))
        except json.JSONDecodeError:
            continue
    return None


def last_json(text: str) -> Any:
    """The original's answer extraction (None when nothing parses)."""
    found = _json_at_end(text)
    if found is None:
        unescaped = text.replace("\\{", "{").replace("\\}", "}").replace("(", "[").replace(")", "]")
        found = _json_at_end(unescaped)
        if found is None and "\\boxed{" in unescaped:
            start = unescaped.rfind("\\boxed{") + len("\\boxed{")
            body = unescaped[start : unescaped.rfind("}", start)]
            for old, new in (
                ("\\\\", "\\"),
                ("\\{", "{"),
                ("\\}", "}"),
                ("\\left", ""),
                ("\\right", ""),
            ):
                body = body.replace(old, new)
            found = _json_at_end(body)
    return found


def is_close(pred, target, tol=0.001):
    """The original's tolerance: booleans count as ints, NaN and infinities never close."""
    import math

    if isinstance(pred, dict) and isinstance(target, dict):
        return pred.keys() == target.keys() and all(is_close(pred[k], target[k], tol) for k in pred)
    if isinstance(pred, list) and isinstance(target, list):
        return len(pred) == len(target) and all(is_close(p, t, tol) for p, t in zip(pred, target))
    if isinstance(pred, (int, float)) and isinstance(target, (int, float)):
        try:
            if isinstance(pred, float) or isinstance(target, float):
                if math.isnan(pred) or math.isnan(target) or math.isinf(pred) or math.isinf(target):
                    return False
                return abs(pred - target) <= tol * abs(target) and int(pred) == int(target)
            return pred == target
        except Exception:  # noqa: BLE001 - the original's bare except, narrowed to Exception
            return False
    return pred == target


def fits_size(obj, asizeof):
    """strict_check_size: under 1,024 bytes by asizeof, containers under 20 items, strings
    under 100 characters, any other value under 128 bytes; recursively."""
    if asizeof(obj) >= 1024:
        return False
    if isinstance(obj, dict):
        return len(obj) < 20 and all(
            fits_size(k, asizeof) and fits_size(v, asizeof) for k, v in obj.items()
        )
    if isinstance(obj, (list, tuple, set)):
        return len(obj) < 20 and all(fits_size(item, asizeof) for item in obj)
    if isinstance(obj, str):
        return len(obj) < 100
    return asizeof(obj) < 128


SEARCH_ENTRY = "_assay_io_pairs_original"
CHECK_ENTRY = "_assay_check_input_original"

_SEARCH = '''

def _assay_io_pairs_original(seed, tries, want, limit_s):
    """The original's loop: any exception, or running past limit_s, loses the item."""
    import json as _json, random as _random, signal as _signal, sys as _sys
    from pympler.asizeof import asizeof as _asizeof
    _random.seed(seed)
    if "numpy" in _sys.modules:
        _sys.modules["numpy"].random.seed(seed % (2 ** 32))
    _signal.setitimer(_signal.ITIMER_REAL, limit_s)
    inputs, outputs, draws = [], [], 0
    for draws in range(1, tries + 1):
        drawn = input_generator()
        if drawn not in inputs and _assay_fits_size(drawn, _asizeof):
            result = main_solution(**drawn)
            if _assay_fits_size(result, _asizeof) and result is not None:
                inputs.append(drawn)
                outputs.append(result)
        if len(inputs) >= want:
            break
    # Serialised at the end, as the original does (an input the solution changed is recorded changed).
    text = _json.dumps([{"input": i, "output": o} for i, o in zip(inputs, outputs)])
    _signal.setitimer(_signal.ITIMER_REAL, 0)
    return {"pairs": _json.loads(text), "draws": draws, "rejected": {}, "unstable": 0}
'''

_CHECK = '''

def _assay_check_input_original(value, expected, limit_s):
    """template_check_input: call with **value when it is a dict, compare JSON text or closeness."""
    import json as _json, signal as _signal
    _signal.setitimer(_signal.ITIMER_REAL, limit_s)
    result = main_solution(**value) if isinstance(value, dict) else main_solution(value)
    actual = _json.dumps(result).strip()
    agree = _json.dumps(expected).strip() == actual or _assay_is_close(result, expected)
    _signal.setitimer(_signal.ITIMER_REAL, 0)
    return {"agree": bool(agree), "actual": actual}
'''


def _renamed(fn: Any, name: str) -> str:
    """A function's source under another name (its recursive calls too), so it cannot clash
    with a helper of the program it is shipped beside."""
    return re.sub(rf"\b{fn.__name__}\(", f"{name}(", inspect.getsource(fn))


def search_source() -> str:
    """The pair search and the size check it uses, as module source for the sandbox."""
    return "\n\n" + _renamed(fits_size, "_assay_fits_size") + _SEARCH


def check_source() -> str:
    """The input check and the closeness test it uses, as module source for the sandbox."""
    return "\n\n" + _renamed(is_close, "_assay_is_close") + _CHECK


def agrees(pred: Any, target: Any) -> bool:
    """check_io_pred_acc for outputs: closeness only (the JSON-text test is the input check's)."""
    try:
        return is_close(pred, target)
    except (RecursionError, OverflowError):
        return False


__all__ = ["agrees", "check_source", "fits_size", "is_close", "last_json", "search_source"]
