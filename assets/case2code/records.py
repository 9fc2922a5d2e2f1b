"""One item in Case2Code's own file format, so its tools and our evaluation read it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assets.case2code.case_results import CaseResult
from assets.case2code.examples import Example, case2code_input, example_str
from assets.case2code.original_prompts import value_text
from assets.case2code.prompts import response_text


def case2code_record(
    item_id: str,
    func_name: str,
    code: str,
    examples: Sequence[Example],
    results: Sequence[CaseResult],
    prompt: str | None = None,
    shown: Sequence[int] = (),
    response: str | None = None,
    preamble: str = "",
) -> dict[str, Any]:
    """One item in Case2Code's own file format, so its tools and our evaluation read it.

    `parsed_inputs` holds each example's (name, value) pairs with values as Case2Code's
    `to_source` writes them; `response` is the target (default: ours around `code`).
    """
    return {
        "id": item_id,
        "func_name": func_name,
        "code": code,
        "exec_code": code,
        "example_str": example_str(list(examples), preamble),
        "example_inputs": [case2code_input(ex) for ex in examples],
        "example_outputs": [r.case2code() for r in results],
        "exec_status": True,
        "parsed_inputs": [[[k, value_text(v)] for k, v in ex.args] for ex in examples],
        "prompt": prompt,
        "output": response_text(code) if response is None else response,
        "choosed_example_idx": list(shown),
    }


def record_from_row(row: dict[str, Any]) -> dict[str, Any]:
    """A `case2code` column value as the file record: an output has `return` or `error`."""
    outputs = [{k: v for k, v in o.items() if v is not None} for o in row["example_outputs"]]
    return {**row, "example_outputs": outputs}
