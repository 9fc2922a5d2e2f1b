"""A scripted model for the whole KodCode family: every kind of prompt gets an answer chosen by its content.

The cast (one question each): count_vowels (all good), add/multiply (two tested
functions; the stub leaks the solution; the reasoner misnames both functions),
nth_prime (the first three trials fail, retries succeed), reverse_words (the stub
renames a parameter, so re-verification fails; the reasoner is wrong), and
has_close_elements (HumanEval/0 in other words: contaminated).
"""

from __future__ import annotations

import threading
from collections import Counter

Q_VOWELS = "Write a function count_vowels(s) that returns how many vowels (a, e, i, o, u) the string s contains."
Q_VOWELS_AGAIN = "Write a function count_vowels(s) that returns how many vowels (a, e, i, o, u) the string s contains!"
Q_ARITH = "Write two functions: add_numbers(a, b) returns the sum of a and b, and multiply_numbers(a, b) returns their product."
Q_PRIME = "Write a function nth_prime(n) that returns the n-th prime number, counting from nth_prime(1) == 2."
Q_REVERSE = "Write a function reverse_words(sentence) that returns the sentence with the order of its words reversed."
Q_CLOSE = (
    "Write a function has_close_elements(numbers, threshold). Check if in given list of numbers, are any two numbers "
    "closer to each other than given threshold."
)

# Seed text (what the question prompt contains) → the question the model writes.
QUESTIONS = {
    "Count the vowels": Q_VOWELS,
    "Count vowels again": Q_VOWELS_AGAIN,
    "Add and multiply": Q_ARITH,
    "The n-th prime": Q_PRIME,
    "Reverse the words": Q_REVERSE,
    "Close numbers": Q_CLOSE,
}

SEEDS = {
    "a.jsonl": [
        {"mode": "leetcode", "question": "Count the vowels in a word."},
        {"mode": "apps", "question": "Add and multiply two numbers."},
        {"mode": "taco", "question": "The n-th prime number."},
    ],
    "b.jsonl": [
        {"mode": "codeforces", "question": "Reverse the words of a sentence."},
        {"mode": "code_contests", "question": "Close numbers in a list."},
        {"mode": "leetcode", "question": "Count vowels again, in a word."},
    ],
}

SOLUTIONS = {
    "count_vowels": (
        'def count_vowels(s):\n    """Number of vowels in s."""\n    return sum(1 for ch in s.lower() if ch in "aeiou")',
        (
            'from solution import count_vowels\n\ndef test_counts():\n    assert count_vowels("banana") == 3\n\n'
            'def test_empty():\n    assert count_vowels("") == 0'
        ),
    ),
    "add_numbers": (
        "def add_numbers(a, b):\n    return a + b\n\ndef multiply_numbers(a, b):\n    return a * b",
        (
            "from solution import add_numbers, multiply_numbers\n\ndef test_add():\n    assert add_numbers(2, 3) == 5\n\n"
            "def test_multiply():\n    assert multiply_numbers(2, 3) == 6"
        ),
    ),
    "nth_prime": (
        (
            "def nth_prime(n):\n    found, candidate = 0, 1\n    while found < n:\n        candidate += 1\n"
            "        if all(candidate % d for d in range(2, int(candidate ** 0.5) + 1)):\n            found += 1\n    return candidate"
        ),
        "from solution import nth_prime\n\ndef test_first_primes():\n    assert [nth_prime(i) for i in range(1, 6)] == [2, 3, 5, 7, 11]",
    ),
    "reverse_words": (
        "def reverse_words(sentence):\n    return ' '.join(reversed(sentence.split()))",
        "from solution import reverse_words\n\ndef test_reverse():\n    assert reverse_words('a b c') == 'c b a'",
    ),
    "has_close_elements": (
        (
            "def has_close_elements(numbers, threshold):\n    return any(abs(a - b) < threshold for i, a in enumerate(numbers) "
            "for b in numbers[i + 1:])"
        ),
        (
            "from solution import has_close_elements\n\ndef test_close():\n    assert has_close_elements([1.0, 2.8, 3.0], 0.3)\n"
            "    assert not has_close_elements([1.0, 2.0], 0.5)"
        ),
    ),
}
WRONG_PRIME = ("def nth_prime(n):\n    return n", SOLUTIONS["nth_prime"][1])

