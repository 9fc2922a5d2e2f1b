"""White-box questions from an execution trace: control flow (which line runs next after
line n the k-th time, or -1) and data flow (value and type of a variable that changed).

Two rule sets:

* `original` reproduces ExecVerify's `extract_trace_dataset.py` question for question,
  quirks included: the first `def` is traced; call and return events count as executions
  of their line; keyword tests are substring tests (`"if" in "diff = 1"`); the type is the
  first of int/float/bool/complex/str/list/tuple/dict/set found as a substring of
  `str(type(eval(repr)))`, so `set()` (which needs builtins to evaluate) is typed `str`,
  as is anything whose repr does not evaluate; memory addresses stay in answers.
  Its wording is read from an ExecVerify checkout (original_src.py).
* `fixed` (the default) keeps the task and fixes the ground truth: the entry function is
  traced; only line events are executions and "next" is the next line event; keywords are
  whole words; the type is the value's own; values that have no literal repr (memory
  addresses) or were cut at 200 characters are not asked about. Our own wording.

Command for cross-checks (reads {"id", "func_str", "func_args"[, "func_name"]} per line):

    python -m assets.execverify.whitebox questions IN.jsonl [--rules original|fixed]
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from assets.execverify import original_src
from assets.execverify.programs import call_line, code_to_run, entry_of, first_def_name, names_word

RULES = ("original", "fixed")
DEFAULT_RULES = "fixed"
MAX_EVENTS = 20_000
QUESTIONS_PER_KIND = 5
TRACE_FILE = "extract_trace_dataset.py"
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
_KEYWORDS = ("if", "for", "while", "elif")

PathQA = tuple[str, list[str]]
StateQA = tuple[str, list[tuple[str, str]]]


@dataclass(frozen=True)
class Subject:
    """What is traced: the definitions, the function called and its argument source."""

    func_str: str
    func_name: str
    func_args: str

    @property
    def script(self) -> str:
        return code_to_run(self.func_str, self.func_name, self.func_args)


def subject(
    func_str: str, func_args: str, rules: str, func_name: str | None = None
) -> Subject | None:
    """The traced call under a rule set: ExecVerify traces the first `def`; we trace the entry."""
    if rules == "original":
        name = first_def_name(func_str)
    else:
        name = func_name or entry_of(func_str)
    return Subject(func_str, name, func_args) if name else None


def trace_job(job_id: str, subj: Subject) -> dict:
    """The sandbox trace job for a subject: its definitions, the call's arguments as source at
    the call's line, and the eval(repr) view ExecVerify's answers are made of."""
    return {
        "id": job_id,
        "kind": "trace",
        "code": subj.func_str,
        "entry_point": subj.func_name,
        "args_py": subj.func_args,
        "args_line": call_line(subj.script, subj.func_name),
        "eval_view": True,
        "max_events": MAX_EVENTS,
    }


def drop_reason(result: dict) -> str | None:
    """Why a trace yields no questions (None: it ran to its end and returned)."""
    stop = result.get("stop")
    if stop == "returned" and result.get("status") == "passed":
        return None
    if stop == "raised":
        return f"the traced call raised {result.get('exception_type')}"
    if stop == "event_limit":
        return "trace cut off at the event limit"
    if stop == "tampered":
        return "the code tampered with tracing"
    if stop == "bad_repr":
        return "a local's repr failed"
    return f"trace ended: {stop or result.get('status')}"


# ---------------------------------------------------------------------------- original rules
def original_events(result: dict) -> list[dict]:
    """Our trace in ExecVerify's event shape: reprs cut ExecVerify's way, locals only on call
    and line events, `program_end` last. Each local's eval view rides along in `views`."""
    out: list[dict] = []
    events = result.get("events") or []
    ids = _reused_frame_ids(events)
    for e in events:
        kind = e["event"]
        if kind == "end":
            out.append({"event": "program_end", "success": e.get("stop") == "returned"})
            continue
        rec: dict[str, Any] = {
            "event": kind,
            "func": e["func"],
            "line_no": e["line"],
            "frame_id": ids[e["frame"]],
        }
        if kind in ("call", "line"):
            rec["locals"] = {
                k: v["repr"] + ("...<truncated>" if v["truncated"] else "")
                for k, v in e["locals"].items()
            }
            rec["views"] = {
                k: (v.get("eval_str"), v.get("eval_type")) for k, v in e["locals"].items()
            }
        out.append(rec)
    return out


