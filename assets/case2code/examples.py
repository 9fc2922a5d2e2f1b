"""Example inputs written by a model, read with `ast` and never evaluated here.

The model answers with a Python block building `examples = [dict(a=1), …]`
(Case2Code also accepts `examples += […]`, `.append`, `.extend` and `{…}` dict
literals). Each example becomes ordered `(name, value source)` pairs. In strict
mode (the pipeline's default) every value must be a Python literal, re-rendered
with `repr` so it reads the same everywhere; the permissive mode (for
Case2Code-format test sets, whose `example_str` may build objects) keeps other
expressions as source and the statements around them as a preamble, both of
which only the sandbox ever evaluates.
"""

from __future__ import annotations

import ast
import json
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from assets.case2code.functions import FunctionInfo
from assets.case2code.retries import Attempted
from assets.common.parsing import code_blocks

EXAMPLES_NAME = "examples"
_BARE_START = re.compile(rf"^[ \t]*{EXAMPLES_NAME}\s*(=|\+=)", re.MULTILINE)
_MAX_REPAIR_LINES = 400


@dataclass(frozen=True)
class Example:
    """One call's keyword arguments: (name, Python source of the value), in written order."""

    args: tuple[tuple[str, str], ...]
    literal: bool = True

    @property
    def keys(self) -> list[str]:
        return [k for k, _ in self.args]

    def kwargs_py(self) -> str:
        """An expression that evaluates to the kwargs dict (a sandbox `inputs_py` entry)."""
        return "dict(" + ", ".join(f"{k}={v}" for k, v in self.args) + ")"

    def dict_repr(self) -> str:
        """`repr` of the kwargs dict (exact for literal values, which are stored as their repr)."""
        return "{" + ", ".join(f"{k!r}: {v}" for k, v in self.args) + "}"

    def as_row(self) -> list[dict[str, str]]:
        """The example as the `examples` column stores it (see schemas.EXAMPLES)."""
        return [{"name": k, "value_py": v} for k, v in self.args]

    @classmethod
    def from_row(cls, args: list[dict[str, str]], literal: bool = True) -> Example:
        return cls(args=tuple((a["name"], a["value_py"]) for a in args), literal=literal)


@dataclass
class ParsedExamples:
    """What one answer yielded: usable examples, why the rest were rejected, and any preamble."""

    examples: list[Example] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    preamble: str = ""
    repaired: bool = False
    error: str | None = None  # why nothing could be read at all

    def example_str(self) -> str:
        """The examples as a Case2Code `example_str` (preamble first), for test-set files."""
        return example_str(self.examples, self.preamble)


def example_str(examples: list[Example], preamble: str = "") -> str:
    body = "".join(f"    {ex.kwargs_py()},\n" for ex in examples)
    text = f"{EXAMPLES_NAME} = [\n{body}]"
    return f"{preamble.strip()}\n\n{text}" if preamble.strip() else text


def render_literal(node: ast.expr) -> str | None:
    """`repr` of a literal value when it round-trips exactly; None for anything else."""
    try:
        value = ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None
    text = repr(value)
    try:
        back = ast.literal_eval(text)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None  # inf, nan and friends print as names
    if type(back) is not type(value) or not _same(back, value):
        return None
    return text


def _same(a: object, b: object) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - exotic equality never makes a value unusable; treat as different
        return False


