"""Case2Code-format test sets: reading them, and judging a model's code against them.

A row carries `id`, `prompt`, `func_name`, the examples (`example_str`, Python
that builds `examples`, else `example_inputs`, each `json.dumps(repr(kwargs))`)
and `example_outputs` in Case2Code's encoding. A candidate passes when running it
on every example reproduces every recorded output exactly, exceptions included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assets.case2code.case_results import CaseResult, agreement, gold_canonical
from assets.case2code.examples import parse_example_source
from assets.common.parsing import code_blocks, strip_reasoning
from resources.sandbox import CallJob


@dataclass(frozen=True)
class EvalItem:
    """One test item: what to ask, and what running a correct answer must print."""

    id: str
    prompt: str
    func_name: str
    inputs_py: tuple[str, ...]  # each evaluates, in the candidate's namespace, to a kwargs dict
    preamble: str  # statements of `example_str` other than building `examples`
    expected: tuple[str, ...]  # canonical outcomes (see outcomes.gold_canonical)
    reference_code: str | None = None
    # Each outcome as the file holds it (`return` or `error` value): Case2Code's exact comparison.
    gold: tuple[str, ...] = ()


@dataclass
class TestSet:
    items: list[EvalItem] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> rows
    skipped_ids: list[tuple[str, str]] = field(default_factory=list)  # (id, reason)

    def skip(self, item_id: str, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1
        self.skipped_ids.append((item_id, reason))


def item_inputs(row: Mapping[str, Any]) -> tuple[list[str], str]:
    """Input expressions and preamble for one row: from `example_str` when it parses, else `example_inputs`."""
    source = row.get("example_str")
    if isinstance(source, str) and source.strip():
        parsed = parse_example_source(source, strict=False, dedupe=False)
        if parsed.examples and not parsed.rejected:
            return [ex.kwargs_py() for ex in parsed.examples], parsed.preamble
    inputs = row.get("example_inputs") or []
    exprs = []
    for raw in inputs:
        try:
            exprs.append(str(json.loads(raw)) if isinstance(raw, str) else json.dumps(raw))
        except json.JSONDecodeError:
            exprs.append(str(raw))
    return exprs, ""


def eval_item(row: Mapping[str, Any]) -> EvalItem | str:
    """An EvalItem from one row, or why the row cannot be scored."""
    item_id = str(row.get("id") or row.get("gen_answer_id") or "")
    if not item_id:
        return "no id"
    for name in ("prompt", "func_name"):
        if not isinstance(row.get(name), str) or not row[name].strip():
            return f"no {name}"
    outputs = row.get("example_outputs")
    if not isinstance(outputs, list) or not outputs:
        return "no example_outputs"
    try:
        expected = [gold_canonical(o) for o in outputs]
    except (ValueError, TypeError, AttributeError):
        return "unreadable example_outputs"
    inputs, preamble = item_inputs(row)
    if len(inputs) != len(expected):
        return "inputs and outputs differ in number"
    return EvalItem(
        id=item_id,
        prompt=row["prompt"],
        func_name=row["func_name"],
        inputs_py=tuple(inputs),
        preamble=preamble,
        expected=tuple(expected),
        reference_code=row.get("exec_code") or row.get("code"),
        gold=tuple(str(o["return"] if "return" in o else o.get("error")) for o in outputs),
    )


def read_test_set(path: Path, limit: int | None = None) -> TestSet:
    """Every scorable row of a JSON Lines test set; the others counted by reason (ids kept)."""
    out = TestSet()
    with Path(path).open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                out.skip(f"line {number}", "invalid JSON")
                continue
            item = eval_item(row) if isinstance(row, dict) else "not an object"
            if isinstance(item, str):
                out.skip(
                    str(row.get("id", f"line {number}"))
                    if isinstance(row, dict)
                    else f"line {number}",
                    item,
                )
            else:
                out.items.append(item)
            if limit is not None and len(out.items) >= limit:
                break
    return out


_DEF = r"^\s*def\s+{name}\s*\("


def extract_code(answer: str, func_name: str) -> str | None:
    """The candidate code in an answer: the first python block defining `func_name`, else the first block.

    An answer with no fence is taken whole when it defines the function; None when nothing looks like code.
    """
    text = strip_reasoning(answer or "")
    pattern = re.compile(_DEF.format(name=re.escape(func_name)), re.MULTILINE)
    blocks = code_blocks(text, language="python")
    for block in blocks:
        if pattern.search(block):
            return block
    if blocks:
        return blocks[0]
    if "```" in text:  # an unclosed fence: the answer was cut off
        tail = text.split("```", 1)[1]
        tail = tail.split("\n", 1)[1] if "\n" in tail else ""
        return tail if pattern.search(tail) else None
    return text if pattern.search(text) else None


def call_job(job_id: str, code: str, item: EvalItem) -> CallJob:
    """The sandbox `call` job that runs `code` (then the preamble) on every example of `item`."""
    source = f"{code.rstrip()}\n\n{item.preamble}\n" if item.preamble else code
    return CallJob(job_id, source, item.func_name, inputs_py=list(item.inputs_py))


def judge(
    results: Sequence[CaseResult], item: EvalItem, exact: bool = False
) -> tuple[bool, int, str | None]:
    """(passed, examples matched, first difference) of one candidate's results on `item`.

    `exact` compares the strings Case2Code compares (`json.dumps(repr(value))`, or the
    exception line with its `<class '...'>`); otherwise exception classes count by name.
    """
    if exact:
        got = agreement([next(iter(r.case2code().values())) for r in results], item.gold)
    else:
        got = agreement([r.canonical() for r in results], item.expected)
    return got.all_match, got.matched, got.detail
