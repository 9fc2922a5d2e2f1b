"""Values read back from sandbox call outcomes (CallOutcome.value) the way CodeI/O's json.dumps
would see them, and how a result reads in feedback (verify.shown)."""

import math
from typing import Any

from assets.codeio.verify import shown
from resources.sandbox import CallOutcome
from resources.sandbox.typed import literal_from_repr


def outcome_value(wire: dict) -> tuple[bool, Any]:
    return CallOutcome.from_wire(wire).value()


def test_plain_values_come_back_as_they_are():
    assert outcome_value(
        {"ok": True, "value_json": {"a": [1, 2.5]}, "value_repr": "{'a': [1, 2.5]}"}
    ) == (True, {"a": [1, 2.5]})
    assert outcome_value({"ok": True, "value_json": "1", "value_repr": "'1'"}) == (True, "1"), (
        "a string value stays a string"
    )


def test_json_text_is_also_accepted():
    assert outcome_value({"ok": True, "value_json": "[1, 2]", "value_repr": "[1, 2]"}) == (
        True,
        [1, 2],
    )


def test_tuples_and_infinities_are_rebuilt_from_the_repr():
    assert outcome_value({"ok": True, "value_json": None, "value_repr": "(1, (2, 'x'))"}) == (
        True,
        [1, [2, "x"]],
    )
    ok, value = outcome_value({"ok": True, "value_json": None, "value_repr": "[inf, -inf, nan]"})
    assert ok and value[0] == math.inf and value[1] == -math.inf and math.isnan(value[2])


def test_numpy_float64_reads_as_a_float_like_json_dumps_writes_it():
    assert literal_from_repr("[np.float64(0.5), np.float64(inf)]") == (True, [0.5, math.inf])
    assert literal_from_repr("np.int64(3)") == (False, None), "json.dumps refuses int64"


def test_reprs_that_are_not_plain_literals_are_not_evaluated():
    assert literal_from_repr("__import__('os').getcwd()") == (False, None)
    assert literal_from_repr("<object at 0x7f>") == (False, None)
    assert literal_from_repr("{1, 2}") == (False, None), "sets are not JSON"


def test_failures_have_no_value_and_read_as_their_exception():
    failed = {
        "ok": False,
        "exception_type": "ZeroDivisionError",
        "exception_message": "division by zero",
    }
    assert outcome_value(failed) == (False, None)
    assert shown(CallOutcome.from_wire(failed)) == "ZeroDivisionError: division by zero"
