"""Where assets' frames live: Parquet through dagster-polars, written atomically."""

from io_managers.parquet import AtomicParquetIOManager

__all__ = ["AtomicParquetIOManager"]
