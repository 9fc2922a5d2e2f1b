"""Checks on what trainers rely on: RL tests pass, correct SFT labels re-verify, releases are clean.

The partitioned checks share their asset's partitions (so each loads one
partition) and re-run the sandbox rather than trusting a recorded status.
"""

import polars as pl
from dagster import AssetCheckResult, AssetCheckSeverity, AssetIn, asset_check

from assets.common.checks import unique_ids
from assets.common.decontam import DecontamIndex, load_benchmarks
from assets.kodcode import release, rl
from assets.common.family import seed_partitions
from assets.kodcode.stage3 import kodcode_rl, kodcode_sft, kodcode_triplets
from assets.kodcode.stage3_release import kodcode_dataset, kodcode_rl_dataset, kodcode_sft_dataset
from resources.sandbox import SandboxResource

FAMILY_PARTITIONS = seed_partitions("kodcode")


def _failures(sandbox: SandboxResource, jobs: list[dict]) -> list[str]:
    """Ids of jobs that did not pass."""
    results = sandbox.run(jobs) if jobs else []
    return [r["id"] for r in results if r["status"] != "passed"]


@asset_check(asset=kodcode_triplets, partitions_def=FAMILY_PARTITIONS,
             description="Ids unique; every complete-style item has its instruct parent; styles are instruct or complete.")
def kodcode_triplets_styled(kodcode_triplets: pl.DataFrame) -> AssetCheckResult:
    df = kodcode_triplets
    instruct = set(df.filter(pl.col("style") == "instruct")["question_id"].to_list())
    orphans = df.filter((pl.col("style") == "complete") & ~pl.col("parent_question_id").is_in(list(instruct))).height
    bad_style = df.filter(~pl.col("style").is_in(["instruct", "complete"])).height
    dupes = unique_ids(df, "question_id")
    return AssetCheckResult(passed=orphans == 0 and bad_style == 0 and dupes == 0,
                            metadata={"orphan_complete_items": orphans, "unknown_style": bad_style, "duplicate_ids": dupes},
                            severity=AssetCheckSeverity.ERROR)


@asset_check(asset=kodcode_rl, partitions_def=FAMILY_PARTITIONS, additional_ins={"kodcode_triplets": AssetIn()},
             description="Every RL row's ground-truth tests pass against its verified solution, re-run in the sandbox.")
def kodcode_rl_tests_pass(sandbox: SandboxResource, kodcode_rl: pl.DataFrame, kodcode_triplets: pl.DataFrame) -> AssetCheckResult:
    solutions = dict(kodcode_triplets.select("question_id", "solution").iter_rows())
    tests = rl.tests_of(kodcode_rl)
    missing = sorted(set(tests) - set(solutions))
    jobs = [{"id": q, "kind": "pytest", "solution_code": solutions[q], "test_code": t} for q, t in sorted(tests.items()) if q in solutions]
    failed = _failures(sandbox, jobs)
    return AssetCheckResult(passed=not failed and not missing,
                            metadata={"rows": kodcode_rl.height, "failing": len(failed), "without_solution": len(missing),
                                      "first_failing": ", ".join(failed[:5])},
                            severity=AssetCheckSeverity.ERROR)


@asset_check(asset=kodcode_sft, partitions_def=FAMILY_PARTITIONS, additional_ins={"kodcode_triplets": AssetIn()},
             description="Every SFT row labelled correct passes its question's tests again in the sandbox.")
def kodcode_sft_labels_verified(sandbox: SandboxResource, kodcode_sft: pl.DataFrame, kodcode_triplets: pl.DataFrame) -> AssetCheckResult:
    tests = dict(kodcode_triplets.select("question_id", "test_code").iter_rows())
    correct = kodcode_sft.filter(pl.col("correct"))
    jobs = [{"id": r["sft_id"], "kind": "pytest", "solution_code": r["answer_code"], "test_code": tests[r["question_id"]]}
            for r in correct.iter_rows(named=True) if r["answer_code"] and r["question_id"] in tests]
    failed = _failures(sandbox, jobs)
    unverifiable = correct.height - len(jobs)
    return AssetCheckResult(passed=not failed and unverifiable == 0,
                            metadata={"labelled_correct": correct.height, "failing_on_rerun": len(failed),
                                      "without_code_or_tests": unverifiable, "first_failing": ", ".join(failed[:5])},
                            severity=AssetCheckSeverity.ERROR)


