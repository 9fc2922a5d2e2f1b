"""Case2Code's two profiles: `original` follows choosewhatulike/case2code, `assay` names each departure.

Tests that need Case2Code's own wording read a checkout named by ASSAY_CASE2CODE_SRC and skip
without one; the rules and parameters are tested everywhere.
"""

import json
import random
import shutil

import polars as pl
import pytest

from assets.case2code.case_results import CaseResult
from assets.case2code.compose import compose_prompt
from assets.case2code.examples import Example, case2code_examples
from assets.case2code.method import ASSAY_DIFFERENCES, method_of
from assets.case2code.original import CHECKOUT, MissingCheckout, write_testcase_prompt
from assets.case2code.original_prompts import (
    compose_original,
    eval_prompt,
    example_block,
    output_text,
    unwrap_answer,
    value_text,
)
from assets.case2code.release_fields import (
    SFT_FIELDS,
    TEST_SET_FIELDS,
    validate_frame,
    validate_jsonl,
)
from assets.common.fidelity import DIFFERS, MATCH, MISSING
from assets.common.profiles import Profile
from tests.assets.case2code.scripted import ScriptedCase2Code
from tests.fakes.family_run import family_run
from tests.fakes.openai_server import OpenAIServer

needs_checkout = pytest.mark.skipif(
    not CHECKOUT.available(),
    reason="ASSAY_CASE2CODE_SRC does not name a checkout of choosewhatulike/case2code",
)
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="bubblewrap (the default sandbox) is not installed"
)


def test_original_samples_inputs_as_the_readme_does_and_assay_only_trims_the_token_budget():
    original, assay = method_of(Profile(name="original")), method_of(Profile())
    assert (original.inputs_temperature, original.inputs_top_p, original.inputs_max_tokens) == (
        0.2,
        0.95,
        2048,
    )
    assert (original.eval_temperature, original.eval_top_p, original.eval_max_tokens) == (
        0.0,
        0.95,
        2048,
    )
    assert assay.inputs_temperature == 0.2 and assay.inputs_max_tokens == 384
    assert assay.eval_temperature == 0.0 and assay.eval_max_tokens == 2048
    assert original.max_prompt_chars == assay.max_prompt_chars == 32768
    assert "inputs_max_tokens" in ASSAY_DIFFERENCES


def test_original_shows_string_arguments_as_json_and_outputs_as_json_quoted_reprs():
    assert value_text("'abc'") == '"abc"'
    assert value_text("[1, 'a']") == "[1, 'a']"
    returned = CaseResult(kind="return", value_repr="42").case2code()
    raised = CaseResult(
        kind="exception", exception_type="ZeroDivisionError", exception_message="division by zero"
    ).case2code()
    assert output_text(returned) == '"42"'
    assert output_text(raised) == "\"<class 'ZeroDivisionError'>: division by zero\""


def test_original_draws_a_prompt_from_every_case_in_any_template():
    pools = _pools()
    examples = [[("n", str(i))] for i in range(6)]
    outputs = [CaseResult(kind="return", value_repr=str(i * 2)).case2code() for i in range(6)]
    outputs[0] = CaseResult(kind="exception", exception_type="ValueError").case2code()
    for seed in range(30):
        composed = compose_original("double", examples, outputs, random.Random(seed), pools)
        assert 3 <= len(composed.shown) <= 6 and len(set(composed.shown)) == len(composed.shown)
        assert composed.prompt.count("CASE") == len(composed.shown)


def test_assay_shows_a_return_as_its_repr_not_a_json_string():
    examples = [Example(args=(("s", "'ab'"),))] * 3
    results = [CaseResult(kind="return", value_repr="'ab'")] * 3
    prompt = compose_prompt("f", examples, results, [True] * 3, random.Random(0)).prompt
    assert "'ab'" in prompt and "\"'ab'\"" not in prompt


def test_case2code_reads_the_first_python_block_and_keeps_every_example_as_written():
    answer = "Types first.\n```python\nx = 2\nexamples = [dict(a=1), dict(a=1), dict(b=x)]\n```\n```python\nexamples = []\n```"
    block = example_block(answer)
    verdict = case2code_examples(block)
    assert [ex.args for ex in verdict.examples] == [(("a", "1"),), (("a", "1"),), (("b", "x"),)]
    assert verdict.preamble == "x = 2"
    assert example_block("  ") == "" and example_block("no fence") == "no fence"


def test_case2code_scores_nothing_from_an_answer_cut_off_inside_its_code():
    assert unwrap_answer("```python\ndef f(a):\n    return a\n```", truncated=False) == (
        "def f(a):\n    return a"
    )
    assert unwrap_answer("```python\ndef f(a):\n    return", truncated=True) is None
    assert unwrap_answer("```\ndef f(): pass\n```\nand more", truncated=True) == "def f(): pass"


def test_the_validator_names_each_missing_or_mistyped_case2code_field():
    good = pl.DataFrame({"id": ["a"], "prompt": ["p"], "output": ["o"], "extra": [1]})
    assert validate_frame(good, SFT_FIELDS) == []
    bad = pl.DataFrame({"id": [1], "prompt": ["p"]})
    assert validate_frame(bad, SFT_FIELDS) == [
        "missing field 'output'",
        "field 'id' is int, not string",
    ]
    row = {name: None for name in TEST_SET_FIELDS}
    assert len(validate_jsonl(json.dumps(row), TEST_SET_FIELDS)) == len(TEST_SET_FIELDS)


