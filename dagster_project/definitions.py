"""The code location: every family's assets, checks, jobs and seed sensors."""

from __future__ import annotations

import importlib

from dagster import Definitions, in_process_executor

from dagster_project.jobs import family_job, release_job
from dagster_project.partitions import PARTITIONS
from dagster_project.resources import build_resources
from dagster_project.sensors import build_seed_sensor
from dagster_project.settings import load_settings

# Families whose asset packages exist; each exposes ASSETS and CHECKS.
ENABLED_FAMILIES = ("kodcode", "codeio", "case2code")


def build_definitions() -> Definitions:
    settings = load_settings()
    assets, checks, jobs, sensors = [], [], [], []
    for family in ENABLED_FAMILIES:
        module = importlib.import_module(f"assets.{family}")
        assets += module.ASSETS
        checks += module.CHECKS
        job = family_job(family)
        jobs.append(job)
        if any(f"{family}_release" in (a.group_names_by_key or {}).values() for a in module.ASSETS):
            jobs.append(release_job(family))
        sensors.append(build_seed_sensor(family, job, PARTITIONS[family], settings.seed_dir))
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
