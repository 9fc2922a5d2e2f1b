"""Where a run reads seeds and writes its side outputs, and the seed of its randomness."""

from __future__ import annotations

import random
from pathlib import Path

from dagster import ConfigurableResource

from assets.common.ids import seeded_rng


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

    def rng(self, partition: str, asset: str, *extra: object) -> random.Random:
        """Randomness fixed by (global seed, partition, asset): re-runs draw the same."""
        return seeded_rng(self.global_seed, partition, asset, *extra)
