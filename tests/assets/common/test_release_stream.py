"""A release written a batch at a time is the release written at once, byte for byte."""

import hashlib
import random

import polars as pl
import pytest

from assets.common.release import CAUTION, TRAIN, export_parquet_dataset
from assets.common.release_stream import (
    ShardedExport,
    collect_released,
    partition_batches,
    scan_exported,
)

SCHEMA = {
    "question_id": pl.Utf8,
    "n": pl.Int64,
    "tags": pl.List(pl.Utf8),
    "info": pl.Struct({"a": pl.Utf8, "b": pl.Float64}),
    "split": pl.Utf8,
}


def _rows(count: int, seed: int = 0) -> pl.DataFrame:
    rng = random.Random(seed)
    ids = [f"{rng.getrandbits(64):016x}" for _ in range(count)]
    return pl.DataFrame(
        {
            "question_id": ids,
            "n": list(range(count)),
            "tags": [[f"t{k % 3}"] * (k % 4) for k in range(count)],
            "info": [{"a": i[:4], "b": k / 7} for k, i in enumerate(ids)],
            "split": [CAUTION if k % 5 == 0 else TRAIN for k in range(count)],
        },
        schema=SCHEMA,
    )


def _files(folder) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _one_shot(df: pl.DataFrame, out, rows_per_shard: int) -> dict:
    splits = {name: df.filter(pl.col("split") == name).drop("split") for name in (TRAIN, CAUTION)}
    splits = {k: v for k, v in splits.items() if v.height or k == TRAIN}
    return export_parquet_dataset(splits, out, "# card\n", "question_id", rows_per_shard)


def _batched(batches, out, rows_per_shard: int) -> dict:
    with ShardedExport(out, sort_by="question_id", rows_per_shard=rows_per_shard) as export:
        for batch in batches:
            export.add(batch)
        return export.finish("# card\n", splits=(TRAIN, CAUTION), schema=SCHEMA)


@pytest.mark.parametrize("batch_rows", [1, 7, 40, 500])
def test_a_batched_export_writes_the_same_files_as_the_one_shot_export(tmp_path, batch_rows):
    df = _rows(123)
    batches = [df.slice(k, batch_rows) for k in range(0, df.height, batch_rows)]
    one = _one_shot(df, tmp_path / "one", rows_per_shard=10)
    batched = _batched(batches, tmp_path / "batched", rows_per_shard=10)
    assert _files(tmp_path / "batched") == _files(tmp_path / "one")
    assert len(list((tmp_path / "one" / "data").glob("train-*-of-00010.parquet"))) == 10
    assert {k: v for k, v in batched.items() if k != "export/path"} == {
        k: v for k, v in one.items() if k != "export/path"
    }
    assert sorted(p.name for p in tmp_path.iterdir()) == ["batched", "one"], "no staging is left"


def test_an_empty_split_is_left_out_and_an_empty_release_still_has_a_train_shard(tmp_path):
    only_train = _rows(30).filter(pl.col("split") == TRAIN)
    _one_shot(only_train, tmp_path / "one", 50_000)
    _batched([only_train.head(10), only_train.slice(10)], tmp_path / "batched", 50_000)
    assert _files(tmp_path / "batched") == _files(tmp_path / "one")
    assert "data/use_with_caution-00000-of-00001.parquet" not in _files(tmp_path / "one")

    empty = pl.DataFrame(schema=SCHEMA)
    _one_shot(empty, tmp_path / "one-empty", 50_000)
    _batched([], tmp_path / "batched-empty", 50_000)
    assert _files(tmp_path / "batched-empty") == _files(tmp_path / "one-empty")
    assert list(_files(tmp_path / "one-empty")) == [
        "README.md",
        "data/train-00000-of-00001.parquet",
    ]


