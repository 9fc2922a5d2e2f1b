"""KodCode's first step: seed prompts -> the generator's raw answers -> clean, distinct questions.

Under either profile (`kodcode_profile`): a leetcode prompt shows three seed questions, every
other mode one (step1.1:181-187); prefill is a raw completion from a pre-query template,
stopped at the first newline (Magpie, step1.1:211-296); the question is extracted from the
answer and the model's lead-in and sign-off are stripped (step1.3 `extract_instruction`).
"""

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, Config, asset

from assets.common.ask import Answers, RowRequests, ask
from assets.common.dedup import MinHashParams, canonical_members, jaccard
from assets.common.family import partitioned
from assets.common.formats import MESSAGES_DTYPE
from assets.common.frames import frame_in_slices
from assets.common.ids import seeded_rng, stable_id
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.common.steps import read_partition_seeds
from assets.kodcode import original, parsing, prompts
from assets.kodcode.method import method, shots
from assets.kodcode.modes import validate_seed
from resources.llm import LLMRequest, LLMResource
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
    "raw_prompt": pl.Utf8,  # a raw completion prompt (prefill); messages is then empty
    "stop": pl.List(pl.Utf8),
}
QUESTION_SCHEMA = {
    k: pl.Utf8 for k in ("question_id", "prompt_id", "partition", "mode", "subset", "question")
}


class QuestionConfig(Config):
    max_tokens: int | None = None  # None: the profile's (assay 512, original 8192)
    prefill_max_tokens: int | None = None  # None: the profile's (assay 256, original 2048)


class DedupConfig(Config):
    threshold: float = 0.8
    num_perm: int = 128
    # A "new" question this similar to its own seed is the seed restated (small models do
    # this); the `original` profile has no such filter.
    copy_threshold: float = 0.6
    # Strip the model's lead-in and sign-off around a question (both profiles by default).
    strip_preambles: bool | None = None


def seed_material(seed: dict) -> str:
    """The seed text a question could copy: its problem, snippet, docs or prefix."""
    return next((seed[k] for k in ("question", "code", "doc", "prefix") if seed.get(k)), "")


def seed_prompt_row(seed: dict, partition: str, shown: list[dict], profile: Profile) -> dict:
    """One seed line as the request that asks for a question in its mode (`shown`: the seed
    lines the prompt shows, the line's own among them)."""
    content = {k: v for k, v in seed.items() if k != "seed_line"}
    prompt = prompts.question_prompt(seed, shown, profile.original)
    # The original profile's ids differ from assay's: its prompts, and so its answers, do.
    extra = ("original",) if profile.original else ()
    return {
        "prompt_id": stable_id(FAMILY, partition, seed["seed_line"], content, *extra),
        "partition": partition,
        "seed_line": seed["seed_line"],
        "mode": seed["mode"],
        "subset": seed.get("subset") or seed["mode"],
        "prefix": seed.get("prefix"),
        "seed_text": seed_material(seed),
        "seed_json": json.dumps(content, ensure_ascii=False, sort_keys=True),
        "messages": [{"role": m["role"], "content": m["content"]} for m in prompt.messages],
        "raw_prompt": prompt.raw_prompt,
        "stop": list(prompt.stop) if prompt.stop else None,
    }


class SameMode:
    """A file's seed lines of one mode, and where each question text occurs among them."""

    def __init__(self, seeds: list[dict]) -> None:
        self.seeds = seeds
        self.positions: dict[Any, list[int]] = defaultdict(list)
        for k, s in enumerate(seeds):
            self.positions[s.get("question")].append(k)

    def others(self, seed: dict) -> Sequence[dict]:
        """The lines whose question differs from `seed`'s, without copying the list: a file
        of 100,000 lines would otherwise build 100,000 lists of 20,000."""
        return _Skipping(self.seeds, self.positions.get(seed.get("question"), []))


