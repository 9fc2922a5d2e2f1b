"""Case2Code as partitioned assets: raw functions → example inputs → outputs → cases → prompts.

The model only writes inputs; the sandbox computes every output, so each case is right by
construction. Each asset reads: load the upstream frame → ask the model or run the sandbox →
parse with the pure functions of this package → report (drops, figures) → return the frame.
"""

from collections import Counter

import polars as pl
from dagster import AssetExecutionContext, asset

from assets.case2code.case_filter import select_cases
from assets.case2code.case_results import CaseResult, job_results
from assets.case2code.compose import compose_prompt
from assets.case2code.configs import CasesConfig, ExampleInputsConfig, PromptsConfig
from assets.case2code.examples import (
    Example,
    ExampleVerdict,
    case2code_examples,
    examples_row,
    usable_examples,
)
from assets.case2code.functions import first_function, program, validate_seed
from assets.case2code.method import method_of
from assets.case2code.original_prompts import (
    compose_original,
    example_block,
    example_inputs_prompt,
    shown_code,
)
from assets.case2code.original_prompts import response_text as original_response
from assets.case2code.prompts import example_inputs_messages, response_text
from assets.case2code.records import case2code_record
from assets.case2code.retries import ask_until_usable
from assets.case2code.schemas import (
    CASES_SCHEMA,
    EXAMPLE_INPUTS_SCHEMA,
    FUNCTIONS_SCHEMA,
    OUTPUTS_SCHEMA,
    PROMPTS_SCHEMA,
)
from assets.common.ask import ask
from assets.common.execute import CallJob, run_jobs
from assets.common.family import partitioned
from assets.common.ids import seeded_rng, stable_id
from assets.common.profiles import Profile
from assets.common.report import StepReport
from assets.common.steps import read_partition_seeds
from resources.llm import LLMRequest, LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace

FAMILY = "case2code"
EMPTY_ANSWER = "empty answer"
PARTITIONED = partitioned(FAMILY)

__all__ = [
    "case2code_cases",
    "case2code_example_inputs",
    "case2code_functions",
    "case2code_outputs",
    "case2code_prompts",
    "validate_seed",
]


def _examples(row: dict) -> list[Example]:
    return [Example.from_row(args) for args in row["examples"]]


def _results(row: dict) -> list[CaseResult]:
    return [CaseResult.from_dict(d) for d in row["results"]]


@asset(
    **PARTITIONED,
    description="One row per raw function in the seed file; bad lines quarantined with file:line reasons.",
)
def case2code_functions(
    context: AssetExecutionContext, workspace: Workspace, case2code_profile: Profile
) -> pl.DataFrame:
    """Under `original` the code is the seed's `content` as Case2Code runs it (its imports unused)."""
    seeds, seed_meta = read_partition_seeds(context, workspace, FAMILY, validate_seed)
    report = StepReport(rows_in=seeds.lines_read, log=context.log)
    report.drop("quarantined", n=len(seeds.bad))
    rows, seen = [], set()
    for seed in seeds.rows:
        if case2code_profile.original:
            code = shown_code(seed["content"])
        else:
            code = program(seed.get("import_code") or [], seed["content"])
        function_id = stable_id(FAMILY, code)
        if function_id in seen:
            report.drop("duplicate_function", key=seed["id"], detail=f"line {seed['seed_line']}")
            continue
        seen.add(function_id)
        rows.append(
            {
                "function_id": function_id,
                "partition": context.partition_key,
                "seed_id": seed["id"],
                "seed_line": seed["seed_line"],
                "func_name": first_function(seed["content"]).name,
                "code": code,
            }
        )
    report.add(seed_meta)
    df = pl.DataFrame(rows, schema=FUNCTIONS_SCHEMA)
    return report.emit(context, df, preview=["seed_id", "func_name"])


