"""Run config of CodeI/O's assets: what a person may change from the launchpad.

A field left at None takes the profile's value (assets/codeio/method.py: `original` is
CodeI/O's, `assay` ours), so one profile setting changes the whole method and a run may
still override any single number.
"""

from dagster import Config
from pydantic import Field

PROFILE = "None: the profile's ({})"


class RawCodeConfig(Config):
    max_code_chars: int | None = Field(
        default=None,
        description=PROFILE.format(
            "assay 6,000: the file, the prompt and a 1,024-token answer fit the "
            "embedded engine's 4,096-token window; original: no limit"
        )
        + "; 0: no limit",
    )


class UnifyConfig(Config):
    max_tokens: int | None = Field(
        default=None, description=PROFILE.format("assay 1,024, original 4,096") + ", per answer"
    )
    temperature: float | None = Field(
        default=None, description=PROFILE.format("assay: the LLM resource's, original 0.7")
    )


class PairsConfig(Config):
    tries: int | None = Field(
        default=None,
        description=PROFILE.format("1,000") + ": input generator calls per item, at most",
    )
    max_pairs: int | None = Field(
        default=None, description=PROFILE.format("10") + ": stop after this many valid pairs"
    )
    min_pairs: int | None = Field(
        default=None, description=PROFILE.format("2") + ": items with fewer pairs are dropped"
    )
    search_budget_s: float | None = Field(
        default=None,
        description=PROFILE.format(
            "assay 5 s, a budget that truncates the search; original 60 s, past which the item is lost"
        )
        + "; capped by the sandbox's per-call limit",
    )
    drop_clock_readers: bool | None = Field(
        default=None,
        description=PROFILE.format("assay yes, original no")
        + ": drop items whose main code reads the clock or calendar (reads_clock)",
    )


class PromptsConfig(Config):
    pairs_per_item: int | None = Field(
        default=None,
        description=PROFILE.format("3")
        + ": the first N pairs of each item get one output and one input prompt",
    )
    reference_code_tip: bool = Field(
        default=True, description="append the reference code as a tip (CodeI/O does)"
    )


class PredictConfig(Config):
    max_tokens: int | None = Field(
        default=None,
        description=PROFILE.format("assay 1,024, original 4,096") + ", per prediction answer",
    )
    temperature: float | None = Field(
        default=None, description=PROFILE.format("assay: the LLM resource's, original 0.7")
    )


def pick(value, default):
    """A config value, or the profile's when the config leaves it at None."""
    return default if value is None else value
