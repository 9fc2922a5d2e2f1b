"""What one reward costs: `compute_score` per call, `compute_score_batch` per response, vs a pytest process each.

Items are KodCode trials from `../shared/reference/kodcode/algorithm_trials.jsonl`
(passing and failing ones, timed-out ones left out) when that folder exists,
else a few built-in items. Each trial's solution is wrapped as a model response
(```python block after a `<think>` section), so the reward extracts, aligns and
runs it exactly as in training; the reward should be 1.0 exactly for `Pass`.

    python bench/reward_cost.py [--items 24] [--workers 2]

Prints per-response milliseconds for the three ways, their ratios, and the
agreement of rewards with the recorded verdicts.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assets.kodcode import reward
from assets.kodcode.answers import ground_truth
from assets.kodcode.parsing import build_test_info
from resources.sandbox import Sandbox

REFERENCE = REPO.parent / "shared" / "reference" / "kodcode" / "algorithm_trials.jsonl"

BUILT_IN = [
    (
        "def add(a, b):\n    return a + b",
        "from solution import add\n\ndef test_add():\n    assert add(2, 3) == 5",
        True,
    ),
    (
        "def add(a, b):\n    return a - b",
        "from solution import add\n\ndef test_add():\n    assert add(2, 3) == 5",
        False,
    ),
    (
        "def rev(s):\n    return s[::-1]",
        "from solution import rev\n\ndef test_rev():\n    assert rev('ab') == 'ba'",
        True,
    ),
    (
        "def rev(s):\n    return s",
        "from solution import rev\n\ndef test_rev():\n    assert rev('ab') == 'ba'",
        False,
    ),
]


def load_items(limit: int) -> tuple[list[tuple[str, str, bool]], str]:
    """(solution, tests, expected pass) triples, passes and failures interleaved."""
    if not REFERENCE.exists():
        return (BUILT_IN * (limit // len(BUILT_IN) + 1))[
            :limit
        ], "built-in items (reference data absent)"
    passes, fails = [], []
    for line in REFERENCE.read_text().splitlines():
        record = json.loads(line)
        if record["recorded_verdict"] == "Pass":
            passes.append((record["solution_code"], record["test_code"], True))
        elif record["recorded_verdict"] == "Fail":
            fails.append((record["solution_code"], record["test_code"], False))
    items = [x for pair in zip(passes, fails) for x in pair][:limit]
    return (
        items,
        f"KodCode reference trials ({sum(e for *_, e in items)} passing, {sum(not e for *_, e in items)} failing)",
    )


def as_reward_inputs(items: list[tuple[str, str, bool]]) -> tuple[list[str], list[str]]:
    responses, truths = [], []
    for solution, tests, _ in items:
        responses.append(f"<think>Reasoning elided.</think>\n```python\n{solution}\n```")
        try:
            info = build_test_info(solution, tests)
        except SyntaxError:
            info = []
        truths.append(ground_truth(tests, info))
    return responses, truths


def pytest_process_each(items: list[tuple[str, str, bool]], timeout_s: float) -> list[float]:
    """KodCode's way: write solution.py and test file, run `python -m pytest` per item (no isolation)."""
    times = []
    for solution, tests, _ in items:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp, "solution.py").write_text(solution)
            Path(tmp, "test_solution.py").write_text(tests)
            start = time.perf_counter()
            try:
                subprocess.run(
                    [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", tmp],
                    cwd=tmp,
                    check=False,
                    capture_output=True,
                    timeout=timeout_s,
                    env={**os.environ, "PYTHONPATH": tmp},
                )
            except subprocess.TimeoutExpired:
                pass
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", default="bwrap")
    args = parser.parse_args()

    items, source = load_items(args.items)
    responses, truths = as_reward_inputs(items)
    expected = [1.0 if e else 0.0 for *_, e in items]
    print(
        f"items: {len(items)} from {source}; sandbox backend {args.backend}, {args.workers} workers"
    )

    with Sandbox(backend=args.backend, workers=args.workers, timeout_s=10.0) as box:
        reward.use_sandbox(box)
        start = time.perf_counter()
        reward.compute_score("assay/kodcode", responses[0], truths[0])
        warmup = time.perf_counter() - start
        single, scores = [], []
        for response, truth in zip(responses, truths):
            start = time.perf_counter()
            scores.append(reward.compute_score("assay/kodcode", response, truth))
            single.append(time.perf_counter() - start)
        start = time.perf_counter()
        batch_scores = reward.compute_score_batch(["assay/kodcode"] * len(items), responses, truths)
        batch = time.perf_counter() - start
        reward.use_sandbox(None)
    baseline = pytest_process_each(items, timeout_s=30.0)

    ms = lambda s: s * 1000
    per_single = statistics.mean(single)
    per_batch = batch / len(items)
    per_baseline = statistics.mean(baseline)
    print(f"first call (starts the warm pool): {ms(warmup):8.1f} ms")
    print(
        f"compute_score, one call each:      {ms(per_single):8.1f} ms/response  (p50 {ms(statistics.median(single)):.1f}, "
        f"max {ms(max(single)):.1f})"
    )
    print(f"compute_score_batch, {len(items)} at once:   {ms(per_batch):8.1f} ms/response")
    print(f"pytest process per item (KodCode): {ms(per_baseline):8.1f} ms/response")
    print(
        f"speed-up vs a pytest process each: {per_baseline / per_single:5.1f}x one call each, {per_baseline / per_batch:5.1f}x batched"
    )
    agree = sum(s == e for s, e in zip(scores, expected))
    print(
        f"rewards agreeing with the recorded verdicts: {agree}/{len(items)}; batch equals single: {batch_scores == scores}"
    )


if __name__ == "__main__":
    main()
