"""Every asset accounts for its rows: in = out + dropped."""

import polars as pl
import pytest

from assets.common.bookkeeping import AccountingError, frame_metadata, preview_markdown


def test_metadata_reports_counts_and_drop_reasons_as_numbers():
    df = pl.DataFrame({"q": ["a", "b"]})
    meta = frame_metadata(df, rows_in=5, drops={"near_duplicate": 2, "abstained": 1, "unused": 0})
    assert meta["rows_in"] == 5 and meta["rows_out"] == 2 and meta["rows_dropped"] == 3
    assert meta["dropped/near_duplicate"] == 2 and "dropped/unused" not in meta


def test_rows_that_vanish_without_a_reason_are_an_error():
    with pytest.raises(AccountingError, match="1 rows are unaccounted"):
        frame_metadata(pl.DataFrame({"q": ["a"]}), rows_in=3, drops={"x": 1})


def test_the_preview_escapes_pipes_and_cuts_long_cells():
    table = preview_markdown(pl.DataFrame({"q": ["a|b", "x" * 200]}), width=10)
    assert "a\\|b" in table and "xxxxxxxxx…" in table