def _reused_frame_ids(events: Sequence[dict]) -> dict[int, int]:
    """ExecVerify's frame identity is `id(frame)`, which CPython hands to the next frame once
    the last one is freed (its allocator reuses the latest freed block first). So a lambda
    called again right after it returned (`sorted(key=lambda ...)`) looks like one frame
    there, and its second call is compared with the first's return. We number frames
    without reuse; this maps our numbers to the ids ExecVerify would have seen."""
    last = {e["frame"]: i for i, e in enumerate(events) if "frame" in e}
    freed: list[int] = []
    ids: dict[int, int] = {}
    fresh = 0
    for i, e in enumerate(events):
        if "frame" not in e:
            continue
        number = e["frame"]
        if number not in ids:
            if freed:
                ids[number] = freed.pop()
            else:
                ids[number], fresh = fresh, fresh + 1
        if e["event"] == "return" and last[number] == i:
            freed.append(ids[number])
    return ids


def original_type(raw_type: str) -> str:
    for name in ("int", "float", "bool", "complex", "str", "list", "tuple", "dict", "set"):
        if name in raw_type:
            return name
    return "object"


def _has_keyword_substring(text: str) -> bool:
    stripped = text.strip()
    return any(k in stripped for k in _KEYWORDS)


def original_path_qas(
    subj: Subject, events: Sequence[dict], question: original_src.Template
) -> list[PathQA]:
    lines = subj.script.split("\n")

    def ask(lineno: int, times: int, line: str) -> str:
        return question.render(
            {
                "func_name": subj.func_name,
                "args": subj.func_args,
                "lineno": str(lineno),
                "exec_time": str(times),
                "func_line": line,
            }
        )

    qa: dict[str, list[str]] = {}
    times: dict[int, int] = {}
    executed: set[int] = set()
    for index, event in enumerate(events):
        if index + 1 == len(events) or "line_no" not in event:
            continue
        lineno = event["line_no"]
        times[lineno] = times.get(lineno, 0) + 1
        executed.add(lineno)
        line = lines[lineno - 1]
        q = ask(lineno, times[lineno], line)
        if line.strip().startswith("else") or len(line.strip()) <= 5:
            continue
        following = events[index + 1]
        if "line_no" not in following:
            qa.setdefault(q, []).append("-1")
            continue
        next_lineno = following["line_no"]
        next_line = lines[next_lineno - 1]
        if q in qa and next_line not in qa[q]:
            qa[q].append(next_line)
            continue
        branching = (
            _has_keyword_substring(line)
            or _has_keyword_substring(next_line)
            or next_lineno != lineno + 1
        )
        if branching and next_lineno != lineno:
            answers = qa.setdefault(q, [])
            if next_line not in answers:
                answers.append(next_line)
    first = min(executed) if executed else 0
    for lineno in range(first, len(subj.func_str.split("\n")) + 1):
        line = lines[lineno - 1]
        if (
            lineno not in executed
            and len(line.strip()) >= 5
            and not line.strip().startswith("else")
        ):
            qa[ask(lineno, 1, line)] = ["-1"]
    return list(qa.items())


def original_state_qas(
    subj: Subject, events: Sequence[dict], question: original_src.Template
) -> list[StateQA]:
    lines = subj.script.split("\n")
    qa: dict[str, list[tuple[str, str]]] = {}
    times: dict[int, int] = {}
    for index in range(1, len(events)):
        event, prev = events[index], events[index - 1]
        if "locals" not in event or "line_no" not in event or "line_no" not in prev:
            continue
        if (
            event.get("frame_id") is not None
            and prev.get("frame_id") is not None
            and event["frame_id"] != prev["frame_id"]
        ):
            continue
        lineno, pre_lineno = event["line_no"], prev["line_no"]
        pre_line = lines[pre_lineno - 1]
        if ("for " in pre_line or "while " in pre_line) and lineno != pre_lineno + 1:
            continue
        times[pre_lineno] = times.get(pre_lineno, 0) + 1
        for name, value in event["locals"].items():
            before = prev.get("locals")
            if before is not None and name in before and before[name] == value:
                continue
            shown, raw_type = event["views"][name]
            if raw_type is None:
                shown, raw_type = value, "str"
            q = question.render(
                {
                    "lineno": str(pre_lineno),
                    "exec_time": str(times[pre_lineno]),
                    "line_str": pre_line,
                    "var_name": name,
                    "func_name": subj.func_name,
                    "args": subj.func_args,
                }
            )
            answer = (original_type(raw_type), shown)
            answers = qa.setdefault(q, [])
            if answer not in answers:
                answers.append(answer)
    return list(qa.items())


