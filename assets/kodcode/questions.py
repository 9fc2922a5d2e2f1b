"""KodCode's first step: seed prompts -> the generator's raw answers -> clean, distinct questions."""

import json

import polars as pl
from dagster import AssetExecutionContext, Config, asset

from assets.common.ask import ask, requests_from
from assets.common.dedup import MinHashParams, canonical_members, jaccard
from assets.common.family import partitioned
from assets.common.formats import MESSAGES_DTYPE
from assets.common.frames import rows_frame
from assets.common.ids import seeded_rng, stable_id
from assets.common.report import StepReport
from assets.common.steps import read_partition_seeds
from assets.kodcode import parsing, prompts
from assets.kodcode.modes import validate_seed
from resources.llm import LLMResource
from resources.workspace import Workspace

FAMILY = "kodcode"
PARTITIONED = partitioned(FAMILY)

SEED_PROMPT_SCHEMA = {
    "prompt_id": pl.Utf8,
    "partition": pl.Utf8,
    "seed_line": pl.Int64,
    "mode": pl.Utf8,
    "subset": pl.Utf8,
    "prefix": pl.Utf8,
    "seed_text": pl.Utf8,
    "seed_json": pl.Utf8,
    "messages": MESSAGES_DTYPE,
}
QUESTION_SCHEMA = {
    k: pl.Utf8 for k in ("question_id", "prompt_id", "partition", "mode", "subset", "question")
}


class QuestionConfig(Config):
    max_tokens: int = 512
    evol_examples: int = 2


class DedupConfig(Config):
    threshold: float = 0.8
    num_perm: int = 128
    # A "new" question this similar to its own seed is the seed restated (small models do this).
    copy_threshold: float = 0.6


def seed_material(seed: dict) -> str:
    """The seed text a question could copy: its problem, snippet, docs or prefix."""
    return next((seed[k] for k in ("question", "code", "doc", "prefix") if seed.get(k)), "")


def seed_prompt_row(seed: dict, partition: str, examples: list[str]) -> dict:
    """One seed line as the chat prompt that asks for a question in its mode."""
    content = {k: v for k, v in seed.items() if k != "seed_line"}
    messages = prompts.question_messages(seed, examples)
    return {
        "prompt_id": stable_id(FAMILY, partition, seed["seed_line"], content),
        "partition": partition,
        "seed_line": seed["seed_line"],
        "mode": seed["mode"],
        "subset": seed.get("subset") or seed["mode"],
        "prefix": seed.get("prefix"),
        "seed_text": seed_material(seed),
        "seed_json": json.dumps(content, ensure_ascii=False, sort_keys=True),
        "messages": [{"role": m["role"], "content": m["content"]} for m in messages],
    }


@asset(
    **PARTITIONED,
    description="One chat prompt per valid seed line; bad lines are quarantined with file:line reasons.",
)
def kodcode_seed_prompts(
    context: AssetExecutionContext, config: QuestionConfig, workspace: Workspace
) -> pl.DataFrame:
    seeds, seed_meta = read_partition_seeds(context, workspace, FAMILY, validate_seed)
    evol_pool = [r["question"] for r in seeds.rows if r["mode"] == "evol"]
    rng = seeded_rng(workspace.global_seed, context.partition_key, "kodcode_seed_prompts")
    rows = []
    for seed in seeds.rows:
        others = [q for q in evol_pool if q != seed.get("question")]
        wanted = config.evol_examples if seed["mode"] == "evol" else 0
        examples = rng.sample(others, min(wanted, len(others))) if wanted else []
        rows.append(seed_prompt_row(seed, context.partition_key, examples))
    df = rows_frame(rows, SEED_PROMPT_SCHEMA)
    report = StepReport(rows_in=seeds.lines_read, log=context.log)
    report.drop("quarantined", n=len(seeds.bad))
    report.add(seed_meta)
    report.tally("mode", df["mode"].to_list())
    return report.emit(context, df, preview=["mode", "subset", "seed_line"])


@asset(
    **PARTITIONED,
    description="The generator's answer to every seed prompt (failures kept with their reason).",
)
def kodcode_raw_questions(
    context: AssetExecutionContext,
    config: QuestionConfig,
    llm: LLMResource,
    kodcode_seed_prompts: pl.DataFrame,
) -> pl.DataFrame:
    requests = requests_from(
        kodcode_seed_prompts, "prompt_id", lambda r: r["messages"], max_tokens=config.max_tokens
    )
    answers = ask(llm, requests, log=context.log)
    keep = ["partition", "mode", "subset", "prefix", "seed_text"]
    df = answers.frame(kodcode_seed_prompts, key="prompt_id", keep=keep)
    report = StepReport(rows_in=len(requests))
    report.add(answers.metadata())
    return report.emit(context, df, preview=["mode", "response", "llm_error"])


@asset(
    **PARTITIONED,
    description="Questions extracted by each mode's answer format, sanitized, near-duplicates removed.",
)
def kodcode_questions(
    context: AssetExecutionContext, config: DedupConfig, kodcode_raw_questions: pl.DataFrame
) -> pl.DataFrame:
    report = StepReport(rows_in=kodcode_raw_questions.height, log=context.log)
    candidates = []
    for row in kodcode_raw_questions.iter_rows(named=True):
        key = row["prompt_id"]
        if row["llm_error"]:
            report.drop("llm_failed", key, row["llm_error"])
            continue
        parsed = parsing.extract_question(row["mode"], row["response"] or "", row["prefix"])
        if parsed.question is None:
            report.drop(parsed.drop_reason or "unparsed", key, (row["response"] or "")[:200])
            continue
        if jaccard(parsed.question, row["seed_text"] or "") >= config.copy_threshold:
            report.drop("copies_seed", key, parsed.question[:200])
            continue
        candidates.append(
            {
                "question_id": stable_id(key, "question"),
                "prompt_id": key,
                "partition": row["partition"],
                "mode": row["mode"],
                "subset": row["subset"],
                "question": parsed.question,
            }
        )
    params = MinHashParams(threshold=config.threshold, num_perm=config.num_perm)
    canonical = canonical_members(((c["question_id"], c["question"]) for c in candidates), params)
    kept = []
    for c in candidates:
        if canonical[c["question_id"]] == c["question_id"]:
            kept.append(c)
        else:
            report.drop("near_duplicate", c["question_id"], f"of {canonical[c['question_id']]}")
    report.add(params.as_metadata())
    return report.emit(context, pl.DataFrame(kept, schema=QUESTION_SCHEMA), ["subset", "question"])
