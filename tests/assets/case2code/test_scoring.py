"""Scoring answers: every answer gets a row and a status, and pass@k is computed over items."""

from __future__ import annotations

import polars as pl
import pytest

from assets.case2code.scoring import pass_at_k_metadata, score_rows
from assets.case2code.testset import eval_item
from resources.llm import Completion
from resources.sandbox import CallResult

ITEM = eval_item(
    {
        "id": "t1",
        "prompt": "Function: double",
        "func_name": "double",
        "example_str": "examples = [dict(n=1), dict(n=2)]",
        "example_outputs": [{"return": '"2"'}, {"return": '"4"'}],
    }
)


def _completion(text, index=0, error=None):
    return Completion(
        key="t1",
        sample_index=index,
        text=text,
        finish_reason="stop",
        error=error,
        prompt_tokens=1,
        completion_tokens=1,
        cached=False,
        model="m",
    )


def fake_sandbox(jobs):
    """Runs nothing: 'right' code returns 2n, 'wrong' code n, 'broken' code fails to load."""
    results = {}
    for job in jobs:
        if "broken" in job.code:
            results[job.id] = CallResult.from_wire(
                {"id": job.id, "status": "error", "load_error": "SyntaxError: invalid syntax"}
            )
            continue
        factor = 2 if "2 * n" in job.code else 1
        outcomes = [
            {"ok": True, "value_repr": repr(factor * int(expr[7:-1]))} for expr in job.inputs_py
        ]
        results[job.id] = CallResult.from_wire(
            {"id": job.id, "status": "passed", "outcomes": outcomes}
        )
    return results


def test_each_answer_gets_a_status_saying_what_happened():
    answers = [
        _completion("```python\ndef double(n):\n    return 2 * n\n```", 0),
        _completion("```python\ndef double(n):\n    return n\n```", 1),
        _completion("```python\ndef double(n):\n    broken(\n```", 2),
        _completion("no idea", 3),
        _completion(None, 4, error="timeout"),
    ]
    rows = score_rows([ITEM], answers, fake_sandbox)
    assert [r["status"] for r in rows] == ["passed", "mismatch", "error", "no_code", "llm_failed"]
    assert [r["matched"] for r in rows] == [2, 0, 0, 0, 0]
    assert rows[2]["first_difference"] == "SyntaxError: invalid syntax"
    assert len({r["eval_id"] for r in rows}) == 5


def test_pass_at_k_is_averaged_over_items_not_samples():
    df = pl.DataFrame({"item_id": ["a", "a", "b", "b"], "passed": [True, False, False, False]})
    meta = pass_at_k_metadata(df, 2)
    assert meta["pass@1"] == pytest.approx(0.25) and meta["pass@2"] == pytest.approx(0.5)
    assert pass_at_k_metadata(df.clear(), 1) == {"pass@1": 0.0}
