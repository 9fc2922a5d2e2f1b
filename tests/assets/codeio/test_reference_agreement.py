"""Our call jobs and comparator reproduce CodeI/O's recorded pairs; each disagreement has a cause.

Reads ../shared/reference/codeio/parsed_sample.jsonl (relative to the repo root);
skips when it is absent. The full figures come from bench/codeio_reference.py.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.reference.codeio import (
    ENVIRONMENT,
    MUTATED,
    cross_check,
    harness_replay_jobs,
    load_preimages,
    mutation_probe_job,
    read_replays,
    refcode_key,
    reference_job,
    summary,
)

REFERENCE = (
    Path(__file__).resolve().parents[3].parent
    / "shared"
    / "reference"
    / "codeio"
    / "parsed_sample.jsonl"
)
SAMPLE = (
    25  # records; the whole file (a few slow ones, scipy and pandas imports) is the bench's job
)

pytestmark = [
    pytest.mark.skipif(
        not REFERENCE.exists(), reason=f"CodeI/O reference data not found at {REFERENCE}"
    ),
    pytest.mark.skipif(
        shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
    ),
]


def test_recorded_pairs_agree_and_every_disagreement_is_explained():
    from resources.sandbox import Sandbox

    records = [json.loads(line) for line in REFERENCE.read_text().splitlines() if line.strip()][
        :SAMPLE
    ]
    with Sandbox(
        backend="bwrap", workers=2, timeout_s=10.0, memory_mb=1024, coverage=False
    ) as sandbox:
        jobs = [reference_job(i, r) for i, r in enumerate(records)]
        first, second = sandbox.run(jobs), sandbox.run(jobs)
        probes = sandbox.run([mutation_probe_job(i, r) for i, r in enumerate(records)])
        preimages = load_preimages()
        replays = read_replays(
            records, sandbox.run(harness_replay_jobs(records, preimages)), preimages
        )
    checks = cross_check(records, first, second, probes, replays)
    figures = summary(checks)
    assert figures["pairs"] == sum(len(r["ios"]) for r in records)
    assert all(c.cls for c in checks if not c.agrees), "every disagreement carries a class"
    # Nothing unexplained: deterministic, non-mutating code reproduces every recorded pair.
    assert [c for c in checks if c.cls == ENVIRONMENT] == []
    # The one mutating record among these (max distance) lost its pre-call inputs: its
    # pairs are classified, never counted as agreeing; every other pair agrees.
    mutated = [c for c in checks if c.cls == MUTATED]
    assert len(mutated) == 9 and figures["agree_replayed"] == 0
    assert figures["agree"] + sum(figures["disagreements_by_class"].values()) == figures["pairs"]
    assert figures["disagreements_by_class"] == {MUTATED: 9}


def test_every_reconstructed_pre_call_input_belongs_to_a_reference_pair():
    records = [json.loads(line) for line in REFERENCE.read_text().splitlines() if line.strip()]
    by_key = {refcode_key(r["refcode"]): r for r in records}
    for key, pairs in load_preimages().items():
        assert key in by_key, "each entry names a reference record by its refcode"
        assert max(pairs) < len(by_key[key]["ios"])
