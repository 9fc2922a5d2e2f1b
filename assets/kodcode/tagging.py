"""KodCode's LLM tagging (pipeline/tagging/unitag.py): an annotator model rates each question's
quality and labels its task category; KodCode's Filter subset keeps only high-quality
questions labelled "Algorithm Implementation" or "Function Generation" (paper, appendix A).

Where it runs: on the questions, before solutions are generated (the original tags questions,
then generates for the kept ones). Here it is a partitioned asset after kodcode_questions that
nothing downstream waits on, so the rest of the chain is unchanged; its `filter_keep` column
carries the Filter subset's rule.

Cost: one LLM call per tagged question and mission (two missions: quality and
classification), so it tags only the modes named in its config (default `prefill`, the
Magpie-made questions, as the original tags Magpie output) and at most `max_questions` per
partition when that is set (the demo bounds it).

Prompts: under `original` the wording is the original's own (pipeline/tagging/str_utils.py,
read from ASSAY_KODCODE_SRC); under `assay` it is ours, with the same labels and JSON keys.
Parameters are the original's in both (unitag.py:47-49,66-72): temperature 0, 1,024 tokens,
repetition penalty 1.0, stop at "}". The original also prefills the assistant turn with "{";
our LLM layer has no assistant-prefix continuation, so the answer is read from its first "{".
"""

import json
from collections.abc import Callable, Mapping
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, Config, asset
from pydantic import Field

from assets.common.ask import ask
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.kodcode.original import CHECKOUT
from assets.kodcode.questions import PARTITIONED
from resources.llm import LLMRequest, LLMResource

STR_UTILS = "pipeline/tagging/str_utils.py"
# mission -> the original's builder in str_utils.py (unitag.py:74-82)
BUILDERS = {"quality": "input_quality_rating", "classification": "input_classification"}
MISSIONS = tuple(BUILDERS)

# unitag.py:47-49 (argparse defaults) and :71 (stop)
TEMPERATURE = 0.0
MAX_TOKENS = 1024
REPETITION_PENALTY = 1.0
STOP = ("}",)
TAGGER = "meta-llama/Meta-Llama-3.1-8B-Instruct"  # unitag.py:23, the paper's annotator

QUALITY_LEVELS = ("very poor", "poor", "average", "good", "excellent")
HIGH_QUALITY = ("good", "excellent")  # Magpie's "high quality"
TASK_TAGS = (
    "Debugging",
    "Code Review",
    "Code Refactoring",
    "Code Optimization",
    "Function Generation",
    "Class Design",
    "Algorithm Implementation",
    "API Integration",
    "Database Operations",
    "Testing",
    "Security",
    "Error Handling",
    "Concurrency",
    "UI/UX Implementation",
    "DevOps",
    "Documentation",
    "Dependency Management",
    "Code Migration",
    "Performance Profiling",
    "Others",
)
FILTER_TAGS = ("Algorithm Implementation", "Function Generation")  # paper, appendix A


def assay_quality_prompt(question: str) -> str:
    levels = ", ".join(QUALITY_LEVELS)
    return (
        "Judge how well the programming request below states its task: is it clear, specific "
        "and complete enough to be solved in Python without asking anything back?\n\n"
        f"Request:\n```\n{question}\n```\n\n"
        f"Rate it on this scale: {levels}. Requests that are not about code, are only code "
        "without a task, or ask for another language than Python are very poor.\n"
        'Answer with one JSON object: {"explanation": "<why>", "input_quality": "<rating>"}'
    )


def assay_classification_prompt(question: str) -> str:
    tags = "\n".join(f"- {t}" for t in TASK_TAGS)
    return (
        "Which kind of programming task is the request below?\n\n"
        f"Request:\n```\n{question}\n```\n\nKinds:\n{tags}\n\n"
        "Pick the one kind that fits best as the primary tag and list any others that apply.\n"
        'Answer with one JSON object: {"primary_tag": "<kind>", "other_tags": ["<kind>", ...]}'
    )


ASSAY_PROMPTS: dict[str, Callable[[str], str]] = {
    "quality": assay_quality_prompt,
    "classification": assay_classification_prompt,
}


def original_prompt(mission: str, question: str) -> str:
    """The original's wording (its f-string template read from the checkout), filled with the
    question as its builder fills `input`."""
    template = CHECKOUT.string(STR_UTILS, BUILDERS[mission], 0)
    return template.render({"input": question})


def tag_prompt(mission: str, question: str, profile: str) -> str:
    if profile == "original":
        return original_prompt(mission, question)
    return ASSAY_PROMPTS[mission](question)


