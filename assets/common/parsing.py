"""Pulling structured pieces out of model answers: tags, code fences, JSON."""

from __future__ import annotations

import ast
import json
import re

_FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)```", re.DOTALL)
_THINK_END = "</think>"


def strip_reasoning(text: str) -> str:
    """The answer after a reasoning model's `</think>`; the whole text if there is none."""
    idx = text.rfind(_THINK_END)
    return text[idx + len(_THINK_END) :].strip() if idx >= 0 else text.strip()


def extract_tag(text: str, tag: str) -> str | None:
    """Content of the last `<tag>…</tag>` (or of an unclosed final `<tag>`)."""
    closed = re.findall(rf"<{tag}>(.*?)</{tag}>", text, flags=re.DOTALL | re.IGNORECASE)
    if closed:
        return closed[-1].strip()
    opened = re.split(rf"<{tag}>", text, flags=re.IGNORECASE)
    return opened[-1].strip() if len(opened) > 1 else None


def code_blocks(text: str, language: str | None = "python") -> list[str]:
    """Every fenced code block, optionally only those tagged `language` (or untagged)."""
    blocks = []
    for lang, body in _FENCE.findall(text):
        if language is None or lang.lower() in (
            "",
            language,
            "py" if language == "python" else language,
        ):
            blocks.append(body.strip("\n"))
    return blocks


def last_code_block(text: str, language: str | None = "python") -> str | None:
    blocks = code_blocks(text, language)
    return blocks[-1] if blocks else None


def section(text: str, header: str, headers: list[str]) -> str | None:
    """Text under a markdown-ish `header` up to the next of `headers` (case-insensitive)."""
    pattern = re.compile(rf"^[#*\s]*{re.escape(header)}[*:\s]*$", re.IGNORECASE | re.MULTILINE)
    match = pattern.search(text)
    if not match:
        return None
    rest = text[match.end() :]
    ends = []
    for other in headers:
        if other.lower() == header.lower():
            continue
        m = re.compile(rf"^[#*\s]*{re.escape(other)}[*:\s]*$", re.IGNORECASE | re.MULTILINE).search(
            rest
        )
        if m:
            ends.append(m.start())
    return rest[: min(ends)].strip() if ends else rest.strip()


def _json_candidates(text: str) -> list[str]:
    """Every balanced `{…}` / `[…]` span, skipping brackets inside strings."""
    spans: list[tuple[int, int]] = []
    stack: list[tuple[str, int]] = []
    in_string: str | None = None
    escaped = False
    pairs = {"{": "}", "[": "]"}
    for i, ch in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == in_string:
                in_string = None
            continue
        if ch in "\"'" and stack:
            in_string = ch
        elif ch in pairs:
            stack.append((ch, i))
        elif ch in "}]" and stack:
            opener, start = stack.pop()
            if pairs[opener] != ch:
                stack.clear()
                continue
            spans.append((start, i + 1))
    # Latest-ending first; among spans ending together, the outermost first.
    spans.sort(key=lambda span: (-span[1], span[0]))
    return [text[a:b] for a, b in spans]


def parse_json_lenient(candidate: str) -> object:
    """JSON, or failing that a Python literal (True/None/single quotes, tuples)."""
    try:
        return json.loads(candidate)
    except json.JSONDecodeError:
        return ast.literal_eval(candidate)


def extract_json(text: str, want: type | tuple[type, ...] = dict) -> object | None:
    """The last complete JSON value of type `want` in `text`, with common repairs.

    Repairs: fenced blocks, `\\boxed{…}` wrappers, Python literals instead of JSON.
    Returns None when nothing parses.
    """
    for block in reversed(code_blocks(text, language=None)):
        value = _try_parse(block.strip(), want)
        if value is not None:
            return value
    for candidate in _json_candidates(text):
        value = _try_parse(candidate, want)
        if value is not None:
            return value
    return None


def _try_parse(candidate: str, want: type | tuple[type, ...]) -> object | None:
    try:
        value = parse_json_lenient(candidate)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, want) else None