def inputs_messages(code: str, count: int, original: bool) -> tuple[dict, ...]:
    """Ours ask for `count` literal examples; Case2Code's prompt (one user turn) asks for ten."""
    if original:
        return ({"role": "user", "content": example_inputs_prompt(code.removesuffix("\n"))},)
    return example_inputs_messages(code, count)


@asset(
    **PARTITIONED,
    description="Example inputs written by the generator, read with ast only; re-asked when none is usable.",
)
def case2code_example_inputs(
    context: AssetExecutionContext,
    config: ExampleInputsConfig,
    llm: LLMResource,
    case2code_functions: pl.DataFrame,
    case2code_profile: Profile,
) -> pl.DataFrame:
    method = method_of(case2code_profile)
    items = {r["function_id"]: r for r in case2code_functions.iter_rows(named=True)}
    functions = {fid: first_function(item["code"]) for fid, item in items.items()}
    report = StepReport(rows_in=len(items), log=context.log)
    rejected: Counter = Counter()  # examples rejected, over all attempts

    def judge(fid: str, text: str) -> ExampleVerdict:
        if method.original:
            block = example_block(text)
            verdict = case2code_examples(block) if block else ExampleVerdict(error=EMPTY_ANSWER)
            rejected.update(verdict.rejected)
            return verdict
        verdict = usable_examples(
            text,
            functions[fid],
            strict=config.literal_only,
            check_signature=config.check_signature,
            max_examples=config.max_examples,
        )
        rejected.update(verdict.rejected)
        return verdict

    state, llm_meta = ask_until_usable(
        list(items),
        lambda fid, n: LLMRequest(
            key=fid,
            messages=inputs_messages(items[fid]["code"], config.count, method.original),
            n=n,
            max_tokens=config.max_tokens or method.inputs_max_tokens,
            temperature=method.inputs_temperature
            if config.temperature is None
            else config.temperature,
            top_p=method.inputs_top_p,
        ),
        judge,
        # Case2Code re-asks only when the answer's example block is empty.
        (lambda v: v.error != EMPTY_ANSWER) if method.original else (lambda v: bool(v.examples)),
        # A cut-off answer keeps its complete examples (see method.py), so truncation is an
        # outcome to judge, not a failed request.
        lambda requests: ask(llm, requests, log=context.log, truncation_is_an_outcome=True),
        config.max_retries,
        log=context.log,
    )
    rows = [examples_row(item, state[fid]) for fid, item in items.items()]
    df = pl.DataFrame(rows, schema=EXAMPLE_INPUTS_SCHEMA)
    report.add(
        {
            "functions_with_examples": df.filter(pl.col("n_examples") > 0).height,
            "examples_total": int(df["n_examples"].sum() or 0),
            "retried_functions": df.filter(pl.col("attempts") > 1).height,
            "repaired_answers": df.filter(pl.col("repaired")).height,
            **dict(sorted(llm_meta.items())),
            **{f"rejected/{k}": v for k, v in sorted(rejected.items())},
        }
    )
    return report.emit(
        context, df, preview=["func_name", "attempts", "n_examples", "examples_error"]
    )


