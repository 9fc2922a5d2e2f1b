"""What a family declares once, so definitions, sensors, jobs, the demo and the Makefile
can be derived from it: `assets/registry.py` lists every family's `FAMILY`.

    FAMILY = Family(
        name="kodcode",
        description="seed prompts -> questions -> trials -> verified triplets -> SFT / RL",
        assets=ASSETS, checks=CHECKS,
        seed_asset=kodcode_seed_prompts, validate_seed=validate_seed,
        demo_run_config={"ops": {"kodcode_solution_trials": {"config": {"n_trials": 2}}}},
    )

Partitioned assets carry `seed_partitions(name)` and group `name`; release assets (no
partitions) carry group `<name>_release`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from dagster import AssetChecksDefinition, AssetKey, AssetsDefinition, DynamicPartitionsDefinition

from assets.common.fidelity import Finding
from assets.common.seeds import Validator


@cache
def seed_partitions(family: str) -> DynamicPartitionsDefinition:
    """One dynamic partition per seed file of `family`, keyed by the file's name."""
    return DynamicPartitionsDefinition(name=f"{family}_seeds")


def partitioned(family: str) -> dict[str, Any]:
    """`@asset(**partitioned("kodcode"), ...)`: the family's seed partitions and group."""
    return {"partitions_def": seed_partitions(family), "group_name": family}


def release_group(family: str) -> str:
    return f"{family}_release"


@dataclass(frozen=True)
class Family:
    """A family's whole declaration; everything outside `assets/` reads families from here."""

    name: str
    description: str
    assets: Sequence[AssetsDefinition]
    checks: Sequence[AssetChecksDefinition]
    seed_asset: AssetsDefinition
    validate_seed: Validator
    # Run config `make demo-<name>` uses (smaller sample counts for a CPU model).
    demo_run_config: Mapping[str, Any] = field(default_factory=dict)
    # The fidelity report's findings for a profile (`assay` or `original`); see fidelity.py.
    fidelity: Callable[[str], Sequence[Finding]] | None = None

    @property
    def partitions(self) -> DynamicPartitionsDefinition:
        return seed_partitions(self.name)

    @property
    def seed_asset_key(self) -> AssetKey:
        return self.seed_asset.key

    @property
    def job_name(self) -> str:
        return f"{self.name}_job"

    @property
    def release_group(self) -> str:
        return release_group(self.name)

    @property
    def release_job_name(self) -> str:
        return f"{self.release_group}_job"

    @property
    def partitioned_assets(self) -> list[AssetsDefinition]:
        return [a for a in self.assets if a.partitions_def is not None]

    @property
    def release_assets(self) -> list[AssetsDefinition]:
        return [a for a in self.assets if a.partitions_def is None]

    def _checks_on(self, assets: list[AssetsDefinition]) -> list[AssetChecksDefinition]:
        keys = {k for a in assets for k in a.keys}
        return [c for c in self.checks if all(k.asset_key in keys for k in c.check_keys)]

    @property
    def partitioned_checks(self) -> list[AssetChecksDefinition]:
        return self._checks_on(self.partitioned_assets)

    @property
    def release_checks(self) -> list[AssetChecksDefinition]:
        return self._checks_on(self.release_assets)
