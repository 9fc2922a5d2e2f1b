"""Case2Code as partitioned assets: raw functions → example inputs → outputs → cases → prompts.

The model only writes inputs; the sandbox computes every output, so each case
is right by construction.
"""

import json
from collections import Counter

import polars as pl
from dagster import AssetExecutionContext, Config, asset
from pydantic import Field

from assets.case2code import stages
from assets.case2code.compose import compose_prompt
from assets.case2code.functions import first_function, program, validate_seed
from assets.case2code.outcomes import job_results
from assets.case2code.prompts import example_inputs_messages, response_text
from assets.case2code.retries import ask_until_usable
from assets.common.bookkeeping import frame_metadata
from assets.common.family import partitioned
from assets.common.ids import seeded_rng, stable_id
from assets.common.steps import read_partition_seeds
from resources.llm import LLMRequest, LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace

FAMILY = "case2code"
PARTITIONED = partitioned(FAMILY)


class ExampleInputsConfig(Config):
    count: int = Field(default=10, description="example inputs asked for per function")
    max_examples: int = Field(
        default=10, description="examples kept per function (the rest are counted as rejected)"
    )
    max_tokens: int = Field(
        default=384, description="per answer; a cut-off list is repaired to its complete examples"
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


FUNCTIONS_SCHEMA = {
    "function_id": pl.Utf8,
    "partition": pl.Utf8,
    "seed_id": pl.Utf8,
    "seed_line": pl.Int64,
    "func_name": pl.Utf8,
    "code": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="One row per raw function in the seed file; bad lines quarantined with file:line reasons.",
)
def case2code_functions(context: AssetExecutionContext, workspace: Workspace) -> pl.DataFrame:
    seeds, seed_meta = read_partition_seeds(context, workspace, FAMILY, validate_seed)
    rows, seen, drops = [], set(), Counter()
    for seed in seeds.rows:
        code = program(seed.get("import_code") or [], seed["content"])
        function_id = stable_id(FAMILY, code)
        if function_id in seen:
            drops["duplicate_function"] += 1
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
    df = pl.DataFrame(rows, schema=FUNCTIONS_SCHEMA)
    drops["quarantined"] = len(seeds.bad)
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=seeds.lines_read,
            drops=drops,
            preview=["seed_id", "func_name"],
            extra=seed_meta,
        )
    )
    return df


@asset(
    **PARTITIONED,
    description="Example inputs written by the generator, read with ast only; re-asked when none is usable.",
)
def case2code_example_inputs(
    context: AssetExecutionContext,
    config: ExampleInputsConfig,
    llm: LLMResource,
    case2code_functions: pl.DataFrame,
) -> pl.DataFrame:
    items = {r["function_id"]: r for r in case2code_functions.iter_rows(named=True)}
    functions = {fid: first_function(item["code"]) for fid, item in items.items()}
    rejected: Counter = Counter()

    def judge(fid: str, text: str) -> stages.ExampleVerdict:
        verdict = stages.usable_examples(
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
            messages=example_inputs_messages(items[fid]["code"], config.count),
            n=n,
            max_tokens=config.max_tokens,
        ),
        judge,
        lambda verdict: bool(verdict.examples),
        lambda requests: llm.generate(requests, log=context.log),
        config.max_retries,
        log=context.log,
    )
    rows = []
    for fid, item in items.items():
        entry = state[fid]
        examples = entry.verdict.examples if entry.verdict else []
        error = None
        if not examples:
            error = (
                f"llm: {entry.llm_error}"
                if entry.llm_error
                else (entry.verdict.error if entry.verdict else "no answer")
            )
        rows.append(
            {
                "function_id": fid,
                "partition": item["partition"],
                "func_name": item["func_name"],
                "code": item["code"],
                "attempts": entry.attempts,
                "examples_json": stages.examples_to_json(examples),
                "n_examples": len(examples),
                "examples_error": error,
                "repaired": bool(entry.verdict and entry.verdict.repaired),
                "answer": entry.answer,
            }
        )
    schema = {
        "function_id": pl.Utf8,
        "partition": pl.Utf8,
        "func_name": pl.Utf8,
        "code": pl.Utf8,
        "attempts": pl.Int64,
        "examples_json": pl.Utf8,
        "n_examples": pl.Int64,
        "examples_error": pl.Utf8,
        "repaired": pl.Boolean,
        "answer": pl.Utf8,
    }
    df = pl.DataFrame(rows, schema=schema)
    with_examples = df.filter(pl.col("n_examples") > 0).height
    extra = {
        "functions_with_examples": with_examples,
        "examples_total": int(df["n_examples"].sum() or 0),
        "retried_functions": df.filter(pl.col("attempts") > 1).height,
        "repaired_answers": df.filter(pl.col("repaired")).height,
        **dict(sorted(llm_meta.items())),
        **{
            f"rejected/{k}": v for k, v in sorted(rejected.items())
        },  # examples rejected, over all attempts
    }
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=len(items),
            preview=["func_name", "attempts", "n_examples", "examples_error"],
            extra=extra,
        )
    )
    return df


