"""The deployment files hang together (no Docker engine runs here, so we check the files)."""

from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def test_compose_runs_postgres_webserver_daemon_vllm_and_the_code_location():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    assert {"postgres", "webserver", "daemon", "vllm", "code-location"} <= set(compose["services"])
    env = compose["services"]["daemon"]["environment"]
    assert env["ASSAY_SANDBOX_BACKEND"] == "docker" and env["ASSAY_LLM_ENGINE"] == "openai"
    assert env["ASSAY_LLM_BASE_URL"].startswith("http://vllm:")


def test_the_instance_uses_postgres_and_launches_runs_in_docker():
    instance = yaml.safe_load((DOCKER / "dagster.yaml").read_text())
    assert "postgres" in instance["storage"]
    assert instance["run_launcher"]["class"] == "DockerRunLauncher"


def test_the_code_location_image_serves_our_definitions():
    dockerfile = (DOCKER / "Dockerfile").read_text()
    assert "dagster_project.definitions" in dockerfile and "dagster-postgres" in dockerfile
    workspace = yaml.safe_load((DOCKER / "workspace.yaml").read_text())
    assert workspace["load_from"][0]["grpc_server"]["port"] == 4000
