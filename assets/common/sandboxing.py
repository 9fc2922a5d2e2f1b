"""One sandbox per process for command lines and rewards (verl imports a family's reward
module and calls it once per response): started on first use, closed at exit; the
`ASSAY_SANDBOX_*` variables choose its backend and limits, as everywhere in assay."""

from __future__ import annotations

import atexit
import threading
from typing import Any

_lock = threading.Lock()
_sandbox: Any = None


def shared_sandbox() -> Any:
    global _sandbox
    with _lock:
        if _sandbox is None:
            from resources.sandbox import Sandbox
            from resources.sandbox.settings import SandboxSettings

            settings = SandboxSettings.from_env()
            _sandbox = Sandbox(
                backend=settings.backend,
                workers=settings.workers,
                timeout_s=settings.timeout_s,
                memory_mb=settings.memory_mb,
                coverage=False,
            )
            atexit.register(close_shared)
        return _sandbox


def use_sandbox(sandbox: Any) -> None:
    """Use an already running sandbox (tests, benches, an asset that owns one)."""
    global _sandbox
    with _lock:
        _sandbox = sandbox


def close_shared() -> None:
    global _sandbox
    with _lock:
        if _sandbox is not None:
            try:
                _sandbox.close()
            finally:
                _sandbox = None