@asset(
    **PARTITIONED,
    description="Every example run in the sandbox: the return value's repr or the exception, per example.",
)
def case2code_outputs(
    context: AssetExecutionContext, sandbox: SandboxResource, case2code_example_inputs: pl.DataFrame
) -> pl.DataFrame:
    """One sandbox job per example: a fresh process each, so no example's side effects leak into another's output.

    The time limit per example is the sandbox's per-input limit (SandboxResource.timeout_s).
    """
    rows = list(case2code_example_inputs.iter_rows(named=True))
    jobs, expected = [], {}
    for r in rows:
        examples = stages.examples_from_json(r["examples_json"])
        if not examples:
            continue
        for i, example in enumerate(examples):
            jobs.append(
                {
                    "id": f"{r['function_id']}:{i}",
                    "kind": "call",
                    "code": r["code"],
                    "entry_point": r["func_name"],
                    "inputs_py": [example.kwargs_py()],
                }
            )
        expected[r["function_id"]] = len(examples)
    by_id = {j["id"]: j for j in sandbox.run(jobs, log=context.log)} if jobs else {}
    out, kinds, statuses = [], Counter(), Counter()
    for r in rows:
        n = expected.get(r["function_id"], 0)
        results = []
        for i in range(n):
            job = by_id.get(f"{r['function_id']}:{i}", {"status": "missing"})
            statuses[job.get("status", "missing")] += 1
            results += job_results(job, 1)
        kinds.update(res.kind for res in results)
        out.append(
            {
                "function_id": r["function_id"],
                "partition": r["partition"],
                "func_name": r["func_name"],
                "code": r["code"],
                "examples_json": r["examples_json"],
                "examples_error": r["examples_error"],
                "results_json": stages.results_to_json(results),
                "n_examples": n,
                "n_returned": sum(res.kind == "return" for res in results),
                "n_exceptions": sum(res.kind == "exception" for res in results),
                "n_no_result": sum(res.kind == "no_result" for res in results),
            }
        )
    schema = {
        "function_id": pl.Utf8,
        "partition": pl.Utf8,
        "func_name": pl.Utf8,
        "code": pl.Utf8,
        "examples_json": pl.Utf8,
        "examples_error": pl.Utf8,
        "results_json": pl.Utf8,
        "n_examples": pl.Int64,
        "n_returned": pl.Int64,
        "n_exceptions": pl.Int64,
        "n_no_result": pl.Int64,
    }
    df = pl.DataFrame(out, schema=schema)
    total = sum(kinds.values())
    extra = {
        "sandbox_jobs": len(jobs),
        "examples_run": total,
        "returned_share": kinds["return"] / total if total else 0.0,
        **{f"outcome/{k}": v for k, v in sorted(kinds.items())},
        **{f"status/{k}": v for k, v in sorted(statuses.items())},
    }
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=len(rows),
            preview=["func_name", "n_examples", "n_returned", "n_exceptions"],
            extra=extra,
        )
    )
    return df


