"""Which trials a question's verdict reads."""

import polars as pl

from assets.kodcode.trials import with_trials


def test_each_question_gets_its_trials_in_trial_order_and_none_when_it_has_none():
    questions = pl.DataFrame({"question_id": ["q2", "q1", "q3"], "question": ["b", "a", "c"]})
    trials = pl.DataFrame(
        {
            "trial_id": ["q1-1", "q2-0", "q1-0"],
            "question_id": ["q1", "q2", "q1"],
            "trial_index": [1, 0, 0],
            "status": ["failed", "passed", "passed"],
        }
    )
    rows = list(with_trials(questions, trials).iter_rows(named=True))
    assert [r["question_id"] for r in rows] == ["q2", "q1", "q3"]  # the questions' order
    assert [t["trial_id"] for t in rows[1]["trials"]] == ["q1-0", "q1-1"]
    assert rows[1]["trials"][0] == {
        "trial_id": "q1-0", "question_id": "q1", "trial_index": 0, "status": "passed"
    }  # fmt: skip
    assert rows[2]["trials"] is None
