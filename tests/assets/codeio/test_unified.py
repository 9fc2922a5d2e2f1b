"""The unified-code answer: four sections in, two functions and two texts out, or a reason."""

from assets.codeio.prompts import unify_prompt
from assets.codeio.unified import parse_unified

GOOD = """Sure, here it is.
## Main Function
```python
import math

def helper(x):
    return x * x

def main_solution(radius):
    return round(math.pi * helper(radius), 4)
```
## Input Output Description
Input:
  `radius` (float): radius of the circle
Output:
  `return` (float): its area, rounded to 4 decimals
## Input Generator
```python
import random

def input_generator():
    return {"radius": round(random.uniform(0.1, 10), 2)}
```
## Problem Statement
A gardener lays out a round flower bed of radius `radius`. What is its area?
"""


def test_a_well_formed_answer_gives_all_four_parts():
    parsed = parse_unified(GOOD)
    assert parsed.reason is None
    code = parsed.code
    assert "def main_solution(radius)" in code.main_code and "def helper" in code.main_code
    assert code.generator_code.startswith("import random")
    assert code.io_description.startswith("Input:") and "`return` (float)" in code.io_description
    assert code.problem_statement.endswith("What is its area?")
    namespace: dict = {}
    exec(code.program, namespace)  # noqa: S102 - our own fixture code
    assert namespace["main_solution"](**namespace["input_generator"]()) > 0


def test_missing_main_solution_is_dropped_with_a_reason():
    answer = GOOD.replace("def main_solution(radius)", "def area(radius)")
    assert parse_unified(answer).reason == "no_main_solution"


def test_missing_input_generator_is_dropped_with_a_reason():
    answer = GOOD.replace("def input_generator()", "def make_input()")
    assert parse_unified(answer).reason == "no_input_generator"


def test_an_input_generator_that_needs_arguments_is_refused():
    answer = GOOD.replace("def input_generator()", "def input_generator(n)")
    assert parse_unified(answer).reason == "generator_takes_arguments"
    assert (
        parse_unified(GOOD.replace("def input_generator()", "def input_generator(n=3)")).reason
        is None
    )


def test_a_syntax_error_is_named():
    answer = GOOD.replace(
        "return round(math.pi * helper(radius), 4)", "return round(math.pi * helper(radius), 4"
    )
    parsed = parse_unified(answer)
    assert parsed.reason == "syntax_error" and "main function" in parsed.detail


def test_the_last_code_block_of_a_section_wins():
    answer = GOOD.replace(
        "## Main Function\n",
        "## Main Function\n```python\ndef main_solution(r):\n    return 0\n```\nBetter:\n",
    )
    assert "helper(radius)" in parse_unified(answer).code.main_code


def test_headers_in_bold_or_with_colons_are_recognised():
    answer = GOOD.replace("## Main Function", "**Main Function:**").replace(
        "## Problem Statement", "### Problem Statement:"
    )
    assert parse_unified(answer).reason is None


def test_both_functions_in_one_block_are_kept_once():
    answer = GOOD.replace(
        "## Input Generator\n```python\nimport random\n\ndef input_generator():\n"
        '    return {"radius": round(random.uniform(0.1, 10), 2)}\n```\n',
        "",
    )
    answer = answer.replace(
        "def helper(x):",
        "import random\n\ndef input_generator():\n    return {'radius': 1.0}\n\ndef helper(x):",
    )
    parsed = parse_unified(answer)
    assert parsed.reason is None
    assert parsed.code.program.count("def input_generator") == 1


def test_missing_problem_statement_or_description_is_dropped():
    assert parse_unified(GOOD.split("## Problem Statement")[0]).reason == "no_problem_statement"
    no_io = GOOD.replace("## Input Output Description", "").replace(
        "Input:\n  `radius` (float): radius of the circle\n"
        "Output:\n  `return` (float): its area, rounded to 4 decimals\n",
        "",
    )
    assert parse_unified(no_io).reason == "no_io_description"


def test_the_unify_prompt_carries_the_code_and_the_four_headers():
    prompt = unify_prompt("def f(x):\n    return {'$a': x}\n")
    assert "def f(x):\n    return {'$a': x}" in prompt
    for header in (
        "## Main Function",
        "## Input Output Description",
        "## Input Generator",
        "## Problem Statement",
    ):
        assert header in prompt


def test_numbered_and_bold_headers_small_models_write_are_understood():
    answer = (
        GOOD.replace("## Main Function", "### 1. Main Function:")
        .replace("## Input Output Description", "**2. Input/Output Description**")
        .replace("## Input Generator", "3) Input Generator")
        .replace("## Problem Statement", "## Step 4: Problem Statement")
    )
    parsed = parse_unified(answer)
    assert parsed.reason is None
    assert parsed.code.io_description.startswith("Input:")
    assert parsed.code.problem_statement.startswith("A gardener")


def test_header_like_comments_inside_code_are_left_alone():
    answer = GOOD.replace("def helper(x):", "# Problem Statement\ndef helper(x):")
    parsed = parse_unified(answer)
    assert parsed.reason is None and "# Problem Statement" in parsed.code.main_code
    assert parsed.code.problem_statement.endswith("What is its area?")
