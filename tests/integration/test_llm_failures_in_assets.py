"""A misbehaving model endpoint, seen through the KodCode assets.

Under a fault plan the run succeeds and every sample that still failed is a row carrying
its reason, counted in the metadata; above the failure threshold the asset fails and
says how many failed and why; answers paid for before the failure are not paid again.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from dagster import DagsterInstance

import assets.kodcode as stages
from tests.fakes.openai_server import FaultPlan, OpenAIServer
from tests.integration.harness import (
    RunSettings,
    metadata_by_asset,
    parquet_path,
    read_asset,
    rows_lost,
    run_partition,
    step_failures,
)
from tests.integration.scripted import ScriptedKodCode, write_seed_file

ITEMS = 10
N_TRIALS = 2
# 30% of attempts misbehave; truncations and content filters are final (not retried), the rest are retried.
FAULTS = FaultPlan(
    seed=11,
    rate_limit_retry_after=0.04,
    rate_limit=0.03,
    server_error=0.03,
    unavailable=0.03,
    connection_reset=0.03,
    read_timeout=0.01,
    slow=0.02,
    truncated=0.05,
    content_filter=0.03,
    empty_body=0.02,
    malformed_json=0.01,
    retry_after_s=0.02,
    timeout_sleep_s=1.5,
    slow_s=0.05,
)
FAST_RETRIES = RunSettings(n_trials=N_TRIALS, concurrency=4, timeout_s=1.0)
FIRST_TWO = [stages.kodcode_seed_prompts, stages.kodcode_raw_questions]
FAILED_SHARE = re.compile(r"(\d+) of (\d+) LLM samples failed")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    for key, start in (("a.jsonl", 0), ("b.jsonl", 100)):
        write_seed_file(tmp_path / "seeds" / "kodcode" / key, ITEMS, start=start)
    return tmp_path


def _reason_counts(meta: dict) -> dict[str, int]:
    return {
        k.removeprefix("llm/failed/"): v for k, v in meta.items() if k.startswith("llm/failed/")
    }


@pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)
def test_under_injected_faults_the_run_succeeds_and_every_failed_sample_is_a_row_with_its_reason(
    home,
):
    instance = DagsterInstance.ephemeral()
    with OpenAIServer(ScriptedKodCode(), faults=FAULTS) as server:
        results = {
            key: run_partition(home, server.base_url, key, FAST_RETRIES, instance=instance)
            for key in ("a.jsonl", "b.jsonl")
        }
        seen = server.stats.snapshot()

    assert all(r.success for r in results.values()), {
        k: step_failures(r) for k, r in results.items()
    }
    sent = failed = retries = 0
    for key, result in results.items():
        meta = metadata_by_asset(result)
        raw, questions = (
            read_asset(home, "kodcode_raw_questions", key),
            read_asset(home, "kodcode_questions", key),
        )
        trials, tested = (
            read_asset(home, "kodcode_solution_trials", key),
            read_asset(home, "kodcode_test_results", key),
        )
        assert raw.height == ITEMS and trials.height == questions.height * N_TRIALS, (
            "failed samples stay as rows"
        )
        for asset, frame in (("kodcode_raw_questions", raw), ("kodcode_solution_trials", trials)):
            m = meta[asset]
            errors = frame.filter(pl.col("llm_error").is_not_null())
            assert errors.height == m["llm/failed"] == sum(_reason_counts(m).values())
            assert all(
                any(e.startswith(reason) for reason in _reason_counts(m))
                for e in errors["llm_error"]
            ), "each row's error names a reason counted in the metadata"
            sent, failed, retries = (
                sent + m["llm/sent"],
                failed + m["llm/failed"],
                retries + m["llm/retries"],
            )
        assert (
            meta["kodcode_questions"].get("dropped/llm_failed", 0)
            == raw.filter(pl.col("llm_error").is_not_null()).height
        )
        failed_trials = set(trials.filter(pl.col("llm_error").is_not_null())["trial_id"])
        assert failed_trials == set(
            trials.filter(pl.col("parse_error") == "llm_failed")["trial_id"]
        )
        assert failed_trials == set(tested.filter(pl.col("status") == "llm_failed")["trial_id"]), (
            "the sandbox skips them, visibly"
        )
        unaccounted = [(where, n) for where, n in rows_lost(meta, ITEMS, N_TRIALS) if n]
        assert unaccounted == [], "no row lost inside an asset or between two"

    assert failed > 0 and retries > 0, (
        "the plan did hurt: some samples were retried, some failed for good"
    )
    assert seen["requests"] == sent, (
        "every HTTP attempt the server saw is counted in the assets' metadata"
    )
    assert sum(seen["faults"].values()) > 0


def test_above_the_failure_threshold_the_asset_fails_saying_why_and_a_rerun_pays_only_for_the_failures(
    home,
):
    instance = DagsterInstance.ephemeral()
    # Server errors with no retries: answers that never came, which a re-run asks for again.
    erring = FaultPlan(seed=5, server_error=0.95)
    with OpenAIServer(ScriptedKodCode(), faults=erring) as server:
        failing = run_partition(
            home,
            server.base_url,
            "a.jsonl",
            RunSettings(max_retries=0, circuit_breaker_after=1000),
            instance=instance,
            selection=FIRST_TWO,
        )
    # Truncated answers: answers all the same, recorded as failures in their rows.
    truncating = FaultPlan(seed=5, truncated=0.8)
    with OpenAIServer(ScriptedKodCode(), faults=truncating) as server:
        tolerant = run_partition(
            home,
            server.base_url,
            "b.jsonl",
            RunSettings(failure_threshold=0.95),
            instance=instance,
            selection=FIRST_TWO,
        )

    message = step_failures(failing)["kodcode_raw_questions"]
    failed, samples = map(int, FAILED_SHARE.search(message).groups())
    assert samples == ITEMS and failed > ITEMS // 2
    assert "> failure_threshold 50%" in message and f"http_500: {failed}" in message
    assert not parquet_path(home, "kodcode_raw_questions", "a.jsonl").exists(), (
        "a failed asset is not materialized"
    )

    assert tolerant.success, "a higher failure_threshold lets the same faults through, recorded"
    raw_b = read_asset(home, "kodcode_raw_questions", "b.jsonl")
    meta_b = metadata_by_asset(tolerant)["kodcode_raw_questions"]
    assert (
        raw_b.filter(pl.col("llm_error") == "finish_reason=length").height
        == meta_b["llm/failed/finish_reason=length"]
        > 0
    )
    assert raw_b.height == ITEMS

    with OpenAIServer(ScriptedKodCode()) as healthy:
        retried = run_partition(
            home, healthy.base_url, "a.jsonl", RunSettings(), instance=instance, selection=FIRST_TWO
        )
        assert healthy.stats.snapshot()["requests"] == failed, (
            "only the failed samples are asked again"
        )
    meta = metadata_by_asset(retried)["kodcode_raw_questions"]
    assert retried.success and meta["llm/cache_hits"] == ITEMS - failed and meta["llm/failed"] == 0


def test_a_dead_endpoint_trips_the_circuit_breaker_and_the_asset_fails_fast(home):
    resetting = FaultPlan(seed=1, connection_reset=1.0)
    settings = RunSettings(concurrency=2, circuit_breaker_after=3)
    with OpenAIServer(ScriptedKodCode(), faults=resetting) as server:
        result = run_partition(
            home,
            server.base_url,
            "a.jsonl",
            settings,
            instance=DagsterInstance.ephemeral(),
            selection=FIRST_TWO,
        )
        hammered = server.stats.snapshot()["requests"]

    message = step_failures(result)["kodcode_raw_questions"]
    assert f"{ITEMS} of {ITEMS} LLM samples failed" in message and "circuit_open" in message
    assert hammered <= settings.circuit_breaker_after + settings.concurrency, (
        f"{hammered} requests: the breaker stopped the batch instead of retrying every sample {settings.max_retries} times"
    )


@pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)
def test_a_truncated_or_filtered_answer_is_a_failure_downstream_too_never_parsed_run_or_verified(
    home,
):
    cut = FaultPlan(seed=2, truncated=0.25, content_filter=0.1)
    settings = RunSettings(n_trials=N_TRIALS, failure_threshold=0.9)
    with OpenAIServer(ScriptedKodCode(), faults=cut) as server:
        result = run_partition(
            home, server.base_url, "a.jsonl", settings, instance=DagsterInstance.ephemeral()
        )

    assert result.success
    trials, tested = (
        read_asset(home, "kodcode_solution_trials", "a.jsonl"),
        read_asset(home, "kodcode_test_results", "a.jsonl"),
    )
    cut_trials = trials.filter(
        pl.col("llm_error").is_in(["finish_reason=length", "finish_reason=content_filter"])
    )
    assert cut_trials.filter(pl.col("llm_error") == "finish_reason=length").height > 0, (
        "the plan truncated some trials"
    )
    assert set(cut_trials["parse_error"]) == {"llm_failed"}, (
        "a cut-off answer is not parsed as if it were whole"
    )
    statuses = dict(tested.select(["trial_id", "status"]).iter_rows())
    assert {statuses[t] for t in cut_trials["trial_id"]} == {"llm_failed"}, "nor run in the sandbox"
    triplets = read_asset(home, "kodcode_verified_triplets", "a.jsonl")
    assert set(triplets["chosen_trial_id"]).isdisjoint(cut_trials["trial_id"]), (
        "nor chosen as a verified solution"
    )
    meta = metadata_by_asset(result)["kodcode_test_results"]
    assert (
        meta["status/llm_failed"] == cut_trials.height
        and meta["sandbox_jobs"] == trials.height - cut_trials.height
    )
