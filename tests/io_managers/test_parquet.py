"""Assets land as Parquet at <base>/<asset>/<partition>.parquet and are never half-written."""

import polars as pl
import pytest
from dagster import AssetIn, DagsterInstance, DynamicPartitionsDefinition, asset, materialize

from io_managers import AtomicParquetIOManager

parts = DynamicPartitionsDefinition(name="io_test")


@asset(partitions_def=parts)
def numbers(context) -> pl.DataFrame:
    return pl.DataFrame({"partition": [context.partition_key], "n": [1]})


@asset(partitions_def=parts)
def doubled(numbers: pl.DataFrame) -> pl.DataFrame:
    return numbers.with_columns(pl.col("n") * 2)


def test_partitions_are_written_per_key_and_read_back_downstream(tmp_path):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("io_test", ["a.jsonl", "b.jsonl"])
    io = AtomicParquetIOManager(base_dir=str(tmp_path))
    for key in ("a.jsonl", "b.jsonl"):
        assert materialize(
            [numbers, doubled], partition_key=key, instance=instance, resources={"io_manager": io}
        ).success
    assert pl.read_parquet(tmp_path / "doubled" / "b.jsonl.parquet")["n"].to_list() == [2]
    leftovers = [p.name for p in tmp_path.rglob("*") if ".tmp-" in p.name]
    assert leftovers == [], "no temporary files remain after a write"


@asset(ins={"doubled": AssetIn(metadata={"allow_missing_partitions": True})})
def every_partition(doubled: dict[str, pl.DataFrame]) -> pl.DataFrame:
    assert isinstance(doubled, dict), f"a release reads a dict, got {type(doubled).__name__}"
    frames = [doubled[k] for k in sorted(doubled)]
    return pl.concat(frames) if frames else pl.DataFrame({"partition": [], "n": []})


def test_an_unpartitioned_reader_gets_a_dict_of_partitions_even_when_one_exists(tmp_path):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("io_test", ["only.jsonl"])
    io = AtomicParquetIOManager(base_dir=str(tmp_path))
    resources = {"io_manager": io}
    assets = [numbers, doubled, every_partition]
    assert materialize(
        assets,
        partition_key="only.jsonl",
        instance=instance,
        resources=resources,
        selection=[numbers, doubled],
    ).success
    assert materialize(
        assets, instance=instance, resources=resources, selection=[every_partition]
    ).success
    assert pl.read_parquet(tmp_path / "every_partition.parquet")["partition"].to_list() == [
        "only.jsonl"
    ]


@asset(ins={"doubled": AssetIn(metadata={"allow_missing_partitions": True})})
def every_partition_lazily(doubled: dict[str, pl.LazyFrame]) -> pl.LazyFrame:
    assert isinstance(doubled, dict), f"a release reads a dict, got {type(doubled).__name__}"
    assert all(isinstance(f, pl.LazyFrame) for f in doubled.values())
    frames = [doubled[k].select("partition", "n") for k in sorted(doubled)]
    empty = pl.LazyFrame(schema={"partition": pl.Utf8, "n": pl.Int64})
    return pl.concat(frames) if frames else empty


@pytest.mark.parametrize("keys", [[], ["only.jsonl"], ["a.jsonl", "b.jsonl"]])
def test_a_lazy_reader_gets_a_dict_of_scans_and_its_lazy_output_is_written_whole(tmp_path, keys):
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions("io_test", keys)
    io = AtomicParquetIOManager(base_dir=str(tmp_path))
    resources = {"io_manager": io}
    assets = [numbers, doubled, every_partition_lazily]
    for key in keys:
        assert materialize(
            assets, partition_key=key, instance=instance, resources=resources,
            selection=[numbers, doubled],
        ).success  # fmt: skip
    assert materialize(
        assets, instance=instance, resources=resources, selection=[every_partition_lazily]
    ).success
    written = pl.read_parquet(tmp_path / "every_partition_lazily.parquet")
    assert written["partition"].to_list() == keys
    assert written["n"].to_list() == [2] * len(keys)
    assert [p.name for p in tmp_path.rglob("*") if ".tmp-" in p.name] == []
