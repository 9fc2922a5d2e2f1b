"""Guards on what downstream users rely on, partitioned like their assets."""

import polars as pl
from dagster import AssetCheckResult, asset_check

from assets.case2code.assets import case2code_cases, case2code_prompts
from assets.case2code.case_results import CaseResult
from assets.case2code.records import record_from_row
from assets.case2code.release import EXPORT_COLUMNS, case2code_sft
from assets.case2code.release_fields import (
    SFT_FIELDS,
    TEST_SET_FIELDS,
    field_errors,
    record_fields,
    validate_frame,
)
from assets.common.checks import count_check, unique_ids
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
        examples, results = r["examples"], [CaseResult.from_dict(d) for d in r["results"]]
        record = r["case2code"]
        misaligned += int(
            len(examples) != len(results) or len(record["example_outputs"]) != len(examples)
        )
        no_return += int(not any(x.returned for x in results))
        no_result += sum(x.kind == "no_result" for x in results)
    return count_check(
        {
            "misaligned_items": misaligned,
            "items_without_return": no_return,
            "cases_without_result": no_result,
            "duplicate_ids": unique_ids(case2code_cases, "case_id"),
        }
    )


@asset_check(
    asset=case2code_prompts,
    partitions_def=FAMILY_PARTITIONS,
    description="Each prompt shows at least min(3, cases) distinct valid cases; outputs align with cases; the target is the code.",
)
def case2code_prompts_well_formed(case2code_prompts: pl.DataFrame) -> AssetCheckResult:
    too_few = bad_index = output_missing = bad_target = 0
    for r in case2code_prompts.iter_rows(named=True):
        shown = r["shown"]
        record = r["case2code"]
        results = record["example_outputs"]
        too_few += int(len(shown) < min(3, r["n_cases"]))
        bad_index += int(
            len(set(shown)) != len(shown) or any(not 0 <= i < r["n_cases"] for i in shown)
        )
        bad_target += int(f"```python\n{record['code'].strip()}" not in r["response"])
        output_missing += int(len(results) != r["n_cases"])
    return count_check(
        {
            "too_few_shown": too_few,
            "bad_shown_index": bad_index,
            "outputs_misaligned": output_missing,
            "target_not_the_code": bad_target,
            "duplicate_ids": unique_ids(case2code_prompts, "prompt_id"),
        }
    )


@asset_check(
    asset=case2code_sft,
    description="The released rows carry Case2Code's fields with its types: the SFT split's "
    "id/prompt/output and the test-set format's twelve fields (release_fields).",
)
def case2code_release_fields(case2code_sft: pl.DataFrame) -> AssetCheckResult:
    sft_errors = validate_frame(case2code_sft.select(EXPORT_COLUMNS), SFT_FIELDS)
    record_errors = sorted(
        {
            error
            for row in case2code_sft["case2code"].to_list()
            for error in field_errors(record_fields([record_from_row(row)]), TEST_SET_FIELDS)
        }
    )
    return AssetCheckResult(
        passed=not sft_errors and not record_errors,
        metadata={
            "sft_errors": "; ".join(sft_errors) or "none",
            "record_errors": "; ".join(record_errors) or "none",
            "rows": case2code_sft.height,
        },
    )
