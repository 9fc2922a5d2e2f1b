"""Release selection by the shared policy: one copy of a program (the first seed file's),
benchmark look-alikes set aside with all their records."""

import polars as pl

from assets.codeio.selection import decide
from assets.common.decontam import BenchmarkProblem, DecontamIndex
from assets.common.release import CAUTION, NEAR_DUPLICATE, TRAIN, ReleasePolicy

BENCHMARK = DecontamIndex(
    [
        BenchmarkProblem(
            "toy",
            "toy/0",
            "Return the sum of the squares of the odd numbers in the list nums, ignoring negatives.",
        )
    ]
)
PROGRAM = "def main_solution(xs):\n    return sorted(xs)\n\ndef input_generator():\n    return {'xs': [3, 1, 2]}\n"


def records(*rows):
    keys = ["prompt_id", "item_id", "partition", "content_sha", "kind", "pair_index", "prompt"]
    return pl.DataFrame([dict(zip(keys, r)) for r in rows])


def pairs(programs: dict[str, str]) -> pl.DataFrame:
    return pl.DataFrame({"item_id": list(programs), "program": list(programs.values())})


def test_a_program_in_two_seed_files_is_kept_from_the_first_file_by_name():
    df = records(
        ("p1", "i1", "b.jsonl", "sha", "output", 0, "q"),
        ("p2", "i2", "a.jsonl", "sha", "output", 0, "q"),
        ("p3", "i3", "b.jsonl", "other", "output", 0, "q"),
    )
    programs = pairs(
        {"i1": PROGRAM, "i2": PROGRAM, "i3": "def main_solution(n):\n    return n * n\n"}
    )
    decided = decide(df, programs, ReleasePolicy(), BENCHMARK).sort("prompt_id")
    assert decided["split"].to_list() == [NEAR_DUPLICATE, TRAIN, TRAIN]


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
    policy = ReleasePolicy(contamination_threshold=0.5)
    selected = decide(df, pairs({}), policy, BENCHMARK).sort("prompt_id")
    assert selected["split"].to_list() == [CAUTION, CAUTION, TRAIN]
    assert selected["benchmark_task_id"].to_list()[:2] == ["toy/0", "toy/0"]
    assert selected["benchmark_similarity"][2] < 0.5
