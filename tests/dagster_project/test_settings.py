"""Settings come from the environment in one place, with working local defaults."""

import pytest

from dagster_project.settings import load_settings


def test_defaults_are_the_embedded_model_and_bubblewrap(monkeypatch):
    for name in (
        "ASSAY_LLM_ENGINE",
        "ASSAY_GENERATOR_ENGINE",
        "ASSAY_SANDBOX_BACKEND",
        "ASSAY_HOME",
    ):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.llm["generator"].engine == "embedded"
    assert settings.sandbox.backend == "bwrap"
    assert settings.storage_dir.endswith(".assay/storage")
    assert settings.llm["reasoner"].max_tokens > settings.llm["generator"].max_tokens


def test_a_role_variable_overrides_the_shared_one(monkeypatch):
    monkeypatch.setenv("ASSAY_LLM_ENGINE", "openai")
    monkeypatch.setenv("ASSAY_LLM_BASE_URL", "http://gen:8000/v1")
    monkeypatch.setenv("ASSAY_REASONER_BASE_URL", "http://r1:8000/v1")
    settings = load_settings()
    assert settings.llm["generator"].base_url == "http://gen:8000/v1"
    assert settings.llm["reasoner"].base_url == "http://r1:8000/v1"
    assert settings.llm["evaluator"].engine == "openai"


def test_a_malformed_number_names_the_variable(monkeypatch):
    monkeypatch.setenv("ASSAY_SANDBOX_WORKERS", "many")
    with pytest.raises(ValueError, match="ASSAY_SANDBOX_WORKERS"):
        load_settings()


def test_each_family_has_a_profile_resource_set_by_its_environment_variable(monkeypatch):
    from assets.common.profiles import Profile
    from dagster_project.resources import build_resources
    from dagster_project.settings import load_settings

    monkeypatch.setenv("ASSAY_CODEIO_PROFILE", "original")
    resources = build_resources(load_settings())
    assert resources["codeio_profile"] == Profile(name="original")
    assert resources["kodcode_profile"] == Profile(name="assay")
    monkeypatch.setenv("ASSAY_CODEIO_PROFILE", "paper")
    with pytest.raises(
        ValueError, match="ASSAY_CODEIO_PROFILE='paper': expected one of assay, original"
    ):
        load_settings()
