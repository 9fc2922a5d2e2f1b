"""Every knob assay reads from the environment, in one place (the sandbox's `ASSAY_SANDBOX_*`
are read by resources/sandbox/settings.py, which the verl reward function shares).

Assets never read the environment: they receive resources built here. The local
defaults (embedded model, bubblewrap sandbox, Parquet under `.assay/`) work on a
fresh machine; a deployment overrides them with `ASSAY_*` variables.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from assets.common.profiles import ASSAY, PROFILES, env_var
from assets.registry import FAMILIES
from resources.env import env_float, env_int, env_str
from resources.sandbox.settings import SandboxSettings

REPO_ROOT = Path(__file__).resolve().parent.parent
ROLES = ("generator", "reasoner", "evaluator")


_env, _env_int, _env_float = env_str, env_int, env_float


@dataclass(frozen=True)
class LLMSettings:
    """One LLM role (generator, reasoner or evaluator).

    `ASSAY_LLM_<FIELD>` sets every role; `ASSAY_<ROLE>_<FIELD>` overrides one role,
    e.g. `ASSAY_REASONER_BASE_URL` points only the reasoner at a vLLM server.
    """

    engine: str
    model: str
    base_url: str | None
    api_key_env: str
    temperature: float
    max_tokens: int
    concurrency: int
    timeout_s: float
    failure_threshold: float

    @classmethod
    def for_role(cls, role: str, defaults: dict[str, str] | None = None) -> LLMSettings:
        defaults = defaults or {}

        def get(field_name: str, default: str) -> str:
            role_value = os.environ.get(f"ASSAY_{role.upper()}_{field_name}", "").strip()
            return role_value or _env(f"ASSAY_LLM_{field_name}", defaults.get(field_name, default))

        def number(field_name: str, default: str, kind: type) -> float | int:
            raw = get(field_name, default)
            try:
                return kind(raw)
            except ValueError as exc:
                raise ValueError(
                    f"ASSAY_{role.upper()}_{field_name} / ASSAY_LLM_{field_name}={raw!r} is not a number"
                ) from exc

        return cls(
            engine=get("ENGINE", "embedded"),
            model=get("MODEL", ""),
            base_url=get("BASE_URL", "") or None,
            api_key_env=get("API_KEY_ENV", "OPENAI_API_KEY"),
            temperature=float(number("TEMPERATURE", "0.7", float)),
            max_tokens=int(number("MAX_TOKENS", "1024", int)),
            concurrency=int(number("CONCURRENCY", "4", int)),
            timeout_s=float(number("TIMEOUT_S", "600", float)),
            failure_threshold=float(number("FAILURE_THRESHOLD", "0.5", float)),
        )


@dataclass(frozen=True)
class Settings:
    """The resolved configuration of one process."""

    home: Path
    storage_dir: str
    seed_dir: Path
    global_seed: int
    llm: dict[str, LLMSettings] = field(default_factory=dict)
    sandbox: SandboxSettings | None = None
    # family -> profile (`assay` or `original`) from ASSAY_<FAMILY>_PROFILE; absent means assay.
    profiles: dict[str, str] = field(default_factory=dict)

    @property
    def cache_path(self) -> Path:
        return self.home / "llm_cache.sqlite"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def export_dir(self) -> Path:
        return self.home / "datasets"


# Reasoning models think at length before they answer.
_ROLE_DEFAULTS = {"reasoner": {"MAX_TOKENS": "4096"}, "evaluator": {"TEMPERATURE": "0.2"}}


def load_settings() -> Settings:
    """Read the environment once; every default is a working local setup."""
    home = Path(_env("ASSAY_HOME", str(REPO_ROOT / ".assay"))).resolve()
    return Settings(
        home=home,
        storage_dir=_env("ASSAY_STORAGE", str(home / "storage")),
        seed_dir=Path(_env("ASSAY_SEED_DIR", str(REPO_ROOT / "seeds"))).resolve(),
        global_seed=_env_int("ASSAY_SEED", 0),
        llm={role: LLMSettings.for_role(role, _ROLE_DEFAULTS.get(role)) for role in ROLES},
        sandbox=SandboxSettings.from_env(),
        profiles=_profiles(),
    )


def _profiles() -> dict[str, str]:
    """Each family's default profile; a bad value fails here, naming the variable."""
    out = {}
    for family in FAMILIES:
        name = env_var(family)
        value = _env(name, ASSAY)
        if value not in PROFILES:
            raise ValueError(f"{name}={value!r}: expected one of {', '.join(PROFILES)}")
        out[family] = value
    return out
