"""ExecVerify as partitioned assets, one per artifact of the original's `data/` scripts:

methods (seed) -> programs (generator) -> mutated programs (generator) -> executable
samples (sandbox) -> difficulties (evaluator) -> filtered set -> I/O and O/I chain of
thought (reasoner) -> SFT set; RL candidates (reasoner, a disjoint share) -> traces
(sandbox) -> white-box questions -> RL set.

Every step reads load -> ask or run -> parse -> report -> return. The `execverify_profile`
resource picks the prompt wording and the question and check rules: `assay` (the default) is
our `fixed` rules, `original` ExecVerify's (`rules_of`); see whitebox.py and the README's
ExecVerify section for every difference.
"""

import dataclasses
import json
from typing import Any

import polars as pl
from dagster import AssetExecutionContext, Config, asset
from pydantic import Field

from assets.common.ask import ask
from assets.common.execute import CallJob, TraceJob, job_timing, run_jobs
from assets.common.family import partitioned
from assets.common.ids import seeded_rng, stable_id
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.common.steps import read_partition_seeds
from assets.execverify import execution, whitebox
from assets.execverify import prompts as P
from assets.execverify.answers import (
    answer_code,
    difficulty_pass,
    predicted_output_ok,
    synthesized_code,
)
from assets.execverify.programs import NotAProgram, parse_program
from assets.execverify.seeds import validate_seed
from resources.llm import LLMRequest, LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace

FAMILY = "execverify"
PARTITIONED = partitioned(FAMILY)


def rules_of(profile: Profile) -> str:
    """The rules a profile picks, as the prompt, check and reward functions name them: `fixed`
    (ours, the `assay` profile) or `original` (ExecVerify's; needs ASSAY_EXECVERIFY_SRC)."""
    return "original" if profile.original else "fixed"


def _messages(chat: P.Chat) -> list[dict[str, str]]:
    return chat.messages()


def _frame(rows: list[dict], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)


# ---------------------------------------------------------------------------- 0. methods (seed)
METHODS_SCHEMA = {
    "method_id": pl.Utf8,
    "partition": pl.Utf8,
    "seed_line": pl.Int64,
    "type": pl.Utf8,
    "method": pl.Utf8,
}


@asset(**PARTITIONED, description="The built-in methods to test, one {type, method} per seed line.")
def execverify_methods(context: AssetExecutionContext, workspace: Workspace) -> pl.DataFrame:
    seeds, meta = read_partition_seeds(context, workspace, FAMILY, validate_seed)
    report = StepReport(rows_in=seeds.lines_read, log=context.log)
    report.drop("quarantined", n=len(seeds.bad))
    rows, seen = [], set()
    for seed in seeds.rows:
        method_id = stable_id(FAMILY, seed["type"], seed["method"].strip())
        if method_id in seen:
            report.drop("duplicate_method", key=seed["method"])
            continue
        seen.add(method_id)
        rows.append(
            {
                "method_id": method_id,
                "partition": context.partition_key,
                "seed_line": seed["seed_line"],
                "type": seed["type"],
                "method": seed["method"].strip(),
            }
        )
    report.add(meta)
    return report.emit(context, _frame(rows, METHODS_SCHEMA), preview=["type", "method"])


# ---------------------------------------------------------------------------- 1. programs
class ProgramsConfig(Config):
    configs: list[int] = Field(
        default=[1, 2, 3, 4, 5, 6], description="which of ExecVerify's six synthesis configs"
    )
    prompts_per_method: int = Field(default=1, description="prompts per method and config")
    temperature: float = 0.8
    top_p: float = 0.9
    max_tokens: int = 4096


