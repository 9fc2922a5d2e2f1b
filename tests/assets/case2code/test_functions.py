"""Seed functions: which one is called, and which keyword dicts can bind to it."""

from __future__ import annotations

import pytest

from assets.case2code.functions import FunctionSourceError, first_function, program, validate_seed


def test_the_first_top_level_function_is_the_one_called():
    info = first_function(
        "X = 1\ndef helper(a):\n    return a\ndef main(b):\n    return helper(b)\n"
    )
    assert info.name == "helper"


def test_signature_says_which_keyword_dicts_bind():
    sig = first_function("def f(a, b=2, *args, c, d=4, **kw):\n    pass\n").signature
    assert sig.misfit(["a", "c"]) is None
    assert sig.misfit(["a", "c", "zzz"]) is None, "**kw accepts any extra name"
    assert sig.misfit(["b"]) == "missing required argument: a, c"
    strict = first_function("def g(a, b=1):\n    pass\n").signature
    assert strict.misfit(["a", "x"]) == "unknown argument: x"
    assert (
        first_function("def h(a, /, b):\n    pass\n")
        .signature.misfit(["a", "b"])
        .startswith("positional-only")
    )


def test_positional_display_only_when_names_are_a_prefix_of_the_parameters():
    sig = first_function("def f(a, b=2, c=3):\n    pass\n").signature
    assert sig.positional_order(["a", "b"])
    assert not sig.positional_order(["a", "c"]), "skipping b would shift c into b's place"
    assert not sig.positional_order(["b", "a"])


def test_async_functions_and_broken_source_are_refused_with_a_reason():
    with pytest.raises(FunctionSourceError, match="async"):
        first_function("async def f():\n    return 1\n")
    with pytest.raises(FunctionSourceError, match="syntax error"):
        first_function("def f(:\n")
    with pytest.raises(FunctionSourceError, match="no top-level function"):
        first_function("x = 1\n")


def test_program_puts_imports_before_the_function():
    assert (
        program(["import math", ""], "def f(x):\n    return math.sqrt(x)\n")
        == "import math\n\ndef f(x):\n    return math.sqrt(x)\n"
    )
    assert program([], "def f():\n    pass") == "def f():\n    pass\n"


def test_seed_validation_names_the_problem():
    assert (
        validate_seed({"id": "a", "content": "def f(x):\n    return x\n", "import_code": []})
        is None
    )
    assert (
        validate_seed({"id": "a", "content": ""}) == "missing field: content (a non-empty string)"
    )
    assert validate_seed(
        {"id": "a", "content": "def f(x):\n    return x\n", "import_code": "import os"}
    ).startswith("field 'import_code'")
    assert (
        validate_seed({"id": "a", "content": "print(1)"})
        == "content: no top-level function definition"
    )
