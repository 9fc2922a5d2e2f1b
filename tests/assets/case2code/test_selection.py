"""Release selection by the shared policy: one copy of a function (the first seed file's),
functions of an evaluation test set set aside with all their prompts."""

from __future__ import annotations

import polars as pl

from assets.case2code.selection import decide
from assets.common.decontam import BenchmarkProblem, DecontamIndex
from assets.common.release import CAUTION, NEAR_DUPLICATE, TRAIN, ReleasePolicy

REFERENCE = (
    "def count_words(text):\n    counts = {}\n    for word in text.lower().split():\n"
    "        word = word.strip('.,!?')\n        counts[word] = counts.get(word, 0) + 1\n"
    "    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))\n"
)
OTHER = "def clip(x, lo=0, hi=10):\n    if x < lo:\n        return lo\n    return min(hi, x)\n"
POLICY = ReleasePolicy(benchmarks=())


def prompts(*rows: tuple[str, str, str, str]) -> pl.DataFrame:
    """(partition, case_id, prompt_id, code) rows, the columns selection reads."""
    return pl.DataFrame(
        [
            {"partition": p, "case_id": c, "prompt_id": i, "case2code": {"code": code}}
            for p, c, i, code in rows
        ]
    )


def test_a_function_of_a_test_set_goes_to_use_with_caution_with_all_its_prompts():
    reformatted = REFERENCE.replace("counts = {}", "counts = {}  # word -> count")
    index = DecontamIndex([BenchmarkProblem("test set t.jsonl", "t1", REFERENCE)])
    df = prompts(
        ("a.jsonl", "c1", "p1", reformatted),
        ("a.jsonl", "c1", "p2", reformatted),
        ("a.jsonl", "c2", "p3", OTHER),
    )
    decided = decide(df, POLICY, index)
    assert decided["split"].to_list() == [CAUTION, CAUTION, TRAIN]
    assert decided["benchmark_task_id"].to_list()[:2] == ["t1", "t1"]


def test_the_same_function_in_two_seed_files_is_kept_from_the_first_file_by_name():
    df = prompts(
        ("b.jsonl", "c1", "p1", OTHER),
        ("a.jsonl", "c1", "p1", OTHER),
        ("b.jsonl", "c2", "p2", REFERENCE),
    )
    decided = decide(df, POLICY, DecontamIndex([]))
    assert decided["split"].to_list() == [NEAR_DUPLICATE, TRAIN, TRAIN]


def test_nothing_is_set_aside_without_references():
    decided = decide(prompts(("a.jsonl", "c1", "p1", REFERENCE)), POLICY, DecontamIndex([]))
    assert decided["split"].to_list() == [TRAIN] and decided["benchmark_similarity"][0] == 0.0
