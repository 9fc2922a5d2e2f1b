"""The deployment files hang together: the compose file validates with the compose tool that
is installed (docker-compose 1.29 or Docker's plugin), every service we build is pinned to a
version tag, and the instance launches runs in containers over Postgres.

The real thing (images built, stack up, a sensor's run in a container) is `make test-deploy`.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DOCKER = ROOT / "docker"
OURS = ("assay", "assay-sandbox", "assay-model", "assay-postgres")


def compose_command() -> list[str] | None:
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def resolved_config(tmp_path: Path, *extra: str) -> dict:
    command = compose_command()
    if command is None:
        pytest.skip("neither docker-compose nor Docker's compose plugin is installed")
    env = {**os.environ, "ASSAY_DEPLOY_DIR": str(tmp_path)}
    done = subprocess.run(
        [*command, "-p", "assay", "-f", str(DOCKER / "compose.yaml"), *extra, "config"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return yaml.safe_load(done.stdout)


def test_the_compose_tool_accepts_the_file_and_resolves_every_service(tmp_path: Path) -> None:
    config = resolved_config(tmp_path)
    services = config["services"]
    assert set(services) - {"vllm"} == {"postgres", "model", "code-location", "webserver", "daemon"}
    # The GPU server starts only with `--profile vllm` (1.29 lists it; the plugin hides it).
    assert all(s.get("profiles") in (None, []) for n, s in services.items() if n != "vllm")
    daemon = config["services"]["daemon"]["environment"]
    assert daemon["ASSAY_SANDBOX_BACKEND"] == "docker" and daemon["ASSAY_LLM_ENGINE"] == "openai"
    assert daemon["ASSAY_LLM_BASE_URL"] == "http://model:8000/v1"
    assert daemon["DAGSTER_CURRENT_IMAGE"] == config["services"]["code-location"]["image"]
    # Run containers mount the shared volume by this name (docker/dagster.yaml).
    assert config["volumes"]["assay-data"]["name"] == "assay-data"
    assert config["networks"]["assay"]["name"] == "assay"


def test_the_vllm_service_comes_with_its_profile(tmp_path: Path) -> None:
    vllm = resolved_config(tmp_path, "--profile", "vllm")["services"]["vllm"]
    assert vllm["profiles"] == ["vllm"] and not vllm["image"].endswith(":latest")


def test_nothing_we_build_is_tagged_latest() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    for name, service in compose["services"].items():
        image = service["image"]
        assert not image.endswith(":latest") and ":" in image, name
        repo = image.split(":")[0].removeprefix("${POSTGRES_IMAGE:-")
        if repo in OURS:
            assert "${ASSAY_TAG:-" in image, name
    for text in [p.read_text() for p in DOCKER.glob("*Dockerfile")] + [
        (ROOT / "Makefile").read_text()
    ]:
        assert not re.search(r"assay[-a-z]*:latest", text)


def test_the_instance_uses_postgres_and_launches_every_run_in_docker() -> None:
    instance = yaml.safe_load((DOCKER / "dagster.yaml").read_text())
    assert "postgres" in instance["storage"]
    launcher = instance["run_launcher"]
    assert launcher["class"] == "DockerRunLauncher" and launcher["config"]["network"] == "assay"
    volumes = launcher["config"]["container_kwargs"]["volumes"]
    assert (
        "assay-data:/opt/assay/home" in volumes
        and "/var/run/docker.sock:/var/run/docker.sock" in volumes
    )
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    for name in compose["x-assay-env"]:
        if (
            name.startswith("ASSAY_")
            and name != "ASSAY_HOME"
            or name.startswith("DAGSTER_POSTGRES")
        ):
            assert name in launcher["config"]["env_vars"], f"{name} does not reach run containers"
    # The launcher refuses to start a run when a variable it forwards is not set at all.
    assert set(launcher["config"]["env_vars"]) <= set(compose["x-assay-env"])


def test_the_code_location_serves_the_deployment_definitions() -> None:
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert "dagster_project.deployment" in compose["services"]["code-location"]["command"]
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert (
        "dagster-postgres==" in dockerfile
        and "ARG BASE_IMAGE=python:3.11-slim-bookworm" in dockerfile
    )
    workspace = yaml.safe_load((DOCKER / "workspace.yaml").read_text())
    assert workspace["load_from"][0]["grpc_server"] == {
        "host": "code-location",
        "port": 4000,
        "location_name": "assay",
    }
