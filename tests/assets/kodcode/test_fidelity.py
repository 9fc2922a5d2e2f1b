"""KodCode's generation-side fidelity report: under `original` nothing differs (prompts are
byte-identical to the original's own builders on >= 20 inputs each); under `assay` every
difference is a named, reasoned choice."""

import pytest

from assets.common.fidelity import CANNOT, DIFFERS, MATCH, MISSING
from assets.kodcode import FAMILY, original
from assets.kodcode.fidelity import findings, generation_findings
from assets.kodcode.method import DIFFERENCES

needs_checkout = pytest.mark.skipif(
    not original.CHECKOUT.available(),
    reason="set ASSAY_KODCODE_SRC to a checkout of KodCode-AI/kodcode",
)


def test_the_family_registers_the_report():
    assert FAMILY.fidelity is findings


def test_without_a_checkout_comparisons_are_missing_not_failed(monkeypatch):
    monkeypatch.delenv("ASSAY_KODCODE_SRC", raising=False)
    rows = findings("original")
    assert {f.status for f in rows} <= {MATCH, CANNOT, MISSING}
    assert any(f.status == MISSING and "ASSAY_KODCODE_SRC" in f.detail for f in rows)


@needs_checkout
def test_under_original_every_prompt_renders_byte_identically_and_nothing_differs():
    rows = generation_findings("original")
    prompts = [f for f in rows if f.aspect == "prompt"]
    assert len(prompts) >= 14  # 10 question modes, prefill, trial, style, reasoner
    assert all(f.status == MATCH and f.detail == "24/24 identical" for f in prompts), [
        (f.item, f.detail) for f in prompts if f.status != MATCH
    ]
    assert not [f for f in rows if f.status in (DIFFERS, MISSING)]
    cannot = [f for f in rows if f.status == CANNOT]
    assert cannot and all(f.detail for f in cannot)


@needs_checkout
def test_under_assay_every_difference_is_named_with_its_reason():
    rows = generation_findings("assay")
    differs = [f for f in rows if f.status == DIFFERS]
    reasons = dict(DIFFERENCES)
    assert differs and all(any(r in f.detail for r in reasons.values()) for f in differs)
    parameters = {f.item: f for f in rows if f.aspect == "parameter"}
    # Same method where we have no reason to differ: shots and trial counts.
    assert parameters["seed questions per prompt (leetcode, other modes)"].status == MATCH
    assert parameters["trials per question"].status == MATCH
    assert parameters["verification time limit (s)"].status == DIFFERS
