"""A scripted CodeI/O model: canned unified code per source, and predictions with known mistakes.

Sources (recognised by a marker comment in the raw code):
  adder     a + b; generator of two small ints                  → kept
  sorter    sorted(nums)                                          → kept
  dice      main_solution rolls a die                             → dropped: nondeterministic
  constant  generator always returns the same input               → dropped: too_few_pairs
  clock     main_solution reads today's date                      → dropped: reads_clock
  broken    answer without an input generator                     → dropped: no_input_generator

Turn-1 behaviour, so every status shows up:
  adder output: right when a + b is even, off by one otherwise (failed → revised right)
  adder input:  leaves out `b` when the output is a multiple of 3 (exception → revised right), else right
  sorter output: right, written as a Python literal in a fence
  sorter input:  no JSON at all (no_answer); its revision request breaks the connection
Revisions (a third message in the chat) answer right, except for sorter inputs.
"""

from __future__ import annotations

import ast
import json
import re

RAW = {
    "adder": "# adder\ndef add(a, b):\n    return a + b\n",
    "sorter": "# sorter\ndef sort_them(values):\n    return sorted(values)\n",
    "dice": "# dice\nimport random\ndef roll(n):\n    return n + random.randint(1, 6)\n",
    "constant": "# constant\ndef double(x):\n    return 2 * x\n",
    "broken": "# broken\ndef nothing():\n    pass\n",
    "clock": "# clock\nimport datetime\ndef age(year):\n    return datetime.date.today().year - year\n",
}

_UNIFIED = {
    "adder": (
        "def main_solution(a, b):\n    return a + b",
        "import random\n\ndef input_generator():\n    return {'a': random.randint(0, 50), 'b': random.randint(0, 50)}",
    ),
    "sorter": (
        "def main_solution(nums):\n    return sorted(nums)",
        "import random\n\ndef input_generator():\n    return {'nums': [random.randint(-9, 9) for _ in range(random.randint(1, 5))]}",
    ),
    "dice": (
        "import random\n\ndef main_solution(n):\n    return n + random.randint(1, 6)",
        "import random\n\ndef input_generator():\n    return {'n': random.randint(0, 100)}",
    ),
    "constant": (
        "def main_solution(x):\n    return 2 * x",
        "def input_generator():\n    return {'x': 4}",
    ),
    "clock": (
        "import datetime\n\ndef main_solution(year):\n    return datetime.date.today().year - year",
        "import random\n\ndef input_generator():\n    return {'year': random.randint(1900, 2000)}",
    ),
}


class RevisionRefused(RuntimeError):
    """Raised inside the fake server: the client sees a dropped connection, i.e. a failed request."""


def unified_answer(source: str) -> str:
    if source == "broken":
        return "## Main Function\n```python\ndef main_solution():\n    return 1\n```\n## Input Output Description\nnone\n"
    main, generator = _UNIFIED[source]
    return (
        f"## Main Function\n```python\n{main}\n```\n"
        f"## Input Output Description\nInput:\n  described inputs\nOutput:\n  `return`: described output\n"
        f"## Input Generator\n```python\n{generator}\n```\n"
        f"## Problem Statement\nWhat does the {source} give for the inputs?\n"
    )


def _given(prompt: str, side: str) -> object:
    """The value after "Given the following <side>:": JSON (assay) or a Python literal
    (the original profile shows `f"{value}"`)."""
    match = re.search(rf"Given the following {side}:\n\n(.*?)\n\n", prompt, re.DOTALL)
    assert match, prompt
    try:
        return json.loads(match.group(1))
    except json.JSONDecodeError:
        return ast.literal_eval(match.group(1))


def _source(prompt: str) -> str:
    return "adder" if "return a + b" in prompt else "sorter"


def answer(body: dict) -> str:
    messages = body["messages"]
    prompt = messages[0]["content"]
    if "[Code Start]" in prompt:
        return unified_answer(
            next(name for name, raw in RAW.items() if raw.split("\n")[0] in prompt)
        )
    source, revision = _source(prompt), len(messages) > 1
    if "Given the following input:" in prompt:
        given = _given(prompt, "input")
        if source == "adder":
            right = given["a"] + given["b"]
            return (
                f'Adding them: {{"output": {right if revision or right % 2 == 0 else right + 1}}}'
            )
        return f"Sorting:\n```json\n{{'output': {tuple(sorted(given['nums']))!r}}}\n```"
    given = _given(prompt, "output")
    if source == "adder":
        if not revision and given % 3 == 0:
            return f'{{"input": {{"a": {given}}}}}'
        return f'{{"input": {{"a": {given}, "b": 0}}}}'
    if revision:
        raise RevisionRefused("no revision for sorter inputs")
    return "I cannot tell which list that came from."


def refuse_revisions(body: dict) -> str:
    """Like `answer`, but every revision request fails."""
    if len(body["messages"]) > 1:
        raise RevisionRefused("revisions are down")
    return answer(body)
