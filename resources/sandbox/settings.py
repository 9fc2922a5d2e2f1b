"""The sandbox's settings from `ASSAY_SANDBOX_*` variables (the code location's settings and
the verl reward function, which runs outside Dagster, both read them here)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from resources.env import env_float, env_int, env_str


@dataclass(frozen=True)
class SandboxSettings:
    backend: str
    workers: int
    timeout_s: float
    memory_mb: int
    coverage: bool

    @classmethod
    def from_env(cls) -> SandboxSettings:
        return cls(
            backend=env_str("ASSAY_SANDBOX_BACKEND", "bwrap"),
            workers=env_int("ASSAY_SANDBOX_WORKERS", max(1, os.cpu_count() or 1)),
            timeout_s=env_float("ASSAY_SANDBOX_TIMEOUT_S", 10.0),
            memory_mb=env_int("ASSAY_SANDBOX_MEMORY_MB", 1024),
            coverage=env_str("ASSAY_SANDBOX_COVERAGE", "1") not in ("0", "false", "no"),
        )
