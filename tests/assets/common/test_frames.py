"""rows_frame builds exactly the frame Polars would, for a fraction of the memory."""

from __future__ import annotations

import polars as pl

from assets.common.frames import rows_frame

SCHEMA = {
    "id": pl.Utf8,
    "n": pl.Int64,
    "score": pl.Float64,
    "flags": pl.List(pl.Boolean),
    "messages": pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8})),
    "info": pl.Struct({"name": pl.Utf8, "count": pl.Int64}),
}
ROWS = [
    {
        "id": "a",
        "n": 1,
        "score": 0.5,
        "flags": [True, False],
        "info": {"name": "é ünïcode", "count": 2},
        "messages": [
            {"role": "system", "content": 'be "exact"\n'},
            {"role": "user", "content": ""},
        ],
    },
    {"id": "b", "n": None, "score": None, "flags": [], "messages": None, "info": None},
    {
        "id": "c",
        "n": 3,
        "score": 1e-9,
        "flags": None,
        "messages": [],
        "info": {"name": None, "count": None},
    },
]


def test_the_frame_equals_what_polars_builds_from_the_rows_nulls_and_empties_included():
    assert rows_frame(ROWS, SCHEMA).equals(pl.DataFrame(ROWS, schema=SCHEMA))


def test_no_rows_give_an_empty_frame_with_the_schema():
    assert rows_frame([], SCHEMA).schema == pl.Schema(SCHEMA)


def test_a_flat_schema_is_built_as_is():
    flat = {"id": pl.Utf8, "n": pl.Int64}
    assert rows_frame([{"id": "a", "n": 1}], flat).equals(pl.DataFrame({"id": ["a"], "n": [1]}))
