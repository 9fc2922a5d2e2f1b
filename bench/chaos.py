"""1,000 questions through the KodCode chain while the model endpoint misbehaves on 30% of requests.

Seed prompts → raw questions (LLM) → questions → solution trials (LLM) → test results
(sandbox) → verified triplets, one partition, against the loopback fake server with every
fault kind injected (429 with and without Retry-After, 500, 503, connection resets, read
timeouts, slow answers, truncated and content-filtered answers, empty and malformed bodies).
A scripted model gives each question its own text and a small correct trial.

Prints requests sent against the fault-free minimum, where the failures went (rows with a
reason, counted in metadata), rows lost by the accounting of every asset and every edge of
the chain (must be 0), what a re-run of the LLM stages has to send, and timings.

    python bench/chaos.py [--questions 1000] [--fault-rate 0.3] [--n-trials 2]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dagster import DagsterInstance

import assets.kodcode as stages
from tests.fakes.openai_server import FaultPlan, OpenAIServer
from tests.integration.harness import (
    ASSET_NAMES,
    LLM_ASSETS,
    RunSettings,
    metadata_by_asset,
    rows_lost,
    run_partition,
    step_failures,
    step_seconds,
)
from tests.integration.scripted import ScriptedKodCode, write_seed_file

PARTITION = "chaos.jsonl"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--fault-rate", type=float, default=0.3)
    parser.add_argument("--n-trials", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--workers", type=int, default=2, help="sandbox workers")
    parser.add_argument("--seed", type=int, default=0, help="fault plan seed")
    args = parser.parse_args()

    plan = FaultPlan.uniform(
        args.fault_rate, seed=args.seed, retry_after_s=0.05, timeout_sleep_s=1.5, slow_s=0.2
    )
    settings = RunSettings(
        n_trials=args.n_trials,
        concurrency=args.concurrency,
        timeout_s=1.0,
        retry_base_s=0.05,
        retry_max_s=0.5,
        sandbox_workers=args.workers,
    )
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        write_seed_file(home / "seeds" / "kodcode" / PARTITION, args.questions)
        instance = DagsterInstance.ephemeral()
        with OpenAIServer(ScriptedKodCode(), faults=plan) as server:
            started = time.perf_counter()
            result = run_partition(home, server.base_url, PARTITION, settings, instance=instance)
            elapsed = time.perf_counter() - started
            seen = server.stats.snapshot()
            if not result.success:
                print(f"run failed: {step_failures(result)}", file=sys.stderr)
                return 1
            meta = metadata_by_asset(result)
            before = seen["requests"]
            rerun_started = time.perf_counter()
            rerun = run_partition(
                home,
                server.base_url,
                PARTITION,
                settings,
                instance=instance,
                checks=False,
                selection=[
                    stages.kodcode_seed_prompts,
                    stages.kodcode_raw_questions,
                    stages.kodcode_questions,
                    stages.kodcode_solution_trials,
                ],
            )
            rerun_s = time.perf_counter() - rerun_started
            rerun_sent = server.stats.snapshot()["requests"] - before
        rerun_meta = metadata_by_asset(rerun)

    samples = sum(meta[a]["llm/samples"] for a in LLM_ASSETS)
    sent = sum(meta[a]["llm/sent"] for a in LLM_ASSETS)
    failed = sum(meta[a]["llm/failed"] for a in LLM_ASSETS)
    reasons: Counter = Counter()
    for asset in LLM_ASSETS:
        reasons.update(
            {
                k.removeprefix("llm/failed/"): v
                for k, v in meta[asset].items()
                if k.startswith("llm/failed/")
            }
        )
    fault_free = args.questions * (1 + args.n_trials)
    lost = rows_lost(meta, args.questions, args.n_trials)
    total_lost = sum(abs(n) for _, n in lost)

    print(
        f"questions                {args.questions}, {args.n_trials} trials each, faults injected at {args.fault_rate:.0%} of requests"
    )
    print(f"finished in              {elapsed:.1f} s")
    print(
        f"requests sent            {sent} (server saw {seen['requests']}); fault-free minimum for these batches {samples} "
        f"(ratio {sent / samples:.2f}); a fault-free run of {args.questions} questions needs {fault_free}"
    )
    print(f"retries                  {sum(meta[a]['llm/retries'] for a in LLM_ASSETS)}")
    print(f"faults the server dealt  {dict(sorted(seen['faults'].items()))}")
    print(
        f"samples failed for good  {failed} ({failed / samples:.1%}), each a row with its reason: {dict(sorted(reasons.items()))}"
    )
    print(
        "\nasset                              in      out  dropped (reasons)                             seconds"
    )
    seconds = step_seconds(instance, result.run_id)
    for asset in ASSET_NAMES:
        m = meta[asset]
        drops = {k.removeprefix("dropped/"): v for k, v in m.items() if k.startswith("dropped/")}
        print(
            f"{asset:<32} {m['rows_in']:>6} {m['rows_out']:>8} {m['rows_dropped']:>8} {drops!s:<38} {seconds.get(asset, 0):>7.1f}"
        )
    print(
        f"\nsandbox                  {meta['kodcode_test_results']['sandbox_jobs']} jobs, "
        f"pass rate {meta['kodcode_test_results']['pass_rate']:.3f}; verified share {meta['kodcode_verified_triplets']['verified_share']:.3f}"
    )
    print("\nrows lost, by each asset's accounting and along each edge of the chain:")
    for name, n in lost:
        print(f"  {name:<62} {n}")
    print(f"rows lost                {total_lost}  (must be 0)")
    rerun_hits = sum(rerun_meta[a]["llm/cache_hits"] for a in LLM_ASSETS)
    rerun_samples = sum(rerun_meta[a]["llm/samples"] for a in LLM_ASSETS)
    # Truncated and filtered answers are answers: cached, and served as the same failures.
    answered_failures = sum(v for k, v in reasons.items() if k.startswith("finish_reason="))
    answered = samples - failed + answered_failures
    print(
        f"\nre-run of the LLM stages: {rerun_samples} samples, {rerun_hits} from the cache (every one of the "
        f"{answered} answered before, {answered_failures} of them truncated or filtered: {rerun_hits == answered}), "
        f"{rerun_sent} requests sent for the {failed - answered_failures} that got no answer and the trials "
        f"of recovered questions, {rerun_s:.1f} s"
    )
    return 0 if total_lost == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
