"""A synthesized program is read as ExecVerify reads it: definitions, entry point, argument source."""

from __future__ import annotations

import pytest

from assets.execverify.programs import (
    NotAProgram,
    call_line,
    code_to_run,
    entry_of,
    first_def_name,
    names_word,
    parse_program,
)

TWO = "def helper(x):\n    return x + 1\n\ndef main(a, b):\n    return helper(a) * b\n\nprint(main( [1, 2] , 'x'))\n"


def test_definitions_entry_and_argument_source_come_from_the_single_printed_call() -> None:
    p = parse_program(TWO)
    assert (
        p.func_str
        == "def helper(x):\n    return x + 1\n\ndef main(a, b):\n    return helper(a) * b\n\n"
    )
    assert (p.func_name, p.func_args) == ("main", " [1, 2] , 'x'")


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("print(len([1]))\n", "no function definition"),
        ("def f(x):\n    return x\n\nprint(f(1), f(2))\n", "2 calls printed"),
        ("def f(x):\n    print(len(x))\n    return x\n\nprint(f([1]))\n", "2 calls printed"),
        ("def f(x):\n    return x\n\nf(1)\n", "0 calls printed"),
        ("def f(x:\n", "does not parse"),
    ],
)
def test_a_snippet_without_exactly_one_printed_call_is_dropped_with_its_reason(
    code: str, reason: str
) -> None:
    with pytest.raises(NotAProgram, match=reason):
        parse_program(code)


def test_execverify_traces_the_first_def_and_we_trace_the_entry() -> None:
    func_str = parse_program(TWO).func_str
    assert first_def_name(func_str) == "helper"
    assert entry_of(func_str) == "main"


def test_the_traced_script_and_the_line_of_its_call() -> None:
    script = code_to_run("def f(x):\n    return x\n\n", "f", "1")
    assert script == "def f(x):\n    return x\n\n\n\nf(1)\n"
    assert script.split("\n")[call_line(script, "f") - 1] == "f(1)"


def test_a_name_in_the_arguments_is_a_whole_word_test() -> None:
    assert names_word("f", "f(1), 2")
    assert not names_word("f", "'of', 'if'")
