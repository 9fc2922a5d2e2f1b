"""Shared sandboxes for the sandbox tests: one warm pool per module, short limits."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from sandbox_support import bwrap_usable

from resources.sandbox import Sandbox


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """The default, isolated backend with short limits (hostile tests run only against this)."""
    reason = bwrap_usable()
    if reason:
        pytest.skip(reason)
    with Sandbox(backend="bwrap", workers=2, timeout_s=4.0, memory_mb=512) as sb:
        yield sb
