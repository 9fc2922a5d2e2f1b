"""Evaluation functions stay out of the training set, however they are formatted."""

from __future__ import annotations

from assets.case2code.decontaminate import code_fingerprint, contaminated

REFERENCE = "def add(a, b):\n    return a + b\n"
LONG_REFERENCE = (
    "def count_words(text):\n    counts = {}\n    for word in text.lower().split():\n"
    "        word = word.strip('.,!?')\n        counts[word] = counts.get(word, 0) + 1\n"
    "    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))\n"
)


def test_the_same_program_matches_whatever_its_formatting_and_comments():
    reformatted = "def add(a,b):  # sum\n    return (a + b)\n"
    assert code_fingerprint(reformatted) == code_fingerprint(REFERENCE)
    assert code_fingerprint("def add(a, b):\n    return a - b\n") != code_fingerprint(REFERENCE)


def test_items_equal_or_near_to_a_reference_are_flagged_with_the_reason():
    near = LONG_REFERENCE.replace("-kv[1], kv[0]", "-kv[1], kv[0].lower()")
    items = {
        "a1": "def add(a,b):\n  return a+b\n",
        "b2": near,
        "c3": "def mul(a, b):\n    return a * b\n",
    }
    assert contaminated(items, [REFERENCE, LONG_REFERENCE]) == {
        "a1": "same_program",
        "b2": "near_duplicate",
    }


def test_nothing_is_flagged_without_references():
    assert contaminated({"a": REFERENCE}, []) == {}
