"""Which method a family follows in a run: the paper's (`original`) or ours (`assay`).

`original` reproduces the paper: its prompts (read from the original repository's checkout,
see original_src.py), shot counts, sampling parameters, budgets, time limits, mechanisms,
dedup policy and released fields. `assay` (the default) keeps our own prompt wording and our
named improvements, and otherwise follows the original's method. Every difference between
the two is listed by the family's fidelity report (README, "Profiles").

A profile is one resource per family, so a run sets it in one place:

    resources:
      kodcode_profile:
        config: {name: original}

or, for every run, `ASSAY_KODCODE_PROFILE=original` in the environment.
"""

from __future__ import annotations

from typing import Literal

from dagster import ConfigurableResource

ASSAY = "assay"
ORIGINAL = "original"
PROFILES = (ASSAY, ORIGINAL)
ProfileName = Literal["assay", "original"]


class Profile(ConfigurableResource):
    """A family's profile for this run; assets ask for it as `<family>_profile`."""

    name: ProfileName = ASSAY

    @property
    def original(self) -> bool:
        return self.name == ORIGINAL


def resource_key(family: str) -> str:
    """The resource key a family's assets ask for (`kodcode_profile: Profile`)."""
    return f"{family}_profile"


def env_var(family: str) -> str:
    """The environment variable that sets a family's default profile."""
    return f"ASSAY_{family.upper()}_PROFILE"