@asset(
    **PARTITIONED,
    description="Every example run in the sandbox: the return value's repr or the exception, per example.",
)
def case2code_outputs(
    context: AssetExecutionContext,
    sandbox: SandboxResource,
    case2code_example_inputs: pl.DataFrame,
    case2code_profile: Profile,
) -> pl.DataFrame:
    """`assay`: one sandbox job per example, a fresh process each, so no example's side effects
    leak into another's output. `original`: one job per function, all its examples in one
    process, as Case2Code runs them.

    The time limit per example is the sandbox's per-input limit (SandboxResource.timeout_s).
    """
    shared = method_of(case2code_profile).shared_process
    rows = list(case2code_example_inputs.iter_rows(named=True))
    if shared:
        jobs = [
            CallJob(
                r["function_id"],
                f"{r['code']}\n\n{r['preamble']}\n" if r["preamble"] else r["code"],
                r["func_name"],
                inputs_py=[ex.kwargs_py() for ex in _examples(r)],
            )
            for r in rows
            if r["examples"]
        ]
    else:
        jobs = [
            CallJob(
                f"{r['function_id']}:{i}", r["code"], r["func_name"], inputs_py=[ex.kwargs_py()]
            )
            for r in rows
            for i, ex in enumerate(_examples(r))
        ]
    ran = run_jobs(sandbox, jobs, log=context.log)
    report = StepReport(rows_in=len(rows), log=context.log)
    out, statuses = [], []
    for r in rows:
        if shared:
            job = ran.get(r["function_id"]) if r["examples"] else None
            statuses += [job.status if job else "missing"] if r["examples"] else []
            results = job_results(job, len(r["examples"])) if r["examples"] else []
        else:
            jobs_of_row = [ran.get(f"{r['function_id']}:{i}") for i in range(len(r["examples"]))]
            statuses += [job.status if job else "missing" for job in jobs_of_row]
            results = [res for job in jobs_of_row for res in job_results(job, 1)]
        out.append(
            {
                "function_id": r["function_id"],
                "partition": r["partition"],
                "func_name": r["func_name"],
                "code": r["code"],
                "examples": r["examples"],
                "examples_error": r["examples_error"],
                "preamble": r["preamble"],
                "results": [res.as_row() for res in results],
                "n_examples": len(results),
                "n_returned": sum(res.kind == "return" for res in results),
                "n_exceptions": sum(res.kind == "exception" for res in results),
                "n_no_result": sum(res.kind == "no_result" for res in results),
            }
        )
    df = pl.DataFrame(out, schema=OUTPUTS_SCHEMA)
    kinds = [res["kind"] for results in df["results"].to_list() for res in results]
    report.add({"sandbox_jobs": len(jobs), "examples_run": len(kinds)})
    report.share("returned_share", kinds.count("return"), len(kinds))
    report.tally("outcome", kinds)
    report.tally("status", statuses)
    return report.emit(
        context, df, preview=["func_name", "n_examples", "n_returned", "n_exceptions"]
    )


@asset(
    **PARTITIONED,
    description="Items with returned values (not only exceptions); examples without a result removed.",
)
def case2code_cases(
    context: AssetExecutionContext,
    config: CasesConfig,
    case2code_outputs: pl.DataFrame,
    case2code_profile: Profile,
) -> pl.DataFrame:
    """Under `original` an item with an example that has no result (timeout, memory) is dropped:
    Case2Code runs an item's examples in one process, which then fails as a whole."""
    report = StepReport(rows_in=case2code_outputs.height, log=context.log)
    rows, removed_no_result, removed_exceptions = [], 0, 0
    for r in case2code_outputs.iter_rows(named=True):
        if r["examples_error"] and r["n_examples"] == 0:
            reason = (
                "llm_failed" if r["examples_error"].startswith("llm:") else "no_usable_examples"
            )
            report.drop(reason, key=r["func_name"], detail=r["examples_error"])
            continue
        examples, results = _examples(r), _results(r)
        if case2code_profile.original and any(x.kind == "no_result" for x in results):
            report.drop("run_failed", key=r["func_name"], detail="an example has no result")
            continue
        selection = select_cases(
            results,
            keep_exceptions=config.keep_exception_cases,
            min_returns=config.min_returns,
            min_distinct_returns=config.min_distinct_returns,
        )
        if selection.drop_reason:
            report.drop(selection.drop_reason, key=r["func_name"])
            continue
        removed_no_result += selection.no_result
        removed_exceptions += 0 if config.keep_exception_cases else selection.exceptions
        kept_examples = [examples[i] for i in selection.keep]
        kept_results = [results[i] for i in selection.keep]
        case_id = stable_id(r["function_id"], "cases", [e.kwargs_py() for e in kept_examples])
        rows.append(
            {
                "case_id": case_id,
                "function_id": r["function_id"],
                "partition": r["partition"],
                "func_name": r["func_name"],
                "code": r["code"],
                "examples": [ex.as_row() for ex in kept_examples],
                "results": [res.as_row() for res in kept_results],
                "n_cases": len(kept_examples),
                "n_returned": selection.returns,
                "n_exceptions": sum(x.kind == "exception" for x in kept_results),
                "case2code": case2code_record(
                    case_id,
                    r["func_name"],
                    r["code"],
                    kept_examples,
                    kept_results,
                    response=original_response(r["code"]) if case2code_profile.original else None,
                    preamble=r["preamble"] or "",
                ),
            }
        )
    df = pl.DataFrame(rows, schema=CASES_SCHEMA)
    report.add({"cases_total": int(df["n_cases"].sum() or 0)})
    report.share("keep_rate", df.height, case2code_outputs.height)
    report.add(
        {
            f"examples_removed/{k}": v
            for k, v in (("exception", removed_exceptions), ("no_result", removed_no_result))
            if v
        }
    )
    return report.emit(context, df, preview=["func_name", "n_cases", "n_returned", "n_exceptions"])


