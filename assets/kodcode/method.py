"""What each profile does at each KodCode generation step: sampling, budgets, shots, trials,
time limits. Values of the `original` profile are KodCode's (file:line in its repository);
each `assay` value that differs has its reason in DIFFERENCES (and docs/profiles/kodcode.md).

An asset config field left unset (None) takes its profile's value; a run may still set it
(the demo sets smaller trial counts).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from assets.common.ask import RowRequests, requests_from
from assets.common.profiles import ORIGINAL, Profile


@dataclass(frozen=True)
class Sampling:
    """One step's request settings; temperature/top_p None means the LLM resource's (per role)."""

    max_tokens: int
    temperature: float | None = None
    top_p: float | None = None
    n: int = 1


@dataclass(frozen=True)
class Method:
    profile: str
    question: Sampling  # step1.2: questions from seed prompts
    prefill: Sampling  # step1.1 prefill mode: a raw completion from a pre-query template
    trials: Sampling  # step2.1: solution + test trials per question (n)
    retry_max_trials: int  # step2.4 Failed_*: trials per question, first ones included
    style: Sampling  # step3.1.2: instruct -> complete conversion
    reasoner: Sampling  # step3.3.2: reasoning-model responses per question (n)
    verify_timeout_s: float | None  # step2.3 run_test.sh; None: the sandbox's own limit
    copy_filter: bool  # drop a question that restates its seed
    strip_preambles: bool  # strip the model's lead-in / sign-off around a question


# completion_open_model.py:161-165 (open models: max_tokens 8192, temperature 1.0, top_p 1.0);
# step1.1:34-37 (prefill: 1.0, 1.0, 2048); step2.1 with 3 trials (pipeline/README.md step 2.1);
# step3.3.2_completion_sft.sh:4,9 (3 trials, 16384 tokens); run_test.sh:6,19 (30 s, kill 5 s later).
ORIGINAL_METHOD = Method(
    profile=ORIGINAL,
    question=Sampling(8192, 1.0, 1.0),
    prefill=Sampling(2048, 1.0, 1.0),
    trials=Sampling(8192, 1.0, 1.0, n=3),
    retry_max_trials=10,
    style=Sampling(8192, 1.0, 1.0),
    reasoner=Sampling(16384, 1.0, 1.0, n=3),
    verify_timeout_s=30.0,
    copy_filter=False,
    strip_preambles=True,
)

ASSAY_METHOD = Method(
    profile="assay",
    question=Sampling(512),
    prefill=Sampling(256, 1.0, 1.0),
    trials=Sampling(1024, n=3),
    retry_max_trials=6,
    style=Sampling(384),
    reasoner=Sampling(1024, n=3),
    verify_timeout_s=None,
    copy_filter=True,
    strip_preambles=True,
)

SMALL_MODELS = (
    "bounded token budgets for small CPU models: an answer cut off at these budgets is counted "
    "(llm/failed/finish_reason=length), and 8,192 tokens per request would let one looping answer "
    "hold a CPU slot for many minutes (make demo must stay under 10 minutes); raise them for large models"
)

# Each named `assay` difference from the original's method: (item, reason).
DIFFERENCES: tuple[tuple[str, str], ...] = (
    (
        "prompt wording",
        (
            "our own wording for every prompt: the original's prompt text is not ours to ship; "
            "`original` reads it from the checkout"
        ),
    ),
    (
        "system turn",
        (
            "our chat prompts open with a short system turn (the original sends the user turn alone); "
            "it keeps the small model in its role"
        ),
    ),
    (
        "answer markers",
        (
            "every question prompt asks for <|Question Begin|>...<|Question End|> (the original asks "
            "for the bare question except in snippet and docs modes): one parser for every mode, and "
            "small models' preambles fall outside the markers"
        ),
    ),
    (
        "platform modes as a Python function",
        (
            "leetcode/codeforces/apps/taco/code_contests questions are asked as a Python function, not "
            "a stdin program: the tests import the solution (`from solution import ...`), and a program "
            "reading stdin cannot be imported and tested that way"
        ),
    ),
    (
        "sampling temperature/top_p",
        (
            "left to the LLM resource (per role, default 0.7/0.95) instead of 1.0/1.0: the original's "
            "values are for 7B+ models; set ASSAY_LLM_TEMPERATURE=1.0 for the original's. Prefill "
            "keeps 1.0/1.0 (Magpie relies on it for diversity)"
        ),
    ),
    ("max_tokens (question 512, prefill 256, trial 1024, style 384, reasoner 1024)", SMALL_MODELS),
    (
        "retries: 6 trials per question at most (original: 10)",
        (
            "a question that failed its first 3 trials rarely passes the 7th-10th with a small model, "
            "and each costs a trial's tokens"
        ),
    ),
    (
        "verification time limit: the sandbox's (10 s by default) instead of 30 s",
        (
            "generated tests that need more than 10 s are almost always an endless loop; a 30 s limit "
            "triples the cost of each hang on a 2-core machine"
        ),
    ),
    (
        "seed-copy filter",
        (
            "a question that restates its own seed (word Jaccard >= 0.6) is dropped: small models "
            "often copy the example instead of writing a new question"
        ),
    ),
    (
        "lenient trial parsing",
        (
            "solution/test markers in other brackets or bare, and the first two code blocks when the "
            "markers are missing, are accepted; the tests import from solution only when they do not "
            "already (the original always prepends `from solution import *`)"
        ),
    ),
    (
        "complete style: stubs, leak checks, re-verification",
        (
            "the converter writes one signature + docstring per tested function after one worked "
            "example, a stub that implements the function is dropped, and the solution must pass the "
            "tests again under the stub's signature (the original keeps any tagged completion that "
            "differs from the solution, unchecked)"
        ),
    ),
    (
        "reasoning-SFT prompt names the tested declarations",
        (
            "the user turn adds the tested function declarations and asks for a markdown code block "
            "(the original sends the question alone): a correct answer under another name would fail "
            "the tests; every misnamed function is aligned, not only a single one"
        ),
    ),
    (
        "prefill pre-query template",
        (
            "a ChatML pre-query template with our own system turn (the original: the model_configs.json "
            "entry of Qwen2.5-Coder-7B-Instruct, whose system text is the original's wording); ChatML "
            "is the embedded Qwen2.5-Coder model's own template"
        ),
    ),
)


def method(profile: Profile | str) -> Method:
    """The method of a profile (`original` or `assay`)."""
    name = profile if isinstance(profile, str) else profile.name
    return ORIGINAL_METHOD if name == ORIGINAL else ASSAY_METHOD


def shots(mode: str) -> int:
    """Seed questions shown per prompt, in both profiles (step1.1:181-187): three for
    leetcode (its problems are short), one otherwise."""
    return 3 if mode == "leetcode" else 1


def chat_requests(
    rows: pl.DataFrame | Sequence[Mapping[str, Any]],
    key: str,
    messages: Callable[[Mapping[str, Any]], Sequence[Mapping[str, str]]],
    sampling: Sampling,
    *,
    n: int | None = None,
    max_tokens: int | None = None,
    where: Callable[[Mapping[str, Any]], bool] | None = None,
) -> RowRequests:
    """One chat request per row, with a step's sampling (`n`/`max_tokens` override it)."""
    return requests_from(
        rows,
        key,
        messages,
        n=n or sampling.n,
        max_tokens=max_tokens or sampling.max_tokens,
        temperature=sampling.temperature,
        top_p=sampling.top_p,
        where=where,
    )
