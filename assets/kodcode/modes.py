"""KodCode's seed modes: what a seed line of each mode must hold.

Every seed line is a JSON object with `mode` plus the fields below; `subset`
(defaults to the mode) and `id` are optional on every line.

| mode | required fields | optional |
|---|---|---|
| leetcode, codeforces, apps, taco, code_contests | `question` (a seed problem to draw a new one from) | |
| package | `package` (e.g. "numpy") | `doc` (API text to ground the question) |
| evol | `question` (evolved into a harder one; other evol lines of the file are the few-shot examples) | |
| algorithm, data_structure | `code` (a snippet implementing the idea) | `name`, `category` |
| docs | `doc` (documentation text; the model may abstain) | `source` |
| prefill | `prefix` (the opening words of a question) | |
"""

from __future__ import annotations

QUESTION_MODES = ("leetcode", "codeforces", "apps", "taco", "code_contests")
SNIPPET_MODES = ("algorithm", "data_structure")
MODES = QUESTION_MODES + ("package", "evol") + SNIPPET_MODES + ("docs", "prefill")

REQUIRED: dict[str, tuple[str, ...]] = {
    **{mode: ("question",) for mode in QUESTION_MODES},
    "package": ("package",),
    "evol": ("question",),
    **{mode: ("code",) for mode in SNIPPET_MODES},
    "docs": ("doc",),
    "prefill": ("prefix",),
}


def validate_seed(row: dict) -> str | None:
    """Why a seed line cannot be used, or None; the reason lands in the quarantine report."""
    mode = row.get("mode")
    if not isinstance(mode, str):
        return "missing field: mode"
    if mode not in REQUIRED:
        return f"unknown mode {mode!r}; expected one of: {', '.join(MODES)}"
    for name in REQUIRED[mode]:
        value = row.get(name)
        if not isinstance(value, str) or not value.strip():
            return f"mode {mode!r} needs a non-empty string field {name!r}"
    for name in ("subset", "id", "doc", "name", "category", "source"):
        if name in row and row[name] is not None and not isinstance(row[name], str):
            return f"field {name!r} should be a string, got {type(row[name]).__name__}"
    return None