@asset(
    **PARTITIONED,
    description="SFT prompts: a seeded draw of template, case subset (at least 3) and part order; target is the function.",
)
def case2code_prompts(
    context: AssetExecutionContext,
    config: PromptsConfig,
    workspace: Workspace,
    case2code_cases: pl.DataFrame,
    case2code_profile: Profile,
) -> pl.DataFrame:
    """`original` draws each prompt as Case2Code does, from its own pools; both profiles drop a
    prompt longer than Case2Code's limit (32,768 characters)."""
    method = method_of(case2code_profile)
    report = StepReport(rows_in=case2code_cases.height * config.prompts_per_item, log=context.log)
    rows = []
    for r in case2code_cases.iter_rows(named=True):
        examples, results = _examples(r), _results(r)
        signature = first_function(r["code"]).signature
        positional_ok = [signature.positional_order(ex.keys) for ex in examples]
        for k in range(config.prompts_per_item):
            rng = seeded_rng(
                workspace.global_seed, context.partition_key, "case2code_prompts", r["case_id"], k
            )
            if method.original:
                composed = compose_original(
                    r["func_name"],
                    [ex.args for ex in examples],
                    [res.case2code() for res in results],
                    rng,
                )
                response = original_response(r["code"])
            else:
                composed = compose_prompt(
                    r["func_name"],
                    examples,
                    results,
                    positional_ok,
                    rng,
                    min_shown=config.min_shown,
                    max_shown=config.max_shown,
                )
                response = response_text(r["code"])
            prompt_id = stable_id(r["case_id"], "prompt", k)
            if len(composed.prompt) > method.max_prompt_chars:
                report.drop(
                    "prompt_too_long", key=prompt_id, detail=f"{len(composed.prompt)} chars"
                )
                continue
            rows.append(
                {
                    "prompt_id": prompt_id,
                    "case_id": r["case_id"],
                    "partition": r["partition"],
                    "func_name": r["func_name"],
                    "prompt": composed.prompt,
                    "response": response,
                    "template": composed.template,
                    "shown": list(composed.shown),
                    "n_shown": len(composed.shown),
                    "n_cases": r["n_cases"],
                    "case2code": {
                        **r["case2code"],
                        "id": prompt_id,
                        "prompt": composed.prompt,
                        "choosed_example_idx": list(composed.shown),
                    },
                }
            )
    df = pl.DataFrame(rows, schema=PROMPTS_SCHEMA)
    report.add({"mean_shown": float(df["n_shown"].mean() or 0.0) if df.height else 0.0})
    report.tally("template", df["template"].to_list())
    return report.emit(context, df, preview=["func_name", "template", "n_shown", "prompt"])
