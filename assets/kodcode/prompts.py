"""KodCode's prompts: the `assay` profile's templates, as data, the pure functions that
fill them, and the dispatch to the `original` profile's (original.py: KodCode's own
wording, read from its checkout, put together by its rules).

Every `assay` question prompt asks for the question between `<|Question Begin|>` and
`<|Question End|>`; snippet and docs modes first analyse, and docs may abstain
with `<|Abstain|>`. The trial prompt asks for a solution and pytest tests in
tagged blocks, with tests importing from `solution` (KodCode's layout).

The complete-style converter rewrites a question as declarations with docstrings. The
solve prompt is shared by the reasoning-model SFT set and the RL set, so a policy trained
on one sees the same wording in the other. It names the function declarations the tests
import (KodCode's pipeline sends the question alone): without them a correct answer under
another name would fail the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assets.kodcode import original as kodcode_original

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
    "package": "a question that asks for practical use of a Python package",
    "evol": "a self-contained programming question",
}

QUESTION_TEMPLATE = """{intro}

{examples}

Create one NEW question of the same kind, style and difficulty about a different problem.
Do not restate or copy the {which}. {format}"""

SNIPPET_TEMPLATE = """Here is a code snippet about {what}:

```python
{code}
```

First analyse the snippet briefly between <|Analysis Begin|> and <|Analysis End|>: what it
is and does, its time and space complexity, and the edge cases and mistakes an implementation
must get right. Then write a coding question that tests understanding of that idea through a
function to implement (do not copy or mention the snippet). {format}"""

DOCS_TEMPLATE = """Here is a piece of documentation:

{doc}

First analyse briefly, between <|Analysis Begin|> and <|Analysis End|>, what it documents and
whether that behaviour can be exercised and tested through a Python function. If it cannot,
answer only <|Abstain|>. Otherwise write a coding question that needs a good understanding of
it. {format}"""

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

# Magpie-style prefill: the model continues a user turn it believes it is writing itself.
# ChatML is the embedded Qwen2.5-Coder model's template; the system turn is our own.
PREFILL_SYSTEM = (
    "You are a helpful assistant for Python programmers. Users ask you coding questions."
)
PREFILL_TEMPLATE = "<|im_start|>system\n{system}<|im_end|>\n<|im_start|>user\n{prefix}"
# The template's special tokens, the assistant role name, and a newline: the question is one line.
PREFILL_STOP = ("<|im_start|>", "<|im_end|>", "<|endoftext|>", "Assistant", "assistant", "\n")


def _chat(user: str) -> tuple[dict, ...]:
    return ({"role": "system", "content": SYSTEM}, {"role": "user", "content": user})


def _style(seed: dict) -> str:
    if seed["mode"] == "package" and seed.get("package"):
        return f"a question that asks for practical use of the Python package `{seed['package']}`"
    return PLATFORM_STYLE[seed["mode"]]


def question_messages(seed: dict, shots: Sequence[str] = ()) -> tuple[dict, ...]:
    """The chat that asks for a new question from one seed line (already validated).

    `shots` are the seed questions shown (the line's own among them; method.shots(mode)
    of them); without any, the line's own question is shown."""
    mode = seed["mode"]
    if mode in PLATFORM_STYLE:
        shown = list(shots) or [seed["question"]]
        intro = (
            f"Here is an example of {_style(seed)}, for reference only:"
            if len(shown) == 1
            else f"Here are {len(shown)} examples of {_style(seed)}, for reference only:"
        )
        user = QUESTION_TEMPLATE.format(
            intro=intro,
            examples="\n\n".join(f"<example>\n{q.strip()}\n</example>" for q in shown),
            which="example" if len(shown) == 1 else "examples",
            format=QUESTION_FORMAT,
        )
    elif mode in ("algorithm", "data_structure"):
        what = seed.get("name") or ("an algorithm" if mode == "algorithm" else "a data structure")
        user = SNIPPET_TEMPLATE.format(what=what, code=seed["code"].strip(), format=QUESTION_FORMAT)
    elif mode == "docs":
        user = DOCS_TEMPLATE.format(doc=seed["doc"].strip(), format=QUESTION_FORMAT)
    else:
        raise ValueError(f"KodCode mode {mode!r} has no chat prompt")
    return _chat(user)


def prefill_prompt(prefix: str) -> tuple[str, tuple[str, ...]]:
    """The raw completion prompt (and its stop strings) whose continuation is a question."""
    return PREFILL_TEMPLATE.format(system=PREFILL_SYSTEM, prefix=prefix.strip()), PREFILL_STOP


@dataclass(frozen=True)
class QuestionPrompt:
    """What is sent for one seed line: a chat, or a raw prompt with its stop strings."""

    messages: tuple[dict, ...] = ()
    raw_prompt: str | None = None
    stop: tuple[str, ...] | None = None


def question_prompt(seed: dict, shots: Sequence[dict], original: bool) -> QuestionPrompt:
    """A seed line's question request under a profile; `shots` are the seed lines shown."""
    if seed["mode"] == "prefill":
        if original:
            pre = kodcode_original.prefill_template(seed["prefix"])
            return QuestionPrompt(raw_prompt=pre.prompt, stop=pre.stop)
        prompt, stop = prefill_prompt(seed["prefix"])
        return QuestionPrompt(raw_prompt=prompt, stop=stop)
    if original:
        text = kodcode_original.seed_prompt(seed["mode"], shots or [seed])
        return QuestionPrompt(({"role": "user", "content": text},))
    questions = [s["question"] for s in shots if s.get("question")]
    return QuestionPrompt(question_messages(seed, questions))


def trial_messages(question: str, original: bool = False) -> tuple[dict, ...]:
    """The chat that asks for one solution + tests trial."""
    if original:
        return ({"role": "user", "content": kodcode_original.response_prompt(question)},)
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


def style_prompt(
    question: str,
    test_info: Sequence[Mapping[str, str]],
    test_code: str,
    solution: str,
    original: bool,
) -> tuple[dict, ...]:
    """The style converter's chat under a profile."""
    if original:
        text = kodcode_original.complete_prompt(question, test_code, solution)
        return ({"role": "user", "content": text},)
    return style_messages(question, test_info)


def solve_prompt(
    question: str, style: str, test_info: Sequence[Mapping[str, str]], original: bool
) -> tuple[dict, ...]:
    """The reasoning model's user turn under a profile."""
    if original:
        return ({"role": "user", "content": kodcode_original.sft_prompt(question)},)
    return solve_messages(question, style, test_info)
