"""Agreement of the sandbox's verdicts with KodCode's recorded ones, and HumanEval sanity.

    python bench/sandbox_agreement.py [--timeout 30] [--workers 2] [--backend bwrap]

KodCode ran one pytest process per trial with a 30 s limit and recorded Pass, Fail or
Fail - Timed Out. Every disagreement is printed with our status and first failure so
that it can be explained. HumanEval: canonical solutions must all pass, bodies of
`return None` must all fail.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.reference.sandbox_jobs import (
    RECORDED_CLASS,
    humaneval_jobs,
    kodcode_jobs,
    kodcode_trials,
    verdict_class,
)
from resources.sandbox import PASSED, Sandbox

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "reference"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--timeout", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--backend", default="bwrap")
    parser.add_argument("--reference", type=Path, default=REFERENCE)
    args = parser.parse_args()
    with Sandbox(backend=args.backend, workers=args.workers, timeout_s=args.timeout) as sb:
        if (args.reference / "kodcode").exists():
            trials = kodcode_trials(args.reference)
            started = time.monotonic()
            results = sb.run(kodcode_jobs(trials))
            elapsed = time.monotonic() - started
            table: collections.Counter = collections.Counter()
            mismatches = []
            for trial, result in zip(trials, results):
                recorded = RECORDED_CLASS[trial["recorded_verdict"]]
                ours = verdict_class(result["status"])
                table[(recorded, ours)] += 1
                if recorded != ours:
                    first = (result.get("failures") or [{}])[0].get("message", "")
                    mismatches.append(
                        (
                            trial["trial_id"],
                            trial["recorded_verdict"],
                            result["status"],
                            first[:160],
                        )
                    )
            agree = sum(n for (a, b), n in table.items() if a == b)
            print(f"KodCode trials: {len(trials)} in {elapsed:.1f}s, timeout {args.timeout:g}s")
            print(
                f"  agreement (pass / fail / timeout): {agree}/{len(trials)} = {100 * agree / len(trials):.1f}%"
            )
            binary = sum(n for (a, b), n in table.items() if (a == "pass") == (b == "pass"))
            print(
                f"  agreement (pass / not pass):       {binary}/{len(trials)} = {100 * binary / len(trials):.1f}%"
            )
            print(f"  statuses: {dict(collections.Counter(r['status'] for r in results))}")
            for row in mismatches:
                print("  mismatch:", *row)
        else:
            print(f"KodCode trials skipped: {args.reference / 'kodcode'} is absent")
        canonical = sb.run(humaneval_jobs())
        broken = sb.run(humaneval_jobs(body="    return None\n"))
        print(
            f"HumanEval canonical solutions passed: {sum(r['status'] == PASSED for r in canonical)}/{len(canonical)}"
        )
        print(
            f"HumanEval `return None` bodies failed: {sum(r['status'] != PASSED for r in broken)}/{len(broken)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
