"""Releases whose memory follows a batch of partitions, not the whole release.

A release asset reads its partitioned inputs as `dict[str, pl.LazyFrame]` (the IO manager
hands over a dict whatever the number of partitions), collects only the columns a step
needs (`collect_released`), shapes rows a batch of partitions at a time
(`partition_batches`), and writes the dataset through a `ShardedExport`: each batch is
spilled to Parquet beside the export, and the shards are cut from the spills at the end,
so Python-row work never holds more than one batch. The shards are byte-for-byte those
`export_parquet_dataset` writes for the same rows, whatever the batches were.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Self

import polars as pl

from assets.common.release import (
    ROWS_PER_SHARD,
    TRAIN,
    publish,
    shard_count,
    shard_path,
    write_shard,
)

Scans = Mapping[str, pl.LazyFrame]

# Rows shaped in Python at a time: building KodCode's V1 rows took ~0.5 GiB for a batch of
# 20,000 (bench/scale.py release, rows without trials), whatever the release's size.
ROWS_PER_BATCH = 20_000
# Spill files are read back by row ranges; small row groups keep a shard's read close to its rows.
SPILL_ROW_GROUP = 4_096


def partition_rows(scans: Scans) -> dict[str, int]:
    """Rows in each partition, in key order (Parquet footers only; no column is read)."""
    return {key: int(scans[key].select(pl.len()).collect().item()) for key in sorted(scans)}


def partition_batches(scans: Scans, rows_per_batch: int = ROWS_PER_BATCH) -> list[list[str]]:
    """Partition keys in sorted order, grouped into batches of about `rows_per_batch` rows
    (a bigger partition is a batch of its own); empty partitions are left out."""
    batches: list[list[str]] = []
    rows = 0
    for key, count in partition_rows(scans).items():
        if not count:
            continue
        if not batches or rows + count > rows_per_batch:
            batches.append([])
            rows = 0
        batches[-1].append(key)
        rows += count
    return batches


def collect_released(
    scans: Scans,
    schema: Mapping[str, pl.DataType],
    sort_by: str | list[str] | None,
    columns: Sequence[str] | None = None,
    keys: Sequence[str] | None = None,
) -> pl.DataFrame:
    """`released_frames` for lazily read partitions: the rows of `keys` (default: every
    partition) with only `columns` (default: all of `schema`) read, sorted by `sort_by`
    (None: partition by partition in key order, which saves the sort's copy); an empty
    frame of those columns of `schema` when there are none."""
    wanted = list(columns or schema)
    chosen = sorted(scans) if keys is None else sorted(k for k in keys if k in scans)
    parts = []
    for key, rows in partition_rows({k: scans[k] for k in chosen}).items():
        if rows:
            present = set(scans[key].collect_schema().names())
            parts.append(scans[key].select([c for c in wanted if c in present]))
    if not parts:
        return pl.DataFrame(schema={c: schema[c] for c in wanted})
    combined = pl.concat(parts, how="diagonal_relaxed")
    return (combined if sort_by is None else combined.sort(sort_by)).collect()


class ShardedExport:
    """A dataset folder written a batch at a time (`add`), finished in one step (`finish`):

        with ShardedExport(out_dir, sort_by="question_id") as export:
            for batch in batches:
                export.add(rows_of(batch))   # each with a `split` column
            counts = export.scan().group_by("style").len()
            meta = export.finish(card, splits=("train", "use_with_caution"), schema=schema)

    Every added frame must have the same schema. The folder appears atomically on `finish`
    (as `export_parquet_dataset` writes it); leaving the block early removes the staging.
    """

    def __init__(
        self,
        out_dir: Path,
        sort_by: str | list[str],
        split_column: str = "split",
        rows_per_shard: int = ROWS_PER_SHARD,
    ) -> None:
        self.out_dir = Path(out_dir)
        self.sort_by = [sort_by] if isinstance(sort_by, str) else list(sort_by)
        self.split_column = split_column
        self.rows_per_shard = rows_per_shard
        self.staging = self.out_dir.with_name(f".{self.out_dir.name}.tmp-{uuid.uuid4().hex}")
        self._spill = self.staging / ".spill"
        self._spill.mkdir(parents=True)
        self._files: list[Path] = []
        self._keys: list[pl.DataFrame] = []
        self._schema: pl.Schema | None = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging)

    def add(self, rows: pl.DataFrame) -> None:
        """Spill one batch of rows (sorted by split and key, so a shard's rows in each spill
        file are one run of rows)."""
        if self._schema is None:
            self._schema = rows.schema
        elif rows.schema != self._schema:
            raise ValueError(
                f"batch {len(self._files)} has another schema than the first: "
                f"{dict(rows.schema)} != {dict(self._schema)}"
            )
        if not rows.height:
            return
        rows = rows.sort([self.split_column, *self.sort_by], maintain_order=True)
        path = self._spill / f"{len(self._files):06d}.parquet"
        rows.write_parquet(path, compression="lz4", row_group_size=SPILL_ROW_GROUP)
        keys = rows.select(self.split_column, *self.sort_by).with_columns(
            pl.lit(len(self._files), dtype=pl.UInt32).alias("_file"),
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_row"),
        )
        self._files.append(path)
        self._keys.append(keys)

    def scan(self) -> pl.LazyFrame:
        """Every row added so far, lazily (for counts and the like; in no particular order)."""
        if not self._files:
            return pl.LazyFrame(schema=self._schema or {})
        return pl.scan_parquet(self._files)

    def finish(
        self,
        card: str,
        splits: Sequence[str],
        schema: Mapping[str, pl.DataType] | None = None,
        keep_empty: Sequence[str] = (TRAIN,),
        extra_files: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        """Write each of `splits` as shards (a split without rows only when in `keep_empty`,
        as an empty shard of `schema`, needed when nothing was added), README.md and
        `extra_files`; move the folder into place and return export_parquet_dataset's metadata."""
        schema = self._schema or (pl.Schema(schema) if schema is not None else None)
        if schema is None:
            raise ValueError("an export without rows needs the schema of its rows")
        key_columns = [self.split_column, *self.sort_by]
        keys = (
            pl.concat(self._keys)
            if self._keys
            else pl.DataFrame(schema={c: schema[c] for c in key_columns}).with_columns(
                pl.lit(0, dtype=pl.UInt32).alias("_file"), pl.lit(0, dtype=pl.UInt32).alias("_row")
            )
        )
        meta: dict[str, Any] = {"export/path": str(self.out_dir)}
        (self.staging / "data").mkdir()
        for split in sorted(splits):
            ranked = keys.filter(pl.col(self.split_column) == split)
            if not ranked.height and split not in keep_empty:
                continue
            ranked = ranked.sort([*self.sort_by, "_file", "_row"])
            shards = shard_count(ranked.height, self.rows_per_shard)
            for index in range(shards):
                part = ranked.slice(index * self.rows_per_shard, self.rows_per_shard)
                frame = self._gather(part, schema).drop(self.split_column)
                write_shard(frame, shard_path(self.staging, split, index, shards))
            meta[f"export/{split}_rows"] = ranked.height
        shutil.rmtree(self._spill)
        publish(self.staging, self.out_dir, card, extra_files)
        return meta

    def _gather(self, part: pl.DataFrame, schema: Mapping[str, pl.DataType]) -> pl.DataFrame:
        """The rows `part` names (file, row), sorted by key: in each spill file they are one
        run, so each is read as a slice."""
        if not part.height:
            return pl.DataFrame(schema=dict(schema))
        runs = part.group_by("_file").agg(
            pl.col("_row").min().alias("start"),
            pl.len().alias("rows"),
            (pl.col("_row").max() - pl.col("_row").min() + 1).alias("span"),
        )
        if (runs["rows"] != runs["span"]).any():
            raise AssertionError("a shard's rows are not one run in a spill file")
        # One collect per slice: Polars pushes a slice into the Parquet reader (row groups
        # before it are skipped), but not through a concat of scans.
        slices = [
            pl.scan_parquet(self._files[f]).slice(start, rows).collect()
            for f, start, rows, _ in runs.sort("_file").iter_rows()
        ]
        gathered = pl.concat(slices)
        return gathered.sort(self.sort_by, maintain_order=True).rechunk()


def scan_exported(
    out_dir: Path, schema: Mapping[str, pl.DataType], split_column: str = "split"
) -> pl.LazyFrame:
    """The rows an export wrote, with their split back in `split_column` and the columns in
    `schema`'s order: what a release asset hands its IO manager instead of the whole frame."""
    shards: dict[str, list[Path]] = {}
    for path in sorted((Path(out_dir) / "data").glob("*.parquet")):
        shards.setdefault(path.name.rsplit("-", 3)[0], []).append(path)
    parts = [
        pl.scan_parquet(paths)
        .with_columns(pl.lit(split, dtype=pl.Utf8).alias(split_column))
        .select(list(schema))
        for split, paths in sorted(shards.items())
    ]
    return pl.concat(parts) if parts else pl.LazyFrame(schema=dict(schema))
