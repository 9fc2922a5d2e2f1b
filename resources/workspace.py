"""Where a run reads seeds and writes its side outputs, and the seed of its randomness
(assets draw with `assets.common.ids.seeded_rng(workspace.global_seed, partition, asset, ...)`)."""

from __future__ import annotations

from pathlib import Path

from dagster import ConfigurableResource


class Workspace(ConfigurableResource):
    """Seed files at `<seed_dir>/<family>/<partition key>`; reports and exports under `home`."""

    seed_dir: str
    home: str
    global_seed: int = 0

    def seed_path(self, family: str, partition_key: str) -> Path:
        return Path(self.seed_dir) / family / partition_key

    @property
    def quarantine_dir(self) -> Path:
        return Path(self.home) / "quarantine"

    @property
    def export_dir(self) -> Path:
        return Path(self.home) / "datasets"
