"""SandboxResource: the Dagster face of the sandbox, one warm pool per resource instance."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from dagster import ConfigurableResource
from pydantic import Field, PrivateAttr

from resources.interrupts import interruptible

from .sandbox import Sandbox
from .typed import Job


class SandboxResource(ConfigurableResource):
    """Runs pytest / call / trace jobs in batches; assets never see which backend is behind it."""

    backend: str = Field(
        default="bwrap", description="bwrap (local default), docker, or process (unsafe)."
    )
    workers: int = Field(
        default=2, description="Warm worker processes, each forking one job at a time."
    )
    timeout_s: float = Field(
        default=10.0, description="Wall-clock limit per job (per input for call jobs)."
    )
    memory_mb: int = Field(
        default=1024, description="Memory a job may use on top of the warm interpreter."
    )
    coverage: bool = Field(
        default=False, description="Measure the solution's line coverage in pytest jobs."
    )

    _sandbox: Sandbox | None = PrivateAttr(default=None)

    def _get_sandbox(self) -> Sandbox:
        if self._sandbox is None:
            self._sandbox = Sandbox(
                backend=self.backend,
                workers=self.workers,
                timeout_s=self.timeout_s,
                memory_mb=self.memory_mb,
                coverage=self.coverage,
            )
        return self._sandbox

    def run(self, jobs: Iterable[dict | Job], log: logging.Logger | None = None) -> list[dict]:
        """One result per job in input order; logs done/total and jobs/s to `log` for long batches."""
        with interruptible():
            return self._get_sandbox().run(jobs, log=log)

    def run_windows(
        self, jobs: Iterable[dict | Job], log: logging.Logger | None = None
    ) -> Iterator[tuple[list[dict | Job], list[dict]]]:
        """Each window of jobs with its results (see Sandbox.run_windows)."""
        with interruptible():
            yield from self._get_sandbox().run_windows(jobs, log=log)

    def teardown_after_execution(self, context: object) -> None:
        self.close()

    def close(self) -> None:
        if self._sandbox is not None:
            self._sandbox.close()
            self._sandbox = None
