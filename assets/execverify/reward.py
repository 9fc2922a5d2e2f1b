"""Rule-based reward for the ExecVerify RL set, importable by verl.

verl: `custom_reward_function.path` = this file, `.name` = `compute_score` (or
`compute_score_batch` with `reward_model.reward_manager=batch`: one sandbox round trip per
batch). Run the trainer with the repository root on `PYTHONPATH`.

ExecVerify's reward, with everything that runs code moved into our sandbox (ExecVerify runs
the model's code with `python -c` on the trainer and `eval`s ground-truth values with
builtins there):

* `oi` rows: the code block in the answer runs without error: 2.0, else 0.0.
* `io_mixed` rows: the first answer line must be the assertion and pass (else 0.0); then
  2 * (0.5 + 0.5 * accuracy over the white-box questions), each next-line answer compared
  stripped with the accepted lines, each `value; type` answer by type name and value.

The rules come from the row's `extra_info["rules"]` (the RL asset writes it), default
`original` for rows without it (ExecVerify's own rows). Under `fixed`:

* a wrong number of answer lines scores 0.0 (the original gives the assertion's 1.0);
* the assertion must be `assert name(args) == <literal>` for the row's own call (the
  original only asks that the arguments' text appear somewhere in the line);
* a `value; type` answer splits at its last `;`, so values containing `;` stay answerable;
* ground-truth values are reprs compared with `literal_eval` in the sandbox (a string may
  also be answered unquoted, as the original accepts).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Sequence
from typing import Any

from assets.common.sandboxing import shared_sandbox, use_sandbox

__all__ = ["compute_score", "compute_score_batch", "use_sandbox"]

_OK_ENTRY = "__assay_ran__"
_OK_SUFFIX = f"\n\ndef {_OK_ENTRY}():\n    return True\n"

# Runs in the sandbox: the count of state answers that match, under each rule set.
_STATE_CHECK = r"""
import ast


def _safe_eval(value):
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError, TypeError):
        return value


def original(answers, gts):
    true_cnt = 0
    for answer, gt in zip(answers, gts):
        try:
            type_str = answer.split(';')[1].strip()
            value = _safe_eval(answer.split(';')[0].strip())
            for cur in gt:
                cur_type = cur[0].strip()
                cur_value = eval(repr(cur[1])) if cur_type == 'str' else eval(cur[1])
                if type_str == cur_type.strip() and value == cur_value:
                    true_cnt += 1
                    break
        except Exception:
            continue
    return true_cnt


def fixed(answers, gts):
    true_cnt = 0
    for answer, gt in zip(answers, gts):
        if ';' not in answer:
            continue
        value_str, type_str = (s.strip() for s in answer.rsplit(';', 1))
        try:
            value = ast.literal_eval(value_str)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            value = value_str
        for cur_type, cur_repr in gt:
            try:
                expected = ast.literal_eval(cur_repr)
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                expected = None
                if cur_type != 'str':
                    continue
            if cur_type == 'str' and type(expected) is not str:
                expected = cur_repr  # a row made under the original rules stores str(value)
            same = type(value) is type(expected) and value == expected
            if cur_type == 'str' and value_str == expected:
                same = True
            if type_str == cur_type and same:
                true_cnt += 1
                break
    return true_cnt
