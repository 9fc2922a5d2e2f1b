"""A scripted KodCode model: answers by what the prompt asks, so assets can be tested end to end."""

from __future__ import annotations

GOOD_QUESTION = "Write a function count_vowels(s) that returns how many vowels (a, e, i, o, u) the string s contains."
NEAR_DUPLICATE = "Write a function count_vowels(s) that returns how many vowels (a, e, i, o, u) the string s contains!"
HARD_QUESTION = "Write a function nth_prime(n) that returns the n-th prime number, counting from nth_prime(1) == 2."

GOOD_TRIAL = """<|Solution Begin|>
```python
def count_vowels(s):
    \"\"\"Number of vowels in s.\"\"\"
    return sum(1 for ch in s.lower() if ch in "aeiou")
```
<|Solution End|>
<|Test Begin|>
```python
from solution import count_vowels

def test_counts_vowels():
    assert count_vowels("banana") == 3

def test_empty():
    assert count_vowels("") == 0
```
<|Test End|>"""

WRONG_TRIAL = """<|Solution Begin|>
```python
def nth_prime(n):
    return n
```
<|Solution End|>
<|Test Begin|>
```python
from solution import nth_prime

def test_first_primes():
    assert nth_prime(3) == 5
```
<|Test End|>"""


def kodcode_responder(body: dict) -> str:
    """Question prompts get a question by seed content; trial prompts a trial by question;
    a raw prefill prompt gets the rest of its question's first line."""
    if "prompt" in body:
        return " returns how many vowels (a, e, i, o, u) the string s contains."
    user = body["messages"][-1]["content"]
    if "Write a correct Python solution" in user:
        return GOOD_TRIAL if "count_vowels" in user else WRONG_TRIAL
    if "<|Abstain|>" in user:
        return "<|Analysis Begin|>Nothing testable.<|Analysis End|>\n<|Abstain|>"
    if "primes" in user:
        return f"<|Question Begin|>{HARD_QUESTION}<|Question End|>"
    if "vowels twice" in user:
        return f"<|Question Begin|>{NEAR_DUPLICATE}<|Question End|>"
    return f"<|Question Begin|>{GOOD_QUESTION}<|Question End|>"
