"""Small frame predicates that asset checks of every family share."""

from __future__ import annotations

import polars as pl


def unique_ids(df: pl.DataFrame, column: str) -> int:
    """How many rows repeat an id already seen in `column` (0 when all are unique)."""
    return df.height - df[column].n_unique() if df.height else 0
