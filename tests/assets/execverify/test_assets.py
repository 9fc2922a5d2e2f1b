"""ExecVerify end to end: a seed file, a scripted model on loopback, the real sandbox, the release;
then a re-run that asks the model nothing and writes the same files."""

from __future__ import annotations

import hashlib
import json
import re
import shutil

import polars as pl
import pytest
from dagster import DagsterInstance, materialize

from assets.common.profiles import Profile
from assets.execverify import ASSETS, CHECKS, FAMILY
from assets.execverify.release import execverify_rl_release, execverify_sft_release
from io_managers import AtomicParquetIOManager
from resources.sandbox import SandboxResource
from resources.workspace import Workspace
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.scripted_llm import scripted_llm

pytestmark = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed")

PROGRAMS = {
    "split": (
        (
            "def f(s):\n    parts = s.split(',')\n    out = []\n    for p in parts:\n        if p:\n"
            "            out.append(p.upper())\n    return out"
        ),
        "'a,b,,c'",
        "'x,,yy,z,w'",
    ),
    "append": (
        (
            "def helper(x):\n    return [x] * 2\n\ndef f(xs):\n    acc = []\n    for x in xs:\n"
            "        acc.append(helper(x))\n    return acc"
        ),
        "[1, 2]",
        "[7, 8, 9]",
    ),
    "get": ("def f(d):\n    return object()", "{'a': 1}", "{'b': 2}"),  # no literal repr: dropped
    "keys": ("def f(d):\n    return list(d.keys())", "{'a': 1}", "{'b': 2}"),
}
SEEDS = [
    {"type": "str", "method": "split"},
    {"type": "list", "method": "append"},
    {"type": "dict", "method": "get"},
    {"type": "dict", "method": "keys"},
    {"type": "dict"},
]


def _program(method: str, mutated: bool) -> str:
    code, args, new_args = PROGRAMS[method]
    return f"{code}\n\nprint(f({new_args if mutated else args}))"


def _value(func_str: str, call: str) -> str:
    namespace: dict = {}
    exec(func_str, namespace)  # noqa: S102 - the test's own programs
    return repr(eval(call, namespace))


def responder(body: dict) -> str | dict:
    user = body["messages"][-1]["content"]
    if user.startswith("Write a short Python program"):
        method = re.search(r"exercises `([^`]+)`", user).group(1)
        return f"```python\n{_program(method, False)}\n```"
    if user.startswith("Rewrite the call"):
        method = next(m for m, (code, _, _) in PROGRAMS.items() if code in user)
        return f"Here:\n```python\n{_program(method, True)}\n```"
    block = re.search(r"```python\n(.*?)\n```", user, re.DOTALL).group(1)
    func_str, assertion = block.rsplit("\n\n", 1)
    if "Answer as <reasoning>" in user:  # the small evaluator: always wrong
        return "<answer>```python\nassert False\n```</answer>"
    call = assertion.removeprefix("assert ").split(" == ")[0]
    if "????" in call:  # output -> input: answer with the original call's arguments
        result = assertion.split(" == ", 1)[1]
        method = next(m for m, (code, _, _) in PROGRAMS.items() if code.strip() in func_str)
        _, args, new_args = PROGRAMS[method]
        for a in (args, new_args):
            if _value(func_str, f"f({a})") == result:
                return {
                    "content": f"```python\n{func_str}\n\nassert f({a}) == {result}\n```",
                    "reasoning_content": "try the arguments",
                }
        return "```python\nassert False\n```"
    return f"step by step</think>\n```python\nassert {call} == {_value(func_str, call)}\n```"


def _materialize(tmp, instance, server):
    resources = {
        "io_manager": AtomicParquetIOManager(base_dir=str(tmp / "storage")),
        "sandbox": SandboxResource(backend="bwrap", workers=2, timeout_s=10, coverage=False),
        "workspace": Workspace(seed_dir=str(tmp / "seeds"), home=str(tmp)),
        "execverify_profile": Profile(),
    }
    for key in ("llm", "reasoner", "evaluator"):
        resources[key] = scripted_llm(server.base_url, tmp)
    config = {
        "ops": {
            "execverify_programs": {"config": {"configs": [1]}},
            "execverify_difficulties": {"config": {"n_samples": 2}},
            "execverify_filtered": {"config": {"rl_share": 0.5}},
        }
    }
    partitioned = [a for a in ASSETS if a not in (execverify_sft_release, execverify_rl_release)]
    part = materialize(
        partitioned + CHECKS,
        partition_key="m.jsonl",
        instance=instance,
        resources=resources,
        run_config=config,
    )
    release = materialize(
        ASSETS,
        instance=instance,
        resources=resources,
        selection=[execverify_sft_release, execverify_rl_release],
    )
    return part, release


