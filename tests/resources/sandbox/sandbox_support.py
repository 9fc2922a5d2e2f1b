"""Helpers shared by the sandbox tests (plain functions, imported by the test modules)."""

from __future__ import annotations

import os
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


@lru_cache(maxsize=1)
def docker_usable() -> str | None:
    """Why the docker backend cannot run here (no engine, no sandbox image), or None."""
    from resources.sandbox.backends import DOCKER_IMAGE

    image = os.environ.get("ASSAY_SANDBOX_IMAGE", DOCKER_IMAGE)
    try:
        import docker

        client = docker.from_env(timeout=10)
        client.ping()
        client.images.get(image)
    except Exception as exc:  # noqa: BLE001 - any failure means: skip, saying why
        return f"no Docker engine with the image {image} here ({type(exc).__name__}: {exc}); build it with docker/build.py"
    return None


def usable(backend: str) -> str | None:
    return docker_usable() if backend == "docker" else bwrap_usable()


def make_job(jid: str, solution: str, tests: str) -> dict:
    return {"id": jid, "kind": "pytest", "solution_code": solution, "test_code": tests}


def run_one(sb: Sandbox, solution: str, tests: str) -> dict:
    (result,) = sb.run([make_job("one", solution, tests)])
    return result
