"""A prediction the model did not finish is never judged, so a cut-off answer cannot pass."""

from assets.codeio.judging import AssayRules, Task, judge_batch
from assets.codeio.verify import LLM_ERROR


def test_a_failed_or_truncated_answer_is_an_llm_error_and_runs_nothing():
    ran: list = []
    verdicts = judge_batch(
        [Task("k", "output", '{"x": 1}', "2", "def main_solution(x):\n    return x + 1\n", None)],
        ran.append,
        AssayRules(5.0),
    )
    assert verdicts["k"].status == LLM_ERROR
    assert ran == [], "no sandbox job for an answer that was not accepted"
