"""Release decisions and record builders: order-independent dedup, decontamination by family, verl rows."""

import json

import polars as pl

from assets.common.decontam import BenchmarkProblem, DecontamIndex
from assets.common.release import ReleasePolicy
from assets.kodcode import release_selection as release
from assets.kodcode import rl
from assets.kodcode.retries import TRIPLETS_SCHEMA

INFO = [
    {
        "function_name": "f",
        "parameter_list": "(x)",
        "function_declaration": "def f(x):",
        "docstring": "",
    }
]
BENCH = DecontamIndex(
    [
        BenchmarkProblem(
            "toy",
            "toy/1",
            "Return the sum of the squares of all odd numbers in the given list of integers.",
        )
    ]
)


def triplet(
    qid: str, question: str, partition: str, style: str = "instruct", parent: str | None = None
) -> dict:
    return {
        "style": style,
        "question_id": qid,
        "partition": partition,
        "subset": "leetcode",
        "mode": "leetcode",
        "question": question,
        "solution": "def f(x):\n    return x",
        "test_code": "from solution import f\n\ndef test_f():\n    assert f(1) == 1",
        "test_info": INFO,
        "pass_sequence": [True],
        "pass_count": 1,
        "trials": 1,
        "pass_percentage": 1.0,
        "difficulty": "easy",
        "chosen_trial": 0,
        "chosen_trial_id": f"t-{qid}",
        "chosen_status": "passed",
        "chosen_coverage": 1.0,
        "parent_question_id": parent or qid,
        "metadata": "{}",
    }


ROWS = [
    triplet(
        "q1",
        "Write a function f(x) that returns the number of distinct words in the sentence x, ignoring case.",
        "a.jsonl",
    ),
    triplet(
        "q2",
        "Write a function f(x) that returns the number of distinct words in the sentence x, ignoring case!",
        "b.jsonl",
    ),
    triplet(
        "q2c", 'def f(x):\n    """Distinct words."""\n', "b.jsonl", style="complete", parent="q2"
    ),
    triplet(
        "q3",
        "Write f(x): return the sum of the squares of all odd numbers in the given list of integers x.",
        "b.jsonl",
    ),
    triplet(
        "q3c",
        'def f(x):\n    """Squares of odd numbers."""\n',
        "b.jsonl",
        style="complete",
        parent="q3",
    ),
    triplet(
        "q4",
        "Write a function f(x) that reverses the linked list x in place and returns its new head.",
        "a.jsonl",
    ),
]


def _select(rows: list[dict]) -> pl.DataFrame:
    return release.select(
        pl.DataFrame(rows, schema=TRIPLETS_SCHEMA),
        ReleasePolicy(dedup_threshold=0.7, contamination_threshold=0.5),
        BENCH,
    )


def test_near_duplicates_across_partitions_keep_one_canonical_member_and_children_follow_their_parent():
    decisions = dict(_select(ROWS).select("question_id", "decision").iter_rows())
    assert (
        decisions["q1"] == "train"
        and decisions["q2"] == "near_duplicate"
        and decisions["q2c"] == "near_duplicate"
    )
    assert decisions["q4"] == "train"


def test_a_contaminated_item_and_its_complete_style_child_go_to_use_with_caution():
    selection = _select(ROWS)
    decisions = dict(selection.select("question_id", "decision").iter_rows())
    assert decisions["q3"] == decisions["q3c"] == "use_with_caution"
    q3 = selection.filter(pl.col("question_id") == "q3").row(0, named=True)
    assert q3["benchmark_task_id"] == "toy/1" and q3["benchmark_similarity"] >= 0.5


def test_the_selection_does_not_depend_on_row_order():
    assert _select(ROWS).equals(_select(list(reversed(ROWS))))


def test_rl_rows_carry_the_tests_and_are_indexed_in_question_order():
    rows = rl.rl_rows([r for r in ROWS if r["question_id"] in ("q4", "q1", "q3c")])
    assert [r["extra_info"]["question_id"] for r in rows] == ["q1", "q3c", "q4"]
    assert [r["extra_info"]["index"] for r in rows] == [0, 1, 2]
    complete = rows[1]
    assert (
        complete["extra_info"]["style"] == "complete"
        and "Complete the following Python code" in complete["prompt"][0]["content"]
    )
    instruct = rows[0]
    assert "`def f(x)`" in instruct["prompt"][0]["content"], (
        "the instruct prompt names the declaration the tests import"
    )
    assert json.loads(instruct["reward_model"]["ground_truth"])["test_info"] == INFO
    df = rl.reindexed(rl.rl_frame(list(reversed(rows))).slice(1), "train")
    assert df["extra_info"].struct.field("index").to_list() == [0, 1]
    assert rl.tests_of(df)["q1"].startswith("from solution import f")


def test_an_empty_selection_has_the_full_schema():
    empty = _select([])
    assert empty.height == 0 and empty.schema == pl.Schema(release.SELECTION_SCHEMA)
