"""Headless Chromium and a Dagster webserver over a given instance, for the browser tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def chromium() -> str | None:
    """Debian's `chromium` (installed by `make test`), or another Chromium/Chrome on PATH."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def webserver(env: dict[str, str], log: Path, timeout_s: float = 600.0) -> Iterator[str]:
    """`dagster-webserver` on our code location and `env`'s instance; yields its base URL."""
    port = free_port()
    bin_dir = Path(sys.executable).parent
    command = [str(bin_dir / "dagster-webserver"), "-m", "dagster_project.definitions", "-h", "127.0.0.1", "-p", str(port)]
    with open(log, "w") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=5):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"dagster-webserver did not start; see {log}") from None
                time.sleep(1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def render(browser: str, url: str, screenshot: Path, wait_ms: int = 20000) -> str:
    """Load `url` in headless Chromium, let the page's GraphQL queries finish (virtual time),
    save a screenshot, and return the DOM as rendered."""

    def run(*extra: str) -> str:
        command = [
            browser, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--hide-scrollbars", "--window-size=1400,900", f"--virtual-time-budget={wait_ms}", *extra, url,
        ]
        done = subprocess.run(command, capture_output=True, text=True, timeout=180, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"chromium failed on {url}: {done.stderr[-2000:]}")
        return done.stdout

    run(f"--screenshot={screenshot}")
    return run("--dump-dom")
