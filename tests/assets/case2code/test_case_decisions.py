"""Per-item decisions: which examples are usable, which items are kept, and the Case2Code record."""

from __future__ import annotations

import json

from assets.case2code.case_filter import select_cases
from assets.case2code.case_results import CaseResult, gold_canonical
from assets.case2code.examples import Example, usable_examples
from assets.case2code.functions import first_function
from assets.case2code.records import case2code_record

FUNC = first_function("def clip(x, lo=0, hi=10):\n    return max(lo, min(hi, x))\n")
RET = CaseResult(kind="return", value_repr="3")
EXC = CaseResult(kind="exception", exception_type="TypeError", exception_message="bad operand")
NONE = CaseResult(kind="no_result", reason="timeout")


def test_examples_that_cannot_bind_to_the_signature_are_rejected_with_counted_reasons():
    answer = "```python\nexamples = [dict(x=1), dict(x=2, hi=3), dict(y=1), dict(lo=1), dict(x=f(1))]\n```"
    verdict = usable_examples(answer, FUNC)
    assert [ex.kwargs_py() for ex in verdict.examples] == ["dict(x=1)", "dict(x=2, hi=3)"]
    assert verdict.rejected == {
        "unknown argument": 1,
        "missing required argument": 1,
        "non-literal value": 1,
    }
    assert verdict.error is None


def test_an_answer_without_usable_examples_explains_itself_for_the_retry_log():
    verdict = usable_examples("```python\nexamples = [dict(y=1), dict(z=2)]\n```", FUNC)
    assert verdict.examples == []
    assert verdict.error == "no usable example (2 rejected, mostly: unknown argument)"
    assert usable_examples("no code here", FUNC).error == "no code block assigning `examples`"


def test_max_examples_caps_what_is_kept():
    answer = "examples = [" + ", ".join(f"dict(x={i})" for i in range(15)) + "]"
    verdict = usable_examples(answer, FUNC, max_examples=10)
    assert len(verdict.examples) == 10 and verdict.rejected["beyond max_examples"] == 5


def test_items_need_a_returned_value_and_never_keep_cases_without_a_result():
    assert select_cases([RET, EXC, NONE]).keep == (0, 1)
    assert select_cases([RET, EXC, NONE]).drop_reason is None
    assert select_cases([EXC, EXC]).drop_reason == "only_exceptions"
    assert select_cases([NONE]).drop_reason == "no_results"
    assert select_cases([]).drop_reason == "no_examples"
    assert select_cases([RET, EXC], keep_exceptions=False).keep == (0,)
    assert select_cases([RET, EXC], min_returns=2).drop_reason == "too_few_returns"


def test_constant_functions_can_be_dropped_because_their_cases_do_not_pin_the_function_down():
    other = CaseResult(kind="return", value_repr="4")
    assert select_cases([RET, RET, RET]).drop_reason is None, "off by default, as in Case2Code"
    assert (
        select_cases([RET, RET, EXC], min_distinct_returns=2).drop_reason
        == "too_few_distinct_returns"
    )
    assert select_cases([RET, other], min_distinct_returns=2).drop_reason is None


def test_the_case2code_record_reads_back_as_the_same_outcomes():
    examples = [Example(args=(("x", "3"),)), Example(args=(("x", "'a'"),))]
    record = case2code_record(
        "id1", "clip", "def clip(x): ...", examples, [RET, EXC], prompt="p", shown=[1, 0]
    )
    assert record["example_inputs"] == [json.dumps("{'x': 3}"), json.dumps("{'x': 'a'}")]
    assert [gold_canonical(o) for o in record["example_outputs"]] == [
        RET.canonical(),
        EXC.canonical(),
    ]
    assert record["example_str"] == "examples = [\n    dict(x=3),\n    dict(x='a'),\n]"
    assert record["choosed_example_idx"] == [1, 0]
    assert record["output"].startswith("The function is:\n\n```python\ndef clip")
