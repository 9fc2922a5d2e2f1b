"""One demo-like instance per test session, shared by the screen and browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ui.demo_instance import build_demo_instance


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, str]:
    """(ASSAY_HOME, exit code, screen text) of the demo runner on the scripted model."""
    home = tmp_path_factory.mktemp("demo")
    code, screen = build_demo_instance(home)
    return home, code, screen
