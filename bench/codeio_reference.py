"""Cross-check against CodeI/O's released pairs: do our `call` jobs and comparator reproduce them?

For every record of `../shared/reference/codeio/parsed_sample.jsonl` (relative to
the repo root, or --reference), runs `refcode` on each recorded input twice (two
sandbox runs, so two processes) plus a mutation probe, compares with the
recorded outputs using CodeI/O's tolerance, and classifies every disagreement
(random, time dependent, input mutated, environment). Pairs whose recorded
input is the argument as the call left it are replayed through CodeI/O's
procedure from the reconstructed pre-call inputs in
bench/reference/codeio_preimages.json (see bench/reference/codeio.py).

    .venv/bin/python bench/codeio_reference.py [--reference PATH] [--workers 2] [--limit N] [--show 20]

The release's `codeio_parsed.jsonl` has the same shape, so `--reference
$ASSAY_HOME/datasets/codeio/codeio_parsed.jsonl` checks our own output the same way.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assets.codeio.harness import pair_search_job, rerun_job
from assets.codeio.pairs import read_search, rerun_mismatch
from bench.reference.codeio import (
    cross_check,
    harness_replay_jobs,
    load_preimages,
    mutation_probe_job,
    read_replays,
    reference_job,
    replay_program,
    summary,
)
from resources.sandbox import CallResult, Sandbox

DEFAULT_REFERENCE = REPO.parent / "shared" / "reference" / "codeio" / "parsed_sample.jsonl"


def replay_through_pair_search(
    sandbox: Sandbox, records: list[dict], timeout_s: float
) -> dict[int, tuple]:
    """Each record through our pair search and fresh-process rerun: (drop reason or None, detail)."""
    programs = {str(i): replay_program(r) for i, r in enumerate(records)}
    searched = sandbox.run(
        [pair_search_job(k, p, 0, 200, 10, timeout_s / 2) for k, p in programs.items()]
    )
    found = {res["id"]: read_search(CallResult.from_wire(res), 2) for res in searched}
    ready = {k: f for k, f in found.items() if f.reason is None}
    reruns = sandbox.run(
        [rerun_job(k, programs[k], [p["input"] for p in f.pairs]) for k, f in ready.items()]
    )
    out = {int(k): (f.reason, f.detail) for k, f in found.items()}
    for res in reruns:
        mismatch = rerun_mismatch(ready[res["id"]].pairs, CallResult.from_wire(res))
        if mismatch:
            out[int(res["id"])] = mismatch
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference", type=Path, default=DEFAULT_REFERENCE)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--timeout-s", type=float, default=10.0)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--show", type=int, default=30, help="disagreeing records to list")
    args = parser.parse_args(argv)
    if not args.reference.exists():
        print(f"reference data not found at {args.reference}", file=sys.stderr)
        return 2
    records = [
        json.loads(line) for line in args.reference.read_text().splitlines() if line.strip()
    ][: args.limit]
    started = time.monotonic()
    with Sandbox(
        backend="bwrap",
        workers=args.workers,
        timeout_s=args.timeout_s,
        memory_mb=1024,
        coverage=False,
    ) as sandbox:
        jobs = [reference_job(i, r) for i, r in enumerate(records)]
        first = sandbox.run(jobs)
        second = sandbox.run(jobs)
        probes = sandbox.run([mutation_probe_job(i, r) for i, r in enumerate(records)])
        preimages = load_preimages()
        replay_jobs = harness_replay_jobs(records, preimages)
        replays = read_replays(records, sandbox.run(replay_jobs) if replay_jobs else [], preimages)
        elapsed = time.monotonic() - started
        pipeline = replay_through_pair_search(sandbox, records, args.timeout_s)
    checks = cross_check(records, first, second, probes, replays)
    figures = summary(checks)
    print(
        f"CodeI/O reference cross-check: {figures['records']} records, {figures['pairs']} recorded pairs, {elapsed:.1f} s"
    )
    print(
        f"  agree:                {figures['agree']} / {figures['pairs']} pairs = {figures['agree_share']:.1%}"
    )
    print(
        f"    of which by CodeI/O's procedure from a reconstructed pre-call input: "
        f"{figures['agree_replayed']} (on the recorded input as given: "
        f"{figures['agree'] - figures['agree_replayed']} = "
        f"{(figures['agree'] - figures['agree_replayed']) / max(1, figures['pairs']):.1%})"
    )
    print(f"  records fully agreed: {figures['records_all_agree']} / {figures['records']}")
    for cls, count in figures["disagreements_by_class"].items():
        print(f"  disagree ({cls}): {count} pairs")
    unclassified = sum(1 for c in checks if not c.agrees and not c.cls)
    print(f"  unclassified disagreements: {unclassified}")
    by_record: dict[int, list] = defaultdict(list)
    for c in checks:
        if not c.agrees:
            by_record[c.record].append(c)
    replayed = {c.record for c in checks if c.replayed}
    explained = replayed | {
        r
        for r, cs in by_record.items()
        if cs[0].cls in ("random", "time dependent", "input mutated")
    }
    clean = [c for c in checks if c.record not in explained]
    print(
        f"  agree on records free of randomness, clock reads and input mutation: "
        f"{sum(c.agrees for c in clean)} / {len(clean)} pairs ({len({c.record for c in clean})} records)"
    )
    flagged = sum(1 for cs in by_record.values() if cs[0].cls == "random")
    print(
        f"  records whose disagreement is random: {flagged}; time dependent: "
        f"{sum(1 for cs in by_record.values() if cs[0].cls == 'time dependent')}; input mutated: "
        f"{sum(1 for cs in by_record.values() if cs[0].cls == 'input mutated')}"
    )
    if replayed:
        print(
            f"  records whose input mutation CodeI/O's procedure reproduces: {len(replayed)}"
            f" ({dict(Counter(pipeline[r][0] or 'kept, reproduced' for r in replayed))} in our pair search)"
        )
    kept = [i for i, (reason, _) in pipeline.items() if reason is None]
    print(f"our pair search on the recorded inputs: keeps {len(kept)} / {len(records)} records")
    reasons = Counter(reason for reason, _ in pipeline.values() if reason)
    for reason, count in sorted(reasons.items()):
        print(f"  dropped ({reason}): {count}")
    for cls in ("random", "time dependent", "input mutated", "environment"):
        members = [r for r, cs in by_record.items() if cs[0].cls == cls]
        if members:
            fate = Counter(pipeline[r][0] or "kept, reproduced" for r in members)
            print(f"  records whose disagreement is {cls}: {dict(fate)}")
    for r, (reason, detail) in sorted(pipeline.items()):
        if reason and r not in by_record:
            print(
                f"  record {r:>3} agrees with the reference but is dropped ({reason}): {detail[:120]}"
            )
    for record, cs in sorted(by_record.items())[: args.show]:
        print(
            f"  record {record:>3}: {len(cs)} of {len(records[record]['ios'])} pairs differ, {cs[0].cls}: {cs[0].detail[:150]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