def tag_request(key: str, mission: str, question: str, profile: str) -> LLMRequest:
    return LLMRequest(
        key=f"{key}:{mission}",
        messages=[{"role": "user", "content": tag_prompt(mission, question, profile)}],
        max_tokens=MAX_TOKENS,
        temperature=TEMPERATURE,
        stop=STOP,
        repetition_penalty=REPETITION_PENALTY,
    )


def parse_tags(text: str | None) -> dict[str, Any] | None:
    """The JSON object an answer holds (the stop sequence ate its closing brace, as in the
    original, which adds it back: unitag.py:140,157-159), or None."""
    if not text or "{" not in text:
        return None
    body = text[text.index("{") :].strip()
    body = body[: body.rfind("}") + 1] if "}" in body else body + "}"
    try:
        value = json.loads(body)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


def tag_fields(quality: Mapping | None, classification: Mapping | None) -> dict[str, Any]:
    """unitag.py:85-116's fields; a missing or malformed answer leaves its fields None."""
    q = quality or {}
    c = classification or {}
    other = c.get("other_tags")
    fields = {
        "input_quality": q.get("input_quality")
        if isinstance(q.get("input_quality"), str)
        else None,
        "quality_explanation": q.get("explanation")
        if isinstance(q.get("explanation"), str)
        else None,
        "task_category": c.get("primary_tag") if isinstance(c.get("primary_tag"), str) else None,
        "other_task_category": [str(t) for t in other] if isinstance(other, list) else None,
    }
    return {**fields, **filter_decision(fields["input_quality"], fields["task_category"])}


def filter_decision(quality: str | None, category: str | None) -> dict[str, Any]:
    """The Filter subset's rule: high quality and an algorithm or function task."""
    if quality is None or category is None:
        return {"filter_keep": None, "filter_reason": "untagged"}
    if quality.strip().lower() not in HIGH_QUALITY:
        return {"filter_keep": False, "filter_reason": f"quality {quality}"}
    if category.strip() not in FILTER_TAGS:
        return {"filter_keep": False, "filter_reason": f"category {category}"}
    return {"filter_keep": True, "filter_reason": None}


TAGS_SCHEMA: dict[str, pl.DataType] = {
    "question_id": pl.Utf8,
    "partition": pl.Utf8,
    "mode": pl.Utf8,
    "subset": pl.Utf8,
    "input_quality": pl.Utf8,
    "quality_explanation": pl.Utf8,
    "task_category": pl.Utf8,
    "other_task_category": pl.List(pl.Utf8),
    "filter_keep": pl.Boolean,
    "filter_reason": pl.Utf8,
    "tag_model": pl.Utf8,
    "profile": pl.Utf8,
}


class TaggingConfig(Config):
    modes: list[str] = Field(
        default=["prefill"],
        description="modes whose questions are tagged (the original tags Magpie-made questions)",
    )
    max_questions: int = Field(
        default=0, description="tag at most this many questions per partition (0: all)"
    )


@asset(
    **PARTITIONED,
    description="KodCode's LLM tags per question (quality, task category) and the Filter subset's keep rule; two LLM calls per tagged question.",
)
def kodcode_question_tags(
    context: AssetExecutionContext,
    config: TaggingConfig,
    llm: LLMResource,
    kodcode_profile: Profile,
    kodcode_questions: pl.DataFrame,
) -> pl.DataFrame:
    in_modes = kodcode_questions.filter(pl.col("mode").is_in(config.modes)).sort("question_id")
    chosen = in_modes.head(config.max_questions) if config.max_questions else in_modes
    # Questions left untagged are not dropped from the chain (nothing waits on the tags).
    report = StepReport(rows_in=kodcode_questions.height, log=context.log)
    report.drop("mode_not_tagged", n=kodcode_questions.height - in_modes.height)
    report.drop("over_max_questions", n=in_modes.height - chosen.height)
    requests = [
        tag_request(q["question_id"], mission, q["question"], kodcode_profile.name)
        for q in chosen.iter_rows(named=True)
        for mission in MISSIONS
    ]
    answers = ask(llm, requests, log=context.log)
    by_key = answers.by_key()
    rows = []
    for q in chosen.iter_rows(named=True):
        got = {m: by_key.get(f"{q['question_id']}:{m}") for m in MISSIONS}
        tags = tag_fields(*(parse_tags(c.text if c else None) for c in got.values()))
        rows.append(
            {
                **{k: q[k] for k in ("question_id", "partition", "mode", "subset")},
                **tags,
                "tag_model": next((c.model for c in got.values() if c and c.model), None),
                "profile": kodcode_profile.name,
            }
        )
    df = pl.DataFrame(rows, schema=TAGS_SCHEMA)
    report.add(answers.metadata())
    report.tally("input_quality", [r["input_quality"] or "none" for r in rows])
    report.tally("filter", [r["filter_reason"] or "keep" for r in rows])
    return report.emit(context, df, preview=["question_id", "input_quality", "task_category"])
