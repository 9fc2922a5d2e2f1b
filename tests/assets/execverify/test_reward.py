"""The reward: ExecVerify's scores under `original`, the listed fixes under `fixed`, and no
ground truth or model code ever evaluated on the host."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.execverify import reward
from resources.sandbox import Sandbox

from .conftest import read_jsonl


@pytest.fixture(autouse=True)
def _use(sandbox: Sandbox) -> None:
    reward.use_sandbox(sandbox)


def _info(r: dict, rules: str) -> dict:
    keys = ("type", "func_str", "func_name", "func_args", "result", "question_answers")
    return {**{k: r[k] for k in keys}, "rules": rules}


def _answer(lines: list[str]) -> str:
    return "<reasoning>...</reasoning>\n<answer>\n" + "\n".join(lines) + "\n</answer>"


def test_perfect_answers_score_what_execverify_scores_and_fixed_differs_only_by_the_fixes() -> None:
    ref = read_jsonl("cruxeval_white_box.jsonl")
    sols = [_answer(r["_perfect_answer_lines"]) for r in ref]
    original = reward.compute_score_batch(
        ["x"] * len(ref), sols, [None] * len(ref), [_info(r, "original") for r in ref]
    )
    assert original == [r["_expected_original_reward_for_perfect_answer"] for r in ref]
    fixed = reward.compute_score_batch(
        ["x"] * len(ref), sols, [None] * len(ref), [_info(r, "fixed") for r in ref]
    )
    differ = {r["_id"]: (o, f) for r, o, f in zip(ref, original, fixed) if o != f}
    # The only difference: a value containing ';' (split at its last ';' under fixed).
    assert differ == {"sample_719": (1.7, 2.0)}


ROW = {
    "type": "io_mixed",
    "func_str": "def f(x):\n    y = x + 1\n    return y\n\n",
    "func_name": "f",
    "func_args": "1",
    "result": "2",
    "question_answers": {"path_answers": [["    return y"]], "state_as": [[["int", "2"]]]},
}


@pytest.mark.parametrize(
    ("lines", "original", "fixed"),
    [
        (["assert f(1) == 2", "    return y", "2; int"], 2.0, 2.0),
        (["assert f(1) == 2", "    return y", "3; int"], 1.5, 1.5),
        (["assert f(1) == 2", "    return y"], 1.0, 0.0),  # wrong number of answer lines
        (["assert f(1) == f(1)", "    return y", "2; int"], 2.0, 0.0),  # not a prediction
        (["assert f(1) == 3", "    return y", "2; int"], 0.0, 0.0),
    ],
)
def test_io_mixed_scores(lines: list[str], original: float, fixed: float) -> None:
    assert reward.compute_score("x", _answer(lines), None, {**ROW, "rules": "original"}) == original
    assert reward.compute_score("x", _answer(lines), None, {**ROW, "rules": "fixed"}) == fixed


def test_oi_rows_score_when_the_answer_code_runs() -> None:
    row = {
        "type": "oi",
        "func_str": ROW["func_str"],
        "func_name": "f",
        "func_args": "1",
        "result": "2",
    }
    good = "<answer>\n```python\ndef f(x):\n    return x + 1\n\nassert f(1) == 2\n```\n</answer>"
    bad = good.replace("== 2", "== 3")
    assert reward.compute_score("x", good, None, row) == 2.0
    assert reward.compute_score("x", bad, None, row) == 0.0


def test_nothing_is_evaluated_on_the_host(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = f"__import__('pathlib').Path({str(marker)!r}).write_text('x')"
    row = {
        **ROW,
        "question_answers": {"path_answers": [["    return y"]], "state_as": [[["int", evil]]]},
    }
    reward.compute_score(
        "x",
        _answer(["assert f(1) == 2", "    return y", "2; int"]),
        None,
        {**row, "rules": "original"},
    )
    code = f"<answer>\n```python\n{evil}\n```\n</answer>"
    reward.compute_score("x", code, None, {"type": "oi"})
    assert not marker.exists()