"""


def extract_answer(text: str) -> str:
    """The text between the last <answer> and the next </answer>, stripped ('' without both tags)."""
    if "<answer>" not in text or "</answer>" not in text:
        return ""
    return text.split("<answer>")[-1].split("</answer>")[0].strip()


def answer_code(text: str) -> str:
    """The first ```python block of the answer (`assert False` without one), as the original."""
    blocks = re.findall(r"```python\n(.*?)\n```", extract_answer(text), re.DOTALL)
    return blocks[0] if blocks else "assert False"


def _truth(ground_truth: Any, extra_info: dict | None) -> dict:
    """The row's facts: assay's rows carry them as JSON ground truth, ExecVerify's in extra_info."""
    info: dict = {}
    if ground_truth:
        info.update(
            json.loads(ground_truth) if isinstance(ground_truth, str) else dict(ground_truth)
        )
    info.update({k: v for k, v in (extra_info or {}).items() if v is not None})
    return info


def _fixed_assertion_ok(line: str, func_name: str, func_args: str) -> bool:
    try:
        tree = ast.parse(line)
        wanted = ast.parse(f"{func_name}({func_args})", mode="eval").body
    except SyntaxError:
        return False
    if len(tree.body) != 1 or not isinstance(tree.body[0], ast.Assert):
        return False
    test = tree.body[0].test
    if not (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)
    ):
        return False
    if ast.dump(test.left) != ast.dump(wanted):
        return False
    try:
        ast.literal_eval(test.comparators[0])
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False
    return True


class _Plan:
    """What one response needs from the sandbox, and how its score follows from the results."""

    def __init__(self, index: int, solution: str, info: dict) -> None:
        self.index = index
        self.info = info
        self.rules = info.get("rules") or "original"
        self.jobs: list[dict] = []
        self.fixed_score: float | None = None
        self.counts = (0, 0)
        if info.get("type") == "oi":
            self.jobs.append(_run_job(f"{index}-run", answer_code(solution)))
            return
        if info.get("type") != "io_mixed":
            self.fixed_score = 0.0
            return
        answer = extract_answer(solution)
        if not answer:
            self.fixed_score = 0.0
            return
        lines = answer.split("\n")
        assertion, others = lines[0].strip(), lines[1:]
        if self.rules == "original":
            plausible = info["func_args"] in assertion and assertion.startswith("assert")
        else:
            plausible = _fixed_assertion_ok(assertion, info["func_name"], info["func_args"])
        if not plausible:
            self.fixed_score = 0.0
            return
        self.jobs.append(_run_job(f"{index}-run", f"\n{info['func_str']}\n\n{assertion}\n"))
        qa = info.get("question_answers") or {}
        self.path_gts = qa.get("path_answers") or []
        self.state_gts = qa.get("state_as") or []
        self.n_questions = len(self.path_gts) + len(self.state_gts)
        self.has_questions = bool(qa)
        self.counts_known = False
        if not self.has_questions:
            return
        if len(others) != self.n_questions or self.n_questions == 0:
            self.wrong_count = True
            return
        self.wrong_count = False
        path_answers, state_answers = others[: len(self.path_gts)], others[len(self.path_gts) :]
        self.path_true = sum(
            any(a.strip() == g.strip() for g in gts) for a, gts in zip(path_answers, self.path_gts)
        )
        payload = {"answers": state_answers, "gts": [[list(x) for x in g] for g in self.state_gts]}
        self.jobs.append(
            {
                "id": f"{index}-state",
                "kind": "call",
                "code": _STATE_CHECK,
                "entry_point": self.rules,
                "inputs_py": [repr(payload)],
            }
        )

    def score(self, results: dict[str, dict]) -> float:
        if self.fixed_score is not None:
            return self.fixed_score
        ran = results.get(f"{self.index}-run")
        ok = bool(
            ran and ran["status"] == "passed" and ran["outcomes"] and ran["outcomes"][0]["ok"]
        )
        if self.info.get("type") == "oi":
            return 2.0 if ok else 0.0
        if not ok:
            return 0.0
        if not self.has_questions:
            return 2.0
        if self.wrong_count:
            return 1.0 if self.rules == "original" else 0.0
        state = results.get(f"{self.index}-state")
        state_true = 0
        if state and state["status"] == "passed" and state["outcomes"][0]["ok"]:
            state_true = json.loads(state["outcomes"][0]["value_repr"])
        accuracy = (self.path_true + state_true) / self.n_questions
        return 2.0 * (0.5 * 1.0 + 0.5 * accuracy)


def _run_job(job_id: str, code: str) -> dict:
    """Runs `code` as a script: it passes when loading it raises nothing."""
    return {
        "id": job_id,
        "kind": "call",
        "code": code + _OK_SUFFIX,
        "entry_point": _OK_ENTRY,
        "inputs": [{}],
    }


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[dict | None] | None = None,
    **_: Any,
) -> list[float]:
    """Scores for many responses with one sandbox call."""
    infos = list(extra_infos) if extra_infos is not None else [None] * len(solution_strs)
    plans = [
        _Plan(i, s or "", _truth(g, e))
        for i, (s, g, e) in enumerate(zip(solution_strs, ground_truths, infos))
    ]
    jobs = [j for p in plans for j in p.jobs]
    results = {r["id"]: r for r in shared_sandbox().run(jobs)} if jobs else {}
    return [p.score(results) for p in plans]


def compute_score(
    data_source: str, solution_str: str, ground_truth: Any, extra_info: dict | None = None
) -> float:
    """verl's per-response signature."""
    return compute_score_batch([data_source], [solution_str], [ground_truth], [extra_info])[0]
