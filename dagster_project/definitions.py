"""The code location: every registered family's assets, checks, jobs and seed sensor."""

from __future__ import annotations

from dagster import Definitions, in_process_executor

from assets.registry import FAMILIES
from dagster_project.jobs import family_job, release_job
from dagster_project.resources import build_resources
from dagster_project.sensors import build_seed_sensor
from dagster_project.settings import load_settings


def build_definitions() -> Definitions:
    settings = load_settings()
    assets, checks, jobs, sensors = [], [], [], []
    for family in FAMILIES.values():
        assets += family.assets
        checks += family.checks
        job = family_job(family)
        jobs.append(job)
        if family.release_assets:
            jobs.append(release_job(family))
        sensors.append(build_seed_sensor(family, job, settings.seed_dir))
    return Definitions(
        assets=assets,
        asset_checks=checks,
        jobs=jobs,
        sensors=sensors,
        resources=build_resources(settings),
        # The multiprocess executor costs ~5 s per step; our steps share one warm sandbox and model.
        executor=in_process_executor,
    )


defs = build_definitions()
