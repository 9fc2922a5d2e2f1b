"""Shared fixtures: one warm sandbox per module, the reference files, and the ExecVerify checkout.

The `original` rules read ExecVerify's wording from a checkout named by ASSAY_EXECVERIFY_SRC
(git clone https://github.com/justForAnonymous/ExecVerify); tests that need it skip without it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from resources.sandbox import Sandbox
from tests.resources.sandbox.sandbox_support import bwrap_usable

REFERENCE = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "execverify"


def read_jsonl(name: str) -> list[dict]:
    path = REFERENCE / name
    if not path.is_file():
        pytest.skip(f"reference file {path} is absent")
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


@pytest.fixture
def execverify_src() -> Path:
    value = os.environ.get("ASSAY_EXECVERIFY_SRC")
    if not value:
        pytest.skip(
            "ASSAY_EXECVERIFY_SRC is unset: set it to a clone of justForAnonymous/ExecVerify "
            "to test the `original` rules (ExecVerify's wording is not shipped)"
        )
    root = Path(value)
    if not (root / "data" / "extract_trace_dataset.py").is_file():
        pytest.skip(f"ASSAY_EXECVERIFY_SRC={value} is not an ExecVerify checkout")
    return root


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    why = bwrap_usable()
    if why:
        pytest.skip(why)
    with Sandbox(backend="bwrap", workers=2, timeout_s=4.0, memory_mb=512) as sb:
        yield sb
