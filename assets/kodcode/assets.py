"""KodCode stages 1–2 as partitioned assets: seed prompts → verified triplets."""


import json
from collections import Counter

import polars as pl
from dagster import AssetExecutionContext, Config, asset

from assets.common.bookkeeping import frame_metadata
from assets.common.dedup import MinHashParams, canonical_members, jaccard
from assets.common.frames import rows_frame
from assets.common.family import partitioned
from assets.common.ids import seeded_rng, stable_id
from assets.common.steps import read_partition_seeds
from assets.kodcode import parsing, prompts
from assets.kodcode.modes import validate_seed
from resources.llm import LLMRequest, LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace

FAMILY = "kodcode"
PARTITIONED = partitioned(FAMILY)

MESSAGES = pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8}))
TEST_INFO = pl.List(
    pl.Struct({"function_name": pl.Utf8, "parameter_list": pl.Utf8, "function_declaration": pl.Utf8, "docstring": pl.Utf8})
)


class QuestionConfig(Config):
    max_tokens: int = 512
    evol_examples: int = 2


class DedupConfig(Config):
    threshold: float = 0.8
    num_perm: int = 128
    # A "new" question this similar to its own seed is the seed restated (small models do this).
    copy_threshold: float = 0.6


class TrialConfig(Config):
    n_trials: int = 3
    max_tokens: int = 1024


def seed_material(seed: dict) -> str:
    """The seed text a question could copy: its problem, snippet, docs or prefix."""
    return next((seed[k] for k in ("question", "code", "doc", "prefix") if seed.get(k)), "")


def _llm_messages(messages: tuple[dict, ...]) -> list[dict]:
    return [{"role": m["role"], "content": m["content"]} for m in messages]


@asset(**PARTITIONED, description="One chat prompt per valid seed line; bad lines are quarantined with file:line reasons.")
def kodcode_seed_prompts(context: AssetExecutionContext, config: QuestionConfig, workspace: Workspace) -> pl.DataFrame:
    seeds, seed_meta = read_partition_seeds(context, workspace, FAMILY, validate_seed)
    evol_pool = [r["question"] for r in seeds.rows if r["mode"] == "evol"]
    rng = seeded_rng(workspace.global_seed, context.partition_key, "kodcode_seed_prompts")
    rows = []
    for seed in seeds.rows:
        others = [q for q in evol_pool if q != seed.get("question")]
        examples = rng.sample(others, min(config.evol_examples, len(others))) if seed["mode"] == "evol" else []
        content = {k: v for k, v in seed.items() if k != "seed_line"}
        rows.append(
            {
                "prompt_id": stable_id(FAMILY, context.partition_key, seed["seed_line"], content),
                "partition": context.partition_key,
                "seed_line": seed["seed_line"],
                "mode": seed["mode"],
                "subset": seed.get("subset") or seed["mode"],
                "prefix": seed.get("prefix"),
                "seed_text": seed_material(seed),
                "seed_json": json.dumps(content, ensure_ascii=False, sort_keys=True),
                "messages": _llm_messages(prompts.question_messages(seed, examples)),
            }
        )
    schema = {
        "prompt_id": pl.Utf8, "partition": pl.Utf8, "seed_line": pl.Int64, "mode": pl.Utf8, "subset": pl.Utf8,
        "prefix": pl.Utf8, "seed_text": pl.Utf8, "seed_json": pl.Utf8, "messages": MESSAGES,
    }
    df = rows_frame(rows, schema)
    modes = Counter(df["mode"].to_list())
    context.add_output_metadata(
        frame_metadata(df, rows_in=seeds.lines_read, drops={"quarantined": len(seeds.bad)}, preview=["mode", "subset", "seed_line"],
                       extra={**seed_meta, **{f"mode/{m}": c for m, c in sorted(modes.items())}})
    )
    return df


def _completion_frame(prompts_df: pl.DataFrame, id_col: str, result, keep: list[str]) -> pl.DataFrame:
    """Join completions back to their prompt rows; failed requests stay, with their error."""
    by_key = {row[id_col]: row for row in prompts_df.select([id_col, *keep]).iter_rows(named=True)}
    rows = []
    for c in result.completions:
        rows.append(
            {
                **by_key[c.key],
                "sample_index": c.sample_index,
                "response": c.text,
                "finish_reason": c.finish_reason,
                "llm_error": c.error,
                "prompt_tokens": c.prompt_tokens,
                "completion_tokens": c.completion_tokens,
                "model": c.model,
            }
        )
    return pl.DataFrame(rows, schema={**{k: prompts_df.schema[k] for k in [id_col, *keep]}, "sample_index": pl.Int64,
                                      "response": pl.Utf8, "finish_reason": pl.Utf8, "llm_error": pl.Utf8,
                                      "prompt_tokens": pl.Int64, "completion_tokens": pl.Int64, "model": pl.Utf8})


