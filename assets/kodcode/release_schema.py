"""KodCode-V1's released record shapes, and the rows of our releases in those shapes.

The field lists are KodCode's, in both profiles (our own columns come after them):
- KodCode-V1 (the triplets): the dataset card's `dataset_info.features` (current revision:
  `version` first, the tests as `test`) and the pipeline that writes the records
  (pipeline/step3.2_combine_kodcode.py:63-78: gpt_* fields from utils.get_gpt_difficulty /
  get_gpt_pass_percentage, `trials` keyed by trial folder, `chosen_trial` the chosen key;
  step2.4_gen_verified_triplets.py:120-126 the per-trial record).
- KodCode-V1-SFT-R1: one row per question (pipeline/step3.3.5_gen_sft_datasets.py:169-188):
  the triplet's fields plus r1_solution, r1_pass_sequence, r1_pass_trial_num,
  r1_correctness ("True"/"False" strings) and the sharegpt `conversations`.

Types are written as the cards write them (`string`, `int64`, `list<…>`, `struct<…>` with
fields sorted by name); `trials` has one field per trial, `trial_<model>_<index>`, which the
type names as `trial_*`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

TEST_INFO = "list<struct<docstring: string, function_declaration: string, function_name: string, parameter_list: string>>"
TRIAL_RECORD = (
    "struct<file_source: string, solution_code: string, test_code: string, "
    "test_coverage: float64, test_result: string>"
)
METADATA = (
    "struct<original_instruction: string, prompt_id: string, row_id: int64, seed_ids: string>"
)

KODCODE_V1_FIELDS: dict[str, str] = {
    "version": "string",
    "style": "string",
    "subset": "string",
    "question_id": "string",
    "question": "string",
    "solution": "string",
    "test": "string",
    "test_info": TEST_INFO,
    "gpt_pass_sequence": "list<int64>",
    "gpt_pass_trial_num": "int64",
    "gpt_difficulty": "string",
    "gpt_pass_percentage": "float64",
    "trials": f"struct<trial_*: {TRIAL_RECORD}>",
    "chosen_trial": "string",
    "metadata": METADATA,
    "benchmark_similarity": "float64",
    "benchmark_instruction": "string",
    "benchmark_task_id": "string",
    "filter_reason": "string",
}

KODCODE_SFT_R1_FIELDS: dict[str, str] = {
    **{
        k: v
        for k, v in KODCODE_V1_FIELDS.items()
        if k not in ("trials", "chosen_trial", "metadata")
        and not k.startswith("benchmark_")
        and k != "filter_reason"
    },
    "r1_pass_sequence": "list<int64>",
    "r1_pass_trial_num": "int64",
    "r1_correctness": "string",
    "r1_solution": "string",
    "metadata": METADATA,
    "conversations": "list<struct<from: string, value: string>>",
}

# The splits each card lists.
KODCODE_V1_SPLITS = ("train", "use_with_caution")
KODCODE_SFT_R1_SPLITS = ("train", "incorrect", "use_with_caution")

_TRIAL_KEY = re.compile(r"^trial_.+_\d+$")


def type_name(dtype: pl.DataType) -> str:
    """A Polars dtype as the dataset cards write it."""
    if dtype == pl.Utf8:
        return "string"
    if isinstance(dtype, pl.List):
        return f"list<{type_name(dtype.inner)}>"
    if isinstance(dtype, pl.Struct):
        fields = sorted((f.name, type_name(f.dtype)) for f in dtype.fields)
        if fields and all(_TRIAL_KEY.match(name) for name, _ in fields):
            kinds = sorted({t for _, t in fields})
            return f"struct<trial_*: {' | '.join(kinds)}>"
        return "struct<" + ", ".join(f"{n}: {t}" for n, t in fields) + ">"
    names = {pl.Int64: "int64", pl.Int32: "int32", pl.Float64: "float64", pl.Boolean: "bool"}
    for polars_type, name in names.items():
        if dtype == polars_type:
            return name
    return str(dtype).lower()


def schema_types(schema: Mapping[str, pl.DataType]) -> dict[str, str]:
    return {name: type_name(dtype) for name, dtype in schema.items()}


def field_problems(df: pl.DataFrame, fields: Mapping[str, str]) -> list[str]:
    """What keeps `df` from carrying every field of a released shape with its type (ours may add)."""
    ours = schema_types(df.schema)
    problems = [f"missing field {name!r}" for name in fields if name not in ours]
    for name, expected in fields.items():
        got = ours.get(name)
        if got is None or got == expected:
            continue
        problems.append(f"{name}: {got}, expected {expected}")
    order = [c for c in df.columns if c in fields]
    if not problems and order != [f for f in fields if f in order]:
        problems.append(f"fields out of the card's order: {order}")
    return problems


def validate_release(df: pl.DataFrame, fields: Mapping[str, str], what: str) -> pl.DataFrame:
    """`df` unchanged, or ValueError naming every field that does not match."""
    problems = field_problems(df, fields)
    if problems:
        raise ValueError(f"{what} is not shaped like the original: " + "; ".join(problems))
    return df


# ----------------------------------------------------------------------------------------
# Values KodCode's own code computes (pipeline/utils.py:125-170), implemented here.

SUBSET_NAMES = {
    "prefill": "Prefill",
    "package": "Package",
    "evol": "Evol",
    "codeforces": "Codeforces",
    "leetcode": "Leetcode",
    "apps": "Apps",
    "taco": "Taco",
    "code_contests": "Code_Contests",
    "algorithm": "Algorithm",
    "data_structure": "Data_Structure",
    "docs": "Docs",
    "filter": "Filter",
}


def subset_name(mode: str) -> str:
    """KodCode's subset label for a mode (utils.get_mode: the first name the mode contains)."""
    lowered = mode.lower()
    for key, name in SUBSET_NAMES.items():
        if key in lowered:
            return name
    raise ValueError(f"Unknown mode: {mode}")


