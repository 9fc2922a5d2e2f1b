"""Reading the final `{"output": …}` / `{"input": …}` object from a prediction answer.

The last complete JSON object wins (models restate candidates while reasoning).
Repairs, in order: fenced blocks and Python literals (`True`, `None`, single
quotes, tuples) via `assets.common.parsing.extract_json`; then LaTeX-escaped
braces and `\\boxed{…}` wrappers. An object without the expected key counts as
the answer itself for inputs (CodeI/O does the same) but not for outputs,
where a bare dict is too easily a restated input.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from assets.codeio.compare import canonical_json, to_json_value
from assets.common.parsing import extract_json, parse_json_lenient, strip_reasoning

_LATEX = [("\\{", "{"), ("\\}", "}"), ("\\left", ""), ("\\right", ""), ("\\\\", "\\")]
_BOXED = re.compile(r"\\boxed\s*\{")


@dataclass(frozen=True)
class Extracted:
    """`found` tells a real `null` answer apart from no answer at all."""

    found: bool
    value: Any = None


def _unlatex(text: str) -> str:
    for old, new in _LATEX:
        text = text.replace(old, new)
    return text


def _boxed_contents(text: str) -> list[str]:
    """The bodies of every `\\boxed{…}`, balancing braces, last one first."""
    bodies = []
    for match in _BOXED.finditer(text):
        depth, start = 1, match.end()
        for i in range(start, len(text)):
            if text[i] == "{":
                depth += 1
            elif text[i] == "}":
                depth -= 1
                if depth == 0:
                    bodies.append(text[start:i])
                    break
    return list(reversed(bodies))


def _balanced_object(text: str, start: int) -> str | None:
    """The `{…}` starting at `start`, skipping braces inside strings; None if unclosed."""
    depth, quote, escaped = 0, None, False
    for i in range(start, len(text)):
        ch = text[i]
        if quote:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return text[start : i + 1]
    return None


def _keyed_objects(text: str, field: str) -> list[dict]:
    """Every parseable object whose first key is `field`, last one first."""
    found = []
    for match in reversed(list(re.finditer(rf"\{{\s*[\"']{field}[\"']\s*:", text))):
        body = _balanced_object(text, match.start())
        if body is None:
            continue
        try:
            value = parse_json_lenient(body)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            continue
        if isinstance(value, dict) and field in value:
            found.append(value)
    return found


def _candidates(text: str) -> list[str]:
    return [text, _unlatex(text), *(_unlatex(b) for b in _boxed_contents(text))]


def extract_answer(answer: str | None, field: str) -> Extracted:
    """The predicted value under `field` ("output" or "input"), after the usual repairs."""
    if not answer:
        return Extracted(False)
    text = strip_reasoning(answer)
    candidates = _candidates(text)
    found: list[Any] = []
    for candidate in candidates:
        found += [obj[field] for obj in _keyed_objects(candidate, field)]
    for candidate in candidates:
        obj = extract_json(candidate, dict)
        if isinstance(obj, dict) and field in obj:
            found.append(obj[field])
        elif isinstance(obj, dict) and field == "input":
            found.append(obj)
    for value in found:
        value = to_json_value(value)
        # A Python literal can be a set, bytes or a complex number: not an answer in JSON.
        if canonical_json(value) is not None:
            return Extracted(True, value)
    return Extracted(False)
