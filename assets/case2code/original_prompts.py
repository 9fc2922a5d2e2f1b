"""Case2Code's rules for building its prompts, applied to its own wording (original.py).

These reproduce `prompt_code_data.py:main` (training prompts: every draw in the same order, so
the same random generator gives the same prompt), `data_process.py` (the example-input prompt
and the evaluation's suffix and wrapper), `mp_exec_code.py` (the code that runs is the text
between the prompt's last python fences) and `exec_utils.unwrap_code` with the `<|NONSTOP|>`
rule of `mp_test_case2code_with_exe.py` (which code of an answer is scored). The fidelity report
checks each against the original's own code.
"""

from __future__ import annotations

import ast
import json
import random
from collections.abc import Mapping, Sequence

from assets.case2code.compose import ComposedPrompt
from assets.case2code.original import Pools, eval_prompts, pools, write_testcase_prompt

EXCEPTION_MARK = "<|EXCEPTION|>"
NONSTOP_MARK = "<|NONSTOP|>"
MIN_SAMPLES = 3  # prompt_code_data.py: `min_samples = 3`
HEADER_P = 0.8  # `if random.random() < 0.8` for the case header and for the function line


def shown_code(content: str) -> str:
    """The function as Case2Code runs and trains on it: the text between the prompt's last
    python fences, which is the seed's `content` and the newline before the closing fence
    (the seed's `import_code` is not part of it)."""
    return content + "\n"


def example_inputs_prompt(content: str) -> str:
    """The `write_testcase` prompt for one seed function (`WriteTestCase.prompt_item`)."""
    return write_testcase_prompt().format(code=content)


def example_block(answer: str) -> str:
    """The example block Case2Code runs from an answer (`data_process.unwrap_code`): the first
    python block, or the whole answer when it has none; empty means the answer is re-asked."""
    text = answer or ""
    if "```python" in text:
        start = text.index("```python") + 10
        end = text.index("```", start) if "```" in text[start:] else len(text)
        return text[start:end].strip()
    return text.strip()


def value_text(value_py: str) -> str:
    """One argument as Case2Code shows it (`to_source`): a string as JSON, another literal as
    its repr, anything else as its source."""
    try:
        value = ast.literal_eval(value_py)
    except ValueError:
        return value_py
    return json.dumps(value) if isinstance(value, str) else repr(value)


def output_text(output: Mapping[str, str]) -> str:
    """One `example_outputs` entry as a prompt shows it: the JSON-quoted repr of a return, or the
    JSON-quoted `<class '...'>: message` of an exception."""
    if "error" in output and output.get("error") is not None:
        return str(output["error"]).replace(EXCEPTION_MARK, "", 1).strip()
    return str(output["return"])


def compose_original(
    func_name: str,
    inputs: Sequence[Sequence[tuple[str, str]]],
    outputs: Sequence[Mapping[str, str]],
    rng: random.Random,
    source: Pools | None = None,
) -> ComposedPrompt:
    """One training prompt drawn as `prompt_code_data.py:main` draws it (not for evaluation).

    `inputs` are each example's (name, value source) pairs, `outputs` its `example_outputs`
    entries; every example may be shown, exceptions included, in any template.
    """
    if len(inputs) != len(outputs) or not inputs:
        raise ValueError(f"{func_name}: examples and outputs must be non-empty and aligned")
    p = source or pools()
    instruction = rng.choice(p.instructions)
    header = rng.choice(p.headers) if rng.random() < HEADER_P else ""
    func_header = (
        rng.choice(p.function_headers).format(function_name=func_name)
        if rng.random() < HEADER_P
        else ""
    )
    index = rng.randrange(len(p.example_templates))  # random.choice draws exactly this
    template = p.example_templates[index]
    count = MIN_SAMPLES if len(inputs) <= MIN_SAMPLES else rng.randint(MIN_SAMPLES, len(inputs))
    order = list(range(len(inputs)))
    rng.shuffle(order)
    block, shown, styles = header, [], []
    for i in order[:count]:
        args = [(k, value_text(v)) for k, v in inputs[i]]
        if template.style == "call":
            if rng.random() < 0.5:
                text, style = ", ".join(f"{k}={v}" for k, v in args), "keyword"
            else:
                text, style = ", ".join(f"{v}" for _, v in args), "positional"
            text = f"{func_name}({text})"
        elif template.style == "raw":
            draw = rng.random()
            if draw < 0.33:
                text, style = ", ".join(f"{k}:{v}" for k, v in args), "named"
            elif draw < 0.66:
                text, style = ", ".join(f"{v}" for _, v in args), "positional"
            else:
                text, style = f"dict({', '.join(f'{k}={v}' for k, v in args)})", "dict"
        else:
            raise ValueError(f"unknown style {template.style!r}")
        block += template.template.format(input=text, output=output_text(outputs[i]))
        block += template.sep
        shown.append(i)
        styles.append(style)
    parts = [instruction, func_header, block] if func_header else [instruction, block]
    rng.shuffle(parts)
    prompt = "".join(part + rng.choice(p.new_lines) for part in parts)
    return ComposedPrompt(
        prompt=prompt,
        shown=tuple(shown),
        template=f"original:{index}",
        input_styles=tuple(styles),
    )


def response_text(code: str, source: Pools | None = None) -> str:
    """The training target: Case2Code's response line around the code it ran."""
    return (source or pools()).response.format(code=code)


def eval_prompt(prompt: str, func_name: str) -> str:
    """`WriteTestCase_b.prompt_item`: the argument-names suffix, then the chat wrapper."""
    suffix, wrapper = eval_prompts()
    return wrapper.format(prompt=suffix.format(prompt=prompt, func_name=func_name))


def unwrap_answer(text: str, truncated: bool) -> str | None:
    """The code Case2Code scores in an answer (`exec_utils.unwrap_code`); None when the answer
    was cut off inside it (the `<|NONSTOP|>` rule)."""
    text = (text or "") + (NONSTOP_MARK if truncated else "")
    text = text.replace("```Python", "```python")
    if "```python" in text:
        start = text.index("```python") + 10
        end = text.index("```", start) if "```" in text[start:] else len(text)
        code = text[start:end].strip()
    elif "```" in text:
        start = text.index("```") + 3
        end = text.index("```", start) if "```" in text[start:] else len(text)
        code = text[start:end].strip()
    else:
        code = text.strip()
    return None if NONSTOP_MARK in code else code