def test_the_original_profile_without_a_checkout_names_the_variable(monkeypatch):
    monkeypatch.delenv("ASSAY_CASE2CODE_SRC", raising=False)
    with pytest.raises(MissingCheckout, match="ASSAY_CASE2CODE_SRC"):
        write_testcase_prompt()


def test_the_fidelity_report_without_a_checkout_marks_the_original_wording_missing(monkeypatch):
    from assets.case2code.fidelity import findings

    monkeypatch.delenv("ASSAY_CASE2CODE_SRC", raising=False)
    report = findings("original")
    assert any(f.status == MISSING for f in report)
    assert not [f for f in report if f.status == DIFFERS]


@needs_checkout
def test_under_original_every_prompt_parameter_and_field_matches_case2code():
    from assets.case2code.fidelity import findings

    report = findings("original")
    assert [f for f in report if f.status not in (MATCH, "cannot")] == []
    prompts = [f for f in report if f.aspect == "prompt"]
    assert len(prompts) >= 5 and all(f.status == MATCH for f in prompts)
    assert all(int(f.detail.split("/")[0]) >= 20 for f in prompts)


@needs_checkout
def test_under_assay_every_named_difference_is_reported_with_its_reason():
    from assets.case2code.fidelity import findings

    details = " ".join(f.detail for f in findings("assay") if f.status == DIFFERS)
    assert [key for key, why in ASSAY_DIFFERENCES.items() if why not in details] == []


@needs_checkout
@needs_bwrap
def test_an_original_run_releases_rows_with_case2code_fields(tmp_path):
    functions = {
        "double": "def double(n):\n    return n * 2\n",
        "shout": "def shout(s):\n    return s.upper() + '!'\n",
    }
    answers = {
        "double": "```python\nexamples = [dict(n=1), dict(n=2), dict(n=-3), dict(n='a')]\n```",
        "shout": "```python\nexamples = [dict(s='hi'), dict(s=''), dict(s=1)]\n```",
    }
    model = ScriptedCase2Code(solutions=functions, answers=answers)
    seeds = {"o.jsonl": [{"id": k, "content": v, "import_code": []} for k, v in functions.items()]}
    with OpenAIServer(model) as server:
        run = family_run(
            "case2code",
            seeds,
            server.base_url,
            tmp_path,
            profiles={"case2code": "original"},
            release=["case2code_sft"],
        )
        release = tmp_path / "datasets" / "case2code"
        checked = {c.check_name: c.passed for c in run.release.get_asset_check_evaluations()}
        scored = run.run_release(
            ["case2code_eval"],
            {
                "ops": {
                    "case2code_eval": {
                        "config": {"test_set": str(release / "case2code_format.jsonl")}
                    }
                }
            },
        )
    prompts = run.read("case2code_prompts", "o.jsonl")
    assert sorted(prompts["func_name"].to_list()) == ["double", "shout"]
    shout = prompts.filter(pl.col("func_name") == "shout").row(0, named=True)
    assert shout["case2code"]["example_outputs"][0]["return"] == json.dumps("'HI!'")
    # The content's own newline, the one before the prompt's closing fence, the response's.
    assert shout["response"].endswith("'!'\n\n\n```")
    asked = model.requests[0]
    assert asked["messages"][0]["content"] == write_testcase_prompt().format(
        code=functions[asked_name(asked)]
    )
    assert (asked["temperature"], asked["top_p"], asked["max_tokens"]) == (0.2, 0.95, 2048)
    assert validate_frame(pl.read_parquet(release / "data"), SFT_FIELDS) == []
    assert validate_jsonl((release / "case2code_format.jsonl").read_text(), TEST_SET_FIELDS) == []
    assert checked["case2code_release_fields"] and run.failed_checks("o.jsonl") == []
    # The evaluation: Case2Code's suffix and wrapper around each item's prompt, greedy, exact match.
    record = json.loads((release / "case2code_format.jsonl").read_text().splitlines()[0])
    scoring = [r for r in model.requests if r["temperature"] == 0.0]
    assert any(
        r["messages"][0]["content"] == eval_prompt(record["prompt"], record["func_name"])
        for r in scoring
    )
    assert (scoring[0]["top_p"], scoring[0]["max_tokens"]) == (0.95, 2048)
    assert (
        scored.asset_materializations_for_node("case2code_eval")[0].metadata["pass@1"].value == 1.0
    )


def asked_name(request: dict) -> str:
    return request["messages"][0]["content"].rsplit("def ", 1)[1].split("(")[0]


def _pools():
    """Stand-in pools with our own text: every case marked CASE so a test can count them."""
    from assets.case2code.original import ExampleTemplate, Pools

    return Pools(
        instructions=("Write it.",),
        headers=("Cases:\n",),
        function_headers=("Name: {function_name}",),
        new_lines=("\n", "\n\n"),
        example_templates=(
            ExampleTemplate("CASE {input} gives {output}", "\n", "raw"),
            ExampleTemplate("CASE {input} == {output}", "\n", "call"),
        ),
        response="```python\n{code}\n```",
    )
