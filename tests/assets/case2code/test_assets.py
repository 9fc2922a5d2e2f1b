"""Case2Code end to end: two seed files, a scripted model on loopback, the real sandbox."""

import json
import shutil

import polars as pl
import pytest
from dagster import DagsterInstance, materialize

from assets.case2code import assets as case2code_assets
from assets.case2code.release import case2code_eval, case2code_sft
from assets.case2code.schemas import PROMPTS_SCHEMA
from assets.common.profiles import Profile
from assets.registry import FAMILIES
from io_managers import AtomicParquetIOManager
from resources.llm import LLMResource
from resources.sandbox import SandboxResource
from resources.workspace import Workspace
from tests.assets.case2code.scripted import ScriptedCase2Code
from tests.fakes.family_run import family_run
from tests.fakes.openai_server import OpenAIServer as FakeServer
from tests.fakes.scripted_llm import scripted_llm

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)

PARTITIONED = FAMILIES["case2code"].partitioned_assets

FUNCTIONS = {
    "run_length": "def run_length(s):\n    out = []\n    for ch in s:\n        if out and out[-1][0] == ch:\n"
    "            out[-1][1] += 1\n        else:\n            out.append([ch, 1])\n"
    "    return ''.join(f'{ch}{n}' for ch, n in out)\n",
    "scaled": "def scaled(values, factor):\n    return [v * factor * SCALE for v in values]\n",
    "halve_until_odd": "def halve_until_odd(n):\n    if n == 0:\n        raise ValueError('zero has no odd part')\n"
    "    while n % 2 == 0:\n        n //= 2\n    return n\n",
    "never_answered": "def never_answered(p):\n    return p\n",
    "countdown": "def countdown(n):\n    steps = 0\n    while n != 0:\n        n -= 1\n        steps += 1\n    return steps\n",
}
SEEDS = {
    "a.jsonl": [
        {"id": "rl", "content": FUNCTIONS["run_length"]},
        {"id": "sc", "content": FUNCTIONS["scaled"]},
        {"id": "hu", "content": FUNCTIONS["halve_until_odd"]},
        "{not json",
    ],
    "b.jsonl": [
        {"id": "na", "content": FUNCTIONS["never_answered"], "import_code": []},
        {"id": "cd", "content": FUNCTIONS["countdown"]},
    ],
}


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Both partitions once for the module (the sandbox and fake model are shared); the
    server stays up for the release and evaluation tests."""
    model = ScriptedCase2Code(solutions=FUNCTIONS)
    with FakeServer(model) as server:
        family = family_run(
            "case2code",
            SEEDS,
            server.base_url,
            tmp_path_factory.mktemp("case2code"),
            release=False,
            # The per-input limit: countdown(n=-1) never ends and must cost one second, not ten.
            sandbox_timeout_s=1.0,
        )
        yield {
            "tmp": family.home,
            "instance": family.instance,
            "resources": family.resources,
            "results": family.partitions,
            "model": model,
            "server": server,
        }


def _read(run, asset, key):
    return pl.read_parquet(run["tmp"] / "storage" / asset / f"{key}.parquet")


def _meta(result, asset):
    (mat,) = [
        m
        for m in result.get_asset_materialization_events()
        if m.asset_key.to_user_string() == asset
    ]
    return {k: getattr(v, "value", v) for k, v in mat.materialization.metadata.items()}


def test_both_partitions_materialize_and_their_checks_pass(run):
    for key, result in run["results"].items():
        assert result.success, key
        checks = result.get_asset_check_evaluations()
        assert len(checks) == 2 and all(c.passed for c in checks), key


def test_a_bad_seed_line_is_quarantined_with_its_line_number(run):
    assert _read(run, "case2code_functions", "a.jsonl")["func_name"].to_list() == [
        "run_length",
        "scaled",
        "halve_until_odd",
    ]
    report = run["tmp"] / "quarantine" / "case2code" / "a.jsonl.quarantine.jsonl"
    assert json.loads(report.read_text())["line"] == 4


def test_examples_are_parsed_checked_against_the_signature_and_retried_when_unusable(run):
    df = _read(run, "case2code_example_inputs", "a.jsonl")
    by_name = {r["func_name"]: r for r in df.iter_rows(named=True)}
    assert by_name["run_length"]["n_examples"] == 5, "dict(t='x') names no parameter"
    assert (
        by_name["halve_until_odd"]["attempts"] == 2
        and by_name["halve_until_odd"]["n_examples"] == 5
    )
    assert run["model"].asked["never_answered"] == 4, "the first answer and three retries"
    b = {
        r["func_name"]: r
        for r in _read(run, "case2code_example_inputs", "b.jsonl").iter_rows(named=True)
    }
    assert b["never_answered"]["n_examples"] == 0 and b["never_answered"][
        "examples_error"
    ].startswith("no usable example")
    assert b["countdown"]["n_examples"] == 5
    meta = _meta(run["results"]["a.jsonl"], "case2code_example_inputs")
    assert meta["rejected/unknown argument"] == 1 and meta["retried_functions"] == 1


def test_outputs_are_computed_by_running_the_function_with_exceptions_per_example(run):
    df = _read(run, "case2code_outputs", "a.jsonl")
    row = df.filter(pl.col("func_name") == "run_length").row(0, named=True)
    results = row["results"]
    assert [r.get("value_repr") for r in results[:4]] == ["'a3b1'", "''", "'a1b1c1'", "'z6'"]
    assert results[4]["kind"] == "exception" and results[4]["exception_type"].endswith("TypeError")
    scaled = df.filter(pl.col("func_name") == "scaled").row(0, named=True)
    assert scaled["n_exceptions"] == 3 and scaled["n_returned"] == 0


def test_an_example_that_runs_past_its_time_limit_has_no_result_and_the_others_still_count(run):
    row = (
        _read(run, "case2code_outputs", "b.jsonl")
        .filter(pl.col("func_name") == "countdown")
        .row(0, named=True)
    )
    kinds = [r["kind"] for r in row["results"]]
    assert kinds == ["return", "no_result", "return", "return", "return"]


def test_the_filter_keeps_items_with_returns_and_counts_every_drop(run):
    a = _read(run, "case2code_cases", "a.jsonl")
    assert sorted(a["func_name"].to_list()) == ["halve_until_odd", "run_length"]
    assert _meta(run["results"]["a.jsonl"], "case2code_cases")["dropped/only_exceptions"] == 1
    b_meta = _meta(run["results"]["b.jsonl"], "case2code_cases")
    assert b_meta["dropped/no_usable_examples"] == 1 and b_meta["examples_removed/no_result"] == 1
    countdown = _read(run, "case2code_cases", "b.jsonl").row(0, named=True)
    assert countdown["n_cases"] == 4
    record = countdown["case2code"]
    assert record["example_outputs"][0] == {"return": '"3"', "error": None} and record[
        "example_inputs"
    ][0] == json.dumps("{'n': 3}")


def test_prompts_show_at_least_three_recorded_cases_and_target_the_function(run):
    df = _read(run, "case2code_prompts", "a.jsonl")
    assert df.height == 2
    for row in df.iter_rows(named=True):
        assert row["n_shown"] >= 3
        assert (
            row["response"]
            == f"The function is:\n\n```python\n{FUNCTIONS[row['func_name']].strip()}\n```"
        )


def test_prompts_are_drawn_from_seeded_randomness_so_a_rerun_reproduces_them(run):
    before = _read(run, "case2code_prompts", "a.jsonl")
    assert materialize(
        PARTITIONED,
        partition_key="a.jsonl",
        instance=run["instance"],
        resources=run["resources"],
        selection=[case2code_assets.case2code_prompts],
    ).success
    assert (
        _read(run, "case2code_prompts", "a.jsonl")["prompt"].to_list() == before["prompt"].to_list()
    )


@pytest.fixture(scope="module")
def release(run):
    result = materialize(
        [*PARTITIONED, case2code_sft],
        instance=run["instance"],
        resources=run["resources"],
        selection=[case2code_sft],
    )
    assert result.success
    return run["tmp"] / "datasets" / "case2code"


def test_the_release_combines_partitions_into_parquet_sharegpt_and_case2code_files(release):
    train = pl.read_parquet(release / "data")
    assert sorted(train["func_name"].to_list()) == ["countdown", "halve_until_odd", "run_length"]
    sharegpt = json.loads((release / "sft_sharegpt.json").read_text())
    assert [turn["from"] for turn in sharegpt[0]["conversations"]] == ["human", "gpt"]
    assert "sharegpt" in (release / "dataset_info.json").read_text()
    records = [
        json.loads(line) for line in (release / "case2code_format.jsonl").read_text().splitlines()
    ]
    assert len(records) == 3 and all(
        len(r["example_inputs"]) == len(r["example_outputs"]) for r in records
    )
    assert "Counts by template" in (release / "README.md").read_text()


def test_the_release_sets_functions_of_an_evaluation_test_set_aside(run, release, tmp_path):
    test_set = tmp_path / "held_out.jsonl"
    reformatted = FUNCTIONS["countdown"].replace("steps += 1", "steps = steps + 1  # count")
    row = {
        "id": "t",
        "prompt": "p",
        "func_name": "countdown",
        "code": reformatted.replace("steps = steps + 1", "steps += 1"),
        "example_str": "examples = [dict(n=1)]",
        "example_outputs": [{"return": '"1"'}],
    }
    test_set.write_text(json.dumps(row) + "\n")
    config = {
        "ops": {
            "case2code_sft": {
                "config": {
                    "dataset_name": "held_out_check",
                    "decontaminate_against": [str(test_set)],
                }
            }
        }
    }
    result = materialize(
        [*PARTITIONED, case2code_sft],
        instance=run["instance"],
        resources=run["resources"],
        selection=[case2code_sft],
        run_config=config,
    )
    assert _meta(result, "case2code_sft")["split/use_with_caution"] == 1
    data = run["tmp"] / "datasets" / "held_out_check" / "data"
    train = pl.read_parquet(data / "train-*.parquet")
    assert sorted(train["func_name"].to_list()) == ["halve_until_odd", "run_length"]
    assert pl.read_parquet(data / "use_with_caution-*.parquet")["func_name"].to_list() == [
        "countdown"
    ]


def _eval(run, test_set, evaluator, n_samples=1):
    resources = {**run["resources"], "evaluator": evaluator}
    config = {
        "ops": {"case2code_eval": {"config": {"test_set": str(test_set), "n_samples": n_samples}}}
    }
    result = materialize(
        [case2code_eval], instance=run["instance"], resources=resources, run_config=config
    )
    assert result.success
    return _meta(result, "case2code_eval"), pl.read_parquet(
        run["tmp"] / "storage" / "case2code_eval.parquet"
    )


def test_eval_scores_the_reference_code_of_our_own_release_at_100_percent(run, release):
    meta, df = _eval(run, release / "case2code_format.jsonl", run["resources"]["llm"])
    assert meta["items"] == 3 and meta["pass@1"] == 1.0
    assert df["status"].to_list() == ["passed"] * 3


def test_eval_scores_wrong_code_at_zero_and_reports_pass_at_k(run, release, tmp_path):
    wrong = {
        name: code.replace("return ", "return 1 + ", 1)
        if name != "run_length"
        else code.replace("''.join", "'-'.join")
        for name, code in FUNCTIONS.items()
    }
    with FakeServer(ScriptedCase2Code(solutions=wrong)) as server:
        evaluator = scripted_llm(server.base_url, tmp_path, model="scripted-wrong")
        meta, df = _eval(run, release / "case2code_format.jsonl", evaluator, n_samples=2)
    assert meta["pass@1"] == 0.0 and meta["pass@2"] == 0.0
    assert set(df["status"].to_list()) == {"mismatch"} and df.height == 6
    assert all(d for d in df["first_difference"].to_list())


def test_the_release_accepts_a_single_materialized_partition(tmp_path):
    """A release over one materialized partition exports it."""
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(FAMILIES["case2code"].partitions.name, ["only.jsonl"])
    record = {"id": "p1", "func_name": "f", "example_inputs": [], "example_outputs": []}
    frame = pl.DataFrame(
        {
            "prompt_id": ["p1"],
            "case_id": ["c1"],
            "partition": ["only.jsonl"],
            "func_name": ["f"],
            "prompt": ["Function: f"],
            "response": ["The function is: ..."],
            "template": ["pair"],
            "shown": [[0]],
            "n_shown": [1],
            "n_cases": [1],
            "case2code": [record],
        },
        schema=PROMPTS_SCHEMA,
    )
    (tmp_path / "storage" / "case2code_prompts").mkdir(parents=True)
    frame.write_parquet(tmp_path / "storage" / "case2code_prompts" / "only.jsonl.parquet")
    resources = {
        "io_manager": AtomicParquetIOManager(base_dir=str(tmp_path / "storage")),
        "workspace": Workspace(seed_dir=str(tmp_path), home=str(tmp_path)),
        "case2code_profile": Profile(),
        "llm": LLMResource(),
        "sandbox": SandboxResource(),
    }
    assert materialize(
        [*PARTITIONED, case2code_sft],
        selection=[case2code_sft],
        instance=instance,
        resources=resources,
    ).success
    assert pl.read_parquet(tmp_path / "datasets" / "case2code" / "data")["prompt_id"].to_list() == [
        "p1"
    ]
