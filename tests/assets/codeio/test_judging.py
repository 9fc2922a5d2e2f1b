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


def _timeout_then(after: int, runs: list):
    """A sandbox stand-in: every input check times out until run number `after`, then returns 3."""
    from resources.sandbox import CallOutcome, CallResult

    def run(jobs):
        runs.append([j.id for j in jobs])
        if len(runs) <= after:
            outcome = CallOutcome(ok=False, exception_type="Timeout", exception_message="slow")
        else:
            outcome = CallOutcome(ok=True, value_json=3)
        return {j.id: CallResult(j.id, "ok", (outcome,)) for j in jobs}

    return run


def _input_task() -> Task:
    return Task(
        "k", "input", "{}", "3", "def main_solution(a):\n    return a", '{"input": {"a": 3}}'
    )


def test_an_input_check_that_times_out_is_run_again_up_to_the_limit():
    runs: list = []
    verdicts = judge_batch([_input_task()], _timeout_then(2, runs), AssayRules(5.0), 2)
    assert verdicts["k"].status == "success" and len(runs) == 3

    runs = []
    verdicts = judge_batch([_input_task()], _timeout_then(99, runs), AssayRules(5.0), 2)
    assert verdicts["k"].status == "timeout" and len(runs) == 3, "1 run + 2 re-runs, then it stays"
