"""The code location loads with every family's job, sensor and resources."""

from dagster import AssetKey

from assets.registry import FAMILIES
from dagster_project.definitions import build_definitions
from dagster_project.partitions import PARTITIONS


def test_every_family_has_a_job_and_a_seed_sensor_and_the_graph_resolves():
    defs = build_definitions()
    defs.validate_loadable(defs)
    job_names = {job.name for job in defs.jobs}
    sensor_names = {sensor.name for sensor in defs.sensors}
    for family in FAMILIES:
        assert f"{family}_job" in job_names
        assert f"{family}_seed_sensor" in sensor_names
    assert {"llm", "reasoner", "evaluator", "sandbox", "workspace", "io_manager"} <= set(
        defs.resources
    )


def test_partitioned_checks_share_their_assets_partitions():
    """A check without its asset's partitions would load every partition at once."""
    defs = build_definitions()
    graph = defs.resolve_asset_graph()
    specs = [spec for check in defs.asset_checks for spec in check.check_specs]
    assert specs
    for spec in specs:
        assert spec.partitions_def == graph.get(spec.asset_key).partitions_def, spec.key


def test_family_assets_are_partitioned_by_seed_file():
    graph = build_definitions().resolve_asset_graph()
    assert graph.get(AssetKey("kodcode_verified_triplets")).partitions_def == PARTITIONS["kodcode"]


def test_every_registered_family_declares_groups_partitions_and_its_seed_asset():
    for name, family in FAMILIES.items():
        assert family.name == name and family.assets and family.checks
        assert family.seed_asset in family.partitioned_assets
        for asset in family.partitioned_assets:
            assert asset.partitions_def == family.partitions, asset.key
            assert set(asset.group_names_by_key.values()) == {name}, asset.key
        for asset in family.release_assets:
            assert set(asset.group_names_by_key.values()) == {family.release_group}, asset.key
        assert set(family.partitioned_checks) | set(family.release_checks) == set(family.checks)
