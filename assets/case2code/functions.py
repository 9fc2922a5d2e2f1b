"""Raw functions from seed files: what is called, with which parameters.

Case2Code seeds are bare functions (`content`) plus the imports they need
(`import_code`). We read them with `ast` only; nothing here runs them.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass


@dataclass(frozen=True)
class Signature:
    """The parameters an example's keyword dict must fit."""

    positional: tuple[str, ...]  # positional-or-keyword parameters, in order
    required: frozenset[str]  # parameters without a default (keyword-only included)
    keyword_only: tuple[str, ...]
    var_keyword: bool  # **kwargs accepts any extra name
    positional_only: tuple[str, ...] = ()  # cannot be passed by keyword

    @property
    def names(self) -> frozenset[str]:
        return frozenset(self.positional) | frozenset(self.keyword_only)

    def misfit(self, keys: list[str]) -> str | None:
        """Why a call with these keyword names cannot bind, or None when it can."""
        if self.positional_only:
            return f"positional-only parameters: {', '.join(self.positional_only)}"
        unknown = [k for k in keys if k not in self.names]
        if unknown and not self.var_keyword:
            return f"unknown argument: {', '.join(unknown)}"
        missing = sorted(self.required - set(keys))
        if missing:
            return f"missing required argument: {', '.join(missing)}"
        return None

    def positional_order(self, keys: list[str]) -> bool:
        """True when the keys are a prefix of the positional parameters, so a positional call means the same."""
        return list(keys) == list(self.positional[: len(keys)])


@dataclass(frozen=True)
class FunctionInfo:
    name: str
    signature: Signature


class FunctionSourceError(ValueError):
    """The seed's `content` is not a usable Python function."""


def signature_of(node: ast.FunctionDef) -> Signature:
    args = node.args
    positional = [a.arg for a in args.args]
    defaults_from = len(positional) - len(args.defaults)
    required = {name for i, name in enumerate(positional) if i < defaults_from}
    keyword_only = [a.arg for a in args.kwonlyargs]
    required |= {a.arg for a, d in zip(args.kwonlyargs, args.kw_defaults) if d is None}
    posonly = [a.arg for a in args.posonlyargs]
    return Signature(
        positional=tuple(positional),
        required=frozenset(required),
        keyword_only=tuple(keyword_only),
        var_keyword=args.kwarg is not None,
        positional_only=tuple(posonly),
    )


def first_function(source: str) -> FunctionInfo:
    """The first top-level `def` in `source` (the one Case2Code calls), or FunctionSourceError."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise FunctionSourceError(f"syntax error at line {exc.lineno}: {exc.msg}") from exc
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef):
            raise FunctionSourceError(
                f"{node.name} is async; calling it returns a coroutine, not a value"
            )
        if isinstance(node, ast.FunctionDef):
            return FunctionInfo(name=node.name, signature=signature_of(node))
    raise FunctionSourceError("no top-level function definition")


def program(imports: list[str], content: str) -> str:
    """The source the sandbox loads: the seed's imports, then its function."""
    head = "\n".join(line.rstrip() for line in imports if line and line.strip())
    return f"{head}\n\n{content.strip()}\n" if head else f"{content.strip()}\n"


def validate_seed(row: dict) -> str | None:
    """Seed-line validator: `id` and `content` strings, optional `import_code` list, a parsable function."""
    for name in ("id", "content"):
        if not isinstance(row.get(name), str) or not row[name].strip():
            return f"missing field: {name} (a non-empty string)"
    imports = row.get("import_code", [])
    if not isinstance(imports, list) or not all(isinstance(x, str) for x in imports):
        return "field 'import_code' should be a list of strings"
    try:
        first_function(row["content"])
    except FunctionSourceError as exc:
        return f"content: {exc}"
    return None
