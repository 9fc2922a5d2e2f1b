"""A demo-like instance in seconds: `make demo`'s runner on two small seed files, answered by
the scripted KodCode model on loopback instead of the real one (the sandbox is real)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from pathlib import Path

from tests.fakes.openai_server import OpenAIServer
from tests.integration.scripted import ScriptedKodCode, write_seed_file

SEED_FILES = {"demo_platforms.jsonl": (3, 0), "demo_snippets.jsonl": (3, 100)}


@contextlib.contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def demo_env(home: Path, base_url: str) -> dict[str, str]:
    """The environment `make demo` would see, pointed at `home` and the scripted server."""
    return {
        "ASSAY_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "ASSAY_SEED_DIR": str(home / "seeds"),
        "ASSAY_LLM_ENGINE": "openai",
        "ASSAY_LLM_BASE_URL": base_url,
        "ASSAY_LLM_MODEL": "scripted",
        "ASSAY_LLM_API_KEY_ENV": "NO_KEY",
        "ASSAY_SANDBOX_WORKERS": "1",
    }


def build_demo_instance(home: Path) -> tuple[int, str]:
    """Run the demo runner for KodCode into `home`; returns its exit code and screen text."""
    for name, (count, start) in SEED_FILES.items():
        write_seed_file(home / "seeds" / "kodcode" / name, count, start)
    from rich.console import Console

    from dagster_project import demo

    screen = io.StringIO()
    with OpenAIServer(ScriptedKodCode()) as server, environment(demo_env(home, server.base_url)):
        code = demo.main(["kodcode"], console=Console(file=screen, width=110))
    return code, screen.getvalue()
