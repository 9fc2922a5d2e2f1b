"""Turning an item's cases into one Case2Code prompt, with every choice drawn from a seeded RNG.

Arguments are shown positionally only when that binds the same way as the
keywords (the names are a prefix of the function's positional parameters), so
a shown case always means what was run.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from assets.case2code.case_results import EXCEPTION, NO_RESULT, CaseResult
from assets.case2code.examples import Example
from assets.case2code.prompts import (
    CASE_HEADERS,
    CASE_TEMPLATES,
    EVAL_FUNCTION_HEADER,
    EVAL_INSTRUCTION,
    EVAL_TEMPLATE,
    FUNCTION_HEADERS,
    INSTRUCTIONS,
    SEPARATORS,
    CaseTemplate,
)


@dataclass(frozen=True)
class ComposedPrompt:
    prompt: str
    shown: tuple[int, ...]  # indices into the item's examples, in the order shown
    template: str
    input_styles: tuple[str, ...]  # per shown case: keyword, positional, named (k:v) or dict


def render_input(example: Example, style: str) -> str:
    """One example's arguments as `a=1, b=2` (keyword), `1, 2` (positional), `a:1, b:2` (named) or `dict(a=1, b=2)`."""
    if style == "positional":
        body = ", ".join(v for _, v in example.args)
    elif style == "named":
        body = ", ".join(f"{k}:{v}" for k, v in example.args)
    elif style in ("keyword", "dict"):
        body = ", ".join(f"{k}={v}" for k, v in example.args)
    else:
        raise ValueError(f"unknown input style {style!r}")
    if style == "dict":
        return f"dict({body})"
    return body


def _input_for(
    template: CaseTemplate,
    example: Example,
    positional_ok: bool,
    func_name: str,
    rng: random.Random,
) -> tuple[str, str]:
    if template.style == "call":
        style = "positional" if positional_ok and rng.random() < 0.5 else "keyword"
        return f"{func_name}({render_input(example, style)})", style
    draw = rng.random()
    if draw < 0.33:
        style = "named"
    elif draw < 0.66 and positional_ok:
        style = "positional"
    else:
        style = "dict"
    return render_input(example, style), style


def usable_indices(results: Sequence[CaseResult], with_exceptions: bool) -> list[int]:
    """Cases a prompt may show: never ones without a result; exceptions only where the template can say so."""
    return [
        i
        for i, r in enumerate(results)
        if r.kind != NO_RESULT and (with_exceptions or r.kind != EXCEPTION)
    ]


def draw_shown(
    pool: list[int], rng: random.Random, min_shown: int, max_shown: int | None
) -> list[int]:
    """Case2Code's draw of which cases a prompt shows: between min and max of them, in random order.

    Shuffles `pool` in place (the draws of the original, in its order, so prompts reproduce).
    """
    upper = (
        len(pool)
        if max_shown is None
        else max(min(max_shown, len(pool)), min(min_shown, len(pool)))
    )
    count = len(pool) if len(pool) <= min_shown else rng.randint(min_shown, upper)
    rng.shuffle(pool)
    return pool[:count]


def compose_prompt(
    func_name: str,
    examples: Sequence[Example],
    results: Sequence[CaseResult],
    positional_ok: Sequence[bool],
    rng: random.Random,
    min_shown: int = 3,
    max_shown: int | None = None,
    header_p: float = 0.8,
    function_header_p: float = 0.8,
) -> ComposedPrompt:
    """A training prompt: random template, random subset (at least `min_shown`, or all if fewer), shuffled parts."""
    if len(examples) != len(results) or len(examples) != len(positional_ok):
        raise ValueError("examples, results and positional_ok must have the same length")
    template = rng.choice(CASE_TEMPLATES)
    pool = usable_indices(results, template.shows_exceptions)
    if len(pool) < min(min_shown, len(usable_indices(results, True))):
        template = rng.choice([t for t in CASE_TEMPLATES if t.shows_exceptions])
        pool = usable_indices(results, True)
    if not pool:
        raise ValueError(f"{func_name}: no case with a result to show")
    shown = draw_shown(pool, rng, min_shown, max_shown)

    instruction = rng.choice(INSTRUCTIONS)
    header = rng.choice(CASE_HEADERS) if rng.random() < header_p else ""
    # Raw cases never name the function, so the function line is kept for them.
    keep_function = template.style == "raw" or rng.random() < function_header_p
    function_header = rng.choice(FUNCTION_HEADERS).format(name=func_name) if keep_function else ""

    cases, styles = [], []
    for i in shown:
        text, style = _input_for(template, examples[i], positional_ok[i], func_name, rng)
        cases.append(template.template.format(input=text, output=results[i].shown()) + template.sep)
        styles.append(style)
    block = header + "".join(cases)
    parts = [instruction, function_header, block] if function_header else [instruction, block]
    rng.shuffle(parts)
    prompt = "".join(part + rng.choice(SEPARATORS) for part in parts)
    return ComposedPrompt(
        prompt=prompt, shown=tuple(shown), template=template.name, input_styles=tuple(styles)
    )


def compose_eval_prompt(
    func_name: str,
    examples: Sequence[Example],
    results: Sequence[CaseResult],
    rng: random.Random,
    min_shown: int = 3,
    max_shown: int | None = 6,
) -> ComposedPrompt:
    """A test-set prompt in the one fixed format Case2Code evaluates with; only the subset is drawn."""
    pool = usable_indices(results, True)
    if not pool:
        raise ValueError(f"{func_name}: no case with a result to show")
    shown = draw_shown(pool, rng, min_shown, max_shown)
    cases = "".join(
        EVAL_TEMPLATE.template.format(
            input=render_input(examples[i], "dict"), output=results[i].shown()
        )
        + EVAL_TEMPLATE.sep
        for i in shown
    )
    prompt = f"{EVAL_FUNCTION_HEADER.format(name=func_name)}\n{EVAL_INSTRUCTION}\n\n{cases}\n"
    return ComposedPrompt(
        prompt=prompt,
        shown=tuple(shown),
        template=EVAL_TEMPLATE.name,
        input_styles=("dict",) * len(shown),
    )
