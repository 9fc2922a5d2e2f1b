"""Count-based asset checks: a check is a few counts that must be zero, plus context."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity


def unique_ids(df: pl.DataFrame, column: str) -> int:
    """How many rows repeat an id already seen in `column` (0 when all are unique)."""
    return df.height - df[column].n_unique() if df.height else 0


def count_check(
    must_be_zero: Mapping[str, int],
    info: Mapping[str, Any] | None = None,
    severity: AssetCheckSeverity = AssetCheckSeverity.ERROR,
) -> AssetCheckResult:
    """Passes when every count in `must_be_zero` is 0; all counts and `info` go to metadata.

    return count_check({"empty_questions": empty, "duplicate_ids": dupes})
    """
    counts = {k: int(v) for k, v in must_be_zero.items()}
    return AssetCheckResult(
        passed=not any(counts.values()),
        metadata={**counts, **(info or {})},
        severity=severity,
    )
