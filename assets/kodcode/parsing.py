"""Pure parsers for KodCode answers: questions, solution/test trials, test_info."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from assets.common.parsing import code_blocks, extract_tag

ABSTAIN = "<|Abstain|>"
MIN_QUESTION_CHARS = 30
MAX_QUESTION_CHARS = 8000
_SPECIAL_TAG = re.compile(r"<\|[A-Za-z ]+\|>")
_WORD = re.compile(r"[a-z0-9_]+")
_LEADING_LABEL = re.compile(
    r"^\s*(?:\*\*|#+\s*)?(?:new\s+)?question\s*[:.]?\s*(?:\*\*)?\s*[:.]?\s*", re.IGNORECASE
)


def _marker(label: str, edge: str) -> re.Pattern[str]:
    """KodCode's `<|Label Begin|>` as small models actually write it.

    Besides the exact tag we accept the same words in other brackets (`{|…|}`, `[…]`,
    `**…**`, `<…>`) anywhere, and bare (`Question Begin`) only on a line of its own, so
    that prose mentioning a question is never mistaken for a marker.
    """
    words = rf"{label}\s+{edge}"
    decorated = rf"(?:<\|?|\{{\|?|\[|\*\*)\s*{words}\s*(?:\|?>|\|?\}}|\]|\*\*)"
    bare = rf"^[ \t#]*{words}[ \t:]*$"
    return re.compile(rf"{decorated}|{bare}", re.IGNORECASE | re.MULTILINE)


def _between(text: str, label: str) -> str | None:
    """Text after the last `label Begin` marker, up to its `label End` (or the end)."""
    begins = list(_marker(label, "Begin").finditer(text))
    if not begins:
        return None
    body = text[begins[-1].end() :]
    end = _marker(label, "End").search(body)
    return (body[: end.start()] if end else body).strip()


# What a model writes around a question (step1.3's extraction is where KodCode strips such
# text; its rules catch "Question N:" labels, these catch the chattier shapes small models
# write). A lead-in is a line of its own: an interjection, or an announcement ending in ":"
# ("Here's the new question:", "Below is a coding question about `x`:"), or a bare heading
# naming the question ("### Question", "**New Question:**").
_LEAD_IN = re.compile(
    r"""^(?:
        (?:sure|certainly|of\ course|absolutely|okay|ok|great|alright)\b[^\n]*
      | (?:here(?:'s|’s|\ is|\ are)|below\ is|the\ following\ is|this\ is|i(?:'ve|\ have)
         |let\ me|new)\b[^\n]*:[ \t*]*
      | (?:\#+[ \t]*|\*\*)?[ \t]*(?:the\ |a\ )?(?:new\ )?(?:python\ )?(?:coding\ |programming\ )?
         (?:assessment\ )?(?:question|problem|task|exercise)(?:[ \t]*\d+)?[ \t]*:?[ \t]*(?:\*\*)?[ \t]*:?
    )[ \t]*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A closing paragraph about the question rather than part of it, or a rule before one.
_SIGN_OFF = re.compile(
    r"""^(?:[*_>\s]*)(?:
        (?:note:\s*)?this\ (?:new\ )?(?:question|problem|task|exercise)\b[^\n]*?
          \b(?:tests?|assess(?:es)?|evaluates?|requires?|challenges?|is\ designed|checks?
             |encourages?|helps?|aims?|focuses|covers?|ensures?|combines?)\b
      | (?:let\ me\ know|i\ hope|hope\ this|feel\ free|good\ luck|happy\ coding)\b
      | [-*_]{3,}\s*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)


def strip_wrapping(text: str) -> str:
    """The question without the model's lead-in lines and closing remarks around it."""
    lines = text.strip().split("\n")
    while lines and (not lines[0].strip() or _LEAD_IN.match(lines[0].strip())):
        lines.pop(0)
    paragraphs = re.split(r"\n[ \t]*\n", "\n".join(lines).strip())
    while len(paragraphs) > 1 and _SIGN_OFF.match(paragraphs[-1].strip()):
        paragraphs.pop()
    return "\n\n".join(paragraphs).strip()


def sanitize_question(text: str) -> str:
    """Strip labels, leftover special tags, the model's lead-in and sign-off, and whitespace."""
    text = _SPECIAL_TAG.sub("", text)
    text = strip_wrapping(text)
    text = _LEADING_LABEL.sub("", text, count=1)
    return text.strip().strip('"').strip()


@dataclass(frozen=True)
class QuestionParse:
    question: str | None
    drop_reason: str | None


def extract_question(mode: str, answer: str, prefix: str | None = None) -> QuestionParse:
    """The question in a model answer by the mode's format, or why there is none."""
    body = _between(answer, "Question")
    if mode == "docs" and ABSTAIN in answer and body is None:
        return QuestionParse(None, "abstained")
    if body is None:
        body = extract_tag(answer, "question")
    if body is None:
        # A bare answer is accepted only where no analysis was requested.
        if mode in ("algorithm", "data_structure", "docs"):
            return QuestionParse(None, "no_question_tags")
        body = answer
    question = sanitize_question(body)
    if mode == "prefill" and prefix and not _restates(question, prefix):
        question = f"{prefix.strip()} {question}"
    if len(question) < MIN_QUESTION_CHARS:
        return QuestionParse(None, "empty_or_too_short")
    if len(question) > MAX_QUESTION_CHARS:
        return QuestionParse(None, "too_long")
    return QuestionParse(question, None)


def _restates(question: str, prefix: str) -> bool:
    """Did the model start over with the prefix's own opening words instead of continuing it?"""
    opening = _WORD.findall(prefix.lower())[:3]
    return bool(opening) and _WORD.findall(question.lower())[: len(opening)] == opening


@dataclass(frozen=True)
class TrialParse:
    solution: str | None
    tests: str | None
    error: str | None


def parse_trial(answer: str) -> TrialParse:
    """Solution and pytest code from a tagged answer; falls back to the first two code blocks."""
    solution_part = _between(answer, "Solution")
    test_part = _between(answer, "Test")
    solution = _code_of(solution_part) if solution_part is not None else None
    tests = _code_of(test_part) if test_part is not None else None
    if solution is None or tests is None:
        blocks = code_blocks(answer)
        if len(blocks) >= 2:
            solution, tests = solution or blocks[0], tests or blocks[1]
    if not solution or not tests:
        return TrialParse(None, None, "missing_solution_or_tests")
    if "def test" not in tests:
        return TrialParse(solution, tests, "no_test_functions")
    if not re.search(r"^\s*(from\s+solution\s+import|import\s+solution)", tests, re.MULTILINE):
        tests = "from solution import *\n" + tests
    try:
        ast.parse(solution)
        ast.parse(tests)
    except SyntaxError as exc:
        return TrialParse(solution, tests, f"syntax_error: line {exc.lineno}: {exc.msg}")
    return TrialParse(solution, tests, None)


def _code_of(part: str) -> str:
    blocks = code_blocks(part)
    return (blocks[0] if blocks else part).strip()


def imported_names(test_code: str) -> list[str] | None:
    """Names the tests take from `solution`; None means everything (`import *` / `import solution`)."""
    tree = ast.parse(test_code)
    names: list[str] = []
    star = False
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "solution":
            for alias in node.names:
                if alias.name == "*":
                    star = True
                elif alias.name not in names:
                    names.append(alias.name)
        elif isinstance(node, ast.Import) and any(a.name == "solution" for a in node.names):
            star = True
    return None if star and not names else names


def build_test_info(solution: str, test_code: str) -> list[dict[str, str]]:
    """KodCode's `test_info`: name, parameters, declaration and docstring of each tested function.

    Covers every function the tests import (not only the first), and methods are
    reached through their class.
    """
    tree = ast.parse(solution)
    wanted = imported_names(test_code)
    info = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if wanted is not None and node.name not in wanted:
                continue
            if isinstance(node, ast.ClassDef):
                info.append(_describe(node, f"class {node.name}", ""))
                continue
            params = f"({ast.unparse(node.args)})"
            info.append(_describe(node, f"def {node.name}{params}:", params))
    return info


def _describe(node: ast.AST, declaration: str, params: str) -> dict[str, str]:
    return {
        "function_name": node.name,  # type: ignore[attr-defined]
        "parameter_list": params,
        "function_declaration": declaration,
        "docstring": ast.get_docstring(node) or "",  # type: ignore[arg-type]
    }


def difficulty(passes: int, trials: int) -> str:
    """KodCode's buckets by pass rate: easy ≥ 2/3, hard < 1/3, else medium."""
    rate = passes / trials if trials else 0.0
    if rate >= 2 / 3:
        return "easy"
    if rate < 1 / 3:
        return "hard"
    return "medium"