CASES_SCHEMA = {
    "case_id": pl.Utf8,
    "function_id": pl.Utf8,
    "partition": pl.Utf8,
    "func_name": pl.Utf8,
    "code": pl.Utf8,
    "examples_json": pl.Utf8,
    "results_json": pl.Utf8,
    "n_cases": pl.Int64,
    "n_returned": pl.Int64,
    "n_exceptions": pl.Int64,
    "case2code_json": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="Items with returned values (not only exceptions); examples without a result removed.",
)
def case2code_cases(
    context: AssetExecutionContext, config: CasesConfig, case2code_outputs: pl.DataFrame
) -> pl.DataFrame:
    rows, drops, removed = [], Counter(), Counter()
    for r in case2code_outputs.iter_rows(named=True):
        if r["examples_error"] and r["n_examples"] == 0:
            drops[
                "llm_failed" if r["examples_error"].startswith("llm:") else "no_usable_examples"
            ] += 1
            continue
        examples = stages.examples_from_json(r["examples_json"])
        results = stages.results_from_json(r["results_json"])
        selection = stages.select_cases(
            results,
            keep_exceptions=config.keep_exception_cases,
            min_returns=config.min_returns,
            min_distinct_returns=config.min_distinct_returns,
        )
        if selection.drop_reason:
            drops[selection.drop_reason] += 1
            continue
        removed["no_result"] += selection.no_result
        removed["exception"] += 0 if config.keep_exception_cases else selection.exceptions
        kept_examples = [examples[i] for i in selection.keep]
        kept_results = [results[i] for i in selection.keep]
        case_id = stable_id(r["function_id"], "cases", [e.kwargs_py() for e in kept_examples])
        record = stages.case2code_record(
            case_id, r["func_name"], r["code"], kept_examples, kept_results
        )
        rows.append(
            {
                "case_id": case_id,
                "function_id": r["function_id"],
                "partition": r["partition"],
                "func_name": r["func_name"],
                "code": r["code"],
                "examples_json": stages.examples_to_json(kept_examples),
                "results_json": stages.results_to_json(kept_results),
                "n_cases": len(kept_examples),
                "n_returned": selection.returns,
                "n_exceptions": sum(x.kind == "exception" for x in kept_results),
                "case2code_json": json.dumps(record, ensure_ascii=False),
            }
        )
    df = pl.DataFrame(rows, schema=CASES_SCHEMA)
    extra = {
        "cases_total": int(df["n_cases"].sum() or 0),
        "keep_rate": df.height / case2code_outputs.height if case2code_outputs.height else 0.0,
        **{f"examples_removed/{k}": v for k, v in sorted(removed.items()) if v},
    }
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=case2code_outputs.height,
            drops=drops,
            preview=["func_name", "n_cases", "n_returned", "n_exceptions"],
            extra=extra,
        )
    )
    return df


PROMPTS_SCHEMA = {
    "prompt_id": pl.Utf8,
    "case_id": pl.Utf8,
    "partition": pl.Utf8,
    "func_name": pl.Utf8,
    "prompt": pl.Utf8,
    "response": pl.Utf8,
    "template": pl.Utf8,
    "shown_json": pl.Utf8,
    "n_shown": pl.Int64,
    "n_cases": pl.Int64,
    "case2code_json": pl.Utf8,
}


@asset(
    **PARTITIONED,
    description="SFT prompts: a seeded draw of template, case subset (at least 3) and part order; target is the function.",
)
def case2code_prompts(
    context: AssetExecutionContext,
    config: PromptsConfig,
    workspace: Workspace,
    case2code_cases: pl.DataFrame,
) -> pl.DataFrame:
    rows, templates = [], Counter()
    for r in case2code_cases.iter_rows(named=True):
        examples = stages.examples_from_json(r["examples_json"])
        results = stages.results_from_json(r["results_json"])
        signature = first_function(r["code"]).signature
        positional_ok = [signature.positional_order(ex.keys) for ex in examples]
        record = json.loads(r["case2code_json"])
        for k in range(config.prompts_per_item):
            rng = seeded_rng(
                workspace.global_seed, context.partition_key, "case2code_prompts", r["case_id"], k
            )
            composed = compose_prompt(
                r["func_name"],
                examples,
                results,
                positional_ok,
                rng,
                min_shown=config.min_shown,
                max_shown=config.max_shown,
            )
            prompt_id = stable_id(r["case_id"], "prompt", k)
            templates[composed.template] += 1
            rows.append(
                {
                    "prompt_id": prompt_id,
                    "case_id": r["case_id"],
                    "partition": r["partition"],
                    "func_name": r["func_name"],
                    "prompt": composed.prompt,
                    "response": response_text(r["code"]),
                    "template": composed.template,
                    "shown_json": json.dumps(list(composed.shown)),
                    "n_shown": len(composed.shown),
                    "n_cases": r["n_cases"],
                    "case2code_json": json.dumps(
                        {
                            **record,
                            "id": prompt_id,
                            "prompt": composed.prompt,
                            "choosed_example_idx": list(composed.shown),
                        },
                        ensure_ascii=False,
                    ),
                }
            )
    df = pl.DataFrame(rows, schema=PROMPTS_SCHEMA)
    extra = {
        "mean_shown": float(df["n_shown"].mean() or 0.0) if df.height else 0.0,
        **{f"template/{k}": v for k, v in sorted(templates.items())},
    }
    context.add_output_metadata(
        frame_metadata(
            df,
            rows_in=case2code_cases.height * config.prompts_per_item,
            preview=["func_name", "template", "n_shown", "prompt"],
            extra=extra,
        )
    )
    return df
