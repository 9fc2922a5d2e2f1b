"""The frames Case2Code's assets write: one schema per asset, nested where data is nested.

An example is its keyword arguments in written order, each value as Python source (the
model writes Python literals, which JSON cannot hold: tuples, sets, non-string keys); a
result is what one call did; `case2code` is the item in Case2Code's own file format
(records.case2code_record), which the release writes out as JSONL.
"""

import polars as pl

EXAMPLES = pl.List(pl.List(pl.Struct({"name": pl.Utf8, "value_py": pl.Utf8})))
RESULTS = pl.List(
    pl.Struct(
        {
            "kind": pl.Utf8,
            "value_repr": pl.Utf8,
            "exception_type": pl.Utf8,
            "exception_message": pl.Utf8,
            "reason": pl.Utf8,
        }
    )
)
CASE2CODE_RECORD = pl.Struct(
    {
        "id": pl.Utf8,
        "func_name": pl.Utf8,
        "code": pl.Utf8,
        "exec_code": pl.Utf8,
        "example_str": pl.Utf8,
        "example_inputs": pl.List(pl.Utf8),
        "example_outputs": pl.List(pl.Struct({"return": pl.Utf8, "error": pl.Utf8})),
        "exec_status": pl.Boolean,
        "parsed_inputs": pl.List(pl.List(pl.List(pl.Utf8))),
        "prompt": pl.Utf8,
        "output": pl.Utf8,
        "choosed_example_idx": pl.List(pl.Int64),
    }
)

FUNCTIONS_SCHEMA = {
    "function_id": pl.Utf8,
    "partition": pl.Utf8,
    "seed_id": pl.Utf8,
    "seed_line": pl.Int64,
    "func_name": pl.Utf8,
    "code": pl.Utf8,
}
EXAMPLE_INPUTS_SCHEMA = {
    "function_id": pl.Utf8,
    "partition": pl.Utf8,
    "func_name": pl.Utf8,
    "code": pl.Utf8,
    "attempts": pl.Int64,
    "examples": EXAMPLES,
    "n_examples": pl.Int64,
    "examples_error": pl.Utf8,
    "repaired": pl.Boolean,
    "preamble": pl.Utf8,
    "answer": pl.Utf8,
}
OUTPUTS_SCHEMA = {
    "function_id": pl.Utf8,
    "partition": pl.Utf8,
    "func_name": pl.Utf8,
    "code": pl.Utf8,
    "examples": EXAMPLES,
    "examples_error": pl.Utf8,
    "preamble": pl.Utf8,
    "results": RESULTS,
    "n_examples": pl.Int64,
    "n_returned": pl.Int64,
    "n_exceptions": pl.Int64,
    "n_no_result": pl.Int64,
}
CASES_SCHEMA = {
    "case_id": pl.Utf8,
    "function_id": pl.Utf8,
    "partition": pl.Utf8,
    "func_name": pl.Utf8,
    "code": pl.Utf8,
    "examples": EXAMPLES,
    "results": RESULTS,
    "n_cases": pl.Int64,
    "n_returned": pl.Int64,
    "n_exceptions": pl.Int64,
    "case2code": CASE2CODE_RECORD,
}
PROMPTS_SCHEMA = {
    "prompt_id": pl.Utf8,
    "case_id": pl.Utf8,
    "partition": pl.Utf8,
    "func_name": pl.Utf8,
    "prompt": pl.Utf8,
    "response": pl.Utf8,
    "template": pl.Utf8,
    "shown": pl.List(pl.Int64),
    "n_shown": pl.Int64,
    "n_cases": pl.Int64,
    "case2code": CASE2CODE_RECORD,
}