def _digest(root) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("execverify")
    (tmp / "seeds" / "execverify").mkdir(parents=True)
    (tmp / "seeds" / "execverify" / "m.jsonl").write_text(
        "".join(json.dumps(s) + "\n" for s in SEEDS)
    )
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(FAMILY.partitions.name, ["m.jsonl"])
    with OpenAIServer(responder) as server:
        part, release = _materialize(tmp, instance, server)
        first = _digest(tmp / "datasets")
        sent = server.stats.requests
        again = _materialize(tmp, instance, server)
        resent = server.stats.requests - sent
    yield {
        "tmp": tmp,
        "part": part,
        "release": release,
        "first": first,
        "again": again,
        "resent": resent,
    }


def read(run, asset):
    return pl.read_parquet(run["tmp"] / "storage" / asset / "m.jsonl.parquet")


def meta(result, asset):
    mats = [
        e.materialization
        for e in result.get_asset_materialization_events()
        if e.materialization.asset_key.path[-1] == asset
    ]
    return {k: getattr(v, "value", v) for k, v in mats[0].metadata.items()}


def test_every_step_succeeds_with_passing_checks_and_accounts_for_its_rows(run):
    assert run["part"].success and run["release"].success
    assert all(e.passed for e in run["part"].get_asset_check_evaluations())
    methods = meta(run["part"], "execverify_methods")
    assert (
        methods["rows_in"] == 5 and methods["dropped/quarantined"] == 1 and methods["rows_out"] == 4
    )
    samples = meta(run["part"], "execverify_samples")
    assert (
        samples["rows_in"] == 8
        and samples["dropped/no_round_trip"] == 2
        and samples["rows_out"] == 6
    )


def test_samples_link_mutations_to_their_source_and_hold_sandbox_results(run):
    mutated = read(run, "execverify_mutated_programs")
    programs = read(run, "execverify_programs")
    assert set(mutated["source_program_id"]) == set(programs["program_id"])
    samples = {
        (r["func_args"], r["result"]) for r in read(run, "execverify_samples").iter_rows(named=True)
    }
    assert ("'a,b,,c'", "['A', 'B', 'C']") in samples and ("[1, 2]", "[[1, 1], [2, 2]]") in samples


def test_sft_records_take_reasoning_from_think_or_reasoning_content(run):
    sft = read(run, "execverify_sft")
    assert sft.height >= 1
    for r in sft.iter_rows(named=True):
        assert (
            r["gpt"].startswith("<reasoning>\n") and "</reasoning>\n<answer>\n```python" in r["gpt"]
        )
        expected = "step by step" if r["mode"] == "io" else "try the arguments"
        assert expected in r["gpt"]


def test_the_helper_program_is_traced_at_its_entry_and_asked_about(run):
    traces = read(run, "execverify_traces")
    assert set(traces["traced_name"]) <= {"f"}
    questions = read(run, "execverify_questions")
    for r in questions.iter_rows(named=True):
        assert r["n_path"] <= 5 and r["n_state"] <= 5 and "Complete the assertion" in r["prompt"]


def test_released_files_exist_and_a_rerun_asks_nothing_and_writes_the_same_bytes(run):
    root = run["tmp"] / "datasets" / "execverify"
    assert (root / "sft" / "sft_sharegpt.json").is_file() and (
        root / "sft" / "dataset_info.json"
    ).is_file()
    assert list((root / "rl" / "data").glob("train-*.parquet"))
    records = json.loads((root / "sft" / "sft_sharegpt.json").read_text())
    for record in records:  # the shared sharegpt builder's shape, as in every family
        assert set(record) == {"id", "conversations", "system"}
        assert [t["from"] for t in record["conversations"]] == ["human", "gpt"]
    assert run["resent"] == 0
    assert _digest(run["tmp"] / "datasets") == run["first"]


def test_rl_rows_score_with_the_reward_in_the_sandbox(run):
    from assets.execverify import reward

    rl = read(run, "execverify_rl")
    row = next(r for r in rl.iter_rows(named=True) if r["type"] == "io_mixed")
    truth = json.loads(row["ground_truth"])
    qa = truth["question_answers"]
    lines = [f"assert {truth['func_name']}({truth['func_args']}) == {truth['result']}"]
    lines += [a[0] for a in qa["path_answers"]] + [f"{v}; {t}" for (t, v), *_ in qa["state_as"]]
    answer = "<answer>\n" + "\n".join(lines) + "\n</answer>"
    assert (
        reward.compute_score("execverify", answer, row["ground_truth"], {"type": "io_mixed"}) == 2.0
    )
