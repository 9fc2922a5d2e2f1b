"""The model's lead-in and sign-off around a question are stripped in both profiles (KodCode's
step1.3 extraction is where this happens); the question itself is never cut."""

import pytest

from assets.common.profiles import Profile
from assets.kodcode import original
from assets.kodcode.parsing import extract_question, sanitize_question, strip_wrapping
from assets.kodcode.questions import extract

QUESTION = (
    "Write a function top_k(words, k) that returns the k most common words, most common first."
)
MULTI = (
    "Given a list of intervals, merge all overlapping intervals.\n\n"
    "**Input:** a list of [start, end] pairs.\n**Output:** the merged list, sorted by start.\n\n"
    "Example: merge([[1, 3], [2, 6]]) == [[1, 6]]"
)

# The two cases a real `make demo` released (issue 16), then other shapes small models write.
WRAPPED = [
    f"Here's the new question:\n\n{QUESTION}",
    (
        "Here is a Python coding question that tests practical use of the Python package "
        f"`collections`:\n\n### Question\n{QUESTION}"
    ),
    f"Sure! Here is a new coding question:\n\n**Question:**\n{QUESTION}",
    f"Certainly.\n\n### New Question\n\n{QUESTION}",
    f"Below is a question in the same style:\n{QUESTION}\n\nThis question tests the use of Counter.",
    f"{QUESTION}\n\n---\n\nThis problem assesses dictionary handling and sorting.",
    f"{QUESTION}\n\nLet me know if you would like a harder variant!",
    f"Let me write a new question:\n\n{QUESTION}\n\nI hope this helps.",
    f"**New Question:**\n\n{QUESTION}\n\nNote: This question requires careful tie-breaking.",
    f"Question 4:\n{QUESTION}",
]


@pytest.mark.parametrize("answer", WRAPPED)
def test_lead_ins_and_sign_offs_are_stripped(answer):
    assert sanitize_question(answer) == QUESTION


@pytest.mark.parametrize("answer", WRAPPED)
def test_tagged_or_bare_the_assay_parser_returns_the_question_alone(answer):
    assert extract_question("package", answer).question == QUESTION
    tagged = f"<|Question Begin|>\n{answer}\n<|Question End|>"
    assert extract_question("leetcode", tagged).question == QUESTION


def test_a_question_whose_own_lines_look_like_announcements_keeps_them():
    body = "Write a function for the following task:\n\nGiven n, return n factorial."
    assert strip_wrapping(body) == body
    assert strip_wrapping(MULTI) == MULTI
    assert strip_wrapping(f"{MULTI}\n\nNote: the input list may be empty.") == (
        f"{MULTI}\n\nNote: the input list may be empty."
    )


def _row(response: str, mode: str = "leetcode", prefix: str | None = None) -> dict:
    return {"response": response, "mode": mode, "prefix": prefix}


@pytest.mark.parametrize("answer", WRAPPED)
def test_the_original_profile_strips_them_too_after_step_1_3s_own_rules(answer):
    parsed = extract(_row(answer), Profile(name="original"), strip=True)
    assert parsed.question == QUESTION
    plain = extract(_row(answer), Profile(name="original"), strip=False)
    assert plain.question == original.extract_instruction(answer)


def test_step_1_3s_rules_take_the_tagged_section_and_drop_labels_and_bad_documents():
    assert original.extract_instruction(f"[Question 2]: {QUESTION}") == QUESTION
    assert original.extract_instruction(f"## Question 3: {QUESTION}") == QUESTION
    tagged = f"<|Analysis Begin|>\nnotes\n<|Analysis End|>\n<|Question Begin|>\n{QUESTION}\n<|Question End|>"
    assert original.extract_instruction(tagged) == QUESTION
    bad = "<|Analysis Begin|>x<|Analysis End|><|Question Begin|>BAD_DOCUMENT<|Question End|>"
    assert (
        extract(_row(bad, "docs"), Profile(name="original"), strip=True).drop_reason == "abstained"
    )
    assert extract(_row("  "), Profile(name="original"), strip=True).drop_reason is not None


def test_a_prefill_answer_is_the_prefix_continued_in_both_profiles():
    row = _row(" reverse a string s.\n", "prefill", "Write a python function to")
    for profile in ("assay", "original"):
        parsed = extract(row, Profile(name=profile), strip=True)
        assert parsed.question == "Write a python function to reverse a string s."