def _original_questions() -> tuple[original_src.Template, original_src.Template]:
    path = next(
        t
        for t in original_src.strings(f"data/{TRACE_FILE}", "get_path_qas")
        if "func_line" in t.fields
    )
    state = next(
        t
        for t in original_src.strings(f"data/{TRACE_FILE}", "get_state_qas")
        if "var_name" in t.fields
    )
    return path, state


# ---------------------------------------------------------------------------- fixed rules
def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def fixed_path_question(subj: Subject, lineno: int, times: int, line: str) -> str:
    return (
        f"During the call {subj.func_name}({subj.func_args}), line {lineno} (`{line.strip()}`) runs for the "
        f"{ordinal(times)} time: which line runs next?"
    )


def fixed_state_question(subj: Subject, lineno: int, times: int, line: str, name: str) -> str:
    return (
        f"During the call {subj.func_name}({subj.func_args}), right after line {lineno} (`{line.strip()}`) "
        f"runs for the {ordinal(times)} time: what are the value and type of `{name}`?"
    )


def _has_keyword(text: str) -> bool:
    return any(re.search(rf"\b{k}\b", text) for k in _KEYWORDS)


def statement_lines(func_str: str) -> list[int]:
    """Lines that start a statement inside a function body (each could run)."""
    found: set[int] = set()
    for fn in ast.walk(ast.parse(func_str)):
        if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for stmt in fn.body:
                for node in ast.walk(stmt):
                    if isinstance(node, ast.stmt):
                        found.add(node.lineno)
    return sorted(found)


def fixed_path_qas(subj: Subject, result: dict) -> list[PathQA]:
    lines = subj.script.split("\n")
    steps = [e["line"] for e in result["events"] if e["event"] == "line"]
    qa: dict[str, list[str]] = {}
    times: dict[int, int] = {}
    for index, lineno in enumerate(steps):
        times[lineno] = times.get(lineno, 0) + 1
        line = lines[lineno - 1]
        if line.strip().startswith("else") or len(line.strip()) <= 5:
            continue
        next_lineno = steps[index + 1] if index + 1 < len(steps) else None
        next_line = lines[next_lineno - 1] if next_lineno else "-1"
        branching = (
            next_lineno is None
            or _has_keyword(line)
            or _has_keyword(next_line)
            or next_lineno != lineno + 1
        )
        if branching and next_lineno != lineno:
            qa[fixed_path_question(subj, lineno, times[lineno], line)] = [next_line]
    for lineno in statement_lines(subj.func_str):
        line = lines[lineno - 1]
        if lineno not in times and len(line.strip()) >= 5 and not line.strip().startswith("else"):
            qa[fixed_path_question(subj, lineno, 1, line)] = ["-1"]
    return list(qa.items())


def answerable(local: dict) -> bool:
    """A value a model can write down and a checker can compare: whole, and without an address."""
    return (
        not local["truncated"]
        and not _ADDRESS.search(local["repr"])
        and not local["repr"].startswith("<")
    )


def fixed_state_qas(subj: Subject, result: dict) -> list[StateQA]:
    lines = subj.script.split("\n")
    qa: dict[str, list[tuple[str, str]]] = {}
    times: dict[int, int] = {}
    last: dict[int, dict] = {}  # frame -> its latest line event
    for event in result["events"]:
        if event["event"] == "end":
            break
        frame = event["frame"]
        prev = last.pop(frame, None)
        if prev is not None:
            lineno = prev["line"]
            line = lines[lineno - 1]
            for name, local in event["locals"].items():
                before = prev["locals"].get(name)
                if (
                    before is not None
                    and before["repr"] == local["repr"]
                    and before["type"] == local["type"]
                ):
                    continue
                if answerable(local):
                    q = fixed_state_question(subj, lineno, times[lineno], line, name)
                    answers = qa.setdefault(q, [])
                    if (local["type"], local["repr"]) not in answers:
                        answers.append((local["type"], local["repr"]))
        if event["event"] == "line":
            times[event["line"]] = times.get(event["line"], 0) + 1
            last[frame] = event
    return list(qa.items())


