"""Reading a model's example inputs with ast: literal values, repairs, and what gets rejected."""

from __future__ import annotations

import ast

from assets.case2code.examples import (
    Example,
    case2code_input,
    example_str,
    parse_example_source,
    parse_examples_answer,
)

ANSWER = """Let me look at the types: `a` is an int and `b` a string.
```python
examples = [
    dict(a=1, b='x'),
    dict(a=-2, b="y z"),
    {'a': 3, 'b': ''},
]
```"""


def test_examples_are_read_from_the_code_block_in_written_order():
    parsed = parse_examples_answer(ANSWER)
    assert parsed.error is None
    assert [ex.args for ex in parsed.examples] == [
        (("a", "1"), ("b", "'x'")),
        (("a", "-2"), ("b", "'y z'")),
        (("a", "3"), ("b", "''")),
    ]


def test_literal_values_are_rerendered_with_repr_so_they_read_the_same_everywhere():
    parsed = parse_example_source(
        'examples = [dict(s="it\'s", xs=[1,2 ,3], t=(1,), d={"k": None}, f=1.50)]'
    )
    (example,) = parsed.examples
    assert dict(example.args) == {
        "s": '"it\'s"',
        "xs": "[1, 2, 3]",
        "t": "(1,)",
        "d": "{'k': None}",
        "f": "1.5",
    }
    assert ast.literal_eval(example.dict_repr()) == {
        "s": "it's",
        "xs": [1, 2, 3],
        "t": (1,),
        "d": {"k": None},
        "f": 1.5,
    }


def test_strict_mode_rejects_values_that_are_not_literals_and_never_evaluates_them():
    parsed = parse_example_source(
        "examples = [dict(x=__import__('os').system('echo hi')), dict(x=2)]"
    )
    assert [ex.kwargs_py() for ex in parsed.examples] == ["dict(x=2)"]
    assert parsed.rejected == ["non-literal value: x=__import__('os').system('echo hi')"]


def test_permissive_mode_keeps_expressions_and_the_surrounding_statements_for_the_sandbox():
    source = (
        "INF = float('inf')\nexamples = [dict(a=INF, b=set([1]))]\nexamples += [dict(a=1, b=2)]"
    )
    parsed = parse_example_source(source, strict=False)
    assert [ex.kwargs_py() for ex in parsed.examples] == [
        "dict(a=INF, b=set([1]))",
        "dict(a=1, b=2)",
    ]
    assert [ex.literal for ex in parsed.examples] == [False, True]
    assert parsed.preamble == "INF = float('inf')"


def test_append_extend_and_augmented_assignment_all_add_examples():
    source = "examples = [dict(n=1)]\nexamples += [dict(n=2)]\nexamples.append(dict(n=3))\nexamples.extend([dict(n=4)])"
    assert [ex.kwargs_py() for ex in parse_example_source(source).examples] == [
        f"dict(n={i})" for i in range(1, 5)
    ]


def test_an_answer_cut_off_mid_list_keeps_its_complete_examples():
    truncated = "```python\nexamples = [\n    dict(n=1),\n    dict(n=2),\n    dict(n=3"
    parsed = parse_examples_answer(truncated)
    assert parsed.repaired
    assert [ex.kwargs_py() for ex in parsed.examples] == ["dict(n=1)", "dict(n=2)"]


def test_duplicates_and_malformed_elements_are_rejected_with_reasons():
    source = "examples = [dict(n=1), dict(n=1), [1, 2], dict(1, n=2), {1: 2}, dict(n=1, **k)]"
    parsed = parse_example_source(source)
    assert [ex.kwargs_py() for ex in parsed.examples] == ["dict(n=1)"]
    assert [r.split(":")[0] for r in parsed.rejected] == [
        "duplicate example",
        "not a dict",
        "bad dict",
        "bad dict",
        "bad dict",
    ]


def test_test_sets_keep_repeated_examples_so_outputs_stay_aligned():
    parsed = parse_example_source("examples = [dict(n=1), dict(n=1)]", strict=False, dedupe=False)
    assert len(parsed.examples) == 2


def test_answers_without_an_examples_block_say_why():
    assert (
        parse_examples_answer("I cannot help with that.").error
        == "no code block assigning `examples`"
    )
    assert parse_examples_answer("```python\nresult = [dict(n=1)]\n```").error is not None
    assert (
        parse_examples_answer("```python\nexamples = [dict(n=1)\n```").examples[0].kwargs_py()
        == "dict(n=1)"
    )


def test_case2code_input_encoding_matches_json_dumps_of_the_dict_repr():
    example = Example(args=(("s", "'42'"), ("n", "3")))
    assert case2code_input(example) == "\"{'s': '42', 'n': 3}\""
    assert example_str([example]) == "examples = [\n    dict(s='42', n=3),\n]"
