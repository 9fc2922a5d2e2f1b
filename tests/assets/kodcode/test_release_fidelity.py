"""The release side of KodCode's fidelity report: under `original` nothing differs (what cannot
match says why), under `assay` every difference carries its reason."""

import os

import pytest

from assets.common.fidelity import CANNOT, DIFFERS, MATCH, MISSING, failures
from assets.kodcode import release_fidelity

CHECKOUT = "ASSAY_KODCODE_SRC"


def by_item(findings):
    return {f.item: f for f in findings}


def test_released_schemas_match_the_cards_in_both_profiles():
    for profile in ("assay", "original"):
        rows = by_item(release_fidelity.findings(profile))
        assert rows["KodCode-V1 fields and types"].status == MATCH
        assert rows["KodCode-V1-SFT-R1 fields and types"].status == MATCH
        assert rows["splits"].status == MATCH


def test_under_original_nothing_differs_and_what_cannot_match_says_why():
    if not os.environ.get(CHECKOUT):
        pytest.skip(
            "the tagging prompts are compared with the original's builder: set ASSAY_KODCODE_SRC"
        )
    rows = release_fidelity.findings("original")
    assert failures(rows) == []
    assert all(f.detail for f in rows if f.status == CANNOT)
    prompts = [f for f in rows if f.aspect == "prompt"]
    assert len(prompts) == 2 and {f.detail for f in prompts} == {"20/20 identical"}


def test_without_a_checkout_the_prompt_rows_are_missing_not_failed(monkeypatch):
    monkeypatch.delenv(CHECKOUT, raising=False)
    rows = release_fidelity.findings("original")
    assert {f.status for f in rows if f.aspect == "prompt"} == {MISSING}
    assert failures(rows) == []


def test_each_assay_difference_is_named_with_its_reason():
    rows = by_item(release_fidelity.findings("assay"))
    assert rows["near-duplicate cluster members kept"].status == DIFFERS
    assert "keeps coverage" in rows["near-duplicate cluster members kept"].detail
    assert rows["style of complete items"].status == DIFFERS
    for f in rows.values():
        if f.status == DIFFERS:
            assert len(f.detail) > 40, f.item


def test_the_dedup_model_is_cannot_without_a_local_copy(monkeypatch):
    monkeypatch.delenv("ASSAY_EMBEDDING_MODEL", raising=False)
    rows = release_fidelity.findings("original")
    (embedding,) = [f for f in rows if f.item.startswith("near-duplicate detection")]
    assert embedding.status == CANNOT and "ASSAY_EMBEDDING_MODEL" in embedding.detail