class _Skipping(Sequence[dict]):
    """`items` without the positions in `skipped` (sorted), indexed lazily."""

    def __init__(self, items: list[dict], skipped: list[int]) -> None:
        self.items, self.skipped = items, skipped

    def __len__(self) -> int:
        return len(self.items) - len(self.skipped)

    def __getitem__(self, j):  # type: ignore[override]
        if isinstance(j, slice):
            return [self[k] for k in range(*j.indices(len(self)))]
        if j < 0:
            j += len(self)
        if not 0 <= j < len(self):
            raise IndexError(j)
        p = j  # step over every skipped position at or before the answer (sorted)
        for skipped in self.skipped:
            if skipped > p:
                break
            p += 1
        return self.items[p]


def shown_seeds(seed: dict, same_mode: SameMode, rng) -> list[dict]:
    """The seed lines a prompt shows: the line itself and, for leetcode, two others of its
    mode drawn at random (as many as the file has), in random order."""
    others = same_mode.others(seed)
    wanted = min(shots(seed["mode"]) - 1, len(others))
    shown = [seed, *(rng.sample(others, wanted) if wanted else [])]
    if len(shown) > 1:
        rng.shuffle(shown)
    return shown


@asset(
    **PARTITIONED,
    description="One question request per valid seed line (a chat, or a raw prefill prompt); bad lines are quarantined with file:line reasons.",
)
def kodcode_seed_prompts(
    context: AssetExecutionContext, workspace: Workspace, kodcode_profile: Profile
) -> pl.DataFrame:
    seeds, seed_meta = read_partition_seeds(context, workspace, FAMILY, validate_seed)
    lines: dict[str, list[dict]] = defaultdict(list)
    for seed in seeds.rows:
        lines[seed["mode"]].append(seed)
    by_mode = {mode: SameMode(mode_lines) for mode, mode_lines in lines.items()}
    rng = seeded_rng(workspace.global_seed, context.partition_key, "kodcode_seed_prompts")
    df = frame_in_slices(
        seeds.rows,
        lambda seed: seed_prompt_row(
            seed,
            context.partition_key,
            shown_seeds(seed, by_mode[seed["mode"]], rng),
            kodcode_profile,
        ),
        SEED_PROMPT_SCHEMA,
    )
    report = StepReport(rows_in=seeds.lines_read, log=context.log)
    report.drop("quarantined", n=len(seeds.bad))
    report.add(seed_meta)
    report.add({"profile": kodcode_profile.name})
    report.tally("mode", df["mode"].to_list())
    return report.emit(context, df, preview=["mode", "subset", "seed_line"])


def _prompt_text() -> pl.Expr:
    """A prompt's identity as one string: the raw prompt, or every message's role and content."""
    message = pl.element().struct.field("role") + "\x1f" + pl.element().struct.field("content")
    messages = pl.col("messages").list.eval(message).list.join("\x1e")
    return (
        pl.when(pl.col("raw_prompt").is_not_null())
        .then(pl.lit("raw\x1d") + pl.col("raw_prompt"))
        .otherwise(pl.lit("chat\x1d") + messages)
    )