PROGRAMS_SCHEMA = {
    "program_id": pl.Utf8,
    "partition": pl.Utf8,
    "method_id": pl.Utf8,
    "type": pl.Utf8,
    "method": pl.Utf8,
    "config": pl.Int64,
    "code": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="Programs that test each method under each synthesis config (generator).",
)
def execverify_programs(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    config: ProgramsConfig,
    workspace: Workspace,
    llm: LLMResource,
    execverify_methods: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    jobs: dict[str, dict] = {}
    for m in execverify_methods.iter_rows(named=True):
        for cfg in config.configs:
            for k in range(config.prompts_per_method):
                pid = stable_id(FAMILY, m["method_id"], cfg, k, rules)
                rng = seeded_rng(
                    workspace.global_seed, context.partition_key, "execverify_programs", pid
                )
                chat = P.code_synthesis_prompt(m["type"], m["method"], cfg, rng, rules)
                jobs[pid] = {**m, "config": cfg, "chat": chat}
    report = StepReport(rows_in=len(jobs), log=context.log)
    answers = ask(
        llm,
        [
            LLMRequest(
                pid,
                _messages(j["chat"]),
                temperature=config.temperature,
                top_p=config.top_p,
                max_tokens=config.max_tokens,
            )
            for pid, j in jobs.items()
        ],
        log=context.log,
    )
    rows = []
    for c in answers.completions:
        j = jobs[c.key]
        code = synthesized_code(c.text) if c.ok else None
        if code is None:
            report.drop(
                f"llm_{c.failure}" if not c.ok else "no_code_block",
                key=c.key,
                detail=c.error or (c.text or "")[:200],
            )
            continue
        rows.append(
            {
                "program_id": c.key,
                "partition": j["partition"],
                "method_id": j["method_id"],
                "type": j["type"],
                "method": j["method"],
                "config": j["config"],
                "code": code,
            }
        )
    report.add(answers.metadata())
    return report.emit(
        context, _frame(rows, PROGRAMS_SCHEMA), preview=["type", "method", "config", "code"]
    )


# ---------------------------------------------------------------------------- 2. mutated programs
class MutationConfig(Config):
    temperature: float = 0.4
    top_p: float = 0.9
    repetition_penalty: float = 1.05
    max_tokens: int = 4096


MUTATED_SCHEMA = {**PROGRAMS_SCHEMA, "source_program_id": pl.Utf8}


@asset(
    **PARTITIONED,
    description="Each program with new literal arguments drawn around random reference values (generator); linked to its source.",
)
def execverify_mutated_programs(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    config: MutationConfig,
    workspace: Workspace,
    llm: LLMResource,
    execverify_programs: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    sources = {r["program_id"]: r for r in execverify_programs.iter_rows(named=True)}
    requests = []
    for pid, r in sources.items():
        rng = seeded_rng(
            workspace.global_seed, context.partition_key, "execverify_mutated_programs", pid
        )
        chat = P.input_synthesis_prompt(r["code"], P.reference_values(rng, rules), rules)
        requests.append(
            LLMRequest(
                pid,
                _messages(chat),
                temperature=config.temperature,
                top_p=config.top_p,
                repetition_penalty=config.repetition_penalty,
                max_tokens=config.max_tokens,
            )
        )
    report = StepReport(rows_in=len(sources), log=context.log)
    answers = ask(llm, requests, log=context.log)
    rows = []
    for c in answers.completions:
        code = synthesized_code(c.text) if c.ok else None
        if code is None:
            report.drop(
                f"llm_{c.failure}" if not c.ok else "no_code_block",
                key=c.key,
                detail=c.error or (c.text or "")[:200],
            )
            continue
        src = sources[c.key]
        rows.append(
            {
                **src,
                "program_id": stable_id(FAMILY, "mutated", c.key),
                "code": code,
                "source_program_id": c.key,
            }
        )
    report.add(answers.metadata())
    return report.emit(context, _frame(rows, MUTATED_SCHEMA), preview=["type", "method", "code"])


# ---------------------------------------------------------------------------- 3. executable samples
SAMPLES_SCHEMA = {
    "sample_id": pl.Utf8,
    "partition": pl.Utf8,
    "program_id": pl.Utf8,
    "origin": pl.Utf8,
    "type": pl.Utf8,
    "method": pl.Utf8,
    "config": pl.Int64,
    "func_str": pl.Utf8,
    "func_name": pl.Utf8,
    "func_args": pl.Utf8,
    "result": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="Programs and mutated programs that run in the sandbox and whose result's repr round-trips.",
)
def execverify_samples(
    context: AssetExecutionContext,
    sandbox: SandboxResource,
    execverify_programs: pl.DataFrame,
    execverify_mutated_programs: pl.DataFrame,
) -> pl.DataFrame:
    candidates = [(r, "raw") for r in execverify_programs.iter_rows(named=True)]
    candidates += [(r, "mutated") for r in execverify_mutated_programs.iter_rows(named=True)]
    report = StepReport(rows_in=len(candidates), log=context.log)
    parsed = {}
    for r, origin in candidates:
        try:
            parsed[r["program_id"]] = (r, origin, parse_program(r["code"]))
        except NotAProgram as exc:
            report.drop("not_a_program", key=r["program_id"], detail=str(exc))
    values = run_jobs(
        sandbox,
        [CallJob(pid, **_call(execution.value_job(pid, p))) for pid, (_, _, p) in parsed.items()],
        log=context.log,
    )
    reprs = {}
    for pid, (_, _, p) in parsed.items():
        text, why = execution.value_of(_wire(values.get(pid)))
        if text is None:
            report.drop(
                "does_not_run"
                if why and why.startswith("does not run")
                else "raises"
                if why and why.startswith("raises")
                else "repr_too_long",
                key=pid,
                detail=why or "",
            )
        else:
            reprs[pid] = text
    trips = run_jobs(
        sandbox,
        [
            CallJob(pid, **_call(execution.roundtrip_job(pid, parsed[pid][2], text)))
            for pid, text in reprs.items()
        ],
        log=context.log,
    )
    rows = []
    for pid, text in reprs.items():
        why = execution.roundtrip_reason(_wire(trips.get(pid)))
        if why:
            report.drop("no_round_trip", key=pid, detail=why)
            continue
        r, origin, p = parsed[pid]
        rows.append(
            {
                "sample_id": stable_id(FAMILY, "sample", pid),
                "partition": r["partition"],
                "program_id": pid,
                "origin": origin,
                "type": r["type"],
                "method": r["method"],
                "config": r["config"],
                "func_str": p.func_str,
                "func_name": p.func_name,
                "func_args": p.func_args,
                "result": text,
            }
        )
    report.add(job_timing({**values, **trips}))
    report.tally("origin", [r["origin"] for r in rows], known=("raw", "mutated"))
    return report.emit(
        context,
        _frame(rows, SAMPLES_SCHEMA),
        preview=["origin", "func_name", "func_args", "result"],
    )


def _call(wire: dict) -> dict:
    return {"code": wire["code"], "entry_point": wire["entry_point"], "inputs": wire["inputs"]}


def _wire(result: Any) -> dict:
    """A typed call result back in the runner's dict shape that execution.py reads."""
    if result is None:
        return {"status": "error", "error": "never ran"}
    return {
        "status": result.status,
        "load_error": result.load_error,
        "error": result.error,
        "outcomes": [dataclasses.asdict(o) for o in result.outcomes],
    }


# ---------------------------------------------------------------------------- 4-5. difficulty, filter
class DifficultyConfig(Config):
    n_samples: int = Field(default=10, description="evaluator samples per sample (ExecVerify: 10)")
    temperature: float = 1.0
    top_p: float = 0.9
    max_tokens: int = 4096


DIFFICULTY_SCHEMA = {**SAMPLES_SCHEMA, "pass_cnt": pl.Int64, "n_samples": pl.Int64}


@asset(
    **PARTITIONED,
    description="How often the small evaluator model predicts each sample's output (pass_cnt of n).",
)
def execverify_difficulties(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    config: DifficultyConfig,
    evaluator: LLMResource,
    execverify_samples: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    samples = {r["sample_id"]: r for r in execverify_samples.iter_rows(named=True)}
    report = StepReport(rows_in=len(samples), log=context.log)
    requests = [
        LLMRequest(
            sid,
            _messages(P.difficulty_prompt(r["func_str"], r["func_name"], r["func_args"], rules)),
            n=config.n_samples,
            temperature=config.temperature,
            top_p=config.top_p,
            max_tokens=config.max_tokens,
        )
        for sid, r in samples.items()
    ]
    answers = ask(evaluator, requests, log=context.log, truncation_is_an_outcome=True)
    passes: dict[str, int] = dict.fromkeys(samples, 0)
    for c in answers.completions:
        passes[c.key] += int(
            c.text is not None and difficulty_pass(c.text, samples[c.key]["result"], rules)
        )
    rows = [
        {**r, "pass_cnt": passes[sid], "n_samples": config.n_samples} for sid, r in samples.items()
    ]
    report.tally("pass_cnt", [r["pass_cnt"] for r in rows])
    report.add(answers.metadata())
    return report.emit(
        context, _frame(rows, DIFFICULTY_SCHEMA), preview=["func_name", "result", "pass_cnt"]
    )


class FilterConfig(Config):
    max_pass: int = Field(default=3, description="ExecVerify keeps pass_cnt <= 3 (of 10)")
    rl_share: float = Field(
        default=0.5, description="share of kept samples set aside (by id) for the RL candidates"
    )


FILTERED_SCHEMA = {**DIFFICULTY_SCHEMA, "split": pl.Utf8}


@asset(
    **PARTITIONED,
    description="Samples hard enough for the evaluator (pass_cnt <= max_pass), each assigned to sft or rl.",
)
def execverify_filtered(
    context: AssetExecutionContext, config: FilterConfig, execverify_difficulties: pl.DataFrame
) -> pl.DataFrame:
    report = StepReport(rows_in=execverify_difficulties.height, log=context.log)
    kept = []
    for r in execverify_difficulties.iter_rows(named=True):
        if r["pass_cnt"] > config.max_pass:
            report.drop(
                "too_easy",
                key=r["sample_id"],
                detail=f"pass_cnt {r['pass_cnt']} of {r['n_samples']}",
            )
            continue
        kept.append(r)
    # ExecVerify slices one list ([:40000] for SFT, [40000:80000] for RL). Here samples are
    # ranked by a hash of their id and the first `rl_share` of them go to RL: the same
    # disjoint split whatever the row order, and both sides non-empty from two samples on.
    ranked = sorted(kept, key=lambda r: stable_id(FAMILY, "split", r["sample_id"]))
    n_rl = (
        min(len(ranked) - 1, max(1, round(len(ranked) * config.rl_share))) if len(ranked) > 1 else 0
    )
    rl_ids = {r["sample_id"] for r in ranked[:n_rl]}
    rows = [{**r, "split": "rl" if r["sample_id"] in rl_ids else "sft"} for r in kept]
    report.tally("split", [r["split"] for r in rows], known=("sft", "rl"))
    return report.emit(
        context, _frame(rows, FILTERED_SCHEMA), preview=["func_name", "pass_cnt", "split"]
    )


# ---------------------------------------------------------------------------- 6, 8. chain of thought
class CotConfig(Config):
    temperature: float = 0.6
    top_p: float = 0.9
    max_tokens: int = 4096
    oi_max_result_chars: int = Field(
        default=150, description="O/I only for results this short (ExecVerify: 150)"
    )


COT_SCHEMA = {
    **FILTERED_SCHEMA,
    "mode": pl.Utf8,
    "prompt": pl.Utf8,
    "response": pl.Utf8,
    "reasoning": pl.Utf8,
}


def _cot(
    context: AssetExecutionContext,
    config: CotConfig,
    reasoner: LLMResource,
    sandbox: SandboxResource,
    filtered: pl.DataFrame,
    modes: tuple[str, ...],
    split: str,
    rules: str,
) -> pl.DataFrame:
    """Ask for I/O (`io`) and/or O/I (`oi`) reasoning on the `split` rows; keep answers that
    check out: I/O when the predicted output literal-equals the result, O/I when the model's
    assertion runs and passes in the sandbox."""
    stage = "sft" if split == "sft" else "candidates"
    rows_all = [r for r in filtered.iter_rows(named=True) if r["split"] == split]
    report = StepReport(rows_in=len(rows_all) * len(modes), log=context.log)
    asked = {}
    for mode in modes:
        for r in rows_all:
            if mode == "oi" and len(r["result"]) > config.oi_max_result_chars:
                report.drop("result_too_long_for_oi", key=r["sample_id"])
                continue
            chat = P.cot_prompt(
                r["func_str"],
                r["func_name"],
                r["func_args"],
                r["result"],
                mode,
                stage,
                rules,
            )
            asked[f"{mode}:{r['sample_id']}"] = (r, mode, chat)
    answers = ask(
        reasoner,
        [
            LLMRequest(
                key,
                _messages(chat),
                temperature=config.temperature,
                top_p=config.top_p,
                max_tokens=config.max_tokens,
            )
            for key, (_, _, chat) in asked.items()
        ],
        log=context.log,
        truncation_is_an_outcome=True,
    )
    by_key = answers.by_key()
    checks: dict[str, bool] = {}
    jobs = []
    for key, c in by_key.items():
        r, mode, _ = asked[key]
        if mode == "io":
            checks[key] = bool(c.text) and predicted_output_ok(c.text, r["result"], rules)
            continue
        code = answer_code(c.text or "")
        if code is None:
            checks[key] = False
        else:
            jobs.append(CallJob(key, code + execution_suffix(), "__assay_ran__", inputs=[{}]))
    results = run_jobs(sandbox, jobs, log=context.log)
    for key, res in results.items():
        checks[key] = res.status == "passed" and bool(res.outcomes) and res.outcomes[0].ok
    rows = []
    for key, (r, mode, chat) in asked.items():
        c = by_key.get(key)
        if c is None or not c.ok:
            reason = f"llm_{c.failure}" if c is not None else "llm_no_answer"
            report.drop(reason, key=key, detail=(c.error if c else "no answer") or "")
            continue
        if not checks.get(key):
            report.drop(f"{mode}_answer_wrong", key=key, detail=(c.text or "")[-200:])
            continue
        rows.append(
            {**r, "mode": mode, "prompt": chat.user, "response": c.text, "reasoning": c.reasoning}
        )
    report.tally("mode", [r["mode"] for r in rows], known=modes)
    report.add(answers.metadata())
    report.add(job_timing(results))
    return report.emit(context, _frame(rows, COT_SCHEMA), preview=["func_name", "mode", "result"])


def execution_suffix() -> str:
    return "\n\ndef __assay_ran__():\n    return True\n"


@asset(
    **PARTITIONED,
    description="Input -> output reasoning (reasoner) on the sft share, kept when the predicted output is right.",
)
def execverify_io_cot(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    config: CotConfig,
    reasoner: LLMResource,
    sandbox: SandboxResource,
    execverify_filtered: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    return _cot(context, config, reasoner, sandbox, execverify_filtered, ("io",), "sft", rules)


@asset(
    **PARTITIONED,
    description="Output -> input reasoning (reasoner) on the sft share, kept when the model's assertion runs and passes in the sandbox.",
)
def execverify_oi_cot(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    config: CotConfig,
    reasoner: LLMResource,
    sandbox: SandboxResource,
    execverify_filtered: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    return _cot(context, config, reasoner, sandbox, execverify_filtered, ("oi",), "sft", rules)


@asset(
    **PARTITIONED,
    description="RL candidates: the same I/O and O/I asks and checks on the disjoint rl share.",
)
def execverify_rl_candidates(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    config: CotConfig,
    reasoner: LLMResource,
    sandbox: SandboxResource,
    execverify_filtered: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    return _cot(context, config, reasoner, sandbox, execverify_filtered, ("io", "oi"), "rl", rules)


# ---------------------------------------------------------------------------- 7. SFT set
SFT_SCHEMA = {
    "record_id": pl.Utf8,
    "partition": pl.Utf8,
    "sample_id": pl.Utf8,
    "mode": pl.Utf8,
    "func_str": pl.Utf8,
    "human": pl.Utf8,
    "gpt": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="LLaMA-Factory sharegpt records: question, then <reasoning>...</reasoning><answer>...</answer>.",
)
def execverify_sft(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    execverify_io_cot: pl.DataFrame,
    execverify_oi_cot: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    report = StepReport(
        rows_in=execverify_io_cot.height + execverify_oi_cot.height, log=context.log
    )
    rows = []
    for r in [*execverify_io_cot.iter_rows(named=True), *execverify_oi_cot.iter_rows(named=True)]:
        reasoning, answer = P.split_reasoning(r["response"], r["reasoning"])
        record = P.sft_record(r["prompt"], reasoning, answer, rules)
        rows.append(
            {
                "record_id": stable_id(FAMILY, "sft", r["sample_id"], r["mode"]),
                "partition": r["partition"],
                "sample_id": r["sample_id"],
                "mode": r["mode"],
                "func_str": r["func_str"],
                "human": record["conversations"][0]["value"],
                "gpt": record["conversations"][1]["value"],
            }
        )
    report.tally("mode", [r["mode"] for r in rows], known=("io", "oi"))
    return report.emit(context, _frame(rows, SFT_SCHEMA), preview=["mode", "gpt"])


# ---------------------------------------------------------------------------- 9-10. traces, questions
TRACES_SCHEMA = {
    "sample_id": pl.Utf8,
    "partition": pl.Utf8,
    "func_str": pl.Utf8,
    "func_name": pl.Utf8,
    "traced_name": pl.Utf8,
    "func_args": pl.Utf8,
    "result": pl.Utf8,
    "trace_json": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="Line traces (sandbox) of the I/O RL candidates' calls; cut-off or failed traces dropped with their reason.",
)
def execverify_traces(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    sandbox: SandboxResource,
    execverify_rl_candidates: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    io = [r for r in execverify_rl_candidates.iter_rows(named=True) if r["mode"] == "io"]
    report = StepReport(rows_in=execverify_rl_candidates.height, log=context.log)
    report.drop("oi_candidate", n=execverify_rl_candidates.height - len(io))
    subjects = {}
    for r in io:
        subj = whitebox.subject(r["func_str"], r["func_args"], rules, r["func_name"])
        if subj is None:
            report.drop("no_function", key=r["sample_id"])
            continue
        subjects[r["sample_id"]] = (r, subj)
    jobs = []
    for sid, (_, subj) in subjects.items():
        w = whitebox.trace_job(sid, subj)
        jobs.append(
            TraceJob(
                sid,
                w["code"],
                w["entry_point"],
                max_events=w["max_events"],
                args_py=w["args_py"],
                args_line=w["args_line"],
                eval_view=True,
            )
        )
    results = run_jobs(sandbox, jobs, log=context.log)
    rows = []
    for sid, (r, subj) in subjects.items():
        res = results.get(sid)
        wire = (
            {"status": res.status, "stop": res.stop, "exception_type": res.exception_type}
            if res
            else {}
        )
        why = whitebox.drop_reason(wire)
        if why:
            report.drop(why.split(":")[0].replace(" ", "_"), key=sid, detail=why)
            continue
        rows.append(
            {
                "sample_id": sid,
                "partition": r["partition"],
                "func_str": r["func_str"],
                "func_name": r["func_name"],
                "traced_name": subj.func_name,
                "func_args": r["func_args"],
                "result": r["result"],
                "trace_json": json.dumps({"events": list(res.events), "stop": res.stop}),
            }
        )
    report.add(job_timing(results))
    return report.emit(
        context, _frame(rows, TRACES_SCHEMA), preview=["func_name", "traced_name", "func_args"]
    )


class QuestionsConfig(Config):
    per_kind: int = Field(
        default=5,
        description="control-flow and data-flow questions kept per program (ExecVerify: 5 + 5)",
    )


QUESTIONS_SCHEMA = {
    "sample_id": pl.Utf8,
    "partition": pl.Utf8,
    "func_str": pl.Utf8,
    "func_name": pl.Utf8,
    "func_args": pl.Utf8,
    "result": pl.Utf8,
    "prompt": pl.Utf8,
    "path_qas_json": pl.Utf8,
    "state_qas_json": pl.Utf8,
    "n_path": pl.Int64,
    "n_state": pl.Int64,
}


@asset(
    **PARTITIONED,
    description="White-box questions from each trace (next line; value and type), a seeded sample of 5 + 5, in one prompt with the assertion.",
)
def execverify_questions(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    config: QuestionsConfig,
    workspace: Workspace,
    execverify_traces: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    report = StepReport(rows_in=execverify_traces.height, log=context.log)
    rows = []
    for r in execverify_traces.iter_rows(named=True):
        subj = whitebox.Subject(r["func_str"], r["traced_name"], r["func_args"])
        why = whitebox.keeps_program(subj, rules)
        if why:
            report.drop(why.replace(" ", "_").replace("'", ""), key=r["sample_id"])
            continue
        qs = whitebox.questions(subj, json.loads(r["trace_json"]), rules)
        rng = seeded_rng(
            workspace.global_seed, context.partition_key, "execverify_questions", r["sample_id"]
        )
        path, state = list(qs.path_qas), list(qs.state_qas)
        rng.shuffle(state)
        rng.shuffle(path)
        path, state = path[: config.per_kind], state[: config.per_kind]
        prompt = P.io_mixed_prompt(
            r["func_str"],
            subj.func_name,
            r["func_args"],
            [q for q, _ in path] + [q for q, _ in state],
            rules,
        )
        rows.append(
            {
                "sample_id": r["sample_id"],
                "partition": r["partition"],
                "func_str": r["func_str"],
                "func_name": subj.func_name,
                "func_args": r["func_args"],
                "result": r["result"],
                "prompt": prompt,
                "path_qas_json": json.dumps(path),
                "state_qas_json": json.dumps(state),
                "n_path": len(path),
                "n_state": len(state),
            }
        )
    return report.emit(
        context, _frame(rows, QUESTIONS_SCHEMA), preview=["func_name", "n_path", "n_state"]
    )


# ---------------------------------------------------------------------------- RL set
RL_SCHEMA = {
    "row_id": pl.Utf8,
    "partition": pl.Utf8,
    "sample_id": pl.Utf8,
    "type": pl.Utf8,
    "func_str": pl.Utf8,
    "prompt": pl.Utf8,
    "ground_truth": pl.Utf8,
    "rules": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="RL rows: I/O-mixed (assertion + white-box questions) and O/I, with the ground truth the reward reads.",
)
def execverify_rl(
    context: AssetExecutionContext,
    execverify_profile: Profile,
    execverify_questions: pl.DataFrame,
    execverify_rl_candidates: pl.DataFrame,
) -> pl.DataFrame:
    rules = rules_of(execverify_profile)
    oi = [r for r in execverify_rl_candidates.iter_rows(named=True) if r["mode"] == "oi"]
    report = StepReport(rows_in=execverify_questions.height + len(oi), log=context.log)
    rows = []
    for r in execverify_questions.iter_rows(named=True):
        path, state = json.loads(r["path_qas_json"]), json.loads(r["state_qas_json"])
        truth = {
            "type": "io_mixed",
            "func_str": r["func_str"],
            "func_name": r["func_name"],
            "func_args": r["func_args"],
            "result": r["result"],
            "rules": rules,
            "question_answers": {
                "path_answers": [a for _, a in path],
                "state_as": [a for _, a in state],
            },
        }
        rows.append(
            {
                "row_id": stable_id(FAMILY, "rl", r["sample_id"], "io_mixed"),
                "partition": r["partition"],
                "sample_id": r["sample_id"],
                "type": "io_mixed",
                "func_str": r["func_str"],
                "prompt": r["prompt"],
                "ground_truth": json.dumps(truth, sort_keys=True),
                "rules": rules,
            }
        )
    for r in oi:
        truth = {
            "type": "oi",
            "func_str": r["func_str"],
            "func_name": r["func_name"],
            "func_args": r["func_args"],
            "result": r["result"],
            "rules": rules,
        }
        rows.append(
            {
                "row_id": stable_id(FAMILY, "rl", r["sample_id"], "oi"),
                "partition": r["partition"],
                "sample_id": r["sample_id"],
                "type": "oi",
                "func_str": r["func_str"],
                "prompt": P.rl_oi_prompt(r["func_str"], r["func_name"], r["result"], rules),
                "ground_truth": json.dumps(truth, sort_keys=True),
                "rules": rules,
            }
        )
    report.tally("type", [r["type"] for r in rows], known=("io_mixed", "oi"))
    return report.emit(context, _frame(rows, RL_SCHEMA), preview=["type", "sample_id"])