def _example_of(node: ast.expr, strict: bool) -> Example | str:
    """An Example from `dict(k=v, …)` or `{'k': v, …}`, else why not."""
    pairs: list[tuple[str, ast.expr]] = []
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "dict":
        if node.args or any(kw.arg is None for kw in node.keywords):
            return "bad dict: dict(...) with positional or ** arguments"
        pairs = [(kw.arg, kw.value) for kw in node.keywords if kw.arg is not None]
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if key is None:
                return "bad dict: ** unpacking"
            if not (
                isinstance(key, ast.Constant)
                and isinstance(key.value, str)
                and key.value.isidentifier()
            ):
                return "bad dict: a key is not an identifier string"
            pairs.append((key.value, value))
    else:
        return f"not a dict: {type(node).__name__}"
    names = [k for k, _ in pairs]
    if len(set(names)) != len(names):
        return "repeated argument name"
    rendered: list[tuple[str, str]] = []
    literal = True
    for name, value in pairs:
        text = render_literal(value)
        if text is None:
            if strict:
                return f"non-literal value: {name}={_short(ast.unparse(value))}"
            text, literal = ast.unparse(value), False
        rendered.append((name, text))
    return Example(args=tuple(rendered), literal=literal)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _elements(stmt: ast.stmt) -> list[ast.expr] | None:
    """The list elements a statement adds to `examples`, or None when it does not touch it."""

    def is_examples(node: ast.expr) -> bool:
        return isinstance(node, ast.Name) and node.id == EXAMPLES_NAME

    def seq(node: ast.expr) -> list[ast.expr]:
        return list(node.elts) if isinstance(node, (ast.List, ast.Tuple)) else []

    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and is_examples(stmt.targets[0]):
        return seq(stmt.value)
    if isinstance(stmt, ast.AnnAssign) and is_examples(stmt.target) and stmt.value is not None:
        return seq(stmt.value)
    if (
        isinstance(stmt, ast.AugAssign)
        and is_examples(stmt.target)
        and isinstance(stmt.op, ast.Add)
    ):
        return seq(stmt.value)
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
        func = stmt.value.func
        if (
            isinstance(func, ast.Attribute)
            and is_examples(func.value)
            and len(stmt.value.args) == 1
        ):
            if func.attr == "append":
                return [stmt.value.args[0]]
            if func.attr == "extend":
                return seq(stmt.value.args[0])
    return None


def _parse_module(source: str, repair: bool = True) -> tuple[ast.Module | None, bool]:
    """Parse `source`; if it was cut off (max_tokens), retry with trailing lines dropped and the list closed."""
    try:
        return ast.parse(source), False
    except SyntaxError:
        if not repair:
            return None, False
    except (ValueError, MemoryError, RecursionError):
        return None, False
    lines = source.rstrip().splitlines()
    for end in range(len(lines), max(0, len(lines) - _MAX_REPAIR_LINES), -1):
        candidate = "\n".join(lines[:end]).rstrip().rstrip(",")
        for closer in ("\n]", ",\n]", ""):
            try:
                return ast.parse(candidate + closer), True
            except (SyntaxError, ValueError, MemoryError, RecursionError):
                continue
    return None, False


def parse_example_source(
    source: str,
    strict: bool = True,
    max_examples: int | None = None,
    dedupe: bool = True,
    repair: bool = True,
) -> ParsedExamples:
    """Examples from Python source that builds `examples`; other statements become the preamble.

    `dedupe` drops repeated examples (asking the model for different ones); test sets keep them.
    `repair` closes a list cut off by max_tokens.
    """
    out = ParsedExamples()
    tree, out.repaired = _parse_module(source, repair)
    if tree is None:
        out.error = "examples block is not valid Python"
        return out
    preamble: list[str] = []
    touched = False
    seen: set[str] = set()
    for stmt in tree.body:
        elements = _elements(stmt)
        if elements is None:
            preamble.append(ast.unparse(stmt))
            continue
        touched = True
        for node in elements:
            example = _example_of(node, strict)
            if isinstance(example, str):
                out.rejected.append(example)
            elif dedupe and example.kwargs_py() in seen:
                out.rejected.append("duplicate example")
            elif max_examples is not None and len(out.examples) >= max_examples:
                out.rejected.append("beyond max_examples")
            else:
                seen.add(example.kwargs_py())
                out.examples.append(example)
    if not touched:
        out.error = f"no `{EXAMPLES_NAME} = [...]` assignment"
    if not strict:
        out.preamble = "\n".join(preamble)
    return out


def parse_examples_answer(
    text: str, strict: bool = True, max_examples: int | None = None
) -> ParsedExamples:
    """Examples from a model's answer: the last code block that builds `examples`, else the bare text."""
    text = text or ""
    candidates = [b for b in reversed(code_blocks(text, language="python")) if EXAMPLES_NAME in b]
    bare = _BARE_START.search(text)
    if not candidates and bare:  # no closed fence: an unfenced answer, or one cut off mid-block
        candidates = [text[bare.start() :].split("```")[0]]
    best: ParsedExamples | None = None
    for block in candidates:
        parsed = parse_example_source(block, strict=strict, max_examples=max_examples)
        if parsed.examples:
            return parsed
        best = best or parsed
    if best is None:
        best = ParsedExamples(error=f"no code block assigning `{EXAMPLES_NAME}`")
    return best