def test_a_batch_of_another_schema_is_refused_and_nothing_is_left_behind(tmp_path):
    out = tmp_path / "out"
    with (
        pytest.raises(ValueError, match="another schema"),
        ShardedExport(out, sort_by="question_id") as export,
    ):
        export.add(_rows(3))
        export.add(_rows(3).with_columns(pl.col("n").cast(pl.Float64)))
    assert list(tmp_path.iterdir()) == []


def test_the_exported_rows_scan_back_with_their_split_and_every_column(tmp_path):
    df = _rows(57)
    _batched([df.head(20), df.slice(20)], tmp_path / "out", rows_per_shard=8)
    back = scan_exported(tmp_path / "out", SCHEMA).collect()
    assert back.columns == list(SCHEMA)
    assert back.sort("question_id").equals(df.sort("question_id"))
    assert back["split"].to_list() == sorted(back["split"].to_list())  # one split after another


def test_a_scan_of_the_added_rows_counts_them_before_the_export_is_finished(tmp_path):
    df = _rows(25)
    with ShardedExport(tmp_path / "out", sort_by="question_id") as export:
        export.add(df.head(9))
        export.add(df.slice(9))
        counts = dict(export.scan().group_by("split").len().sort("split").collect().iter_rows())
        export.finish("# card\n", splits=(TRAIN, CAUTION))
    assert counts == {CAUTION: 5, TRAIN: 20}


def _scans(tmp_path, sizes: dict[str, int]) -> dict[str, pl.LazyFrame]:
    scans = {}
    for key, size in sizes.items():
        path = tmp_path / f"{key}.parquet"
        _rows(size, seed=len(key) + size).with_columns(
            pl.lit(key).alias("partition")
        ).write_parquet(path)
        scans[key] = pl.scan_parquet(path)
    return scans


def test_partitions_are_batched_in_key_order_by_rows_and_empty_ones_left_out(tmp_path):
    scans = _scans(tmp_path, {"c": 30, "a": 10, "b": 0, "d": 5, "e": 50})
    assert partition_batches(scans, rows_per_batch=40) == [["a", "c"], ["d"], ["e"]]
    assert partition_batches(scans, rows_per_batch=1) == [["a"], ["c"], ["d"], ["e"]]
    assert partition_batches({}) == []


def test_collect_released_reads_only_the_columns_asked_for_sorted_across_partitions(tmp_path):
    scans = _scans(tmp_path, {"a": 10, "b": 0, "c": 7})
    schema = {**SCHEMA, "partition": pl.Utf8}
    df = collect_released(scans, schema, "question_id", columns=["question_id", "partition"])
    assert df.columns == ["question_id", "partition"]
    assert df.height == 17
    assert df["question_id"].to_list() == sorted(df["question_id"].to_list())
    only_c = collect_released(scans, schema, "question_id", keys=["c", "zz"])
    assert set(only_c["partition"]) == {"c"} and only_c.columns == list(schema)
    none = collect_released({}, schema, "question_id", columns=["question_id", "n"])
    assert none.height == 0 and none.schema == pl.Schema({"question_id": pl.Utf8, "n": pl.Int64})


def test_a_shard_has_the_same_bytes_whatever_frame_it_was_cut_from(tmp_path):
    """Nested columns of a slice share the whole frame's values (and Polars' writer pages
    them by that); a shard written from a batch must not differ from one cut from the split."""
    ids = [f"{k:08d}" for k in range(30_000)]
    df = pl.DataFrame({"question_id": ids, "tags": [[f"tag {i}" * 8] * 2 for i in ids]})
    export_parquet_dataset({TRAIN: df}, tmp_path / "whole", "# card\n", "question_id", 10_000)
    alone = df.slice(10_000, 10_000)
    export_parquet_dataset({TRAIN: alone}, tmp_path / "alone", "# card\n", "question_id", 10_000)
    whole = _files(tmp_path / "whole")["data/train-00001-of-00003.parquet"]
    assert _files(tmp_path / "alone")["data/train-00000-of-00001.parquet"] == whole
