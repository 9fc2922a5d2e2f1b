"""Helpers shared by the sandbox tests (plain functions, imported by the test modules)."""

from __future__ import annotations

import shutil
import subprocess
from functools import lru_cache
from pathlib import Path

from resources.sandbox import Sandbox

REPO = Path(__file__).resolve().parents[3]
REFERENCE = REPO.parent / "shared" / "reference"
SECURITY = REPO.parent / "shared" / "security"


@lru_cache(maxsize=1)
def bwrap_usable() -> str | None:
    """Why bubblewrap cannot run here, or None when it can."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not installed"
    probe = subprocess.run(
        ["bwrap", "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "true"],
        capture_output=True,
        check=False,
        timeout=30,
    )
    if probe.returncode != 0:
        return f"bwrap cannot create namespaces here: {probe.stderr.decode(errors='replace')[:200]}"
    return None


def make_job(jid: str, solution: str, tests: str) -> dict:
    return {"id": jid, "kind": "pytest", "solution_code": solution, "test_code": tests}


def run_one(sb: Sandbox, solution: str, tests: str) -> dict:
    (result,) = sb.run([make_job("one", solution, tests)])
    return result
