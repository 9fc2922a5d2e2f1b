"""Release selection: one copy per source file, benchmark look-alikes set aside."""

import polars as pl

from assets.codeio.selection import CAUTION, TRAIN, first_copy_per_source, select
from assets.common.decontam import BenchmarkProblem, DecontamIndex

BENCHMARK = DecontamIndex(
    [
        BenchmarkProblem(
            "toy",
            "toy/0",
            "Return the sum of the squares of the odd numbers in the list nums, ignoring negatives.",
        )
    ]
)


def records(*rows):
    keys = ["prompt_id", "item_id", "partition", "content_sha", "kind", "pair_index", "prompt"]
    return pl.DataFrame([dict(zip(keys, r)) for r in rows])


def test_a_source_in_two_seed_files_is_kept_from_the_first_file_by_name():
    df = records(
        ("p1", "i1", "b.jsonl", "sha", "output", 0, "q"),
        ("p2", "i2", "a.jsonl", "sha", "output", 0, "q"),
        ("p3", "i3", "b.jsonl", "other", "output", 0, "q"),
    )
    assert sorted(first_copy_per_source(df)["prompt_id"]) == ["p2", "p3"]


def test_items_close_to_a_benchmark_go_to_use_with_caution_with_all_their_records():
    copied = "Return the sum of the squares of the odd numbers in the list nums, ignoring negatives. Input: nums"
    df = records(
        ("p1", "i1", "a.jsonl", "s1", "output", 0, copied),
        ("p2", "i1", "a.jsonl", "s1", "input", 0, "Given the output, which nums?"),
        (
            "p3",
            "i2",
            "a.jsonl",
            "s2",
            "output",
            0,
            "How many steps does the Collatz walk from start take?",
        ),
    )
    selected = select(df, BENCHMARK, threshold=0.5).sort("prompt_id")
    assert selected["split"].to_list() == [CAUTION, CAUTION, TRAIN]
    assert selected["benchmark_task_id"].to_list()[:2] == ["toy/0", "toy/0"]
    assert selected["benchmark_similarity"][2] < 0.5
