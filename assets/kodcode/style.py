"""Complete-style questions: parse the converter's stub, reject leaks, and build the re-verification code.

A complete-style question is the tested functions' signatures with docstrings and
no bodies. KodCode reuses the instruct item's solution and tests for it without
checking that they still fit; here the solution is re-run under the stub's
signature (`graft`), so a stub that renamed, reordered or re-defaulted a
parameter (or forgot an import its annotations need) is caught in the sandbox.
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Sequence
from dataclasses import dataclass

from assets.common.parsing import code_blocks, strip_reasoning

# Solution lines shorter than this ("return total", "for x in xs:") are too common to count as a leak.
MIN_LEAK_LINE_CHARS = 16
_WS = re.compile(r"\s+")


@dataclass(frozen=True)
class StubCheck:
    """The stub when it is usable, else the reason it is dropped (and a detail for people)."""

    stub: str | None
    drop_reason: str | None
    detail: str = ""
    has_examples: bool = False


def stub_code(answer: str, names: Sequence[str] = ()) -> str | None:
    """The converter's stub: the last Python block declaring a tested name, else its last block,
    else the bare answer if it parses."""
    answer = strip_reasoning(answer)
    blocks = [b.strip() for b in code_blocks(answer) if b.strip()]
    for block in reversed(blocks):
        try:
            declared = _declared(ast.parse(block))
        except SyntaxError:
            continue
        if set(names) & set(declared):
            return block
    if blocks:
        return blocks[-1]
    try:
        ast.parse(answer)
    except SyntaxError:
        return None
    return answer.strip() or None


def _is_doc_or_pass(node: ast.stmt) -> bool:
    if isinstance(node, ast.Pass):
        return True
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and (isinstance(node.value.value, str) or node.value.value is Ellipsis)
    )


def _body_statements(node: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.stmt]:
    """A def's statements after its docstring."""
    body = list(node.body)
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body = body[1:]
    return body


def _implemented(stub_tree: ast.Module) -> str | None:
    """The first def in the stub that has code after its docstring, or a top-level statement that is code."""
    for node in stub_tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)) or _is_doc_or_pass(node):
            continue
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if not all(_is_doc_or_pass(s) for s in node.body):
                return node.name
            continue
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    if not all(_is_doc_or_pass(s) for s in item.body):
                        return f"{node.name}.{item.name}"
                elif not _is_doc_or_pass(item) and not isinstance(item, ast.AnnAssign):
                    return node.name
            continue
        return type(node).__name__
    return None


def _normalize(text: str) -> str:
    return _WS.sub(" ", text.replace('"', "'")).strip()


def solution_lines(solution: str, names: Sequence[str]) -> list[str]:
    """Normalized source lines of the tested defs' bodies (docstrings excluded), long enough to be telling."""
    tree = ast.parse(solution)
    lines: list[str] = []
    for node in _tested_defs(tree, names):
        for stmt in _body_statements(node):
            for line in (ast.get_source_segment(solution, stmt) or ast.unparse(stmt)).splitlines():
                norm = _normalize(line)
                if len(norm) >= MIN_LEAK_LINE_CHARS and norm not in lines:
                    lines.append(norm)
    return lines


def _tested_defs(
    tree: ast.Module, names: Sequence[str]
) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    defs: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            defs.append(node)
        elif isinstance(node, ast.ClassDef) and node.name in names:
            defs += [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
    return defs


def leaked_lines(stub: str, solution: str, names: Sequence[str]) -> tuple[int, int]:
    """(solution body lines found verbatim in the stub, solution body lines considered)."""
    lines = solution_lines(solution, names)
    text = _normalize(stub)
    return sum(1 for line in lines if line in text), len(lines)


def _declared(tree: ast.Module) -> dict[str, ast.AST]:
    return {
        n.name: n
        for n in tree.body
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }


def check_stub(stub: str | None, solution: str, tested_names: Sequence[str]) -> StubCheck:
    """Is `stub` a usable complete-style question for this solution? The first failed rule names the drop."""
    if not stub:
        return StubCheck(None, "no_stub")
    try:
        tree = ast.parse(stub)
    except SyntaxError as exc:
        return StubCheck(None, "stub_syntax_error", f"line {exc.lineno}: {exc.msg}")
    if _normalize(stub) == _normalize(solution):
        return StubCheck(None, "leaks_solution_body", "the stub is the solution")
    implemented = _implemented(tree)
    if implemented:
        return StubCheck(None, "leaks_solution_body", f"{implemented} has code after its docstring")
    declared = _declared(tree)
    missing = [n for n in tested_names if n not in declared]
    if missing:
        return StubCheck(None, "stub_missing_function", ", ".join(missing))
    undocumented = [n for n in tested_names if not _documented(declared[n])]
    if undocumented:
        return StubCheck(None, "no_docstring", ", ".join(undocumented))
    found, total = leaked_lines(stub, solution, tested_names)
    if found and (found >= 2 or found / total >= 0.5):
        return StubCheck(
            None, "leaks_solution_lines", f"{found} of {total} solution lines appear in the stub"
        )
    return StubCheck(
        stub.strip() + "\n", None, has_examples=">>>" in stub or "example" in stub.lower()
    )


def _documented(node: ast.AST) -> bool:
    if ast.get_docstring(node):  # type: ignore[arg-type]
        return True
    if isinstance(node, ast.ClassDef):
        return any(
            ast.get_docstring(m)
            for m in node.body
            if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
        )
    return False


def graft(solution: str, stub: str) -> str:
    """The solution with each stub-declared def taking the stub's signature (and the stub's imports first).

    This is what a correct completion of the stub looks like: the stub's
    parameters and defaults around the original body. Running the tests on it
    re-verifies the complete-style item.
    """
    sol_tree = ast.parse(solution)
    stub_tree = ast.parse(stub)
    stub_defs = _declared(stub_tree)
    new_body: list[ast.stmt] = []
    for node in sol_tree.body:
        target = stub_defs.get(getattr(node, "name", ""))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and isinstance(
            target, (ast.FunctionDef, ast.AsyncFunctionDef)
        ):
            node = _with_signature(node, target)
        elif isinstance(node, ast.ClassDef) and isinstance(target, ast.ClassDef):
            methods = {
                m.name: m
                for m in target.body
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef))
            }
            node = copy.deepcopy(node)
            node.body = [
                _with_signature(m, methods[m.name])
                if isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)) and m.name in methods
                else m
                for m in node.body
            ]
        new_body.append(node)
    imports = [
        n
        for n in stub_tree.body
        if isinstance(n, (ast.Import, ast.ImportFrom))
        and getattr(n, "module", None) != "__future__"
    ]
    head = 0
    while head < len(new_body) and (
        isinstance(new_body[head], ast.ImportFrom)
        and new_body[head].module == "__future__"
        or (head == 0 and _is_doc_or_pass(new_body[head]))
    ):
        head += 1
    module = ast.Module(body=new_body[:head] + imports + new_body[head:], type_ignores=[])
    return ast.unparse(ast.fix_missing_locations(module)) + "\n"


def _with_signature(
    node: ast.FunctionDef | ast.AsyncFunctionDef, stub: ast.FunctionDef | ast.AsyncFunctionDef
):
    grafted = copy.deepcopy(node)
    grafted.args = copy.deepcopy(stub.args)
    grafted.returns = copy.deepcopy(stub.returns)
    return grafted
