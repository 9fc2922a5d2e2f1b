"""Run config of Case2Code's partitioned assets: what a person may change from the launchpad."""

from dagster import Config
from pydantic import Field


class ExampleInputsConfig(Config):
    count: int = Field(default=10, description="example inputs asked for per function")
    max_examples: int = Field(
        default=10, description="examples kept per function (the rest are counted as rejected)"
    )
    max_tokens: int | None = Field(
        default=None,
        description="per answer; None: the profile's (assay 384, original 2,048); a cut-off list "
        "is repaired to its complete examples",
    )
    temperature: float | None = Field(
        default=None, description="None: the profile's (0.2 in both, as Case2Code)"
    )
    max_retries: int = Field(
        default=3, description="re-asks for a function whose answer had no usable example"
    )
    literal_only: bool = Field(
        default=True, description="reject examples whose values are not Python literals"
    )
    check_signature: bool = Field(
        default=True, description="reject examples whose names cannot bind to the parameters"
    )


class CasesConfig(Config):
    keep_exception_cases: bool = Field(
        default=True, description="keep examples that raised (Case2Code does)"
    )
    min_returns: int = Field(
        default=1, description="an item needs at least this many returned values"
    )
    min_distinct_returns: int = Field(
        default=1, description="an item needs this many different returned values (1: off)"
    )


class PromptsConfig(Config):
    prompts_per_item: int = Field(
        default=1, description="distinct prompts (template draws) per function"
    )
    min_shown: int = Field(
        default=3, description="cases shown per prompt, at least (all when fewer)"
    )
    max_shown: int | None = Field(
        default=None, description="cases shown per prompt, at most (None: all)"
    )