STUBS = {
    "count_vowels": 'def count_vowels(s: str) -> int:\n    """Return how many vowels (a, e, i, o, u) s contains.\n\n'
    '    >>> count_vowels("banana")\n    3\n    """\n',
    # Leaks: the "stub" implements both functions.
    "add_numbers": 'def add_numbers(a, b):\n    """Sum."""\n    return a + b\n\ndef multiply_numbers(a, b):\n    """Product."""\n    return a * b\n',
    "nth_prime": 'def nth_prime(n: int) -> int:\n    """The n-th prime, counting from 1.\n\n    >>> nth_prime(3)\n    5\n    """\n',
    # Renames the parameter: the original body no longer finds `sentence`.
    "reverse_words": 'def reverse_words(text: str) -> str:\n    """Words of text in reverse order.\n\n'
    '    >>> reverse_words("a b")\n    \'b a\'\n    """\n',
    "has_close_elements": 'def has_close_elements(numbers, threshold):\n    """Are two numbers closer than threshold?\n\n'
    '    >>> has_close_elements([1.0, 2.8, 3.0], 0.3)\n    True\n    """\n',
}

REASONED = {
    "count_vowels": "def count_vowels(s):\n    return sum(ch in 'aeiou' for ch in s.lower())",
    # Both names differ from the tests' add_numbers / multiply_numbers: alignment must rename both.
    "add_numbers": "def add(a, b):\n    return a + b\n\ndef multiply(a, b):\n    return a * b",
    "nth_prime": SOLUTIONS["nth_prime"][0],
    "reverse_words": "def reverse_words(sentence):\n    return sentence",
    "has_close_elements": SOLUTIONS["has_close_elements"][0],
}


def trial_text(solution: str, tests: str) -> str:
    return (
        f"<|Solution Begin|>\n```python\n{solution}\n```\n<|Solution End|>\n"
        f"<|Test Begin|>\n```python\n{tests}\n```\n<|Test End|>"
    )


def _entry(text: str) -> str:
    for name in ("count_vowels", "add_numbers", "nth_prime", "reverse_words", "has_close_elements"):
        if name in text:
            return name
    raise ValueError(f"scripted model has no answer for: {text[:200]}")


class Stage3Model:
    """The responder; counts trial prompts per question so the hard one fails exactly its first three trials."""

    def __init__(self, first_failures: int = 3) -> None:
        self.first_failures = first_failures
        self.seen: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, body: dict) -> str:
        if "prompt" in body:  # a raw prefill prompt: the rest of the question's first line
            return " returns how many vowels (a, e, i, o, u) the string s contains."
        user = body["messages"][-1]["content"]
        # Both profiles' prompts, told apart by their answer markers and shapes (the
        # original's wording is never spelled out here).
        if "<|Solution Begin|>" in user:
            name = _entry(user)
            if name == "nth_prime":
                with self._lock:
                    self.seen[name] += 1
                    if self.seen[name] <= self.first_failures:
                        return trial_text(*WRONG_PRIME)
            return trial_text(*SOLUTIONS[name])
        if "<|Completion Begin|>" in user:  # the original's converter
            return f"<|Completion Begin|>\n```python\n{STUBS[_entry(user)]}```\n<|Completion End|>"
        if "function-completion exercise" in user:
            return f"```python\n{STUBS[_entry(user)]}```"
        if "markdown code block" in user:
            return self.reasoned(user)
        for seed, question in QUESTIONS.items():
            if seed.lower() in user.lower():
                return f"<|Question Begin|>{question}<|Question End|>"
        return self.reasoned(user)  # the original's reasoning prompt: the question alone

    @staticmethod
    def reasoned(user: str) -> str:
        name = _entry(user)
        return f"<think>Let me think about {name}. def wrong(): pass</think>\nHere is the code:\n```python\n{REASONED[name]}\n```"
