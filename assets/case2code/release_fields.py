"""Case2Code's released field names and types, and a check that a released frame carries them.

Two formats, both from the original repository: the SFT rows `prompt_code_data.py` writes
(`{'id', 'prompt', 'output'}`, the format of fnlp/case2code-data) and the test-set rows it
writes with `--for_eval`/`--keep_raw` (`dataset/test.jsonl`: the filtered item plus
`parsed_inputs`, `exec_code`, `prompt`, `output`, `choosed_example_idx`). Types are JSON types
as a released file holds them; our frames may add columns. The fidelity report compares these
lists with the checkout's own dataset files.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl

SFT_FIELDS: dict[str, str] = {"id": "string", "prompt": "string", "output": "string"}
TEST_SET_FIELDS: dict[str, str] = {
    "id": "string",
    "func_name": "string",
    "code": "string",
    "exec_code": "string",
    "example_str": "string",
    "example_inputs": "list[string]",
    "example_outputs": "list[object]",
    "exec_status": "bool",
    "parsed_inputs": "list[list[list[string]]]",
    "prompt": "string",
    "output": "string",
    "choosed_example_idx": "list[int]",
}


def json_type(value: Any) -> str:
    """A JSON value's type as the field lists write it (a list by its first element)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return f"list[{json_type(value[0])}]" if value else "list"
    return "null" if value is None else type(value).__name__


def dtype_type(dtype: pl.DataType) -> str:
    """A polars column type in the same notation."""
    if dtype == pl.Utf8:
        return "string"
    if dtype == pl.Boolean:
        return "bool"
    if dtype.is_integer():
        return "int"
    if dtype.is_float():
        return "float"
    if isinstance(dtype, pl.Struct):
        return "object"
    if isinstance(dtype, pl.List):
        return f"list[{dtype_type(dtype.inner)}]"
    return str(dtype)


def frame_fields(df: pl.DataFrame) -> dict[str, str]:
    return {name: dtype_type(dtype) for name, dtype in df.schema.items()}


def record_fields(records: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Field -> type over JSON records (a list's type from its first non-empty value)."""
    out: dict[str, str] = {}
    for record in records:
        for name, value in record.items():
            seen = json_type(value)
            if out.get(name) in (None, "list"):
                out[name] = seen
    return out


def field_errors(ours: Mapping[str, str], fields: Mapping[str, str]) -> list[str]:
    """What keeps `ours` (field -> type) from carrying `fields`: missing or mistyped fields."""
    errors = [f"missing field {name!r}" for name in fields if name not in ours]
    errors += [
        f"field {name!r} is {ours[name]}, not {kind}"
        for name, kind in fields.items()
        if name in ours and ours[name] != kind and not _empty_list_of(ours[name], kind)
    ]
    return errors


def _empty_list_of(seen: str, kind: str) -> bool:
    """An empty list carries no element type: `list` fits any list field, `list[list]` any list of lists."""
    bare = seen.rstrip("]")
    return bare.endswith("list") and kind.startswith(bare)


def validate_frame(df: pl.DataFrame, fields: Mapping[str, str] = SFT_FIELDS) -> list[str]:
    """A released frame (e.g. a Parquet split) against Case2Code's field list; [] when it carries it."""
    return field_errors(frame_fields(df), fields)


def validate_jsonl(text: str, fields: Mapping[str, str] = TEST_SET_FIELDS) -> list[str]:
    """Released JSON Lines against a field list: every row carries every field with its type."""
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            errors += [
                f"line {number}: {e}"
                for e in field_errors(record_fields([json.loads(line)]), fields)
            ]
    return errors
