"""Complete-style stubs: what counts as a leak, and the code that re-verifies a stub."""

import ast

import pytest

from assets.kodcode.prompts import style_messages
from assets.kodcode.style import check_stub, graft, leaked_lines, stub_code

SOLUTION = '''from typing import List


def count_vowels(s):
    """Number of vowels in s."""
    return sum(1 for ch in s.lower() if ch in "aeiou")
'''
GOOD_STUB = '''def count_vowels(s: str) -> int:
    """Return how many vowels s contains.

    >>> count_vowels("banana")
    3
    """
'''


def test_a_signature_with_a_docstring_and_examples_is_kept():
    check = check_stub(GOOD_STUB, SOLUTION, ["count_vowels"])
    assert check.drop_reason is None and check.stub == GOOD_STUB and check.has_examples


def test_the_stub_is_the_last_code_block_of_the_answer():
    answer = f"Sure.\n```python\nprint('draft')\n```\nFinal:\n```python\n{GOOD_STUB}```"
    assert stub_code(answer) == GOOD_STUB.strip()
    assert stub_code("no code here at all, sorry!") is None
    with_usage = f"```python\n{GOOD_STUB}```\nUsage:\n```python\nprint(count_vowels('aa'))\n```"
    assert stub_code(with_usage, ["count_vowels"]) == GOOD_STUB.strip(), (
        "the block declaring the tested name wins"
    )


@pytest.mark.parametrize(
    "stub, reason",
    [
        (SOLUTION, "leaks_solution_body"),
        (
            'def count_vowels(s):\n    """Count."""\n    total = 0\n    return total\n',
            "leaks_solution_body",
        ),
        (
            'def count_vowels(s):\n    """Count: return sum(1 for ch in s.lower() if ch in \'aeiou\')"""\n',
            "leaks_solution_lines",
        ),
        ('def vowels(s):\n    """Count vowels."""\n', "stub_missing_function"),
        ("def count_vowels(s):\n    pass\n", "no_docstring"),
        ("def count_vowels(s)\n", "stub_syntax_error"),
        (None, "no_stub"),
        ('x = 1\ndef count_vowels(s):\n    """Count."""\n', "leaks_solution_body"),
    ],
    ids=[
        "equals-solution",
        "has-body",
        "docstring-quotes-body",
        "renamed",
        "undocumented",
        "syntax",
        "missing",
        "top-level-code",
    ],
)
def test_unusable_stubs_are_dropped_with_a_reason(stub, reason):
    check = check_stub(stub, SOLUTION, ["count_vowels"])
    assert check.stub is None and check.drop_reason == reason


def test_short_common_lines_do_not_count_as_leaks():
    solution = "def f(xs):\n    total = 0\n    for x in xs:\n        total += x * x\n    return sorted(set(xs)) and total\n"
    stub = 'def f(xs):\n    """Sum of squares; return total.\n\n    >>> f([1, 2])\n    5\n    """\n'
    assert leaked_lines(stub, solution, ["f"]) == (0, 1), (
        "only the one long line is considered, and it is not in the stub"
    )
    assert check_stub(stub, solution, ["f"]).drop_reason is None


def test_graft_puts_the_stubs_signature_around_the_original_body_after_its_imports():
    grafted = graft(SOLUTION, "from typing import Optional\n" + GOOD_STUB)
    tree = ast.parse(grafted)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef))
    assert ast.unparse(fn.args) == "s: str" and ast.unparse(fn.returns) == "int"
    assert "sum(" in ast.unparse(fn), "the body is the original solution's"
    namespace: dict = {}
    exec(compile(grafted, "solution", "exec"), namespace)  # noqa: S102
    assert namespace["count_vowels"]("banana") == 3


def test_graft_exposes_a_renamed_parameter_as_a_broken_solution():
    solution = "def reverse_words(sentence):\n    return ' '.join(reversed(sentence.split()))\n"
    stub = 'def reverse_words(text):\n    """Reverse the words."""\n'
    namespace: dict = {}
    exec(compile(graft(solution, stub), "solution", "exec"), namespace)  # noqa: S102
    with pytest.raises(NameError):
        namespace["reverse_words"]("a b")


def test_graft_reaches_methods_of_a_tested_class():
    solution = "class Stack:\n    def __init__(self):\n        self.items = []\n    def push(self, item):\n        self.items.append(item)\n"
    stub = 'class Stack:\n    """A stack."""\n    def push(self, item: int) -> None:\n        """Push item."""\n'
    assert check_stub(stub, solution, ["Stack"]).drop_reason is None
    grafted = graft(solution, stub)
    assert "def push(self, item: int) -> None:" in grafted and "self.items.append(item)" in grafted
    assert "def __init__(self):" in grafted, "methods the stub leaves out keep their own signature"


def test_the_style_prompt_shows_one_worked_example_that_the_stub_check_accepts():
    messages = style_messages(
        "Count the vowels.", [{"function_declaration": "def count_vowels(s):"}]
    )
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user"]
    assert "def count_vowels(s):" in messages[-1]["content"]
    example = stub_code(messages[2]["content"], ["largest_even"])
    solution = "def largest_even(numbers):\n    return max((n for n in numbers if n % 2 == 0), default=None)\n"
    assert check_stub(example, solution, ["largest_even"]).drop_reason is None
