"""Case2Code's own wording, read from a checkout of choosewhatulike/case2code (ASSAY_CASE2CODE_SRC).

Under the `original` profile every prompt Case2Code writes comes from its repository, not from
ours: the example-input prompt (`data_process.py`, class `WriteTestCase`), the evaluation's
argument-names suffix and chat wrapper (class `WriteTestCase_b`), and the template pools and
response line of `prompt_code_data.py`. Only the rules around them (draw order, rendering,
limits) are our code (see original_prompts.py).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from typing import Any

from assets.common.original_src import Checkout, MissingCheckout

CHECKOUT = Checkout(
    env="ASSAY_CASE2CODE_SRC",
    upstream="https://github.com/choosewhatulike/case2code",
    marker="data_process.py",
)
PROMPTS_FILE = "data_process.py"
COMPOSE_FILE = "prompt_code_data.py"
# The classes registered as `write_testcase` and `trace2code_test_baseline`.
WRITE_TESTCASE = "WriteTestCase"
EVAL_BASELINE = "WriteTestCase_b"


@dataclass(frozen=True)
class ExampleTemplate:
    """One entry of Case2Code's `example_templates`: a case's text, its separator, raw or call."""

    template: str
    sep: str
    style: str


@dataclass(frozen=True)
class Pools:
    """The template pools `prompt_code_data.py` draws a training prompt from."""

    instructions: tuple[str, ...]
    headers: tuple[str, ...]
    function_headers: tuple[str, ...]
    new_lines: tuple[str, ...]
    example_templates: tuple[ExampleTemplate, ...]
    response: str  # the target: the function in a python block, `{code}` to fill


def write_testcase_prompt() -> str:
    """The example-input prompt (`{code}` to fill with `str.format`)."""
    return CHECKOUT.assigned(PROMPTS_FILE, "PROMPT", owner=WRITE_TESTCASE).text


def eval_prompts() -> tuple[str, str]:
    """The evaluation's suffix template (`{prompt}`, `{func_name}`) and its chat wrapper (`{prompt}`)."""
    return (
        CHECKOUT.assigned(PROMPTS_FILE, "PROMPT", owner=EVAL_BASELINE).text,
        CHECKOUT.assigned(PROMPTS_FILE, "meta_prompt", owner=EVAL_BASELINE).text,
    )


def pools() -> Pools:
    return _pools(str(CHECKOUT.root()))


@cache
def _pools(root: str) -> Pools:
    del root  # the cache key: another checkout reads afresh
    source = ast.parse(CHECKOUT.read(COMPOSE_FILE))
    values = _module_literals(source)
    responses = [
        t.text
        for t in CHECKOUT.strings(COMPOSE_FILE, "main")
        if not t.fields and "{code}" in t.text
    ]
    if len(responses) != 1:
        raise MissingCheckout(
            f"{CHECKOUT.env}: {COMPOSE_FILE}:main has no single response template"
        )
    return Pools(
        instructions=tuple(values["instruction_templates"]),
        headers=tuple(values["header_templates"]),
        function_headers=tuple(values["function_header_templates"]),
        new_lines=tuple(values["new_lines"]),
        example_templates=tuple(
            ExampleTemplate(d["template"], d["sep"], d["style"])
            for d in values["example_templates"]
        ),
        response=responses[0],
    )


def _module_literals(tree: ast.Module) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue
    needed = (
        "instruction_templates",
        "header_templates",
        "function_header_templates",
        "new_lines",
        "example_templates",
    )
    missing = [n for n in needed if n not in out]
    if missing:
        raise MissingCheckout(f"{CHECKOUT.env}: {COMPOSE_FILE} assigns no literal {missing}")
    return out