@asset(**PARTITIONED, description="The generator's answer to every seed prompt (failures kept with their reason).")
def kodcode_raw_questions(
    context: AssetExecutionContext, config: QuestionConfig, llm: LLMResource, kodcode_seed_prompts: pl.DataFrame
) -> pl.DataFrame:
    requests = [
        LLMRequest(key=r["prompt_id"], messages=tuple(r["messages"]), max_tokens=config.max_tokens)
        for r in kodcode_seed_prompts.iter_rows(named=True)
    ]
    result = llm.generate(requests, log=context.log)
    df = _completion_frame(kodcode_seed_prompts, "prompt_id", result, ["partition", "mode", "subset", "prefix", "seed_text"])
    context.add_output_metadata(frame_metadata(df, rows_in=len(requests), preview=["mode", "response", "llm_error"], extra=result.metadata()))
    return df


@asset(**PARTITIONED, description="Questions extracted by each mode's answer format, sanitized, near-duplicates removed.")
def kodcode_questions(context: AssetExecutionContext, config: DedupConfig, kodcode_raw_questions: pl.DataFrame) -> pl.DataFrame:
    drops: Counter[str] = Counter()
    candidates = []
    for row in kodcode_raw_questions.iter_rows(named=True):
        if row["llm_error"]:
            drops["llm_failed"] += 1
            continue
        parsed = parsing.extract_question(row["mode"], row["response"] or "", row["prefix"])
        if parsed.question is None:
            drops[parsed.drop_reason or "unparsed"] += 1
            continue
        if jaccard(parsed.question, row["seed_text"] or "") >= config.copy_threshold:
            drops["copies_seed"] += 1
            continue
        candidates.append({"question_id": stable_id(row["prompt_id"], "question"), "prompt_id": row["prompt_id"],
                           "partition": row["partition"], "mode": row["mode"], "subset": row["subset"], "question": parsed.question})
    params = MinHashParams(threshold=config.threshold, num_perm=config.num_perm)
    canonical = canonical_members(((c["question_id"], c["question"]) for c in candidates), params)
    kept = [c for c in candidates if canonical[c["question_id"]] == c["question_id"]]
    drops["near_duplicate"] += len(candidates) - len(kept)
    schema = {k: pl.Utf8 for k in ("question_id", "prompt_id", "partition", "mode", "subset", "question")}
    df = pl.DataFrame(kept, schema=schema)
    context.add_output_metadata(
        frame_metadata(df, rows_in=kodcode_raw_questions.height, drops=drops, preview=["subset", "question"], extra=params.as_metadata())
    )
    return df


@asset(**PARTITIONED, description="N independent solution + pytest trials per question from the generator.")
def kodcode_solution_trials(
    context: AssetExecutionContext, config: TrialConfig, llm: LLMResource, kodcode_questions: pl.DataFrame
) -> pl.DataFrame:
    requests = [
        LLMRequest(key=r["question_id"], messages=tuple(prompts.trial_messages(r["question"])), n=config.n_trials, max_tokens=config.max_tokens)
        for r in kodcode_questions.iter_rows(named=True)
    ]
    result = llm.generate(requests, log=context.log)
    df = _completion_frame(kodcode_questions, "question_id", result, ["partition", "subset"])
    # A failed sample (truncated, filtered, no answer) may still carry text; it is never parsed as a whole answer.
    parsed = [parsing.TrialParse(None, None, "llm_failed") if e or t is None else parsing.parse_trial(t)
              for t, e in zip(df["response"].to_list(), df["llm_error"].to_list())]
    df = df.rename({"sample_index": "trial_index"}).with_columns(
        pl.Series("trial_id", [stable_id(q, i, "trial") for q, i in zip(df["question_id"], df["sample_index"])], dtype=pl.Utf8),
        pl.Series("solution_code", [p.solution for p in parsed], dtype=pl.Utf8),
        pl.Series("test_code", [p.tests for p in parsed], dtype=pl.Utf8),
        pl.Series("parse_error", [p.error for p in parsed], dtype=pl.Utf8),
    )
    parse_errors = Counter(p.error.split(":")[0] for p in parsed if p.error)
    context.add_output_metadata(
        frame_metadata(df, rows_in=sum(r.n for r in requests), preview=["trial_id", "trial_index", "parse_error"],
                       extra={**result.metadata(), **{f"parse_error/{k}": v for k, v in sorted(parse_errors.items())}})
    )
    return df


