"""White-box questions: ExecVerify's own lists under `original`, and each listed fix under `fixed`."""

from __future__ import annotations

import json
import re

import pytest

from assets.execverify import whitebox as W
from resources.sandbox import Sandbox

from .conftest import read_jsonl

_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def _masked(value: object) -> object:
    return json.loads(_ADDRESS.sub("0xADDR", json.dumps(value)))


def test_original_rules_reproduce_execverifys_questions_and_prompts(
    execverify_src: object, sandbox: Sandbox
) -> None:
    """Figure 1: cruxeval_white_box.jsonl, question/answer lists (addresses masked) and prompt_str."""
    ref = read_jsonl("cruxeval_white_box.jsonl")
    records = [
        {"id": r["_id"], "func_str": r["func_str"], "func_args": r["func_args"]} for r in ref
    ]
    rows = W.answer_records(records, "original", sandbox)
    same = sum(
        _masked(o["path_qas"]) == _masked(r["_all_path_qas"])
        and _masked(o["state_qas"]) == _masked(r["_all_state_qas"])
        for o, r in zip(rows, ref)
    )
    prompts = sum(o["prompt_str"] == r["prompt_str"] for o, r in zip(rows, ref))
    assert [o["id"] for o in rows] == [r["_id"] for r in ref]
    assert same >= 0.99 * len(ref) and prompts >= 0.99 * len(ref), (same, prompts)


def run(
    sandbox: Sandbox, func_str: str, func_args: str, rules: str, func_name: str | None = None
) -> W.Questions:
    subj = W.subject(func_str, func_args, rules, func_name)
    (result,) = sandbox.run([W.trace_job("t", subj)])
    assert W.drop_reason(result) is None, result
    return W.questions(subj, result, rules)


TWO = "def helper(x):\n    y = x * 2\n    return y\n\ndef main(a):\n    total = 0\n    for i in range(a):\n        total += helper(i)\n    return total\n\n"


def test_fixed_traces_the_entry_function_and_original_the_first_def(
    execverify_src: object, sandbox: Sandbox
) -> None:
    fixed = run(sandbox, TWO, "3", "fixed", "main")
    assert fixed.subject.func_name == "main"
    assert any("`total`" in q and ("int", "6") in a for q, a in fixed.state_qas)
    original = W.subject(TWO, "3", "original")
    assert original.func_name == "helper"  # ExecVerify asks about helper(3), not the program's call


SETS = "def f(n):\n    s = set()\n    s.add(n)\n    t = 'a;b'\n    g = lambda v: v\n    return (s, t)\n\n"


def test_fixed_types_come_from_the_value_and_addresses_are_not_asked(
    execverify_src: object, sandbox: Sandbox
) -> None:
    original = dict(run(sandbox, SETS, "1", "original").state_qas)
    fixed = dict(run(sandbox, SETS, "1", "fixed").state_qas)
    assert ("str", "set()") in [
        a for answers in original.values() for a in answers
    ]  # set() does not eval without builtins
    assert ("set", "set()") in [a for answers in fixed.values() for a in answers]
    assert any(
        " at 0x" in a[1] for answers in original.values() for a in answers
    )  # the lambda's address
    assert not any("0x" in a[1] for answers in fixed.values() for a in answers)
    assert ("str", "'a;b'") in [a for answers in fixed.values() for a in answers]


LOOPY = "def f(a, b):\n    diff = a - b\n    total = diff * 2\n    return total\n\n"


def test_fixed_keyword_tests_are_words_and_only_line_events_are_executions(
    execverify_src: object, sandbox: Sandbox
) -> None:
    original = [q for q, _ in run(sandbox, LOOPY, "5, 3", "original").path_qas]
    fixed = [q for q, _ in run(sandbox, LOOPY, "5, 3", "fixed").path_qas]
    # `if` is a substring of `diff`: ExecVerify asks what follows the straight-line `diff = a - b`.
    assert any("line 2:     diff = a - b" in q for q in original)
    assert not any("line 2 (" in q for q in fixed)
    # Its return event counts as a second execution of the return line.
    assert any("line 4:     return total has been executed for the 2 time" in q for q in original)
    assert not any("line 4 (" in q and "2nd" in q for q in fixed)


def test_program_filter_word_test_and_loop_test(execverify_src: object) -> None:
    subj = W.Subject("def f(s):\n    return s.upper()\n\n", "f", "'of'")
    assert W.keeps_program(subj, "original") is not None  # too short, and 'f' in "'of'"
    long_subj = W.Subject(
        "def f(s):\n    a = s\n    b = a\n    c = b\n    return c\n\n", "f", "'of'"
    )
    assert W.keeps_program(long_subj, "original") == "the function's name appears in its arguments"
    assert W.keeps_program(long_subj, "fixed") is None


def test_truncated_values_are_not_asked_under_fixed(sandbox: Sandbox) -> None:
    code = "def f(n):\n    s = 'x' * n\n    k = len(s)\n    return k\n\n"
    qs = run(sandbox, code, "500", "fixed")
    names = [q for q, _ in qs.state_qas]
    assert any("`k`" in q for q in names) and not any("`s`" in q for q in names)


@pytest.mark.parametrize(
    ("code", "args"),
    [
        ("def f(n):\n    i = 0\n    while True:\n        i += 1\n\n", "1"),
        ("def f(n):\n    return f(n + 1)\n\n", "0"),
        (
            "def g():\n    i = 0\n    while True:\n        yield i\n        i += 1\n\ndef f(n):\n    return list(g())\n\n",
            "0",
        ),
        ("import sys\ndef f(n):\n    sys._getframe().f_trace = None\n    return n\n\n", "1"),
        ("def f(n):\n    return [1][n]\n\n", "5"),
    ],
)
def test_a_trace_that_did_not_return_yields_no_questions_and_says_why(
    code: str, args: str, sandbox: Sandbox
) -> None:
    rows = W.answer_records(
        [{"id": "x", "func_str": code, "func_args": args, "func_name": "f"}], "fixed", sandbox
    )
    assert rows[0]["dropped"] and rows[0]["path_qas"] == [] and rows[0]["prompt_str"] is None


def test_the_event_limit_drops_the_trace_with_its_reason() -> None:
    assert (
        W.drop_reason({"status": "timeout", "stop": "event_limit"})
        == "trace cut off at the event limit"
    )