def _contaminated(texts: list[tuple[str, str]], selection: pl.DataFrame) -> list[tuple[str, str, float]]:
    """(item, benchmark problem, similarity) for every text at or above the selection's threshold."""
    threshold = _threshold(selection)
    names = selection["decontam_benchmarks"][0].split(",") if selection.height else ["humaneval"]
    index = DecontamIndex(load_benchmarks([n for n in names if n]))
    found = []
    for item_id, text in texts:
        match = index.best_match(item_id, text)
        if match and match.similarity >= threshold:
            found.append((item_id, match.problem_id, match.similarity))
    return found


def _contamination_result(found: list[tuple[str, str, float]], rows: int, threshold: float) -> AssetCheckResult:
    return AssetCheckResult(passed=not found,
                            metadata={"rows_checked": rows, "threshold": threshold, "contaminated": len(found),
                                      "examples": "; ".join(f"{i} ~ {p} ({s:.2f})" for i, p, s in found[:5])},
                            severity=AssetCheckSeverity.ERROR)


def _threshold(selection: pl.DataFrame) -> float:
    return float(selection["contamination_threshold"][0]) if selection.height else 0.5


@asset_check(asset=kodcode_dataset, additional_ins={"kodcode_release_selection": AssetIn()},
             description="No train triplet is as similar to a HumanEval problem as the contamination threshold.")
def kodcode_dataset_uncontaminated(kodcode_dataset: pl.DataFrame, kodcode_release_selection: pl.DataFrame) -> AssetCheckResult:
    train = kodcode_dataset.filter(pl.col("split") == release.TRAIN)
    found = _contaminated(list(train.select("question_id", "question").iter_rows()), kodcode_release_selection)
    return _contamination_result(found, train.height, _threshold(kodcode_release_selection))


@asset_check(asset=kodcode_sft_dataset, additional_ins={"kodcode_release_selection": AssetIn()},
             description="No released SFT prompt is as similar to a HumanEval problem as the contamination threshold.")
def kodcode_sft_dataset_uncontaminated(kodcode_sft_dataset: pl.DataFrame, kodcode_release_selection: pl.DataFrame) -> AssetCheckResult:
    texts = [(r["sft_id"], "\n".join(m["content"] for m in r["messages"] if m["role"] == "user"))
             for r in kodcode_sft_dataset.iter_rows(named=True)]
    return _contamination_result(_contaminated(texts, kodcode_release_selection), len(texts), _threshold(kodcode_release_selection))


@asset_check(asset=kodcode_rl_dataset, additional_ins={"kodcode_release_selection": AssetIn()},
             description="No released RL prompt is as similar to a HumanEval problem as the contamination threshold.")
def kodcode_rl_dataset_uncontaminated(kodcode_rl_dataset: pl.DataFrame, kodcode_release_selection: pl.DataFrame) -> AssetCheckResult:
    texts = [(e["question_id"], "\n".join(m["content"] for m in p))
             for e, p in zip(kodcode_rl_dataset["extra_info"].to_list(), kodcode_rl_dataset["prompt"].to_list())]
    return _contamination_result(_contaminated(texts, kodcode_release_selection), len(texts), _threshold(kodcode_release_selection))


PARTITIONED_CHECKS = [kodcode_triplets_styled, kodcode_rl_tests_pass, kodcode_sft_labels_verified]
RELEASE_CHECKS = [kodcode_dataset_uncontaminated, kodcode_sft_dataset_uncontaminated, kodcode_rl_dataset_uncontaminated]
STAGE3_CHECKS = PARTITIONED_CHECKS + RELEASE_CHECKS