@asset(**PARTITIONED, description="Every parsed trial run in the sandbox: per-test outcomes, status and solution coverage.")
def kodcode_test_results(context: AssetExecutionContext, sandbox: SandboxResource, kodcode_solution_trials: pl.DataFrame) -> pl.DataFrame:
    trials = list(kodcode_solution_trials.iter_rows(named=True))
    runnable = [t for t in trials if not t["parse_error"]]
    jobs = [{"id": t["trial_id"], "kind": "pytest", "solution_code": t["solution_code"], "test_code": t["test_code"]} for t in runnable]
    results = {r["id"]: r for r in sandbox.run(jobs, log=context.log)} if jobs else {}
    rows = []
    for t in trials:
        r = results.get(t["trial_id"])
        rows.append(
            {
                "trial_id": t["trial_id"], "question_id": t["question_id"], "trial_index": t["trial_index"],
                "status": r["status"] if r else ("llm_failed" if t["llm_error"] else "unparsed"),
                "tests_collected": (r or {}).get("tests_collected", 0), "tests_passed": (r or {}).get("tests_passed", 0),
                "tests_failed": (r or {}).get("tests_failed", 0), "coverage": (r or {}).get("coverage"),
                "failures_json": json.dumps((r or {}).get("failures", []), ensure_ascii=False),
            }
        )
    schema = {"trial_id": pl.Utf8, "question_id": pl.Utf8, "trial_index": pl.Int64, "status": pl.Utf8, "tests_collected": pl.Int64,
              "tests_passed": pl.Int64, "tests_failed": pl.Int64, "coverage": pl.Float64, "failures_json": pl.Utf8}
    df = pl.DataFrame(rows, schema=schema)
    statuses = Counter(df["status"].to_list())
    # Timings go to metadata, not rows: a re-run re-measures them, and its rows must be identical.
    seconds = sorted(r["duration_s"] for r in results.values())
    timing = {"sandbox/job_s_median": seconds[len(seconds) // 2], "sandbox/job_s_max": seconds[-1]} if seconds else {}
    context.add_output_metadata(
        frame_metadata(df, rows_in=len(trials), preview=["trial_id", "status", "tests_passed", "tests_failed", "coverage"],
                       extra={"pass_rate": statuses.get("passed", 0) / max(1, len(trials)), "sandbox_jobs": len(jobs),
                              **timing, **{f"status/{k}": v for k, v in sorted(statuses.items())}})
    )
    return df


@asset(**PARTITIONED, description="Question, chosen solution and tests that agree in the sandbox, with pass sequence and difficulty.")
def kodcode_verified_triplets(
    context: AssetExecutionContext, kodcode_questions: pl.DataFrame, kodcode_solution_trials: pl.DataFrame, kodcode_test_results: pl.DataFrame
) -> pl.DataFrame:
    trials = kodcode_solution_trials.select(["trial_id", "solution_code", "test_code"]).join(kodcode_test_results, on="trial_id")
    by_question: dict[str, list[dict]] = {}
    for t in trials.sort(["question_id", "trial_index"]).iter_rows(named=True):
        by_question.setdefault(t["question_id"], []).append(t)
    rows, drops = [], Counter()
    for q in kodcode_questions.iter_rows(named=True):
        row = verify_question(q, by_question.get(q["question_id"], []))
        if row is None:
            drops["no_passing_trial"] += 1
        else:
            rows.append(row)
    df = rows_frame(rows, TRIPLET_SCHEMA)
    difficulties = Counter(df["difficulty"].to_list())
    context.add_output_metadata(
        frame_metadata(df, rows_in=kodcode_questions.height, drops=drops, preview=["subset", "difficulty", "pass_sequence", "question"],
                       extra={"verified_share": df.height / max(1, kodcode_questions.height),
                              **{f"difficulty/{k}": v for k, v in sorted(difficulties.items())}})
    )
    return df


TRIPLET_SCHEMA = {
    "question_id": pl.Utf8, "partition": pl.Utf8, "subset": pl.Utf8, "mode": pl.Utf8, "question": pl.Utf8,
    "solution": pl.Utf8, "test_code": pl.Utf8, "test_info": TEST_INFO, "pass_sequence": pl.List(pl.Boolean),
    "pass_count": pl.Int64, "trials": pl.Int64, "pass_percentage": pl.Float64, "difficulty": pl.Utf8,
    "chosen_trial": pl.Int64, "chosen_trial_id": pl.Utf8, "chosen_status": pl.Utf8, "chosen_coverage": pl.Float64,
}


def verify_question(question: dict, trials: list[dict]) -> dict | None:
    """The triplet for one question: the passing trial with the best coverage, or None if none passed."""
    passing = [t for t in trials if t["status"] == "passed"]
    if not passing:
        return None
    chosen = max(passing, key=lambda t: (t["coverage"] if t["coverage"] is not None else -1.0, -t["trial_index"]))
    return {
        "question_id": question["question_id"], "partition": question["partition"], "subset": question["subset"],
        "mode": question["mode"], "question": question["question"], "solution": chosen["solution_code"],
        "test_code": chosen["test_code"], "test_info": parsing.build_test_info(chosen["solution_code"], chosen["test_code"]),
        "pass_sequence": [t["status"] == "passed" for t in trials], "pass_count": len(passing), "trials": len(trials),
        "pass_percentage": len(passing) / len(trials), "difficulty": parsing.difficulty(len(passing), len(trials)),
        "chosen_trial": chosen["trial_index"], "chosen_trial_id": chosen["trial_id"], "chosen_status": chosen["status"],
        "chosen_coverage": chosen["coverage"],
    }
