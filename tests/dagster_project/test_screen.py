"""The demo screen's pieces: the live line's figures, the summary table, example rows."""

from __future__ import annotations

import io

import polars as pl
from rich.console import Console

from dagster_project.screen import example_row, progress_info, summary_table
from resources.progress import Progress


def _render(renderable) -> str:
    console = Console(file=io.StringIO(), width=150)
    console.print(renderable)
    return console.file.getvalue()


def test_the_live_line_shows_llm_tokens_per_second_and_cache_hits():
    line = progress_info(
        Progress("llm", 5, 10, 10.0, cache_hits=2, prompt_tokens=1000, completion_tokens=250)
    )
    assert line == "LLM 25 tok/s (prompt 100/s), 2 cached"
    assert progress_info(Progress("sandbox", 30, 40, 2.0)) == "sandbox 15.0 jobs/s"


def test_the_summary_has_one_row_per_asset_with_rows_per_partition_drops_and_tokens():
    made = [
        (
            "kodcode_questions",
            "a.jsonl",
            {"rows_in": 6, "rows_out": 4, "dropped/copies_seed": 1, "dropped/too_short": 1},
        ),
        ("kodcode_questions", "b.jsonl", {"rows_in": 6, "rows_out": 6}),
        (
            "kodcode_trials",
            "a.jsonl",
            {"rows_out": 8, "llm/prompt_tokens": 2400, "llm/completion_tokens": 900},
        ),
        ("kodcode_test_results", "a.jsonl", {"rows_out": 8, "pass_rate": 0.5}),
        ("kodcode_dataset", None, {"dagster/row_count": 4}),
    ]
    text = _render(summary_table(made))
    lines = {line.split()[0]: line for line in text.splitlines() if line.strip()}
    assert (
        "6→4" in lines["kodcode_questions"]
        and "copies_seed 1, too_short 1" in lines["kodcode_questions"]
    )
    assert "2.4k/900" in lines["kodcode_trials"]
    assert "0.50" in lines["kodcode_test_results"]
    assert lines["kodcode_dataset"].split()[-1] == "4"


def test_an_example_row_shows_a_few_nonempty_fields_each_on_one_line(tmp_path):
    path = tmp_path / "train.parquet"
    pl.DataFrame(
        {
            "a": ["x\ny"],
            "b": [None],
            "c": ["long " * 50],
            "d": [1],
            "e": [2],
            "f": [3],
            "g": [4],
            "h": [5],
        }
    ).write_parquet(path)
    lines = example_row(path, width=60)
    assert lines[0] == "a: x y"
    assert lines[1].startswith("c: long") and lines[1].endswith("…") and len(lines[1]) <= 61
    assert lines[-1].startswith("… and 1 more columns: h")
