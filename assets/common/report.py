"""One step report per asset: rows in = rows out + rows dropped, with reasons and examples.

    report = StepReport(rows_in=questions.height, log=context.log)
    report.drop("no_passing_trial", key=q["question_id"], detail="0 of 3 trials passed")
    report.tally("difficulty", df["difficulty"].to_list())
    report.share("verified_share", df.height, questions.height)
    report.add(answers.metadata())
    report.emit(context, df, preview=["subset", "difficulty", "question"])

`emit` raises AccountingError when rows vanished without a reason, and writes numbers as
numbers (so the UI plots them over runs), one example per drop reason and a Markdown
preview of a few rows.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

import polars as pl
from dagster import AssetExecutionContext, MetadataValue

from assets.common.bookkeeping import AccountingError, frame_metadata, preview_markdown

__all__ = ["AccountingError", "StepReport", "preview_markdown"]

EXAMPLE_CHARS = 500
# Drops logged one by one per reason; the rest are counted in one line at emit. Each log
# line is an event in the Dagster instance: 100,000 rows must not write 7,000 of them.
LOGGED_DROPS = 5
PREVIEW_ROWS = 5  # preview_markdown's default
FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)


class StepReport:
    """Drops (with a first example each), tallies, shares and extra figures of one step."""

    def __init__(self, rows_in: int | None, log: logging.Logger | None = None) -> None:
        self.rows_in = rows_in
        self.drops: Counter[str] = Counter()
        self.examples: dict[str, str] = {}
        self.figures: dict[str, Any] = {}
        self._log = log

    def drop(self, reason: str, key: str = "", detail: str = "", n: int = 1) -> None:
        """`n` rows left this step for `reason`; the first (key, detail) is kept as its example."""
        if n <= 0:
            return
        self.drops[reason] += n
        if key or detail:
            self.examples.setdefault(reason, f"{key}: {detail}"[:EXAMPLE_CHARS] if detail else key)
        if self._log is not None and self.drops[reason] - n < LOGGED_DROPS:
            self._log.debug(f"{key or reason} dropped: {reason}{': ' + detail if detail else ''}")

    def tally(self, prefix: str, values: Iterable[Any], known: Sequence[str] = ()) -> Counter:
        """`<prefix>/<value>` counts (sorted; `known` values appear even at zero)."""
        counts = Counter(str(v) for v in values)
        for value in sorted(set(counts) | set(known)):
            self.figures[f"{prefix}/{value}"] = counts.get(value, 0)
        return counts

    def share(self, name: str, part: float, whole: float) -> float:
        """`part / whole` as a float figure (0 when `whole` is 0)."""
        value = part / max(1, whole)
        self.figures[name] = value
        return value

    def add(self, figures: Mapping[str, Any]) -> None:
        """More figures (e.g. `answers.metadata()`, a config's parameters)."""
        self.figures.update(figures)

    def metadata(
        self, df: pl.DataFrame | pl.LazyFrame, preview: Sequence[str] | None = None
    ) -> dict[str, Any]:
        """The materialization metadata; raises AccountingError if rows are unaccounted for.
        A LazyFrame (a release streamed to its file) is counted and previewed, not collected."""
        examples = {
            f"drop_example/{reason}": MetadataValue.text(text)
            for reason, text in sorted(self.examples.items())
        }
        height = None
        if isinstance(df, pl.LazyFrame):
            height = int(df.select(pl.len()).collect().item())
            df = df.head(PREVIEW_ROWS).collect()
        return frame_metadata(
            df,
            rows_in=self.rows_in,
            drops=self.drops,
            preview=preview,
            extra={**self.figures, **examples},
            height=height,
        )

    def log_unlisted_drops(self) -> None:
        """One line per reason for the drops past the first LOGGED_DROPS."""
        if self._log is None:
            return
        for reason, count in sorted(self.drops.items()):
            if count > LOGGED_DROPS:
                self._log.debug(f"... and {count - LOGGED_DROPS} more dropped: {reason}")

    def emit(
        self,
        context: AssetExecutionContext,
        df: FrameT,
        preview: Sequence[str] | None = None,
    ) -> FrameT:
        """Attach the metadata to the asset's output and hand `df` back."""
        self.log_unlisted_drops()
        context.add_output_metadata(self.metadata(df, preview))
        return df
