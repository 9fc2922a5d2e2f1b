"""The code location of a Docker deployment (docker/compose.yaml): the same definitions, and
with ASSAY_EXECUTOR=docker every step of a run in its own container (docker_executor).

The default stays in-process: our steps share one warm sandbox pool and one model client,
and a container per step costs a Python start and a pool start per step.
"""

from __future__ import annotations

import os

from dagster import Definitions
from dagster_docker import docker_executor

from dagster_project.definitions import build_definitions


def step_executor():
    """docker_executor in the run's image, network and volumes (shared storage, the engine)."""
    return docker_executor.configured(
        {
            "image": os.environ.get("ASSAY_IMAGE") or os.environ["DAGSTER_CURRENT_IMAGE"],
            "networks": [os.environ.get("ASSAY_DOCKER_NETWORK", "assay")],
            "env_vars": sorted(
                k for k in os.environ if k.startswith(("ASSAY_", "DAGSTER_POSTGRES_"))
            ),
            "container_kwargs": {
                "volumes": [
                    "assay-data:/opt/assay/home",
                    "/var/run/docker.sock:/var/run/docker.sock",
                ],
                "labels": {"assay.deployment": "step"},
            },
        },
        name="assay_docker_executor",
    )


def build_deployment_definitions() -> Definitions:
    defs = build_definitions()
    if os.environ.get("ASSAY_EXECUTOR", "in_process") != "docker":
        return defs
    return Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        jobs=defs.jobs,
        sensors=defs.sensors,
        resources=defs.resources,
        executor=step_executor(),
    )


defs = build_deployment_definitions()
