"""Stage-3 prompt templates, as data: the complete-style converter and the solve prompt.

The solve prompt is shared by the reasoning-model SFT set and the RL set, so a
policy trained on one sees the same wording in the other. It names the function
declarations the tests import (KodCode appends them too): without them a correct
answer under another name would fail the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

STYLE_SYSTEM = "You are an expert Python programmer who turns coding questions into function-completion exercises."

STYLE_TEMPLATE = """Rewrite the coding question below as a Python function-completion exercise.

Question:
{question}

Write only the declaration{plural} below, each followed by a docstring that states the task,
the parameters, what is returned, and at least one example in doctest form (>>> call, then the result).
Keep the name{plural} and parameters exactly as given. Do NOT implement anything: no code after the docstring.

{declarations}

Answer with one ```python code block and nothing else."""

SOLVE_INSTRUCT = """{question}

Note that the {what} {declarations}. Your code should be wrapped in a markdown code block."""

SOLVE_COMPLETE = """Complete the following Python code so that it does what its docstring says:

```python
{stub}
```

Your code should be wrapped in a markdown code block."""


def _declarations(test_info: Sequence[Mapping[str, str]]) -> list[str]:
    return [info["function_declaration"].rstrip(":") for info in test_info if info.get("function_declaration")]


# One worked exchange before the real one: without it the 1.5B demo model implemented the
# function under its docstring in 6 of 6 conversions (all dropped as leaks); with it, none.
STYLE_EXAMPLE_QUESTION = (
    "Write a function that returns the largest even number in a list of integers, "
    "or None when there is none."
)
STYLE_EXAMPLE_ANSWER = '''```python
def largest_even(numbers):
    """Return the largest even number in `numbers`, or None when it has no even number.

    Args:
        numbers: a list of integers.

    Returns:
        The largest even integer in the list, or None.

    >>> largest_even([3, 8, 5, 2])
    8
    >>> largest_even([1, 3]) is None
    True
    """
```'''


def _style_request(question: str, declarations: Sequence[str]) -> str:
    return STYLE_TEMPLATE.format(
        question=question.strip(),
        plural="s" if len(declarations) > 1 else "",
        declarations="\n".join(f"{d}:" for d in declarations),
    )


def style_messages(question: str, test_info: Sequence[Mapping[str, str]]) -> tuple[dict, ...]:
    """The chat asking the style converter for a signature + docstring stub of each tested
    function, after one worked example of the exchange."""
    example = _style_request(STYLE_EXAMPLE_QUESTION, ["def largest_even(numbers)"])
    return (
        {"role": "system", "content": STYLE_SYSTEM},
        {"role": "user", "content": example},
        {"role": "assistant", "content": STYLE_EXAMPLE_ANSWER},
        {"role": "user", "content": _style_request(question, _declarations(test_info))},
    )


def solve_messages(question: str, style: str, test_info: Sequence[Mapping[str, str]]) -> tuple[dict, ...]:
    """The user turn a solver (reasoning model, RL policy) answers, for either question style."""
    if style == "complete":
        return ({"role": "user", "content": SOLVE_COMPLETE.format(stub=question.strip())},)
    declarations = _declarations(test_info)
    if not declarations:
        return ({"role": "user", "content": f"{question.strip()}\n\nYour code should be wrapped in a markdown code block."},)
    what = "function declaration is" if len(declarations) == 1 else "declarations are"
    joined = ", ".join(f"`{d}`" for d in declarations)
    return ({"role": "user", "content": SOLVE_INSTRUCT.format(question=question.strip(), what=what, declarations=joined)},)
