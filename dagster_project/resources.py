"""Resources built from settings: the only place that knows which engine or backend runs."""

from __future__ import annotations

from typing import Any

from assets.common.profiles import Profile, resource_key
from dagster_project.settings import LLMSettings, Settings
from io_managers import AtomicParquetIOManager
from resources.llm import LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace

# Resource keys assets ask for. `llm` is the generator role.
LLM_ROLE_KEYS = {"generator": "llm", "reasoner": "reasoner", "evaluator": "evaluator"}


def llm_resource(role: LLMSettings, settings: Settings) -> LLMResource:
    return LLMResource(
        engine=role.engine,
        model=role.model,
        base_url=role.base_url,
        api_key_env=role.api_key_env,
        temperature=role.temperature,
        max_tokens=role.max_tokens,
        concurrency=role.concurrency,
        timeout_s=role.timeout_s,
        failure_threshold=role.failure_threshold,
        cache_path=str(settings.cache_path),
        seed=settings.global_seed,
    )


def build_resources(settings: Settings) -> dict[str, Any]:
    sandbox = settings.sandbox
    assert sandbox is not None
    resources: dict[str, Any] = {
        "io_manager": AtomicParquetIOManager(base_dir=settings.storage_dir),
        "sandbox": SandboxResource(
            backend=sandbox.backend,
            workers=sandbox.workers,
            timeout_s=sandbox.timeout_s,
            memory_mb=sandbox.memory_mb,
            coverage=sandbox.coverage,
        ),
        "workspace": Workspace(
            seed_dir=str(settings.seed_dir),
            home=str(settings.home),
            global_seed=settings.global_seed,
        ),
    }
    for role, key in LLM_ROLE_KEYS.items():
        resources[key] = llm_resource(settings.llm[role], settings)
    for family, profile in settings.profiles.items():
        resources[resource_key(family)] = Profile(name=profile)
    return resources
