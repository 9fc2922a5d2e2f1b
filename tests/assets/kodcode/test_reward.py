"""The verl reward function scores responses by running the item's tests in the real sandbox."""

import json
import shutil
from pathlib import Path

import pytest

from assets.kodcode import reward
from assets.kodcode.answers import ground_truth
from assets.kodcode.parsing import build_test_info
from resources.sandbox import Sandbox

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)

TEST_INFO = [
    {
        "function_name": "second_largest",
        "parameter_list": "(xs)",
        "function_declaration": "def second_largest(xs):",
        "docstring": "",
    }
]
TRUTH = ground_truth(
    "from solution import second_largest\n\ndef test_basic():\n    assert second_largest([3, 1, 2]) == 2\n\n"
    "def test_duplicates():\n    assert second_largest([5, 5, 4]) == 4\n",
    TEST_INFO,
)
CORRECT = "<think>Distinct values, sorted.</think>\n```python\ndef second_largest(xs):\n    return sorted(set(xs))[-2]\n```"
WRONG = "<think>Sort and take the second.</think>\n```python\ndef second_largest(xs):\n    return sorted(xs)[-2]\n```"
MISNAMED = "```python\ndef runner_up(values):\n    return sorted(set(values))[-2]\n```"


@pytest.fixture(scope="module", autouse=True)
def sandbox():
    with Sandbox(backend="bwrap", workers=2, timeout_s=10.0) as box:
        reward.use_sandbox(box)
        yield box
        reward.use_sandbox(None)


def test_a_correct_response_scores_one_and_a_wrong_one_zero():
    assert reward.compute_score("assay/kodcode", CORRECT, TRUTH) == 1.0
    assert reward.compute_score("assay/kodcode", WRONG, TRUTH, extra_info={"index": 0}) == 0.0


def test_a_correct_answer_under_another_name_is_aligned_before_scoring():
    assert reward.compute_score("assay/kodcode", MISNAMED, TRUTH) == 1.0


def test_responses_without_runnable_code_score_zero_without_a_sandbox_job():
    assert reward.compute_score("assay/kodcode", "<think>hmm</think> I give up.", TRUTH) == 0.0
    assert (
        reward.compute_score("assay/kodcode", "```python\ndef second_largest(xs)\n```", TRUTH)
        == 0.0
    )


def test_the_batch_entry_point_scores_many_responses_in_input_order():
    scores = reward.compute_score_batch(
        ["assay/kodcode"] * 4, [WRONG, CORRECT, "nothing", MISNAMED], [TRUTH] * 4, [None] * 4
    )
    assert scores == [0.0, 1.0, 0.0, 1.0]


def test_the_module_loads_by_file_path_as_verls_custom_reward_function_does(sandbox):
    import importlib.util

    path = Path(reward.__file__)
    spec = importlib.util.spec_from_file_location("custom_module", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.use_sandbox(sandbox)
    assert (
        module.compute_score(
            data_source="assay/kodcode", solution_str=CORRECT, ground_truth=TRUTH, extra_info=None
        )
        == 1.0
    )


REFERENCE = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "reference"
    / "kodcode"
    / "algorithm_trials.jsonl"
)


@pytest.mark.skipif(
    not REFERENCE.exists(),
    reason=f"KodCode reference trials not found at {REFERENCE} (only CI has ../shared/reference)",
)
def test_rewards_agree_with_kodcodes_recorded_verdicts_on_reference_trials():
    records = [json.loads(line) for line in REFERENCE.read_text().splitlines()]
    passing = [r for r in records if r["recorded_verdict"] == "Pass"][:6]
    failing = [r for r in records if r["recorded_verdict"] == "Fail"][:6]
    items = passing + failing
    responses = [f"<think>…</think>\n```python\n{r['solution_code']}\n```" for r in items]
    truths = [
        ground_truth(r["test_code"], build_test_info(r["solution_code"], r["test_code"]))
        for r in items
    ]
    scores = reward.compute_score_batch(["assay/kodcode"] * len(items), responses, truths)
    assert scores == [1.0] * len(passing) + [0.0] * len(failing)
