"""Run config of CodeI/O's assets: what a person may change from the launchpad, with defaults."""

from dagster import Config
from pydantic import Field


class RawCodeConfig(Config):
    max_code_chars: int = Field(
        default=6000,
        description="longer files are dropped (too_long): the model must read them whole; 6,000 characters "
        "(~1,800 tokens) plus the prompt and a 1,024-token answer fit the embedded engine's 4,096-token window",
    )


class UnifyConfig(Config):
    max_tokens: int = Field(default=1024, description="per unified-code answer")
    temperature: float | None = Field(default=None, description="None: the resource's default")


class PairsConfig(Config):
    tries: int = Field(default=1000, description="input generator calls per item, at most")
    max_pairs: int = Field(default=10, description="stop after this many valid pairs")
    min_pairs: int = Field(default=2, description="items with fewer pairs are dropped")
    search_budget_s: float = Field(
        default=5.0,
        description="wall time for one item's search loop; capped at half the sandbox's per-call limit",
    )
    drop_clock_readers: bool = Field(
        default=True,
        description="drop items whose main code reads the clock or calendar (reads_clock)",
    )


class PromptsConfig(Config):
    pairs_per_item: int = Field(
        default=3, description="the first N pairs of each item get one output and one input prompt"
    )
    reference_code_tip: bool = Field(
        default=True, description="append the reference code as a tip (CodeI/O does)"
    )


class PredictConfig(Config):
    max_tokens: int = Field(
        default=1024, description="per prediction answer (step-by-step reasoning, then JSON)"
    )
    temperature: float | None = Field(default=None, description="None: the resource's default")
