"""rows_frame builds exactly the frame Polars would, for a fraction of the memory."""

from __future__ import annotations

import polars as pl

from assets.common.frames import frame_in_slices, rows_frame

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


def test_frame_in_slices_builds_the_frame_rows_frame_builds_skipping_items_that_make_no_row():
    schema = {"id": pl.Utf8, "tags": pl.List(pl.Utf8)}
    items = list(range(7))

    def row(k: int) -> dict | None:
        return None if k % 3 == 0 else {"id": f"r{k}", "tags": [str(k)] * k}

    built = frame_in_slices(items, row, schema, rows=2)
    expected = rows_frame([r for k in items if (r := row(k)) is not None], schema)
    assert built.equals(expected) and built.schema == expected.schema
    assert frame_in_slices([], row, schema).schema == expected.schema


def test_frame_in_slices_reads_its_items_a_slice_at_a_time():
    seen: list[int] = []

    def items():
        for k in range(5):
            seen.append(k)
            yield k

    def row(k: int) -> dict:
        assert len(seen) <= (k // 2 + 1) * 2  # never more than the current slice read ahead
        return {"k": k}

    assert frame_in_slices(items(), row, {"k": pl.Int64}, rows=2)["k"].to_list() == [0, 1, 2, 3, 4]