def question_requests(
    seed_prompts: pl.DataFrame, config: QuestionConfig, profile: Profile
) -> tuple[RowRequests, pl.DataFrame]:
    """One request per distinct prompt, with one sample per seed line that asks it.

    Identical seed lines (many `prefill` lines with the same opening, as Magpie uses them)
    must get different answers, not one cached answer each: their prompt is asked once with
    n = the number of lines. Returns the requests (made as they are asked) and which seed
    line each (request key, sample index) answers."""
    m = method(profile)
    groups = (
        seed_prompts.group_by(_prompt_text().alias("_prompt"), maintain_order=True)
        .agg(
            pl.col("prompt_id").first().alias("key"),
            pl.col("prompt_id").alias("members"),
            pl.col("raw_prompt", "messages", "stop").first(),
        )
        .drop("_prompt")
    )
    members = (
        groups.select("key", "members", pl.int_ranges(pl.col("members").list.len()).alias("i"))
        .explode("members", "i")
        .select("key", pl.col("i").cast(pl.Int64).alias("sample_index"), "members")
    )

    def request(g: Mapping[str, Any]) -> LLMRequest:
        if g["raw_prompt"] is not None:
            return LLMRequest(
                key=g["key"],
                prompt=g["raw_prompt"],
                n=len(g["members"]),
                max_tokens=config.prefill_max_tokens or m.prefill.max_tokens,
                temperature=m.prefill.temperature,
                top_p=m.prefill.top_p,
                stop=tuple(g["stop"] or ()) or None,
            )
        return LLMRequest(
            key=g["key"],
            messages=tuple(g["messages"]),
            n=len(g["members"]),
            max_tokens=config.max_tokens or m.question.max_tokens,
            temperature=m.question.temperature,
            top_p=m.question.top_p,
        )

    return RowRequests(groups, request, n=lambda g: len(g["members"])), members


@asset(
    **PARTITIONED,
    description="The generator's answer to every seed prompt (failures kept with their reason).",
)
def kodcode_raw_questions(
    context: AssetExecutionContext,
    config: QuestionConfig,
    llm: LLMResource,
    kodcode_profile: Profile,
    kodcode_seed_prompts: pl.DataFrame,
) -> pl.DataFrame:
    requests, members = question_requests(kodcode_seed_prompts, config, kodcode_profile)
    answers = ask(llm, requests, log=context.log)
    # Sample i of a shared prompt is the answer of its i-th seed line.
    spread = (
        answers.table.join(members, on=["key", "sample_index"], how="left", maintain_order="left")
        .with_columns(pl.col("members").alias("key"), pl.lit(0, pl.Int64).alias("sample_index"))
        .drop("members")
    )
    keep = ["partition", "mode", "subset", "prefix", "seed_text"]
    df = Answers(spread, answers.result).frame(kodcode_seed_prompts, key="prompt_id", keep=keep)
    report = StepReport(rows_in=kodcode_seed_prompts.height)
    report.add(answers.metadata())
    return report.emit(context, df, preview=["mode", "response", "llm_error"])


def extract(row: dict, profile: Profile, strip: bool) -> parsing.QuestionParse:
    """The question in one answer under a profile: step1.3's extraction (original) or our
    tagged-answer parser (assay); a prefill answer is the prefix continued (step1.1:280)."""
    text = row["response"] or ""
    if row["mode"] == "prefill":
        prefix = row["prefix"] or ""
        text = original.prefill_answer(prefix if profile.original else prefix.strip(), text)
    if not profile.original:
        return parsing.extract_question(row["mode"], text)
    question = original.extract_instruction(text)
    if strip:
        question = parsing.strip_wrapping(question)
    reason = original.question_drop_reason(question)
    return parsing.QuestionParse(None if reason else question, reason)


@asset(
    **PARTITIONED,
    description="Questions extracted by each mode's answer format, sanitized, near-duplicates removed.",
)
def kodcode_questions(
    context: AssetExecutionContext,
    config: DedupConfig,
    kodcode_profile: Profile,
    kodcode_raw_questions: pl.DataFrame,
) -> pl.DataFrame:
    m = method(kodcode_profile)
    strip = m.strip_preambles if config.strip_preambles is None else config.strip_preambles
    report = StepReport(rows_in=kodcode_raw_questions.height, log=context.log)
    candidates = []
    for row in kodcode_raw_questions.iter_rows(named=True):
        key = row["prompt_id"]
        if row["llm_error"]:
            report.drop("llm_failed", key, row["llm_error"])
            continue
        parsed = extract(row, kodcode_profile, strip)
        if parsed.question is None:
            report.drop(parsed.drop_reason or "unparsed", key, (row["response"] or "")[:200])
            continue
        copied = jaccard(parsed.question, row["seed_text"] or "") >= config.copy_threshold
        if m.copy_filter and copied:
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
