"""Reading a value back from a sandbox `call` outcome.

The outcome carries `value_json` (the return value when it is plain JSON) and
`value_repr` (its `repr`, cut to a length). CodeI/O compares `json.dumps` of
the returned value, so a tuple counts as a list and `inf`/`nan` as
`Infinity`/`NaN`; those come back only as a repr here, so they are rebuilt from
it with a literal-only reader (never `eval` of arbitrary text).

NumPy's `float64` is a `float` subclass, so `json.dumps` writes it as a
number; its repr `np.float64(1.5)` is read back as 1.5. Other NumPy scalars
(`int64`, `bool_`) are not JSON for `json.dumps` and stay unreadable here too.

`value_json` is accepted either as the value itself or as its JSON text; the repr
tells the two apart (a string value's repr is the quoted string).
"""

from __future__ import annotations

import ast
import json
import math
from typing import Any

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
    """(True, value) when `text` is the repr of JSON-like data (tuples read as lists), else (False, None)."""
    if not text:
        return False, None
    try:
        return True, _literal(ast.parse(text, mode="eval").body)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False, None


def outcome_value(outcome: dict | None) -> tuple[bool, Any]:
    """(True, value) when the call returned and its value can be read as JSON data, else (False, None)."""
    if not outcome or not outcome.get("ok"):
        return False, None
    raw = outcome.get("value_json")
    representation = outcome.get("value_repr")
    if raw is not None:
        if not isinstance(raw, str) or repr(raw) == representation:
            return True, raw
        try:
            return True, json.loads(raw)
        except ValueError:
            return True, raw
    return literal_from_repr(representation)


def shown(outcome: dict | None) -> str:
    """How a result reads in feedback and reports: JSON when possible, else the repr or the exception."""
    if outcome and not outcome.get("ok"):
        return f"{outcome.get('exception_type')}: {outcome.get('exception_message') or ''}"
    ok, value = outcome_value(outcome)
    if ok:
        return json.dumps(value, ensure_ascii=False)
    return str((outcome or {}).get("value_repr"))
