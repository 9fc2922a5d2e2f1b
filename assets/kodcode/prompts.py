"""KodCode's prompt templates, as data, and the pure functions that fill them.

Every question prompt asks for the question between `<|Question Begin|>` and
`<|Question End|>`; snippet and docs modes first analyse, and docs may abstain
with `<|Abstain|>`. The trial prompt asks for a solution and pytest tests in
tagged blocks, with tests importing from `solution` (KodCode's layout).

The complete-style converter rewrites a question as declarations with docstrings. The
solve prompt is shared by the reasoning-model SFT set and the RL set, so a policy trained
on one sees the same wording in the other. It names the function declarations the tests
import (KodCode appends them too): without them a correct answer under another name would
fail the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

SYSTEM = "You are an expert Python programmer who writes clear, self-contained coding exercises."

QUESTION_FORMAT = (
    "Write only the new question between <|Question Begin|> and <|Question End|>. "
    "The question must be self-contained, ask for a Python function with a clear name, "
    "state the input and output, and contain no solution."
)

PLATFORM_STYLE = {
    "leetcode": "a LeetCode-style problem: a function signature, constraints and two examples",
    "codeforces": "a Codeforces-style problem turned into a Python function (no stdin/stdout)",
    "apps": "an APPS-style programming problem turned into a Python function",
    "taco": "a TACO-style algorithmic problem turned into a Python function",
    "code_contests": "a programming-contest problem turned into a Python function",
}

QUESTION_TEMPLATE = """Here is an example of {style}, for reference only:

<example>
{question}
</example>

Create one NEW question of the same kind and difficulty about a different problem.
Do not restate or copy the example. {format}"""

PACKAGE_TEMPLATE = """Create one coding question that tests practical use of the Python package `{package}`.
{doc_block}The task must be solvable with `{package}` in a single function and checkable by unit tests. {format}"""

EVOL_TEMPLATE = """Here are example coding questions:

{examples}

Rewrite the following question into a NEW, harder question that needs more careful reasoning
(add a constraint, a twist or an extra requirement) while staying solvable in one Python function:

{question}

{format}"""

SNIPPET_TEMPLATE = """Here is a code snippet about {what}:

```python
{code}
```

First analyse the key idea of the snippet between <|Analysis Begin|> and <|Analysis End|>.
Then write a coding question that tests understanding of that idea (do not copy the snippet).
{format}"""

DOCS_TEMPLATE = """Here is a piece of documentation:

{doc}

First analyse whether it describes behaviour that can be tested with a Python function,
between <|Analysis Begin|> and <|Analysis End|>. If it cannot, answer only <|Abstain|>.
Otherwise write a coding question about it. {format}"""

PREFILL_TEMPLATE = """Complete the coding question that begins with: "{prefix}"
The full question must start with exactly those words. {format}"""

TRIAL_TEMPLATE = """{question}

Write a correct Python solution and pytest unit tests for it.
Answer in exactly this format:
<|Solution Begin|>
```python
# the solution: functions only, no input() and no prints
```
<|Solution End|>
<|Test Begin|>
```python
from solution import <the function names>

def test_...():
    assert ...
```
<|Test End|>
The tests import from the module `solution`, use plain asserts, and cover normal and edge cases."""


def _chat(user: str) -> tuple[dict, ...]:
    return ({"role": "system", "content": SYSTEM}, {"role": "user", "content": user})


def question_messages(seed: dict, examples: Sequence[str] = ()) -> tuple[dict, ...]:
    """The chat that asks for a new question from one seed line (already validated)."""
    mode = seed["mode"]
    if mode in PLATFORM_STYLE:
        user = QUESTION_TEMPLATE.format(
            style=PLATFORM_STYLE[mode], question=seed["question"].strip(), format=QUESTION_FORMAT
        )
    elif mode == "package":
        doc = (seed.get("doc") or "").strip()
        doc_block = f"Relevant documentation:\n{doc}\n\n" if doc else ""
        user = PACKAGE_TEMPLATE.format(
            package=seed["package"], doc_block=doc_block, format=QUESTION_FORMAT
        )
    elif mode == "evol":
        shown = (
            "\n\n".join(f"Example {i + 1}:\n{q.strip()}" for i, q in enumerate(examples))
            or "(none)"
        )
        user = EVOL_TEMPLATE.format(
            examples=shown, question=seed["question"].strip(), format=QUESTION_FORMAT
        )
    elif mode in ("algorithm", "data_structure"):
        what = seed.get("name") or ("an algorithm" if mode == "algorithm" else "a data structure")
        user = SNIPPET_TEMPLATE.format(what=what, code=seed["code"].strip(), format=QUESTION_FORMAT)
    elif mode == "docs":
        user = DOCS_TEMPLATE.format(doc=seed["doc"].strip(), format=QUESTION_FORMAT)
    elif mode == "prefill":
        user = PREFILL_TEMPLATE.format(prefix=seed["prefix"].strip(), format=QUESTION_FORMAT)
    else:
        raise ValueError(f"unknown KodCode mode {mode!r}")
    return _chat(user)


def trial_messages(question: str) -> tuple[dict, ...]:
    """The chat that asks for one solution + tests trial."""
    return _chat(TRIAL_TEMPLATE.format(question=question.strip()))


# --- complete style and the solve prompt (SFT and RL) ---
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
    return [
        info["function_declaration"].rstrip(":")
        for info in test_info
        if info.get("function_declaration")
    ]


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


def solve_messages(
    question: str, style: str, test_info: Sequence[Mapping[str, str]]
) -> tuple[dict, ...]:
    """The user turn a solver (reasoning model, RL policy) answers, for either question style."""
    if style == "complete":
        return ({"role": "user", "content": SOLVE_COMPLETE.format(stub=question.strip())},)
    declarations = _declarations(test_info)
    if not declarations:
        return (
            {
                "role": "user",
                "content": f"{question.strip()}\n\nYour code should be wrapped in a markdown code block.",
            },
        )
    what = "function declaration is" if len(declarations) == 1 else "declarations are"
    joined = ", ".join(f"`{d}`" for d in declarations)
    return (
        {
            "role": "user",
            "content": SOLVE_INSTRUCT.format(
                question=question.strip(), what=what, declarations=joined
            ),
        },
    )
