"""Step 3 in the sandbox: the entry call's repr, and its round trip on a second run."""

from __future__ import annotations

from assets.execverify import execution as X
from assets.execverify.programs import Program, parse_program
from resources.sandbox import Sandbox

from .conftest import read_jsonl


def test_cruxeval_results_have_the_recorded_repr(sandbox: Sandbox) -> None:
    """Figure 2: cruxeval_io.jsonl."""
    ref = read_jsonl("cruxeval_io.jsonl")
    programs = [Program(r["code"] + "\n\n", r["entry_point"], r["func_args"]) for r in ref]
    values = [
        X.value_of(r)[0]
        for r in sandbox.run([X.value_job(str(i), p) for i, p in enumerate(programs)])
    ]
    agree = sum(v == r["recorded_output"] for v, r in zip(values, ref))
    assert agree >= 0.995 * len(ref)
    trips = sandbox.run(
        [X.roundtrip_job(str(i), p, v) for i, (p, v) in enumerate(zip(programs, values)) if v]
    )
    assert all(X.roundtrip_reason(t) is None for t in trips)


def test_results_without_a_literal_repr_or_that_raise_are_dropped_with_reasons(
    sandbox: Sandbox,
) -> None:
    cases = {
        "obj": "def f(x):\n    return object()\n\nprint(f(1))\n",
        "raise": "def f(x):\n    return [][x]\n\nprint(f(1))\n",
        "random": "def f(x):\n    import random\n    return random.random()\n\nprint(f(1))\n",
    }
    programs = {k: parse_program(v) for k, v in cases.items()}
    values = {
        k: X.value_of(r)
        for k, r in zip(programs, sandbox.run([X.value_job(k, p) for k, p in programs.items()]))
    }
    assert values["raise"] == (None, "raises IndexError")
    trips = sandbox.run([X.roundtrip_job(k, programs[k], values[k][0]) for k in ("obj", "random")])
    assert all(X.roundtrip_reason(t) for t in trips)