def gpt_difficulty(pass_sequence: Sequence[int]) -> str:
    share = sum(pass_sequence) / len(pass_sequence) if pass_sequence else 0
    return "easy" if share >= 2 / 3 else "hard" if share < 1 / 3 else "medium"


def gpt_pass_percentage(pass_sequence: Sequence[int]) -> float:
    share = sum(pass_sequence) / len(pass_sequence) if pass_sequence else 0
    return round(share, 3)


def test_result(status: str) -> str:
    """Our sandbox status as KodCode's runner writes it in test_result.txt."""
    if status == "passed":
        return "Pass"
    return "Fail - Timed Out" if status == "timeout" else "Fail"


def model_nickname(model: str | None) -> str:
    """A trial key's model part (KodCode: `trial_gpt4o_0`, `trial_qwen2.5_1`)."""
    base = (model or "model").rsplit("/", 1)[-1].lower()
    return re.sub(r"[^a-z0-9.]+", "", base) or "model"


def trial_key(model: str | None, index: int) -> str:
    return f"trial_{model_nickname(model)}_{index}"


def trial_records(trials: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """One question's trials (rows with trial_id, trial_index, solution_code, test_code, status,
    coverage, model) as KodCode's per-trial records keyed by trial key, in trial order."""
    out: dict[str, dict[str, Any]] = {}
    for t in sorted(trials, key=lambda t: t["trial_index"]):
        out[trial_key(t.get("model"), t["trial_index"])] = {
            "file_source": t["trial_id"],
            "solution_code": t["solution_code"],
            "test_code": t["test_code"],
            "test_coverage": t["coverage"],
            "test_result": test_result(t["status"]),
        }
    return out


TRIAL_STRUCT = pl.Struct(
    {
        "file_source": pl.Utf8,
        "solution_code": pl.Utf8,
        "test_code": pl.Utf8,
        "test_coverage": pl.Float64,
        "test_result": pl.Utf8,
    }
)
METADATA_STRUCT = pl.Struct(
    {"original_instruction": pl.Utf8, "prompt_id": pl.Utf8, "row_id": pl.Int64, "seed_ids": pl.Utf8}
)


def _trial_order(key: str) -> tuple[str, int]:
    head, _, index = key.rpartition("_")
    return head, int(index)


def trials_dtype(records: Sequence[Mapping[str, Any]]) -> pl.Struct:
    """The `trials` struct over every key any row has, in model then index order, so the
    same rows give the same type whatever order they came in."""
    keys = sorted({k for r in records for k in r}, key=_trial_order)
    # Parquet cannot hold a struct without fields: an empty release gets one null trial field.
    return pl.Struct({k: TRIAL_STRUCT for k in keys or [trial_key(None, 0)]})


def kodcode_metadata(meta: Mapping[str, Any], original_instruction: str) -> dict[str, Any]:
    """The card's metadata record from our metadata (the rest stays in `assay_metadata`)."""
    return {
        "original_instruction": original_instruction,
        "prompt_id": meta.get("prompt_id"),
        "row_id": meta.get("row_id"),
        "seed_ids": json.dumps(meta.get("seed_ids") or []),
    }
