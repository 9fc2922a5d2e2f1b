"""Parquet IO manager whose local writes are atomic, and whose all-partitions reads are dicts.

dagster-polars writes straight to the final path, so a run killed mid-write
would leave a truncated file that looks materialized. Locally we write to a
sibling temp file and rename it into place; object stores (s3://, gs://) make a
PUT visible only once it completes, so there we keep the library's behaviour.

An unpartitioned asset (a release) reading a partitioned one always gets a dict
partition key -> frame, also when one partition or none exists (dagster-polars hands
over a bare frame, or None, then); with a `dict[str, pl.LazyFrame]` annotation the
frames are scans, so a release reads only the columns and partitions it collects. A
`pl.LazyFrame` output is streamed to its file (sink_parquet), atomically as well.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import polars as pl
from dagster import InputContext, OutputContext
from dagster_polars import PolarsParquetIOManager

if TYPE_CHECKING:
    from upath import UPath

_LOCAL_PROTOCOLS = {"", "file", "local"}


def _is_local(path: UPath) -> bool:
    protocol = getattr(path, "protocol", "") or ""
    return protocol in _LOCAL_PROTOCOLS


class AtomicParquetIOManager(PolarsParquetIOManager):
    """`<base_dir>/<asset key>/<partition>.parquet`, never half-written."""

    def write_df_to_path(self, context: OutputContext, df: pl.DataFrame, path: UPath) -> None:
        if not _is_local(path):
            super().write_df_to_path(context, df, path)
            return
        _atomically(path, lambda tmp: df.write_parquet(tmp, compression="zstd"))

    def sink_df_to_path(self, context: OutputContext, df: pl.LazyFrame, path: UPath) -> None:
        """A LazyFrame output (a release too big to collect) is streamed to the file."""
        if not _is_local(path):
            super().sink_df_to_path(context, df, path)
            return
        _atomically(path, lambda tmp: df.sink_parquet(tmp, compression="zstd"))

    def load_input(self, context: InputContext) -> Any:
        loaded = super().load_input(context)
        if not _reads_all_partitions(context):
            return loaded
        if loaded is None:
            return {}
        if isinstance(loaded, dict):
            return loaded
        (key,) = context.asset_partition_keys
        return {key: loaded}


def _atomically(path: UPath, write: Callable[[str], None]) -> None:
    """`write(tmp)` to a sibling temp file, then rename it over `path`."""
    final = os.fspath(path.path if hasattr(path, "path") else path)
    os.makedirs(os.path.dirname(final), exist_ok=True)
    tmp = f"{final}.tmp-{uuid.uuid4().hex}"
    try:
        write(tmp)
        os.replace(tmp, final)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


def _reads_all_partitions(context: InputContext) -> bool:
    """An unpartitioned step reading a partitioned asset."""
    return context.has_asset_key and context.has_asset_partitions and not context.has_partition_key
