"""Prompt text as data: asking for example inputs, and the Case2Code template pools.

The pools follow Case2Code's shape: an instruction, an optional header over the
cases, an optional line naming the function, the cases in one of several raw
or call styles, parts shuffled and joined by one to three newlines. The
target is always the function in a python block.
"""

from __future__ import annotations

from dataclasses import dataclass

EXAMPLE_INPUTS_PROMPT = """\
Given the function, first analyse the types of the function arguments, then write {count} different example inputs for the function. Each example is a dict of the function's argument names and their values, written with Python literals only (numbers, strings, lists, tuples, dicts, sets, booleans, None).
Output format:
```python
examples = [
    dict(argname=argvalue),
    ...
]
```

Function:
```python
def join_words(words: list, sep: str = " ") -> str:
    return sep.join(w.strip() for w in words)
```
Examples:
```python
examples = [
    dict(words=['a', 'b']),
    dict(words=[' x ', 'y'], sep='-'),
    dict(words=[], sep=','),
    dict(words=['hello'], sep=''),
    dict(words=['one', 'two', 'three'], sep=' | '),
]
```

Function:
```python
{code}
```
Examples:
"""

# The target every Case2Code prompt is trained to produce.
RESPONSE_TEMPLATE = "The function is:\n\n```python\n{code}\n```"

INSTRUCTIONS: tuple[str, ...] = (
    "Write a function that generates the output from the input.",
    "Program to pass the given test cases.",
    "I have a function that takes input and returns output. Can you figure out the function?",
    "Given the Input/Output examples, figure out the function that generates the output from the input.",
    "First, I will give you some input/output examples of a function. Then, you need to reconstruct the function.",
    "I need you to write a program processing the input and generating the output.",
    "As a programmer, you need to write a function that passes the given examples.",
    "Please program a function whose arguments are the following inputs, and whose return values are the corresponding outputs.",
    "Can you develop a function that produces this output value from the given input values?",
    "Create a program that meets the provided test examples.",
    "I have input-output pairs for a function. Can you deduce the function?",
    "Based on these input/output examples, determine the function that creates the output.",
    "I'll provide some input/output test cases. Your task is to reconstruct the function.",
    "Write a function that satisfies the given examples.",
    "Please write a function to process the input arguments and produce the specified outputs.",
    "Can you program a function that, given the following inputs, returns the specified results?",
    "Figure out the function that transforms the input examples into the given output examples.",
    "Given these examples, write a function that produces the correct output results.",
    "Using these examples, create a function that returns the proper output.",
    "Given these input-output pairs, write a function to generate the output.",
)

CASE_HEADERS: tuple[str, ...] = (
    "Example:\n",
    "Test case:\n",
    "Examples:\n\n",
    "Test cases:\n",
    "Some examples:\n",
    "Input/Output examples:\n",
    "Input and output pairs:\n",
    "Input-output examples:\n",
    "A few examples:\n",
    "Several test cases:\n",
    "Arguments and results:\n",
)

FUNCTION_HEADERS: tuple[str, ...] = (
    "Function: {name}",
    "The function:\n{name}",
    "Start with the function:\n{name}",
    "Based on the function name:\n{name}",
    "Function named {name}",
    "Please begin with:\n{name}",
    "The function is:\n{name}",
)

# Between prompt parts; a single newline is the most common.
SEPARATORS: tuple[str, ...] = ("\n", "\n", "\n", "\n", "\n", "\n\n", "\n\n", "\n\n\n")


@dataclass(frozen=True)
class CaseTemplate:
    """How one case reads. `raw` shows the arguments alone; `call` shows a call of the function."""

    name: str
    template: str  # with {input} and {output}
    sep: str
    style: str  # "raw" or "call"
    # An assertion cannot state that a call raises; such templates skip items with exception cases.
    shows_exceptions: bool = True


CASE_TEMPLATES: tuple[CaseTemplate, ...] = (
    CaseTemplate("input_output", "Input: {input}, Output: {output}", "\n", "raw"),
    CaseTemplate(
        "input_output_example", "Input example: {input}, Output example: {output}", "\n", "raw"
    ),
    CaseTemplate("commented", "# Input\n{input}\n# Output\n{output}", "\n\n", "raw"),
    CaseTemplate("arguments_return", "arguments={input}\nreturn={output}", "\n\n", "raw"),
    CaseTemplate("args_return", "args={input}\nreturn={output}", "\n\n", "raw"),
    CaseTemplate("args_return_tuple", "(args={input}, return={output})", "\n", "raw"),
    CaseTemplate("pair", "({input}, {output})", "\n", "raw"),
    CaseTemplate("in_out", "In: {input}, Out: {output}", "\n", "raw"),
    CaseTemplate("doctest_arrows", ">>> {input}\n<<< {output}", "\n", "call"),
    CaseTemplate("call_returns", "Call {input}, returns {output}", "\n", "call"),
    CaseTemplate("assert", "assert {input} == {output}", "\n", "call", shows_exceptions=False),
    CaseTemplate("doctest", ">>> {input}\n{output}", "\n", "call"),
    CaseTemplate("arrow", "{input} -> {output}", "\n", "call"),
)

# Evaluation prompts are fixed, so scores do not depend on a draw.
EVAL_INSTRUCTION = INSTRUCTIONS[0]
EVAL_FUNCTION_HEADER = FUNCTION_HEADERS[0]
EVAL_TEMPLATE = CASE_TEMPLATES[0]


# Appended to a test item's prompt when scoring: the cases are called by keyword, so the answer
# must use the argument names they show (Case2Code appends such an instruction too).
EVAL_SUFFIX = (
    "{prompt}\n\nKeep the argument names the cases use: each case calls the function as "
    "{func_name}(**arguments)."
)


def example_inputs_messages(code: str, count: int) -> tuple[dict, ...]:
    """The chat messages asking a model for `count` example inputs of `code`."""
    return (
        {"role": "user", "content": EXAMPLE_INPUTS_PROMPT.format(code=code.strip(), count=count)},
    )


def response_text(code: str) -> str:
    return RESPONSE_TEMPLATE.format(code=code.strip("\n"))
