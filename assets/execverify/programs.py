"""A synthesized program as ExecVerify reads it: its function definitions, and the single
`print(name(args))` call that names the entry point and gives the argument source.

ExecVerify does this with a tree-sitter query; we do the same with `ast`, keeping what the
query matches: every function definition in source order (nested ones too, each joined
with a blank line), and exactly one call `name(...)` written directly as an argument of a
`print(...)` call anywhere in the program.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Program:
    func_str: str  # the definitions, each followed by a blank line
    func_name: str  # the function the print statement calls
    func_args: str  # the source between that call's parentheses


class NotAProgram(ValueError):
    """Why a synthesized snippet has no usable entry point (the drop reason)."""


def _segment(source: str, lines: list[int], node: ast.AST) -> str:
    start = lines[node.lineno - 1] + node.col_offset
    end = lines[node.end_lineno - 1] + node.end_col_offset
    return source[start:end]


def _offsets(source: str) -> list[int]:
    out, total = [], 0
    for line in source.splitlines(keepends=True):
        out.append(total)
        total += len(line)
    out.append(total)
    return out


def function_defs(source: str) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Every function definition, in source order (ExecVerify's query order)."""
    tree = ast.parse(source)
    defs = [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return sorted(defs, key=lambda n: (n.lineno, n.col_offset))


def _def_text(source: str, offsets: list[int], node: ast.AST) -> str:
    # tree-sitter's function_definition starts at `def` (after any decorators).
    return _segment(source, offsets, node)


def parse_program(code: str) -> Program:
    """The definitions, entry point and argument source, or NotAProgram with the reason."""
    try:
        tree = ast.parse(code)
    except SyntaxError as exc:
        raise NotAProgram(f"does not parse: {exc.msg}") from None
    offsets = _offsets(code)
    defs = function_defs(code)
    if not defs:
        raise NotAProgram("no function definition")
    calls = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "print"
        ):
            calls.extend(
                a for a in node.args if isinstance(a, ast.Call) and isinstance(a.func, ast.Name)
            )
    if len(calls) != 1:
        raise NotAProgram(f"{len(calls)} calls printed directly (exactly one expected)")
    (call,) = calls
    after_name = code[
        offsets[call.func.end_lineno - 1] + call.func.end_col_offset : offsets[call.end_lineno - 1]
        + call.end_col_offset
    ]
    args = after_name.lstrip()
    assert args.startswith("(") and args.endswith(")")
    func_str = "".join(_def_text(code, offsets, d) + "\n\n" for d in defs)
    return Program(func_str=func_str, func_name=call.func.id, func_args=args[1:-1])


def first_def_name(func_str: str) -> str | None:
    """ExecVerify's trace step: the first definition's name (the helper, in a two-function program)."""
    defs = function_defs(func_str)
    return defs[0].name if defs else None


def entry_of(func_str: str) -> str | None:
    """The entry point of definitions without a call: the last top-level function that no other
    top-level function calls (the helper comes first in ExecVerify's two-function programs)."""
    tree = ast.parse(func_str)
    tops = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    called: set[str] = set()
    for fn in tops:
        for node in ast.walk(fn):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id != fn.name
            ):
                called.add(node.func.id)
    roots = [fn.name for fn in tops if fn.name not in called]
    return roots[-1] if roots else (tops[-1].name if tops else None)


def code_to_run(func_str: str, func_name: str, func_args: str) -> str:
    """The script ExecVerify traces (its line numbers are the questions' line numbers)."""
    return f"{func_str}\n\n{func_name}({func_args})\n"


def call_line(script: str, func_name: str) -> int:
    """The 1-based line of the final call in `code_to_run`."""
    return script[: script.rindex(f"\n\n{func_name}(") + 2].count("\n") + 1


def names_word(name: str, text: str) -> bool:
    """Does `name` occur in `text` as a whole identifier (ExecVerify tests a substring)?"""
    return re.search(rf"(?<![\w]){re.escape(name)}(?![\w])", text) is not None
