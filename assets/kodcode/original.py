"""KodCode's own method under the `original` profile: wording from a checkout, rules in our code.

The prompt text is read at run time from a checkout of KodCode-AI/kodcode named by
`ASSAY_KODCODE_SRC` (its `pipeline/prompts/*.md` and `pipeline/model_configs.json`); this
module holds only the rules that put it together, each written from the original's code
(file:line given), so the same inputs give byte-identical prompts (the fidelity report runs
the original's own builders to check). The extraction rules of step1.3, step2.2, step3.1.3
and step3.3.3 are implemented here too: they are code, not wording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import jinja2

from assets.common.original_src import Checkout

CHECKOUT = Checkout(
    env="ASSAY_KODCODE_SRC",
    upstream="https://github.com/KodCode-AI/kodcode",
    marker="pipeline/step1.1_gen_questions.py",
)
PROMPTS = "pipeline/prompts"
# step1.1:32: the model whose pre-query template Magpie-style prefill continues.
PREFILL_MODEL = "Qwen/Qwen2.5-Coder-7B-Instruct"
# step1.1:40: --prefill_contents' default.
PREFILL_CONTENTS = "Write a python function to"
ABSTAIN = "BAD_DOCUMENT"  # step1.3:101, the docs template's abstain token


@cache
def _render(root: str, name: str) -> str:
    # Jinja, as the original renders its templates (it drops one trailing newline).
    return jinja2.Environment(loader=jinja2.FileSystemLoader(root)).get_template(name).render()


def template(name: str) -> str:
    """A `pipeline/prompts/*.md` file rendered as the original renders it (`env.get_template(name).render()`)."""
    return _render(str(CHECKOUT.root() / PROMPTS), name)


def seed_prompt(mode: str, seeds: Sequence[Mapping[str, str]]) -> str:
    """step1.1 `get_seed_prompt` (lines 54-87) on our seed lines.

    Our seed fields map to the original's: `question` is a platform problem's
    `description`/`instruction` (and a Package-Instruct or Evol question's), `code` a
    snippet's `codes`, `source`/`doc` a document's `source_name`/`content`.
    """
    if mode in ("algorithm", "data_structure"):
        return template("genq_from_snippets.md") + "\n```python\n" + seeds[0]["code"] + "\n" + "```"
    if mode == "docs":
        text = template("genq_from_docs.md")
        text = text.replace("{PACKAGE_NAME}", seeds[0].get("source") or "")
        return text.replace("{CONTENT}", seeds[0]["doc"])
    text = template("genq_from_seed.md")
    for i, seed in enumerate(seeds, 1):
        text += f"[Question {i}]: {seed['question']}\n\n"
    return text + f"[Question {len(seeds) + 1}]:"


@dataclass(frozen=True)
class PrefillTemplate:
    """Magpie-style generation (step1.1:211-296): raw text continued from a pre-query template."""

    prompt: str  # pre_query_template + prefill contents
    stop: tuple[str, ...]  # the template's stop tokens, the assistant's, and "\n"


def prefill_template(prefix: str, model: str = PREFILL_MODEL) -> PrefillTemplate:
    """The pre-query template of `model` from model_configs.json, with `prefix` appended (step1.1:228-241)."""
    configs = json.loads(CHECKOUT.read("pipeline/model_configs.json"))
    config = configs[model]
    stop = [*config["stop_tokens"], *config["stop_tokens_assistant"], "\n"]
    return PrefillTemplate(config["pre_query_template"] + prefix, tuple(stop))


def prefill_answer(prefix: str, completion: str) -> str:
    """The assistant turn step1.1:280 records: the prefill contents, a space, the stripped completion."""
    return prefix + " " + completion.strip()


def response_prompt(question: str) -> str:
    """The solution + tests prompt (step1.3 `get_prompt`, step2.4 `get_prompt`)."""
    return template("gen_responses.md") + question


def complete_prompt(question: str, test_code: str, solution: str) -> str:
    """The instruct -> complete style converter's prompt (step3.1.1 `get_prompt`)."""
    text = template("gen_instruct_to_complete.md")
    text = text.replace("[Coding Task Placeholder]", question)
    text = text.replace("[Unit Test Placeholder]", test_code)
    return text.replace("[Solution Placeholder]", solution)


def sft_prompt(question: str) -> str:
    """The reasoning model's user turn: the question itself (step3.3.1:32-37)."""
    return question


# --- step1.3 extract_instruction (lines 43-81): labels the generator puts before a question ---
_I = re.IGNORECASE
_LABELS: tuple[tuple[str, int], ...] = (
    (r"^\[?Question\s*\d*\]?:?\s*", _I),
    (r"^#+\s*\[?Question\s*\d*\]?:?\s*", _I),
    (r"^\[?Question\s*\d*\]?:.*?$", _I | re.MULTILINE),
    (r"^#+\s*New\s+Question:?\s*", _I),
    (r"^\*\*Question\s*\d*:?\*\*\s*", _I),
    (r"^\*\*Question:?\*\*\s*", _I),
    (r"^\[?Question\s*\d+\]?:?\s*", _I),
    (r"^#+\s*\[?Question\s*\d+\]?:?\s*", _I),
    (r"^\[?Question\s*\d+\]?:.*?$", _I | re.MULTILINE),
    (r"^\*\*\[Question\s*\d+\]:\*\*\s*", _I),
    (r"^\*\*\[Question\s*\d+\]\*\*:\s*", _I),
    (r"^###\s*New\s+Coding\s+Assessment\s+Question\s*\n\s*\*\*\[Question\s*\d+\]:\*\*\s*", _I),
    (r"^###\s*New\s+Coding\s+Assessment\s+Question\s*\n\s*", _I),
)
_TAGGED = re.compile(r"<\|Question Begin\|>(.*?)<\|Question End\|>", re.DOTALL)
_AFTER: tuple[tuple[str, int], ...] = (
    (r"^:\s*", _I),
    (r"^Coding Assessment Question\s*\d*:\s*", _I),
    (r"^###\s*Coding\s+Assessment\s+Question:?\s*", _I),
    (r"^###\s*Problem\s+Statement:?\s*", _I),
    (r"^###\s*Coding\s+Question:?\s*", _I),
)


def extract_instruction(content: str) -> str:
    """The question in a generator's answer, by step1.3's rules: label prefixes removed,
    the `<|Question Begin|>` section taken when there is one, then a few more prefixes."""
    text = content.strip()
    for pattern, flags in _LABELS:
        text = re.sub(pattern, "", text, flags=flags)
    match = _TAGGED.search(text)
    if match:
        text = match.group(1).strip()
    for pattern, flags in _AFTER:
        text = re.sub(pattern, "", text, flags=flags)
    return text.strip()


def question_drop_reason(instruction: str) -> str | None:
    """step1.3:97-103: an empty extraction, or a document the generator judged unusable."""
    if not instruction:
        return "empty_or_too_short"
    if ABSTAIN in instruction:
        return "abstained"
    return None


# --- step2.2:74-80: a trial's solution and tests ---
_SOLUTION = re.compile(r"<\|Solution Begin\|>(.*?)<\|Solution End\|>", re.DOTALL)
_TEST = re.compile(r"<\|Test Begin\|>(.*?)<\|Test End\|>", re.DOTALL)


def _unfence(text: str) -> str:
    return text.strip().replace("```python\n", "").replace("```", "").strip()


def parse_trial(content: str) -> tuple[str, str] | None:
    """(solution, tests) by step2.2's tags, or None. The tests are kept as written (the
    released `test_code`); `runnable_tests` is what runs."""
    solution, test = _SOLUTION.search(content), _TEST.search(content)
    if not (solution and test):
        return None
    return _unfence(solution.group(1)), _unfence(test.group(1))


def runnable_tests(test_code: str) -> str:
    """The test file the original runs: `from solution import *` first (step2.2:102, step3.3.3:103)."""
    return "from solution import *\n\n" + test_code


# --- step3.1.3:115-126: the complete-style question ---
_COMPLETION = re.compile(r"<\|Completion Begin\|>(.*?)<\|Completion End\|>", re.DOTALL)


def parse_completion(content: str, response: str) -> tuple[str | None, str | None]:
    """(complete-style question, None) or (None, why not): no tagged completion, or the
    "completion" is the solution itself."""
    match = _COMPLETION.search(content)
    if match is None:
        return None, "no_completion_tags"
    stub = _unfence(match.group(1))
    if stub == response:
        return None, "same_as_solution"
    return stub, None


# --- step3.3.3:70-87: a reasoning model's solution ---
_AFTER_THINK = re.compile(r"</think>(.*)", re.DOTALL)
_PY_BLOCK = re.compile(r"```python(.*?)```", re.DOTALL)
_DEF = re.compile(r"def\s+(\w+)\s*\(")


def sft_solution(content: str, test_info: Sequence[Mapping[str, str]] | None) -> str | None:
    """The first ```python block after `</think>` (the thinking is skipped), with its one
    function renamed to the tested one when there is exactly one of each; None without."""
    after = _AFTER_THINK.search(content)
    if not after:
        return None
    block = _PY_BLOCK.search(after.group(1))
    if not block:
        return None
    code = block.group(1).strip()
    entry = test_info[0]["function_name"] if test_info and len(test_info) == 1 else None
    first = _DEF.search(code)
    single = first is not None and len(re.findall(r"def\s+\w+\s*\(", code)) == 1
    if single and entry and entry != first.group(1):
        code = code.replace(f"def {first.group(1)}", f"def {entry}")
    return code


def root() -> Path:
    """The checkout (raises MissingCheckout naming ASSAY_KODCODE_SRC when absent)."""
    return CHECKOUT.root()
