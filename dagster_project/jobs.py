"""One partitioned job per family (every asset of the family for one seed file), one release job."""

from dagster import AssetSelection, define_asset_job
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition


def family_job(family: str) -> UnresolvedAssetJobDefinition:
    return define_asset_job(
        name=f"{family}_job",
        selection=AssetSelection.groups(family),
        description=f"All {family} assets for one seed file (partition).",
    )


def release_job(family: str) -> UnresolvedAssetJobDefinition:
    return define_asset_job(
        name=f"{family}_release_job",
        selection=AssetSelection.groups(f"{family}_release"),
        description=f"Combine every {family} partition into the released datasets.",
    )
