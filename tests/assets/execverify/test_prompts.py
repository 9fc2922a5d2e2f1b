"""Prompts: byte-identical to ExecVerify's under `original` (its wording read from the
checkout), our own wording with the same information under `fixed`."""

from __future__ import annotations

import random

import pytest

from assets.execverify import original_src
from assets.execverify import prompts as P

from .conftest import read_jsonl


def test_original_rules_without_a_checkout_name_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ASSAY_EXECVERIFY_SRC", raising=False)
    with pytest.raises(original_src.MissingCheckout, match="ASSAY_EXECVERIFY_SRC"):
        P.difficulty_prompt("def f(x):\n    return x\n", "f", "1", rules="original")


def test_synthesis_prompts_are_byte_identical_for_the_same_seeds(execverify_src: object) -> None:
    records = read_jsonl("synthesis_prompts.jsonl")
    for r in records:
        rng = random.Random(r["random_seed_before_call"])
        if r["kind"] == "code_synthesis":
            chat = P.code_synthesis_prompt(r["type"], r["method"], r["config"], rng, "original")
        else:
            values = P.reference_values(rng, "original")
            assert values == r["ref_values"]
            chat = P.input_synthesis_prompt(r["code"], values, "original")
        assert (chat.system, chat.user) == (r["system_prompt"], r["user_prompt"]), r[
            "random_seed_before_call"
        ]
    assert len(records) == 1136


def test_assertion_cot_rl_and_sft_prompts_are_byte_identical(execverify_src: object) -> None:
    for r in read_jsonl("prompts.jsonl"):
        fs, fn, fa, res = r["func_str"], r["func_name"], r["func_args"], r["result"]
        io = P.cot_prompt(fs, fn, fa, res, "io", "sft", "original").user
        oi = P.cot_prompt(fs, fn, fa, res, "oi", "sft", "original").user
        assert P.difficulty_prompt(fs, fn, fa, "original").user == r["difficulty_prompt"]
        assert io == r["io_cot_prompt"] and oi == r["oi_cot_prompt"]
        assert (
            P.cot_prompt(fs, fn, fa, res, "io", "candidates", "original").user
            == r["candidates_io_prompt"]
        )
        assert (
            P.cot_prompt(fs, fn, fa, res, "oi", "candidates", "original").user
            == r["candidates_oi_prompt"]
        )
        assert P.rl_oi_prompt(fs, fn, res, "original") == r["rl_oi_prompt"]
        reasoning, answer = P.split_reasoning(r["synthetic_cot"])
        assert (
            P.sft_record(io, reasoning, answer, "original") == r["sft_io_record_for_synthetic_cot"]
        )
        assert (
            P.sft_record(oi, reasoning, answer, "original") == r["sft_oi_record_for_synthetic_cot"]
        )


FUNC = "def f(xs):\n    return sorted(xs)\n"


def test_fixed_prompts_carry_the_same_information_in_our_words() -> None:
    rng = random.Random(3)
    chat = P.code_synthesis_prompt("list", "sort", 6, rng, "fixed")
    assert "`sort`" in chat.user and "`list`" in chat.user and "helper A" in chat.user
    blueprint = P.control_blueprint(3, random.Random(3), "fixed")
    assert blueprint in chat.user and blueprint.count("inside it") == 2
    values = P.reference_values(random.Random(1), "fixed")
    assert values.startswith("integers: ") and "strings: " in values
    assert (
        "print(f([3, 1]))"
        in P.input_synthesis_prompt("def f(xs):\n    return xs\n\nprint(f([3, 1]))", values).user
    )
    io = P.cot_prompt(FUNC, "f", "[3, 1]", "[1, 3]", "io").user
    oi = P.cot_prompt(FUNC, "f", "[3, 1]", "[1, 3]", "oi").user
    assert "assert f([3, 1]) == ????" in io and "assert f(????) == [1, 3]" in oi
    mixed = P.io_mixed_prompt(FUNC, "f", "[3, 1]", ["Q-A", "Q-B"])
    assert "5\tassert f([3, 1]) == ????" in mixed and "2. Q-A" in mixed and "3. Q-B" in mixed


def test_fixed_prompts_use_none_of_execverifys_wording(execverify_src: object) -> None:
    words = [
        t.parts
        for f, fn in [
            ("data/code_synthesis.py", "get_prompt"),
            ("data/input_synthesis.py", "get_prompt"),
            ("data/extract_trace_dataset.py", "get_io_mixed_prompt"),
            ("data/extract_io_cot.py", "get_io_prompt"),
        ]
        for t in original_src.strings(f, fn)
    ]
    pieces = [
        text.strip()
        for parts in words
        for is_expr, text in parts
        if not is_expr and len(text.strip()) > 25
    ]
    ours = [
        P.code_synthesis_prompt("list", "sort", 6, random.Random(0)).user,
        P.input_synthesis_prompt("print(f(1))", "v").user,
        P.io_mixed_prompt(FUNC, "f", "[3, 1]", ["q"]),
        P.cot_prompt(FUNC, "f", "[3, 1]", "[1, 3]", "io").user,
    ]
    for prompt in ours:
        for line in (
            ln.strip() for piece in pieces for ln in piece.split("\n") if len(ln.strip()) > 25
        ):
            assert line not in prompt
