"""Accounting every asset reports: rows in = rows out + rows dropped, with reasons.

Numbers stay numbers so Dagster plots them over time; a preview table shows a
few rows the way people read them.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from dagster import MetadataValue


class AccountingError(AssertionError):
    """Rows went missing between an asset's input and output without a reason."""


def preview_markdown(
    df: pl.DataFrame, columns: Sequence[str] | None = None, rows: int = 5, width: int = 80
) -> str:
    """A small markdown table of the first rows, long cells cut to `width` characters."""
    cols = [c for c in (columns or df.columns) if c in df.columns]
    if not cols:
        return "_(no columns)_"

    def cell(value: Any) -> str:
        text = str(value).replace("\n", " ").replace("|", "\\|")
        return text if len(text) <= width else text[: width - 1] + "…"

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in df.select(cols).head(rows).iter_rows():
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines)


def frame_metadata(
    df: pl.DataFrame,
    *,
    rows_in: int | None = None,
    drops: Mapping[str, int] | None = None,
    preview: Sequence[str] | None = None,
    extra: Mapping[str, Any] | None = None,
    height: int | None = None,
) -> dict[str, Any]:
    """Materialization metadata; raises AccountingError if rows vanished without a reason.

    `height`: the output's rows when `df` is only its first rows (a lazy output's head)."""
    rows_out = df.height if height is None else height
    drops = {k: int(v) for k, v in sorted(Counter(drops or {}).items()) if v}
    dropped = sum(drops.values())
    if rows_in is not None and rows_in != rows_out + dropped:
        raise AccountingError(
            f"{rows_in} rows in, {rows_out} out and {dropped} dropped ({drops}): "
            f"{rows_in - rows_out - dropped} rows are unaccounted for"
        )
    meta: dict[str, Any] = {"dagster/row_count": rows_out, "rows_out": rows_out}
    if rows_in is not None:
        meta["rows_in"] = rows_in
        meta["rows_dropped"] = dropped
    for reason, count in drops.items():
        meta[f"dropped/{reason}"] = count
    if df.height:
        meta["preview"] = MetadataValue.md(preview_markdown(df, preview))
    meta.update(extra or {})
    return meta
