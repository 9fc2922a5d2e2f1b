"""One partitioned job per family (every asset of the family for one seed file), one release job."""

from dagster import AssetSelection, define_asset_job

from assets.common.family import Family

# define_asset_job returns an UnresolvedAssetJobDefinition, which dagster exports under no
# public name; the functions below leave their return type to inference rather than import it
# from dagster's private modules.


def family_job(family: Family):
    return define_asset_job(
        name=family.job_name,
        selection=AssetSelection.groups(family.name),
        description=f"All {family.name} assets for one seed file (partition).",
    )


def release_job(family: Family):
    return define_asset_job(
        name=family.release_job_name,
        selection=AssetSelection.groups(family.release_group),
        description=f"Combine every {family.name} partition into the released datasets.",
    )
