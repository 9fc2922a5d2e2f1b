"""A solver's answer → code the triplet's tests can import: extract it, then align its names.

Used by the SFT cross-verification and by the RL reward, so both judge an answer
the same way. Alignment covers every function or class the tests import, not
only the first (KodCode's issue #7 renamed only the first function, so answers
defining two mis-named functions always failed).
"""

from __future__ import annotations

import ast
import difflib
import io
import json
import tokenize
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from assets.common.parsing import code_blocks, strip_reasoning


@dataclass(frozen=True)
class Target:
    """A name the tests import: a function (with its parameter count) or a class."""

    name: str
    kind: str  # "function" | "class"
    arity: int | None = None


@dataclass(frozen=True)
class Alignment:
    code: str
    renamed: dict[str, str] = field(default_factory=dict)  # old name → tested name
    missing: tuple[str, ...] = ()  # tested names the answer neither defines nor could be mapped to


def answer_code(response: str, wanted: Sequence[str] = ()) -> str | None:
    """Code in the final answer (after `</think>`): the last fenced block that defines a wanted name.

    Failing that, the last block that defines something other than `test_*`
    functions (answers often end with a block of tests), then the last block of
    any kind, then the bare answer when it parses as Python.
    """
    answer = strip_reasoning(response)
    blocks = code_blocks(answer) or code_blocks(answer, language=None)
    defined = [(block, _top_level_names(block)) for block in blocks]
    for block, names in reversed(defined):
        if names & set(wanted):
            return block
    for block, names in reversed(defined):
        if any(not n.startswith("test") for n in names):
            return block
    if blocks:
        return blocks[-1]
    return answer if answer and _top_level_names(answer) else None


def _top_level_names(code: str) -> set[str]:
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {
        n.name
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def targets_from_test_info(test_info: Sequence[Mapping[str, str]]) -> list[Target]:
    """What the tests import, from the triplet's `test_info`."""
    out = []
    for info in test_info:
        declaration = info.get("function_declaration") or ""
        if declaration.startswith("class "):
            out.append(Target(info["function_name"], "class"))
        else:
            out.append(
                Target(
                    info["function_name"], "function", _arity(info.get("parameter_list") or "()")
                )
            )
    return out


def _arity(parameter_list: str) -> int | None:
    try:
        fn = ast.parse(f"def _f{parameter_list}: pass").body[0]
    except SyntaxError:
        return None
    args = fn.args  # type: ignore[attr-defined]
    return len(args.posonlyargs) + len(args.args) + len(args.kwonlyargs)


def _defined(tree: ast.Module) -> list[Target]:
    out = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            out.append(
                Target(node.name, "function", len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs))
            )
        elif isinstance(node, ast.ClassDef):
            out.append(Target(node.name, "class"))
    return out


def _called_inside_defs(tree: ast.Module) -> set[str]:
    """Names used inside some top-level def or class: helpers, not entry points."""
    used: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            for inner in ast.walk(node):
                if isinstance(inner, ast.Name) and inner.id != node.name:
                    used.add(inner.id)
    return used


def align_names(code: str, targets: Sequence[Target]) -> Alignment:
    """Rename the answer's functions/classes so that every tested name exists.

    Each tested name the answer lacks is paired with one of the answer's own
    definitions of the same kind that no tested name uses: entry points (not
    called by another definition) first, then matching parameter count, then
    name similarity; ties by name, so the pairing is deterministic.
    """
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return Alignment(code, {}, tuple(t.name for t in targets))
    defined = _defined(tree)
    defined_names = {d.name for d in defined}
    wanted = {t.name for t in targets}
    missing = [t for t in targets if t.name not in defined_names]
    spare = [d for d in defined if d.name not in wanted and not d.name.startswith("test")]
    helpers = _called_inside_defs(tree)
    pairs = []
    for t in missing:
        for d in spare:
            if d.kind != t.kind:
                continue
            entry = d.name not in helpers
            same_arity = t.arity is not None and d.arity == t.arity
            similarity = difflib.SequenceMatcher(None, t.name.lower(), d.name.lower()).ratio()
            pairs.append(((not entry, not same_arity, -similarity, t.name, d.name), t.name, d.name))
    renamed: dict[str, str] = {}
    for _, want, have in sorted(pairs):
        if want in renamed.values() or have in renamed:
            continue
        renamed[have] = want
    still_missing = tuple(t.name for t in missing if t.name not in renamed.values())
    return Alignment(rename(code, renamed) if renamed else code, renamed, still_missing)


def rename(code: str, mapping: Mapping[str, str]) -> str:
    """Replace identifier tokens (not attributes, not strings or comments) per `mapping`, keeping the layout."""
    lines = code.splitlines(keepends=True)
    edits: list[tuple[int, int, int, str]] = []
    previous = None
    for tok in tokenize.generate_tokens(io.StringIO(code).readline):
        if (
            tok.type == tokenize.NAME
            and tok.string in mapping
            and not (previous and previous.string == ".")
        ):
            edits.append((tok.start[0], tok.start[1], tok.end[1], mapping[tok.string]))
        if tok.type not in (
            tokenize.NL,
            tokenize.NEWLINE,
            tokenize.COMMENT,
            tokenize.INDENT,
            tokenize.DEDENT,
        ):
            previous = tok
    for row, start, end, new in sorted(edits, reverse=True):
        line = lines[row - 1]
        lines[row - 1] = line[:start] + new + line[end:]
    return "".join(lines)


def ground_truth(test_code: str, test_info: Sequence[Mapping[str, str]]) -> str:
    """The RL ground truth: the tests plus what they import, as one JSON string."""
    return json.dumps(
        {"test_code": test_code, "test_info": [dict(i) for i in test_info]},
        ensure_ascii=False,
        sort_keys=True,
    )


def parse_ground_truth(value: str) -> tuple[str, list[dict]]:
    """(test code, test_info) from `ground_truth`; bare pytest code is accepted too."""
    try:
        data = json.loads(value)
    except (json.JSONDecodeError, TypeError):
        return value, []
    if isinstance(data, dict) and "test_code" in data:
        return str(data["test_code"]), list(data.get("test_info") or [])
    return value, []


def prepare(
    response: str, test_info: Sequence[Mapping[str, str]]
) -> tuple[Alignment | None, str | None]:
    """(aligned code, None) ready for the sandbox, or (None, why the answer cannot be run)."""
    code = answer_code(response, [str(i["function_name"]) for i in test_info])
    if code is None:
        return None, "no_code"
    try:
        ast.parse(code)
    except SyntaxError as exc:
        return None, f"syntax_error: line {exc.lineno}: {exc.msg}"
    return align_names(code, targets_from_test_info(test_info)), None
