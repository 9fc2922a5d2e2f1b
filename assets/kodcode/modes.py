"""KodCode's seed modes: what a seed line of each mode must hold.

Every seed line is a JSON object with `mode` plus the fields below; `subset`
(defaults to the mode) and `id` are optional on every line.

| mode | required fields | optional |
|---|---|---|
| leetcode, codeforces, apps, taco, code_contests | `question` (a seed problem to draw a new one from) | |
| package | `question` (a Package-Instruct question, shown as the example) | `package` (e.g. "numpy") |
| evol | `question` (an Evol-Instruct question, shown as the example) | |
| algorithm, data_structure | `code` (a snippet implementing the idea) | `name`, `category` |
| docs | `doc` (documentation text; the model may abstain) | `source` (the package's name) |
| prefill | `prefix` (the opening words of a question, e.g. "Write a python function to") | |

As in KodCode (step1.1_gen_questions.py:181-187), a leetcode prompt shows three seed
questions (the line's own and two others of its file), every other mode one.
"""

from __future__ import annotations

QUESTION_MODES = ("leetcode", "codeforces", "apps", "taco", "code_contests")
SNIPPET_MODES = ("algorithm", "data_structure")
MODES = QUESTION_MODES + ("package", "evol") + SNIPPET_MODES + ("docs", "prefill")

REQUIRED: dict[str, tuple[str, ...]] = {
    **{mode: ("question",) for mode in QUESTION_MODES},
    "package": ("question",),
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
    for name in ("subset", "id", "doc", "name", "category", "source", "package"):
        if name in row and row[name] is not None and not isinstance(row[name], str):
            return f"field {name!r} should be a string, got {type(row[name]).__name__}"
    return None