# ---------------------------------------------------------------------------- both
@dataclass(frozen=True)
class Questions:
    subject: Subject
    path_qas: list[PathQA]
    state_qas: list[StateQA]


def questions(subj: Subject, result: dict, rules: str = DEFAULT_RULES) -> Questions:
    """Every question of a trace that ran to its end, in generation order."""
    if rules == "original":
        path_t, state_t = _original_questions()
        events = original_events(result)
        return Questions(
            subj, original_path_qas(subj, events, path_t), original_state_qas(subj, events, state_t)
        )
    return Questions(subj, fixed_path_qas(subj, result), fixed_state_qas(subj, result))


def keeps_program(subj: Subject, rules: str = DEFAULT_RULES) -> str | None:
    """ExecVerify's program filter before asking (None: kept; else the drop reason): a loop or
    at least five lines, and the function's name not in its arguments (a substring test in
    the original, a word test in ours)."""
    has_loop = (
        ("for" in subj.func_str or "while" in subj.func_str)
        if rules == "original"
        else _has_loop(subj.func_str)
    )
    if not has_loop and len(subj.func_str.split("\n")) < 5:
        return "too short and no loop"
    named = (
        subj.func_name in subj.func_args
        if rules == "original"
        else names_word(subj.func_name, subj.func_args)
    )
    if named:
        return "the function's name appears in its arguments"
    return None


def _has_loop(func_str: str) -> bool:
    return any(
        isinstance(n, (ast.For, ast.While, ast.AsyncFor)) for n in ast.walk(ast.parse(func_str))
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m assets.execverify.whitebox")
    sub = parser.add_subparsers(dest="command", required=True)
    q = sub.add_parser(
        "questions", help="white-box questions for {id, func_str, func_args} records"
    )
    q.add_argument("input")
    q.add_argument("--rules", choices=RULES, default=DEFAULT_RULES)
    q.add_argument("-o", "--output", help="write here instead of stdout")
    args = parser.parse_args(argv)
    if args.rules == "original":
        try:
            original_src.checkout()
        except original_src.MissingCheckout as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    with open(args.input, encoding="utf-8") as f:
        records = [json.loads(line) for line in f if line.strip()]
    rows = answer_records(records, args.rules)
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as out:
            out.write(text)
    else:
        sys.stdout.write(text)
    return 0


def answer_records(records: Sequence[dict], rules: str, sandbox: Any = None) -> list[dict]:
    """The CLI's rows: questions and the mixed prompt (first 5 + first 5, unshuffled) per record."""
    from assets.execverify.prompts import io_mixed_prompt

    subjects = [subject(r["func_str"], r["func_args"], rules, r.get("func_name")) for r in records]
    jobs = [trace_job(str(i), s) for i, s in enumerate(subjects) if s is not None]
    results = {r["id"]: r for r in _run(jobs, sandbox)}
    rows = []
    for i, (record, subj) in enumerate(zip(records, subjects)):
        row: dict[str, Any] = {
            "id": record.get("id"),
            "path_qas": [],
            "state_qas": [],
            "prompt_str": None,
        }
        result = results.get(str(i)) if subj else None
        reason = "no function definition" if subj is None else drop_reason(result or {})
        if reason:
            row["dropped"] = reason
            rows.append(row)
            continue
        qs = questions(subj, result, rules)
        row["path_qas"] = [[q, list(a)] for q, a in qs.path_qas]
        row["state_qas"] = [[q, [list(x) for x in a]] for q, a in qs.state_qas]
        picked = [q for q, _ in qs.path_qas[:QUESTIONS_PER_KIND]] + [
            q for q, _ in qs.state_qas[:QUESTIONS_PER_KIND]
        ]
        row["prompt_str"] = io_mixed_prompt(
            subj.func_str, subj.func_name, subj.func_args, picked, rules
        )
        rows.append(row)
    return rows


def _run(jobs: Iterable[dict], sandbox: Any) -> list[dict]:
    jobs = list(jobs)
    if not jobs:
        return []
    if sandbox is not None:
        return sandbox.run(jobs)
    from assets.common.sandboxing import shared_sandbox

    return shared_sandbox().run(jobs)


if __name__ == "__main__":
    raise SystemExit(main())
