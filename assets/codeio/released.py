"""CodeI/O++'s released record format, and a check that a released frame carries it.

hkust-nlp/CodeIO's assemble_codeio_demo.py writes one JSON object per record with five
fields, the format of its Hugging Face dataset (README, "Step 6.4: Final Data"):
`prompt` (the first user turn), `turn_1` (the first answer), `feedback_1` (the verifier's
message; for a revised record the whole second user turn), `turn_2` and `feedback_2`
(the revised answer and its verdict, null for a turn-1 success). Our release keeps these
names and types in both profiles, plus our own columns (ids, statuses, split).
"""

from __future__ import annotations

import polars as pl

# name -> (Polars type, nullable)
CODEIO_PP_FIELDS: dict[str, tuple[pl.DataType, bool]] = {
    "prompt": (pl.Utf8(), False),
    "turn_1": (pl.Utf8(), False),
    "feedback_1": (pl.Utf8(), False),
    "turn_2": (pl.Utf8(), True),
    "feedback_2": (pl.Utf8(), True),
}


def field_types(schema: dict[str, pl.DataType] | pl.Schema) -> dict[str, str]:
    """name -> type text, nullable fields marked `| null` (as compare_schema reads them)."""
    return {name: str(dtype) for name, dtype in dict(schema).items()}


def codeio_pp_types() -> dict[str, str]:
    return {
        name: f"{dtype}{' | null' if nullable else ''}"
        for name, (dtype, nullable) in CODEIO_PP_FIELDS.items()
    }


def violations(df: pl.DataFrame) -> dict[str, int]:
    """Counts of what keeps `df` from loading as CodeI/O++ records (all zero when it does)."""
    missing = [name for name in CODEIO_PP_FIELDS if name not in df.columns]
    wrong = [
        name
        for name, (dtype, _) in CODEIO_PP_FIELDS.items()
        if name in df.columns and df.schema[name] != dtype
    ]
    nulls = sum(
        df[name].null_count()
        for name, (_, nullable) in CODEIO_PP_FIELDS.items()
        if not nullable and name in df.columns
    )
    # A revised record has both turn_2 and feedback_2; a turn-1 success has neither.
    half_revised = (
        df.filter(pl.col("turn_2").is_null() != pl.col("feedback_2").is_null()).height
        if not missing
        else 0
    )
    return {
        "missing_fields": len(missing),
        "wrong_types": len(wrong),
        "nulls_in_required_fields": int(nulls),
        "half_revised_records": half_revised,
    }