def case2code_input(example: Example) -> str:
    """Case2Code stores each input as `json.dumps(repr(kwargs))`; this is that encoding."""
    return json.dumps(example.dict_repr())


@dataclass
class ExampleVerdict:
    """What one answer gave: the usable examples and every rejected one's reason."""

    examples: list[Example] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    error: str | None = None  # set when no example is usable
    repaired: bool = False
    # Statements of the block besides building `examples`, run before the calls (Case2Code's reading).
    preamble: str = ""


def usable_examples(
    answer: str,
    function: FunctionInfo,
    strict: bool = True,
    check_signature: bool = True,
    max_examples: int = 10,
) -> ExampleVerdict:
    """Parse an answer and keep the examples that can bind to the function's parameters."""
    parsed = parse_examples_answer(answer, strict=strict)
    verdict = ExampleVerdict(
        rejected=Counter(_reason_key(r) for r in parsed.rejected), repaired=parsed.repaired
    )
    for example in parsed.examples:
        misfit = function.signature.misfit(example.keys) if check_signature else None
        if misfit:
            verdict.rejected[_reason_key(misfit)] += 1
        elif len(verdict.examples) >= max_examples:
            verdict.rejected["beyond max_examples"] += 1
        else:
            verdict.examples.append(example)
    if not verdict.examples:
        if parsed.error:
            verdict.error = parsed.error
        elif verdict.rejected:
            top = verdict.rejected.most_common(1)[0][0]
            verdict.error = (
                f"no usable example ({sum(verdict.rejected.values())} rejected, mostly: {top})"
            )
        else:
            verdict.error = "the examples list is empty"
    return verdict


def case2code_examples(source: str) -> ExampleVerdict:
    """Examples read as Case2Code reads them (`original`): the block runs as written, so every
    example it builds is kept, in order, repeats and misfits included (a misfit raises when
    called), values need not be literals, other statements run first; a block that does not
    parse yields nothing."""
    parsed = parse_example_source(source, strict=False, dedupe=False, repair=False)
    shape = _case2code_shape(source)
    if shape:
        return ExampleVerdict(error=shape)
    verdict = ExampleVerdict(
        examples=list(parsed.examples),
        rejected=Counter(_reason_key(r) for r in parsed.rejected),
        preamble=parsed.preamble,
    )
    if not verdict.examples:
        verdict.error = parsed.error or "the examples list is empty"
    return verdict


def _case2code_shape(source: str) -> str | None:
    """Why Case2Code would drop a block it can run: it shows the examples of the one
    `examples = [...]` statement only, and drops an item whose outputs outnumber them."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        return None  # parse_example_source reports it
    touching = [stmt for stmt in tree.body if _elements(stmt) is not None]
    if len(touching) > 1:
        return "examples built in several statements (Case2Code shows only the first)"
    if touching and not (
        isinstance(touching[0], ast.Assign) and isinstance(touching[0].value, ast.List)
    ):
        return "examples not assigned as one list (Case2Code reads none)"
    return None


def _reason_key(reason: str) -> str:
    """A countable reason: the category before any per-example detail."""
    return reason.split(":")[0].strip()


def examples_row(item: dict[str, Any], attempted: Attempted[ExampleVerdict]) -> dict[str, Any]:
    """The `case2code_example_inputs` row of a function after its last attempt: its usable
    examples, or why it has none."""
    examples = attempted.verdict.examples if attempted.verdict else []
    error = None
    if not examples:
        error = (
            f"llm: {attempted.llm_error}"
            if attempted.llm_error
            else (attempted.verdict.error if attempted.verdict else "no answer")
        )
    return {
        "function_id": item["function_id"],
        "partition": item["partition"],
        "func_name": item["func_name"],
        "code": item["code"],
        "attempts": attempted.attempts,
        "examples": [ex.as_row() for ex in examples],
        "n_examples": len(examples),
        "examples_error": error,
        "repaired": bool(attempted.verdict and attempted.verdict.repaired),
        "preamble": attempted.verdict.preamble if attempted.verdict and examples else "",
        "answer": attempted.answer,
    }
