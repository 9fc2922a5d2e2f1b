"""An original repository's own wording, read from a checkout the user points to.

The originals' prompt text is not ours to ship (CodeI/O's and ExecVerify's repositories
carry no licence; we keep all four families alike), so under the `original` profile each
family reads its templates at run time from a checkout named by an environment variable
(`ASSAY_KODCODE_SRC`, `ASSAY_CODEIO_SRC`, `ASSAY_CASE2CODE_SRC`, `ASSAY_EXECVERIFY_SRC`).
Everything else (rules, parameters, schemas) is implemented in our code.

A template is a whole file (KodCode's `prompts/*.md`), a string assigned to a name
(`PROMPT = "..."` in a module or class), or a string literal of a function addressed by its
position among that function's literals. `load` executes one function or class of the
original's source (with the module's literal constants and the imports that succeed) so
the fidelity report can compare our rendering with the original's own builder.
"""

from __future__ import annotations

import ast
import contextlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any


class MissingCheckout(RuntimeError):
    """The `original` profile needs the original repository's wording and none was given."""


@dataclass(frozen=True)
class Template:
    """A string of the original's source: literal text and the expressions between."""

    parts: tuple[tuple[bool, str], ...]  # (is_expression, text or expression source)

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(text for is_expr, text in self.parts if is_expr)

    def render(self, values: dict[str, str] | None = None) -> str:
        """Fill an f-string template's expressions by their source text."""
        values = values or {}
        missing = [f for f in self.fields if f not in values]
        if missing:
            raise KeyError(f"template needs {missing}")
        return "".join(values[text] if is_expr else text for is_expr, text in self.parts)

    @property
    def text(self) -> str:
        """A plain string's text (for templates the original fills with .format or replace)."""
        if self.fields:
            raise ValueError(f"template has fields {self.fields}")
        return self.render()


def template_of(node: ast.AST) -> Template:
    """A string constant or f-string node as a Template."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return Template(((False, node.value),))
    if not isinstance(node, ast.JoinedStr):
        raise TypeError(f"not a string literal: {ast.unparse(node)[:80]}")
    parts: list[tuple[bool, str]] = []
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append((False, value.value))
        else:
            assert isinstance(value, ast.FormattedValue)
            if value.conversion != -1 or value.format_spec is not None:
                raise ValueError("conversions and format specs are not supported in templates")
            parts.append((True, ast.unparse(value.value)))
    return Template(tuple(parts))


@cache
def _parse(path: str) -> ast.Module:
    return ast.parse(Path(path).read_text(encoding="utf-8"), filename=path)


@dataclass(frozen=True)
class Checkout:
    """Where one original repository's checkout is found, and how to read it."""

    env: str  # e.g. ASSAY_KODCODE_SRC
    upstream: str  # e.g. https://github.com/KodCode-AI/kodcode
    marker: str  # a file every checkout has, e.g. pipeline/step1.1_gen_questions.py

    def root(self) -> Path:
        """The checkout named by the environment variable, or an error that says how to get one."""
        value = os.environ.get(self.env)
        if not value:
            raise MissingCheckout(
                f"the `original` profile reads the original prompt wording from a checkout: "
                f"git clone {self.upstream} and set {self.env} to its path"
            )
        root = Path(value).expanduser()
        if not (root / self.marker).is_file():
            raise MissingCheckout(
                f"{self.env}={value} is not a checkout of {self.upstream} (no {self.marker})"
            )
        return root

    def available(self) -> bool:
        try:
            self.root()
        except MissingCheckout:
            return False
        return True

    def path(self, relpath: str) -> Path:
        path = self.root() / relpath
        if not path.is_file():
            raise MissingCheckout(f"{self.env}: {relpath} is missing from the checkout")
        return path

    def read(self, relpath: str) -> str:
        """A whole file (e.g. a Markdown prompt template)."""
        return self.path(relpath).read_text(encoding="utf-8")

    def _module(self, relpath: str) -> ast.Module:
        return _parse(str(self.path(relpath)))

    def function(self, relpath: str, name: str) -> ast.FunctionDef:
        """A function's syntax tree (for rules read from its code, e.g. a literal argument)."""
        for node in ast.walk(self._module(relpath)):
            if isinstance(node, ast.FunctionDef) and node.name == name:
                return node
        raise MissingCheckout(f"{self.env}: {relpath} has no function {name!r}")

    def strings(self, relpath: str, function: str) -> list[Template]:
        """A function's string literals in source order (docstring and f-string pieces excluded)."""
        fn = self.function(relpath, function)
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
        return [template_of(n) for n in kept]

    def string(self, relpath: str, function: str, index: int) -> Template:
        return self.strings(relpath, function)[index]

    def call_argument(self, relpath: str, function: str, callee: str, position: int) -> str:
        """The literal string passed as argument `position` to `callee(...)` inside `function`."""
        for node in ast.walk(self.function(relpath, function)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == callee:
                arg = node.args[position]
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    return arg.value
        raise MissingCheckout(
            f"{self.env}: {relpath}:{function} has no {callee}(...) with a literal argument "
            f"{position}"
        )

    def literal(self, relpath: str, function: str, name: str) -> Any:
        """The literal value (list, dict, number...) assigned to `name` inside `function`."""
        for node in ast.walk(self.function(relpath, function)):
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == name for t in node.targets
            ):
                return ast.literal_eval(node.value)
        raise MissingCheckout(f"{self.env}: {relpath}:{function} assigns no literal {name!r}")

    def assigned(self, relpath: str, name: str, owner: str | None = None) -> Template:
        """The string assigned to `name` at module level, or in class `owner`."""
        body: list[ast.stmt] = self._module(relpath).body
        if owner is not None:
            classes = [n for n in body if isinstance(n, ast.ClassDef) and n.name == owner]
            if not classes:
                raise MissingCheckout(f"{self.env}: {relpath} has no class {owner!r}")
            body = classes[0].body
        for node in body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                return template_of(node.value)
        where = f"class {owner!r}" if owner else "module level"
        raise MissingCheckout(f"{self.env}: {relpath} assigns no string {name!r} at {where}")

    def load(
        self, relpath: str, name: str, extra_globals: dict[str, Any] | None = None
    ) -> Callable[..., Any]:
        """One function or class of the original's source, executed apart from its module.

        The namespace holds the module's imports that succeed here, its top-level literal
        assignments and functions (so helpers it calls resolve), then `extra_globals`. Used
        by the fidelity report and tests to render with the original's own builder.
        """
        tree = self._module(relpath)
        namespace: dict[str, Any] = {"__name__": f"original:{relpath}"}
        kinds = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign)
        for node in tree.body:
            if isinstance(node, kinds):
                code = compile(ast.Module([node], []), relpath, "exec")
                # An import or constant the original needs and we lack is left out.
                with contextlib.suppress(Exception):
                    exec(code, namespace)  # noqa: S102 - the report runs the original's own builder
        namespace.update(extra_globals or {})
        if name not in namespace or not callable(namespace[name]):
            raise MissingCheckout(f"{self.env}: {relpath} defines no {name!r}")
        return namespace[name]
