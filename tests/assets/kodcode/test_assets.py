"""KodCode stages 1–2 end to end: two seed files, a scripted model on loopback, the real sandbox."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest
from dagster import DagsterInstance, materialize

import assets.kodcode as stages
from assets.common.profiles import Profile
from assets.kodcode.checks import kodcode_questions_well_formed, kodcode_triplets_verified
from dagster_project.partitions import PARTITIONS
from io_managers import AtomicParquetIOManager
from resources.sandbox import SandboxResource
from resources.workspace import Workspace
from tests.assets.kodcode.scripted import kodcode_responder
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.scripted_llm import scripted_llm

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)

STAGES_1_2 = [
    stages.kodcode_seed_prompts,
    stages.kodcode_raw_questions,
    stages.kodcode_questions,
    stages.kodcode_solution_trials,
    stages.kodcode_test_results,
    stages.kodcode_verified_triplets,
]
CHECKS = [kodcode_questions_well_formed, kodcode_triplets_verified]

SEEDS = {
    "a.jsonl": [
        {"mode": "leetcode", "question": "Count the vowels in a word."},
        {"mode": "codeforces", "question": "Count the vowels twice over."},
        {"mode": "docs", "doc": "Nothing testable here <|Abstain|> please."},
        "{this line is not JSON",
    ],
    "b.jsonl": [
        {"mode": "taco", "question": "The n-th of the primes."},
        {"mode": "prefill", "prefix": "Write a function count_vowels(s) that"},
    ],
}


@pytest.fixture
def env(tmp_path):
    seed_dir = tmp_path / "seeds" / "kodcode"
    seed_dir.mkdir(parents=True)
    for name, lines in SEEDS.items():
        (seed_dir / name).write_text(
            "".join((l if isinstance(l, str) else json.dumps(l)) + "\n" for l in lines)
        )
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(PARTITIONS["kodcode"].name, list(SEEDS))
    with OpenAIServer(kodcode_responder) as server:
        resources = {
            "io_manager": AtomicParquetIOManager(base_dir=str(tmp_path / "storage")),
            "llm": scripted_llm(server.base_url, tmp_path),
            "sandbox": SandboxResource(backend="bwrap", workers=2, timeout_s=10, coverage=True),
            "workspace": Workspace(seed_dir=str(tmp_path / "seeds"), home=str(tmp_path)),
            "kodcode_profile": Profile(),
        }
        yield {"tmp": tmp_path, "instance": instance, "resources": resources, "server": server}


def _run(env, key):
    return materialize(
        STAGES_1_2 + CHECKS, partition_key=key, instance=env["instance"], resources=env["resources"]
    )


def _read(env, asset, key):
    return pl.read_parquet(env["tmp"] / "storage" / asset / f"{key}.parquet")


def test_two_partitions_flow_to_verified_triplets_with_every_drop_accounted_for(env):
    assert _run(env, "a.jsonl").success and _run(env, "b.jsonl").success

    prompts = _read(env, "kodcode_seed_prompts", "a.jsonl")
    assert prompts.height == 3, "the bad JSON line is quarantined, not prompted"
    report = env["tmp"] / "quarantine" / "kodcode" / "a.jsonl.quarantine.jsonl"
    assert json.loads(report.read_text())["line"] == 4

    questions_a = _read(env, "kodcode_questions", "a.jsonl")
    assert questions_a.height == 1, "the abstention and the near-duplicate are dropped"

    triplets_a = _read(env, "kodcode_verified_triplets", "a.jsonl")
    row = triplets_a.row(0, named=True)
    assert row["pass_sequence"] == [True, True, True] and row["difficulty"] == "easy"
    assert row["test_info"][0]["function_name"] == "count_vowels"
    assert row["chosen_coverage"] is not None and row["chosen_coverage"] > 0

    results_b = _read(env, "kodcode_test_results", "b.jsonl")
    assert set(results_b["status"]) >= {"failed", "passed"}
    triplets_b = _read(env, "kodcode_verified_triplets", "b.jsonl")
    assert triplets_b["question"].to_list() == [
        q
        for q in _read(env, "kodcode_questions", "b.jsonl")["question"].to_list()
        if "count_vowels" in q
    ], "the question whose every trial failed is dropped"


def test_metadata_reports_drop_reasons_and_checks_pass(env):
    result = _run(env, "a.jsonl")
    meta = {
        e.materialization.asset_key.to_user_string(): e.materialization.metadata
        for e in result.get_asset_materialization_events()
    }
    questions = meta["kodcode_questions"]
    assert (
        questions["dropped/abstained"].value == 1 and questions["dropped/near_duplicate"].value == 1
    )
    assert meta["kodcode_seed_prompts"]["dropped/quarantined"].value == 1
    assert meta["kodcode_test_results"]["pass_rate"].value == 1.0
    checks = result.get_asset_check_evaluations()
    assert checks and all(c.passed for c in checks)


def test_a_rerun_pays_for_no_request_and_reproduces_the_outputs(env):
    assert _run(env, "a.jsonl").success
    sent = env["server"].stats.snapshot()["requests"]
    first = _read(env, "kodcode_verified_triplets", "a.jsonl")
    assert _run(env, "a.jsonl").success
    assert env["server"].stats.snapshot()["requests"] == sent, "every answer came from the cache"
    assert _read(env, "kodcode_verified_triplets", "a.jsonl").equals(first)


def test_an_unusable_seed_file_fails_only_its_own_partition(env):
    (env["tmp"] / "seeds" / "kodcode" / "a.jsonl").write_bytes(b"\x00\x01binary")
    bad = materialize(
        STAGES_1_2,
        partition_key="a.jsonl",
        instance=env["instance"],
        resources=env["resources"],
        raise_on_error=False,
    )
    assert not bad.success
    failure = next(e for e in bad.all_events if e.is_step_failure)
    assert (
        "a.jsonl" in failure.event_specific_data.error.message
        and "binary" in failure.event_specific_data.error.message
    )
    assert _run(env, "b.jsonl").success
