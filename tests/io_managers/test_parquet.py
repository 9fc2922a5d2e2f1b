"""Assets land as Parquet at <base>/<asset>/<partition>.parquet and are never half-written."""

import polars as pl
from dagster import DagsterInstance, DynamicPartitionsDefinition, asset, materialize

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
