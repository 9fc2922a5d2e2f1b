"""Benchmark decontamination: best matches with their similarity, HumanEval built in."""

import gzip
import json

import pytest

from assets.common.decontam import (
    BenchmarkProblem,
    DecontamIndex,
    find_matches,
    humaneval,
    jsonl_benchmark,
    load_benchmarks,
    ngrams,
)

BENCH = [
    BenchmarkProblem(
        "toy",
        "toy/1",
        "Return the sum of the squares of all odd numbers in the given list of integers.",
    ),
    BenchmarkProblem(
        "toy",
        "toy/2",
        "Given a string, return it with every vowel removed and the consonants kept in order.",
    ),
]


def test_ngrams_are_lowercased_word_windows_and_short_texts_are_one_gram():
    assert ngrams("A b C d e f", 5) == {"a b c d e", "b c d e f"}
    assert ngrams("Just two", 5) == {"just two"}
    assert ngrams("", 5) == frozenset()


def test_a_paraphrase_inside_a_longer_story_still_scores_high():
    index = DecontamIndex(BENCH)
    text = (
        "Alice keeps a notebook of numbers. Write a function that will return the sum of the squares of all odd "
        "numbers in the given list of integers, and explain its complexity."
    )
    match = index.best_match("q1", text)
    assert match.problem_id == "toy/1" and match.similarity >= 0.9
    assert match.jaccard < match.similarity, "Jaccard is reported beside the overlap share"


def test_unrelated_text_has_no_match_and_reporting_respects_the_floor():
    index = DecontamIndex(BENCH)
    assert index.best_match("q", "Sort a linked list in place using merge sort.") is None
    found = find_matches(
        [("near", "return the sum of the squares of all odd numbers"), ("far", "merge two heaps")],
        index,
        report_at=0.5,
    )
    assert set(found) == {"near"} and found["near"].shared_ngrams > 0


def test_humaneval_ships_with_the_package_and_catches_a_restated_problem():
    problems = humaneval()
    assert len(problems) == 164 and problems[0].benchmark == "humaneval"
    index = DecontamIndex(problems)
    text = (
        "Write has_close_elements(numbers, threshold): Check if in given list of numbers, are any two numbers "
        "closer to each other than given threshold."
    )
    match = index.best_match("q", text)
    assert match.problem_id == "HumanEval/0" and match.similarity >= 0.5
    clean = index.best_match(
        "q2", "Write a function count_vowels(s) that returns how many vowels the string s contains."
    )
    assert clean is None or clean.similarity < 0.3


def test_other_benchmarks_load_from_jsonl_files(tmp_path):
    path = tmp_path / "mbpp.jsonl.gz"
    with gzip.open(path, "wt") as handle:
        handle.write(
            json.dumps(
                {"task_id": 7, "text": "Find the shared elements of two lists.", "code": "x"}
            )
            + "\n"
        )
    problems = jsonl_benchmark(path, "mbpp", id_field="task_id", text_fields=("text",))
    assert problems == [BenchmarkProblem("mbpp", "7", "Find the shared elements of two lists.")]


def test_unknown_benchmark_names_fail_with_the_known_list():
    with pytest.raises(ValueError, match="humaneval"):
        load_benchmarks(["no-such-bench"])


def test_mbpp_bigcodebench_and_livecodebench_load_from_the_users_files(tmp_path, monkeypatch):
    from assets.common.decontam import LOCAL_BENCHMARKS, load_benchmarks

    mbpp = tmp_path / "mbpp.jsonl"
    mbpp.write_text(
        '{"task_id": 11, "text": "Write a python function to remove first and last occurrence of a given character from the string."}\n'
    )
    monkeypatch.setenv(LOCAL_BENCHMARKS["mbpp"].env, str(mbpp))
    (problem,) = load_benchmarks(["mbpp"])
    assert (problem.benchmark, problem.problem_id) == ("mbpp", "11")
    monkeypatch.delenv(LOCAL_BENCHMARKS["bigcodebench"].env, raising=False)
    with pytest.raises(ValueError, match="ASSAY_BENCHMARK_BIGCODEBENCH"):
        load_benchmarks(["bigcodebench"])
