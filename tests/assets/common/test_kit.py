"""The step kit: ask, run_jobs, the step report, count checks and the release policy."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from assets.common.ask import ANSWER_SCHEMA, ask, requests_from, row_failure
from assets.common.checks import count_check
from assets.common.decontam import BenchmarkProblem, DecontamIndex
from assets.common.execute import CallJob, PytestJob, job_timing, run_jobs
from assets.common.release import (
    CAUTION,
    CONTAMINATED,
    NEAR_DUPLICATE,
    TRAIN,
    ReleaseItem,
    ReleasePolicy,
    sharegpt_files,
)
from assets.common.report import AccountingError, StepReport
from resources.llm import LLMRequest
from resources.sandbox import REPR_CHARS, CallOutcome, SandboxResource
from tests.fakes.openai_server import FaultPlan, OpenAIServer
from tests.fakes.scripted_llm import scripted_llm

needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None, reason="needs bubblewrap")


def _echo(body: dict) -> str:
    return "answer to " + body["messages"][-1]["content"]


def test_ask_gives_one_row_per_sample_with_the_shared_answer_columns(tmp_path):
    rows = pl.DataFrame({"question_id": ["q1", "q2"], "subset": ["a", "b"], "text": ["x", "y"]})
    with OpenAIServer(_echo) as server:
        answers = ask(
            scripted_llm(server.base_url, tmp_path),
            [
                LLMRequest(
                    key=r["question_id"], messages=[{"role": "user", "content": r["text"]}], n=2
                )
                for r in rows.iter_rows(named=True)
            ],
        )
    df = answers.frame(rows, key="question_id", keep=["subset"])
    assert df.columns == ["question_id", "subset", *ANSWER_SCHEMA]
    assert df["question_id"].to_list() == ["q1", "q1", "q2", "q2"]
    assert df["sample_index"].to_list() == [0, 1, 0, 1]
    assert df["response"].to_list()[2] == "answer to y"
    assert {row_failure(r) for r in df.iter_rows(named=True)} == {"none"}
    assert answers.metadata()["llm/samples"] == 4


def test_ask_names_a_truncated_answer_truncated_on_the_completion_and_the_row(tmp_path):
    with OpenAIServer(_echo, faults=FaultPlan(truncated=1.0)) as server:
        answers = ask(
            scripted_llm(server.base_url, tmp_path, failure_threshold=1.0),
            [LLMRequest(key="k", messages=[{"role": "user", "content": "long"}])],
            truncation_is_an_outcome=True,
        )
    (completion,) = answers.completions
    assert completion.failure == "truncated" and not completion.ok
    assert row_failure(answers.frame().row(0, named=True)) == "truncated"


def test_ask_sends_nothing_for_no_requests():
    answers = ask(None, [])  # type: ignore[arg-type]
    assert len(answers) == 0 and list(answers.completions) == [] and answers.metadata() == {}
    assert answers.frame(key="question_id").columns == ["question_id", *ANSWER_SCHEMA]


def test_a_batch_is_asked_a_window_at_a_time_and_answers_come_back_in_request_order(tmp_path):
    made: list[str] = []
    built_when_first_asked: list[int] = []

    def responder(body: dict) -> str:
        built_when_first_asked.append(len(made))
        return "answer to " + body["messages"][-1]["content"]

    def requests():
        for k in range(10):
            made.append(f"q{k}")
            yield LLMRequest(key=f"q{k}", messages=[{"role": "user", "content": f"x{k}"}], n=2)

    with OpenAIServer(responder) as server:
        llm = scripted_llm(server.base_url, tmp_path, window_samples=4, concurrency=2)
        answers = ask(llm, requests())
    assert built_when_first_asked[0] <= 2  # one window (4 samples = 2 requests) built, no more
    df = answers.frame(key="question_id")
    assert df["question_id"].to_list() == [f"q{k}" for k in range(10) for _ in (0, 1)]
    assert df["sample_index"].to_list() == [0, 1] * 10
    assert df["response"].to_list()[5] == "answer to x2"
    assert answers.metadata()["llm/samples"] == 20 and answers.metadata()["llm/requests"] == 10


def test_a_sample_repeated_in_a_later_window_is_served_from_the_cache(tmp_path):
    sent: list[str] = []

    def responder(body: dict) -> str:
        sent.append(body["messages"][-1]["content"])
        return "ok"

    same = [{"role": "user", "content": "same"}]
    requests = [LLMRequest(key=f"k{k}", messages=same) for k in range(6)]
    with OpenAIServer(responder) as server:
        answers = ask(scripted_llm(server.base_url, tmp_path, window_samples=2), requests)
    assert sent == ["same"]
    assert [c.cached for c in answers.completions] == [False, True, True, True, True, True]


def test_a_dead_endpoint_opens_the_breaker_once_for_the_whole_batch_not_once_per_window(tmp_path):
    llm = scripted_llm(
        "http://127.0.0.1:9/v1",
        tmp_path,
        window_samples=2,
        circuit_breaker_after=3,
        max_retries=0,
        failure_threshold=1.0,
        concurrency=1,
    )
    requests = [
        LLMRequest(key=f"k{k}", messages=[{"role": "user", "content": str(k)}]) for k in range(8)
    ]
    answers = ask(llm, requests)
    assert answers.metadata()["llm/sent"] == 3
    assert answers.metadata()["llm/failed/circuit_open"] == 5


def test_requests_from_rows_are_made_lazily_and_count_their_samples():
    rows = pl.DataFrame({"id": ["a", "b", "c"], "text": ["x", "", "z"]})
    made: list[str] = []

    def messages(r):
        made.append(r["id"])
        return [{"role": "user", "content": r["text"]}]

    requests = requests_from(rows, "id", messages, n=3, where=lambda r: bool(r["text"]))
    assert len(requests) == 2 and requests.samples == 6 and made == []
    assert [r.key for r in requests] == ["a", "c"] and made == ["a", "c"]


def test_the_step_report_accounts_for_every_row_and_keeps_one_example_per_reason():
    report = StepReport(rows_in=4)
    report.drop("no_passing_trial", key="q1", detail="0 of 3 passed")
    report.drop("no_passing_trial", key="q2", detail="0 of 3 passed")
    report.tally("difficulty", ["easy", "hard"], known=["medium"])
    report.share("verified_share", 2, 4)
    df = pl.DataFrame({"question_id": ["q3", "q4"]})
    meta = report.metadata(df, preview=["question_id"])
    assert meta["rows_in"] == 4 and meta["rows_out"] == 2 and meta["rows_dropped"] == 2
    assert meta["dropped/no_passing_trial"] == 2
    assert meta["drop_example/no_passing_trial"].value == "q1: 0 of 3 passed"
    assert meta["difficulty/medium"] == 0 and meta["verified_share"] == 0.5
    assert "| q3 |" in meta["preview"].value
    with pytest.raises(AccountingError, match="1 rows are unaccounted for"):
        StepReport(rows_in=3).metadata(df)


def test_a_count_check_passes_only_when_every_count_is_zero():
    assert count_check({"duplicate_ids": 0, "empty": 0}, info={"rows": 5}).passed
    failed = count_check({"duplicate_ids": 1, "empty": 0})
    assert not failed.passed and failed.metadata["duplicate_ids"].value == 1


def _index() -> DecontamIndex:
    text = (
        "check if in given list of numbers are any two numbers closer to each other than threshold"
    )
    return DecontamIndex([BenchmarkProblem("bench", "B/0", text)])


CLOSE = "Check if in given list of numbers are any two numbers closer to each other than threshold, please"


def test_the_release_policy_keeps_one_canonical_member_and_sends_contamination_to_caution():
    question = (
        "Write a function that counts how many vowels the given string contains and returns it"
    )
    items = [
        ReleaseItem("b", question + ".", [question + "."]),
        ReleaseItem("a", question + "!", [question + "!"]),
        ReleaseItem("a-complete", None, ["def count(s): ..."], parent="a"),
        ReleaseItem("c", "close", [CLOSE]),
    ]
    decisions = ReleasePolicy().decide(items, _index())
    assert decisions["a"].decision == TRAIN and decisions["a-complete"].decision == TRAIN
    assert decisions["b"].decision == NEAR_DUPLICATE and decisions["b"].canonical_id == "a"
    assert decisions["c"].decision == CAUTION and decisions["c"].match.problem_id == "B/0"
    assert ReleasePolicy().decide(list(reversed(items)), _index()) == decisions
    dropping = ReleasePolicy(contaminated=CONTAMINATED).decide(items, _index())
    assert dropping["c"].decision == CONTAMINATED and not dropping["c"].released


def test_sharegpt_files_are_the_records_and_the_llamafactory_entry():
    files = sharegpt_files("demo", [{"conversations": [], "system": ""}])
    assert set(files) == {"sft_sharegpt.json", "dataset_info.json"}
    assert '"file_name": "sft_sharegpt.json"' in files["dataset_info.json"]


def test_a_call_outcome_reads_values_back_and_knows_a_cut_repr():
    assert CallOutcome(ok=True, value_json=None, value_repr="(1, 2)").value() == (True, [1, 2])
    assert CallOutcome(ok=True, value_json="[1]", value_repr="[1]").value() == (True, [1])
    assert CallOutcome(ok=True, value_json="x", value_repr="'x'").value() == (True, "x")
    assert CallOutcome(ok=False, exception_type="ValueError").value() == (False, None)
    assert CallOutcome(ok=True, value_repr="1" * (REPR_CHARS - 3) + "...").repr_truncated


@needs_bwrap
def test_run_jobs_returns_typed_results_by_job_id():
    sandbox = SandboxResource(backend="bwrap", workers=1, timeout_s=10, coverage=False)
    try:
        results = run_jobs(
            sandbox,
            [
                PytestJob(
                    "t",
                    "def f():\n    return 1",
                    "from solution import f\n\ndef test_f():\n    assert f() == 1",
                ),
                CallJob("c", "def g(x):\n    return (x, x)", "g", inputs=[{"x": 1}, {"x": "a"}]),
            ],
        )
    finally:
        sandbox.close()
    assert results["t"].passed and results["t"].tests_passed == 1
    assert [o.value() for o in results["c"].outcomes] == [(True, [1, 1]), (True, ["a", "a"])]
    assert set(job_timing(results)) == {"sandbox/job_s_median", "sandbox/job_s_max"}
    assert run_jobs(sandbox, []) == {}


@needs_bwrap
def test_sandbox_jobs_are_made_and_run_a_window_at_a_time(monkeypatch):
    from resources.sandbox import sandbox as plain

    monkeypatch.setattr(plain, "WINDOW_JOBS", 2)
    made: list[str] = []

    def jobs():
        for k in range(5):
            made.append(f"c{k}")
            yield CallJob(f"c{k}", "def g(x):\n    return x * 2", "g", inputs=[{"x": k}])

    sandbox = SandboxResource(backend="bwrap", workers=1, timeout_s=10, coverage=False)
    try:
        windows = sandbox.run_windows(jobs())
        first, results = next(windows)
        assert [j.id for j in first] == ["c0", "c1"] and made == ["c0", "c1"]
        assert [r["id"] for r in results] == ["c0", "c1"]
        rest = run_jobs(sandbox, jobs())
    finally:
        sandbox.close()
    assert [o.value() for r in rest.values() for o in r.outcomes] == [
        (True, 2 * k) for k in range(5)
    ]


def test_a_step_logs_its_first_drops_per_reason_and_counts_the_rest_in_one_line(caplog):
    import logging

    log = logging.getLogger("assay.test.drops")
    report = StepReport(rows_in=8, log=log)
    with caplog.at_level(logging.DEBUG, logger=log.name):
        for k in range(8):
            report.drop("near_duplicate", key=f"q{k}", detail="of q0")
        report.log_unlisted_drops()  # as emit does
    lines = [r.getMessage() for r in caplog.records if r.name == log.name]
    assert lines[:5] == [f"q{k} dropped: near_duplicate: of q0" for k in range(5)]
    assert lines[5:] == ["... and 3 more dropped: near_duplicate"]
