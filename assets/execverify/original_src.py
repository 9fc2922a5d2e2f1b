"""ExecVerify's own wording, read from a checkout the user points to (`ASSAY_EXECVERIFY_SRC`).

ExecVerify's repository has no licence, so assay does not ship its prompt and question
text. Under the `original` rules the templates are read here from the checkout's
`data/*.py`: each is a string literal (or f-string) of a named function, addressed by its
position among that function's string literals. The algorithms that put them together
are ours (see prompts.py and whitebox.py); only the words come from the checkout.
"""

from __future__ import annotations

import ast
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ENV = "ASSAY_EXECVERIFY_SRC"
UPSTREAM = "https://github.com/justForAnonymous/ExecVerify"


class MissingCheckout(RuntimeError):
    """The `original` rules need ExecVerify's wording and no checkout was given."""


def checkout() -> Path:
    """The ExecVerify checkout named by ASSAY_EXECVERIFY_SRC, or a clear error."""
    value = os.environ.get(ENV)
    if not value:
        raise MissingCheckout(
            f"the `original` rules read ExecVerify's prompt wording from a checkout: "
            f"git clone {UPSTREAM} and set {ENV} to its path"
        )
    root = Path(value).expanduser()
    if not (root / "data" / "extract_trace_dataset.py").is_file():
        raise MissingCheckout(
            f"{ENV}={value} is not an ExecVerify checkout (no data/extract_trace_dataset.py)"
        )
    return root


@dataclass(frozen=True)
class Template:
    """A string literal of ExecVerify's source: literal text and the expressions between."""

    parts: tuple[tuple[bool, str], ...]  # (is_expression, text or expression source)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(text for is_expr, text in self.parts if is_expr)

    def render(self, values: dict[str, str] | None = None) -> str:
        values = values or {}
        missing = [f for f in self.fields if f not in values]
        if missing:
            raise KeyError(f"template needs {missing}")
        return "".join(values[text] if is_expr else text for is_expr, text in self.parts)

    @property
    def text(self) -> str:
        if self.fields:
            raise ValueError(f"template has fields {self.fields}")
        return self.render()


def _template(node: ast.AST) -> Template:
    if isinstance(node, ast.Constant):
        return Template(((False, node.value),))
    assert isinstance(node, ast.JoinedStr)
    parts: list[tuple[bool, str]] = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append((False, value.value))
        else:
            assert isinstance(value, ast.FormattedValue)
            if value.conversion != -1 or value.format_spec is not None:
                raise ValueError(
                    "conversions and format specs are not used by ExecVerify's templates"
                )
            parts.append((True, ast.unparse(value.value)))
    return Template(tuple(parts))


@cache
def _module(relpath: str, root: str) -> ast.Module:
    return ast.parse((Path(root) / relpath).read_text(encoding="utf-8"))


def _function(relpath: str, name: str) -> ast.FunctionDef:
    tree = _module(relpath, str(checkout()))
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    raise MissingCheckout(
        f"{relpath} has no function {name!r}: not the ExecVerify checkout assay reads"
    )


def strings(relpath: str, function: str) -> list[Template]:
    """The string literals of a function in source order (docstring and f-string pieces excluded)."""
    fn = _function(relpath, function)
    inner: set[int] = set()
    found: list[ast.AST] = []
    for node in ast.walk(fn):
        if isinstance(node, ast.JoinedStr):
            inner.update(id(v) for v in node.values)
            found.append(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.append(node)
    doc = fn.body[0].value if fn.body and isinstance(fn.body[0], ast.Expr) else None
    kept = [n for n in found if id(n) not in inner and n is not doc]
    kept.sort(key=lambda n: (n.lineno, n.col_offset))
    return [_template(n) for n in kept]


def string(relpath: str, function: str, index: int) -> Template:
    return strings(relpath, function)[index]
