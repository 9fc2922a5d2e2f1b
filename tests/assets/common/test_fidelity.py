"""The fidelity report's comparisons (byte-identical prompts, equal parameters, complete schemas)
and the helpers every family's report uses to read and run the original's checkout."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from assets.common.fidelity import (
    DIFFERS,
    MATCH,
    MISSING,
    Finding,
    as_mechanism,
    checkout_missing,
    compare_renderings,
    compare_schema,
    compare_values,
    failures,
    guarded,
    run_python,
    through_files,
)
from assets.common.original_src import Checkout, MissingCheckout


def test_renderings_match_only_when_every_input_renders_byte_identically():
    same = compare_renderings("s.py:1", "a", "t", lambda x: f"Q {x}", lambda x: f"Q {x}", [1, 2])
    assert (same.status, same.detail) == (MATCH, "2/2 identical")
    off = compare_renderings("s.py:1", "a", "t", lambda x: f"Q {x}", lambda x: f"Q  {x}", [1])
    assert off.status == DIFFERS
    assert "first difference at char 2" in off.detail
    with pytest.raises(ValueError, match="no inputs"):
        compare_renderings("s.py:1", "a", "t", str, str, [])


def test_a_parameter_that_differs_carries_its_reason():
    assert compare_values("s", "a", "temperature", 1.0, 1.0).status == MATCH
    off = compare_values("s", "a", "temperature", 0.7, 1.0, "small models loop at 1.0")
    assert off.status == DIFFERS
    assert off.detail == "ours 0.7, original 1.0. small models loop at 1.0"
    assert failures([off]) == [off]


def test_a_schema_needs_every_original_field_with_its_type_and_may_add_columns():
    theirs = {"question_id": "str", "test": "str"}
    ok = compare_schema("s", "a", "sft", {"question_id": "str", "test": "str", "x": "int"}, theirs)
    assert (ok.status, ok.detail) == (MATCH, "2 fields; ours adds ['x']")
    bad = compare_schema("s", "a", "sft", {"question_id": "int"}, theirs)
    assert bad.status == DIFFERS
    assert bad.detail == "missing ['test']; question_id: int not str"


def test_a_comparison_without_the_checkout_is_a_missing_row_with_its_reason():
    def needs_checkout() -> Finding:
        raise MissingCheckout("set ASSAY_X_SRC")

    assert guarded("s.py", "a", "prompt", "t", needs_checkout) == [
        Finding("s.py", "a", "prompt", "t", MISSING, "set ASSAY_X_SRC")
    ]
    ran = compare_values("s", "a", "top_p", 1.0, 1.0)
    assert guarded("s.py", "a", "parameter", "top_p", lambda: ran) == [ran]
    assert guarded("s.py", "a", "parameter", "top_p", lambda: [ran, ran]) == [ran, ran]


def test_a_report_without_its_checkout_says_which_variable_to_set(monkeypatch, tmp_path: Path):
    checkout = Checkout(env="ASSAY_X_SRC", upstream="https://example.org/x", marker="x.py")
    monkeypatch.delenv("ASSAY_X_SRC", raising=False)
    (row,) = checkout_missing(checkout, "example/x", "x")
    assert (row.aspect, row.item, row.status) == ("step", "checkout", MISSING)
    assert "set ASSAY_X_SRC" in row.detail
    (tmp_path / "x.py").write_text("")
    monkeypatch.setenv("ASSAY_X_SRC", str(tmp_path))
    assert checkout_missing(checkout, "example/x", "x") == []


def test_an_original_function_runs_on_the_rows_we_write_and_its_output_is_read_back():
    def upper(src: Path, dst: Path) -> None:  # stands in for an original's main(input, output)
        rows = (
            json.loads(src.read_text())
            if src.suffix == ".json"
            else [json.loads(line) for line in src.read_text().splitlines()]
        )
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_text("".join(json.dumps({"q": r["q"].upper()}) + "\n\n" for r in rows))

    rows = [{"q": "a"}, {"q": "b"}]
    assert through_files(rows, upper) == [{"q": "A"}, {"q": "B"}]
    assert through_files(rows, upper, source="in.json", target="out/o.jsonl") == [
        {"q": "A"},
        {"q": "B"},
    ]


def test_a_script_runs_in_its_own_process_and_the_caller_judges_its_exit(tmp_path: Path):
    script = tmp_path / "s.py"
    script.write_text(
        "import os, sys\nprint(os.getcwd(), sys.argv[1], sys.executable)\nsys.exit(3)\n"
    )
    ran = run_python(script, ["x"], cwd=tmp_path, timeout=30)
    assert ran.returncode == 3
    assert ran.stdout.split() == [str(tmp_path), "x", sys.executable]


def test_a_behaviour_compared_by_rendering_is_reported_as_a_mechanism():
    row = compare_values("s", "a", "t", 1, 1)
    assert as_mechanism(row) == Finding("s", "a", "mechanism", "t", MATCH, "1")
