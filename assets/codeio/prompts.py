"""CodeI/O prompt templates, kept as data.

Placeholders use `string.Template` (`$name`) because the templates show JSON
braces and the code pasted into them is full of braces; values are inserted
once and never re-scanned, so code containing `$` is safe.
"""

from __future__ import annotations

from string import Template

# Section headers of the unified-code answer, in the order the model writes them.
MAIN_FUNCTION = "Main Function"
IO_DESCRIPTION = "Input Output Description"
INPUT_GENERATOR = "Input Generator"
PROBLEM_STATEMENT = "Problem Statement"

UNIFY = Template(
    """Rewrite the code file below into a self-contained, runnable task with four parts.

1. Main Function
  - Write a function named `main_solution` that carries the core logic of the file. Keep the helper classes and functions it needs above it, or call several of them from it.
  - Every argument and the return value of `main_solution` must be JSON-serialisable (numbers, strings, booleans, None, lists, dicts). Convert to and from sets, tuples, arrays or custom objects inside the function.
  - If the original code takes no input, generalise it so `main_solution` takes at least one argument.
  - `main_solution` must be deterministic: the same arguments always give the same result (no randomness, no clock or date).
  - Return the result; do not print, plot, read input() or command-line arguments, read or write files, or use the network.
  - Keep inputs and outputs small (well under 1 KB when serialised), with few nesting levels and floats rounded to a few decimals.
  - Define `main_solution` last in this part.

2. Input Output Description
  - Describe every argument of `main_solution` and its return value: type and meaning. For dicts name the keys; for strings give the exact format.

3. Input Generator
  - Write a function `input_generator()` with no arguments that returns a dict of keyword arguments for `main_solution`.
  - Use randomness so each call gives a different, realistic input; keep lists under 20 items and strings under 100 characters.

4. Problem Statement
  - Pose a question, in words, whose answer is what `main_solution` returns. Describe the background, name the input variables (not their values), and end with a wh-question. Do not say "write a function" or "implement".

Answer in exactly this layout:
## $main_function
```python
# imports
# helper classes and functions
def main_solution(arg1, arg2):
    ...
    return result
```
## $io_description
Input:
  `arg1` (type): meaning
  `arg2` (type): meaning
Output:
  `return` (type): meaning
## $input_generator
```python
def input_generator():
    ...
    return {"arg1": ..., "arg2": ...}
```
## $problem_statement
...

Here is the code file:
[Code Start]
$code
[Code End]"""
)

_PREDICTION_HEAD = """You are given a question that needs some input and produces some output:

$question

The input and output are described as follows:

$io_description
"""

OUTPUT_PREDICTION = Template(
    _PREDICTION_HEAD
    + """
Given the following input:

$given

Predict the output without writing or running any code. Reason step by step, briefly, then give your final answer in this JSON format: {"output": <your output>}, where <your output> strictly follows the output description."""
)

INPUT_PREDICTION = Template(
    _PREDICTION_HEAD
    + """
Given the following output:

$given

Predict a feasible input without writing or running any code. Reason step by step, briefly, then give your final answer in this JSON format: {"input": <your input>}, where <your input> is a dictionary, even if there is only one input variable, whose keys are exactly the input variable names described above."""
)

REFERENCE_TIP = Template(
    """Tip: here is reference code for this question. Use it to guide your reasoning, but do not copy spans of it.

```python
$code
```"""
)

# The feedback CodeI/O++ shows the model after a wrong answer; statuses in verify.py.
FEEDBACK = {
    "success": Template("[Correct] Your answer is correct."),
    "output_mismatch": Template(
        "[Wrong output] Given the input $input, the output is not $predicted."
    ),
    "input_mismatch": Template(
        "[Wrong input] The code run on your predicted input $predicted returns $actual, "
        "not the given output $output."
    ),
    "input_not_dict": Template(
        "[Wrong input] An input must be a JSON object keyed by the input variable names; "
        "$predicted is not."
    ),
    "no_answer": Template(
        'No final answer could be read from your response. End it with a JSON object of the form {"$field": ...}.'
    ),
    "exception": Template(
        "Running the code on your predicted input raised $exception_type: $message"
    ),
    "timeout": Template(
        "Running the code on your predicted input did not finish within the time limit; it may loop forever."
    ),
}

REVISION = Template(
    """$feedback

Please think again: find where your reasoning went wrong, and give a corrected final answer in the same JSON format: {"$field": <your $field>}."""
)


def unify_prompt(code: str) -> str:
    return UNIFY.substitute(
        code=code.strip("\n"),
        main_function=MAIN_FUNCTION,
        io_description=IO_DESCRIPTION,
        input_generator=INPUT_GENERATOR,
        problem_statement=PROBLEM_STATEMENT,
    )


def prediction_prompt(
    kind: str, question: str, io_description: str, given: str, reference_code: str | None
) -> str:
    """An output- or input-prediction prompt; `given` is the JSON of the known side."""
    template = {"output": OUTPUT_PREDICTION, "input": INPUT_PREDICTION}[kind]
    text = template.substitute(
        question=question.strip(), io_description=io_description.strip(), given=given
    )
    if reference_code:
        text += "\n\n" + REFERENCE_TIP.substitute(code=reference_code.strip("\n"))
    return text


def revision_prompt(feedback: str, field: str) -> str:
    """The second user turn of CodeI/O++: the verifier's feedback and a request to redo."""
    return REVISION.substitute(feedback=feedback, field=field)
