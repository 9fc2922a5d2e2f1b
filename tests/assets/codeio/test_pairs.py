"""I/O pair search: size limits, distinct inputs, stable outputs, and the keep/drop decision."""

import json

from assets.codeio.harness import pair_search_job, rerun_job
from assets.codeio.limits import fits_limits, limit_violation
from assets.codeio.pairs import read_search, reads_clock, rerun_mismatch
from resources.sandbox import CallJob, CallResult

PROGRAM = """
import random

def main_solution(n, xs):
    return sum(xs) * n

def input_generator():
    return {"n": random.randint(1, 5), "xs": [random.randint(0, 9) for _ in range(random.randint(1, 4))]}
"""


def call_result(wire: dict) -> CallResult:
    """A call job's typed result from its wire dict (the job id is not what these tests are about)."""
    return CallResult.from_wire({"id": "job", **wire})


def run_locally(typed: CallJob) -> CallResult:
    """What the sandbox's call job returns, computed in-process (the harness is plain Python)."""
    job = typed.wire()
    namespace: dict = {}
    exec(job["code"], namespace)  # noqa: S102 - the harness is plain Python, run here like the sandbox would
    outcomes = []
    for kwargs in job["inputs"]:
        try:
            value = namespace[job["entry_point"]](**kwargs)
            plain = json.loads(json.dumps(value, allow_nan=False)) == value
            outcomes.append(
                {"ok": True, "value_json": value if plain else None, "value_repr": repr(value)}
            )
        except Exception as exc:  # noqa: BLE001 - recorded like the sandbox does
            outcomes.append(
                {"ok": False, "exception_type": type(exc).__name__, "exception_message": str(exc)}
            )
    return call_result({"id": job["id"], "status": "passed", "outcomes": outcomes})


def search(program: str, seed: int = 7, tries: int = 1000, want: int = 10) -> CallResult:
    return run_locally(pair_search_job("item", program, seed, tries, want, budget_s=30.0))


def test_limits_follow_codeio():
    assert fits_limits({"xs": list(range(19)), "s": "a" * 99})
    assert limit_violation(list(range(20))) == "too_many_items"
    assert limit_violation({"s": "a" * 100}) == "string_too_long"
    assert limit_violation({f"k{i}": i for i in range(20)}) == "too_many_items"
    assert limit_violation([[list(range(25))]]) == "too_many_items"  # recursively
    assert limit_violation(["x" * 90] * 15) == "too_large"  # over 1 KB serialised
    assert limit_violation(float("nan")) == "not_json"
    assert limit_violation({1, 2}) == "not_json"


def test_the_search_keeps_ten_distinct_pairs_whose_outputs_are_right():
    result = read_search(search(PROGRAM), min_pairs=2)
    assert result.reason is None and len(result.pairs) == 10
    inputs = [json.dumps(p["input"], sort_keys=True) for p in result.pairs]
    assert len(set(inputs)) == 10
    assert all(p["output"] == sum(p["input"]["xs"]) * p["input"]["n"] for p in result.pairs)


def test_the_same_seed_draws_the_same_pairs_and_another_seed_others():
    first = read_search(search(PROGRAM, seed=1), 2).pairs
    assert read_search(search(PROGRAM, seed=1), 2).pairs == first
    assert read_search(search(PROGRAM, seed=2), 2).pairs != first


def test_inputs_and_outputs_over_the_limits_are_skipped():
    program = PROGRAM.replace("range(random.randint(1, 4))", "range(random.choice([3, 30]))")
    result = read_search(search(program), 2)
    assert result.reason is None
    assert all(len(p["input"]["xs"]) == 3 for p in result.pairs)
    assert result.rejected["input_too_many_items"] > 0


def test_none_outputs_and_exceptions_are_skipped():
    program = PROGRAM.replace(
        "return sum(xs) * n",
        "if n == 1:\n        return None\n    if n == 2:\n        raise ValueError\n    return n",
    )
    result = read_search(search(program), 2)
    assert {p["output"] for p in result.pairs} <= {3, 4, 5}
    assert result.rejected["output_none"] > 0 and result.rejected["solution_exception"] > 0


def test_a_generator_with_few_distinct_inputs_gives_too_few_pairs():
    program = PROGRAM.replace("random.randint(1, 5)", "1").replace(
        "[random.randint(0, 9) for _ in range(random.randint(1, 4))]", "[1]"
    )
    result = read_search(search(program), 2)
    assert result.reason == "too_few_pairs" and len(result.pairs) == 1
    assert result.rejected["duplicate_input"] > 900


def test_a_random_main_solution_is_dropped_as_nondeterministic():
    program = PROGRAM.replace("return sum(xs) * n", "return sum(xs) * n + random.random()")
    assert read_search(search(program), 2).reason == "nondeterministic"


def test_an_input_mutated_by_main_solution_is_recorded_as_it_was_drawn():
    program = PROGRAM.replace("return sum(xs) * n", "xs.append(99)\n    return len(xs)")
    result = read_search(search(program), 2)
    assert all(p["output"] == len(p["input"]["xs"]) + 1 for p in result.pairs)


def test_a_job_that_failed_in_the_sandbox_names_the_stage():
    assert (
        read_search(call_result({"status": "timeout", "outcomes": []}), 2).reason
        == "search_timeout"
    )
    assert (
        read_search(
            call_result({"status": "error", "outcomes": [], "load_error": "ModuleNotFoundError"}),
            2,
        ).reason
        == "search_error"
    )
    per_call = call_result(
        {"status": "passed", "outcomes": [{"ok": False, "exception_type": "Timeout"}]}
    )
    assert read_search(per_call, 2).reason == "search_timeout"


def test_the_rerun_must_reproduce_every_output():
    pairs = read_search(search(PROGRAM), 2).pairs
    assert (
        rerun_mismatch(pairs, run_locally(rerun_job("item", PROGRAM, [p["input"] for p in pairs])))
        is None
    )
    drifting = PROGRAM.replace("return sum(xs) * n", "return sum(xs) * n + 1")
    reason, detail = rerun_mismatch(
        pairs, run_locally(rerun_job("item", drifting, [p["input"] for p in pairs]))
    )
    assert reason == "nondeterministic" and "pair 0" in detail
    assert (
        rerun_mismatch(pairs, call_result({"status": "timeout", "outcomes": []}))[0]
        == "rerun_timeout"
    )


def test_code_reading_the_clock_or_calendar_is_recognised():
    assert reads_clock(
        "import datetime\ndef main_solution(y):\n    return datetime.date.today().year - y"
    )
    assert reads_clock("import time\ndef main_solution():\n    return time.time()") == "time.time"
    assert reads_clock("from datetime import datetime\nx = datetime.now()") == ".now("
    assert reads_clock("def main_solution(t):\n    return t.time_left") is None
