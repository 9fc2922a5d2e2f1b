"""Guards on what downstream users rely on, partitioned like their assets."""

import json

import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, asset_check

from assets.case2code.assets import case2code_cases, case2code_prompts
from assets.case2code.stages import examples_from_json, results_from_json
from assets.common.checks import unique_ids
from assets.common.family import seed_partitions

FAMILY_PARTITIONS = seed_partitions("case2code")


@asset_check(
    asset=case2code_cases,
    partitions_def=FAMILY_PARTITIONS,
    description="Every kept item has a returned value, one result per example and no example without a result.",
)
def case2code_cases_consistent(case2code_cases: pl.DataFrame) -> AssetCheckResult:
    misaligned = no_return = no_result = 0
    for r in case2code_cases.iter_rows(named=True):
        examples, results = (
            examples_from_json(r["examples_json"]),
            results_from_json(r["results_json"]),
        )
        record = json.loads(r["case2code_json"])
        misaligned += int(
            len(examples) != len(results) or len(record["example_outputs"]) != len(examples)
        )
        no_return += int(not any(x.returned for x in results))
        no_result += sum(x.kind == "no_result" for x in results)
    dupes = unique_ids(case2code_cases, "case_id")
    return AssetCheckResult(
        passed=misaligned == 0 and no_return == 0 and no_result == 0 and dupes == 0,
        metadata={
            "misaligned_items": misaligned,
            "items_without_return": no_return,
            "cases_without_result": no_result,
            "duplicate_ids": dupes,
        },
        severity=AssetCheckSeverity.ERROR,
    )


@asset_check(
    asset=case2code_prompts,
    partitions_def=FAMILY_PARTITIONS,
    description="Each prompt shows at least min(3, cases) distinct valid cases; outputs align with cases; the target is the code.",
)
def case2code_prompts_well_formed(case2code_prompts: pl.DataFrame) -> AssetCheckResult:
    too_few = bad_index = output_missing = bad_target = 0
    for r in case2code_prompts.iter_rows(named=True):
        shown = json.loads(r["shown_json"])
        record = json.loads(r["case2code_json"])
        results = [x for x in record["example_outputs"]]
        too_few += int(len(shown) < min(3, r["n_cases"]))
        bad_index += int(
            len(set(shown)) != len(shown) or any(not 0 <= i < r["n_cases"] for i in shown)
        )
        bad_target += int(f"```python\n{record['code'].strip()}" not in r["response"])
        output_missing += int(len(results) != r["n_cases"])
    dupes = unique_ids(case2code_prompts, "prompt_id")
    return AssetCheckResult(
        passed=too_few == bad_index == output_missing == bad_target == dupes == 0,
        metadata={
            "too_few_shown": too_few,
            "bad_shown_index": bad_index,
            "outputs_misaligned": output_missing,
            "target_not_the_code": bad_target,
            "duplicate_ids": dupes,
        },
        severity=AssetCheckSeverity.ERROR,
    )
