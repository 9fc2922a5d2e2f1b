"""Headless Chromium and a Dagster webserver over a given instance, for the browser tests."""

from __future__ import annotations

import base64
import contextlib
import json
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
from typing import Any


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
    command = [
        str(bin_dir / "dagster-webserver"),
        "-m",
        "dagster_project.definitions",
        "-h",
        "127.0.0.1",
        "-p",
        str(port),
    ]
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT
        )
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


# Scroll the innermost element whose whole text is the given heading to the top of its scroller.
_SCROLL_TO = """(() => { const want = %s;
  const hit = [...document.querySelectorAll('body *')].find(e => e.childElementCount === 0 && e.textContent.trim() === want);
  if (hit) hit.scrollIntoView({block: 'start'}); })()"""


class Browser:
    """One headless Chromium driven over the DevTools protocol: load a page, wait until it
    shows what we expect (the UI fills in as its GraphQL queries return), read its text,
    save a screenshot."""

    def __init__(self, executable: str, profile: Path) -> None:
        self._process = subprocess.Popen(
            [
                executable,
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--hide-scrollbars",
                "--window-size=1400,900",
                "--remote-debugging-port=0",
                f"--user-data-dir={profile}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 120
        while not port_file.exists() or not port_file.read_text().strip():
            if self._process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("chromium did not start")
            time.sleep(0.2)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as response:
            page = next(t for t in json.load(response) if t["type"] == "page")
        from websockets.sync.client import connect

        self._socket = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=30)
        self._ids = 0

    def _call(self, method: str, **params: Any) -> dict:
        self._ids += 1
        self._socket.send(json.dumps({"id": self._ids, "method": method, "params": params}))
        while True:
            message = json.loads(self._socket.recv(timeout=120))
            if message.get("id") == self._ids:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def text(self) -> str:
        result = self._call(
            "Runtime.evaluate", expression="document.body ? document.body.innerText : ''"
        )
        return result.get("result", {}).get("value", "")

    def load(
        self,
        url: str,
        expect: list[str],
        screenshot: Path,
        timeout_s: float = 120.0,
        scroll_to: str | None = None,
    ) -> str:
        """Open `url`, wait until every string in `expect` is on the page (or time runs out),
        let it settle, scroll the heading `scroll_to` to the top, save a PNG; returns the page text."""
        self._call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout_s
        text = ""
        while time.monotonic() < deadline:
            text = self.text()
            if all(e in text for e in expect):
                break
            time.sleep(0.5)
        time.sleep(1.0)  # late-arriving parts of the page (counts, sparklines)
        text = self.text()
        if scroll_to:
            self._call("Runtime.evaluate", expression=_SCROLL_TO % json.dumps(scroll_to))
            time.sleep(0.5)
        data = self._call("Page.captureScreenshot", format="png")["data"]
        screenshot.write_bytes(base64.b64decode(data))
        return text

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._socket.close()
        self._process.terminate()
        try:
            self._process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
