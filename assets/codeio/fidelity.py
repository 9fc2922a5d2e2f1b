"""CodeI/O's fidelity report: each step of hkust-nlp/CodeIO beside our asset.

Under `original`, the comparisons run the original's own code on the same inputs as ours:
its scripts (build_transform_msg.py, build_codeio_msg.py, build_codeio_rev_msg.py,
assemble_codeio_demo.py) as subprocesses on JSONL files written for them, and its
functions (check_io_pred_acc, check_input, resolve_output, strict_check_size) loaded apart
from their modules with Checkout.load; parameters are read from its source, README and
scripts. Under `assay`, each difference from the original is listed with its reason
(method.ASSAY_DIFFERENCES). Without a checkout (ASSAY_CODEIO_SRC) comparisons are `missing`.
"""

from __future__ import annotations

import ast
import json
import re
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any

from assets.codeio import original_rules, original_src
from assets.codeio.judging import OriginalRules, Task
from assets.codeio.method import ASSAY_DIFFERENCES, ASSAY_METHOD, ORIGINAL_METHOD, Method
from assets.codeio.records import final_record, revision_messages
from assets.codeio.released import codeio_pp_types
from assets.codeio.unified import parse_unified_original
from assets.codeio.verify import STATUSES
from assets.common.fidelity import (
    CANNOT,
    DIFFERS,
    MATCH,
    Finding,
    as_mechanism,
    checkout_missing,
    compare_renderings,
    compare_schema,
    compare_values,
    guarded,
    read_rows,
    run_python,
    write_rows,
)
from assets.common.original_src import MissingCheckout
from assets.common.profiles import ORIGINAL
from resources.sandbox import CallOutcome, CallResult

CHECKOUT = original_src.CHECKOUT
N = 21  # inputs per comparison (at least 20)

# (original step, our asset, aspect, item, Method field)
PARAMETERS: list[tuple[str, str, str, str]] = [
    (
        "README.md step 1.2 (--max_tokens)",
        "codeio_unified",
        "unified-code max_tokens",
        "unify_max_tokens",
    ),
    (
        "README.md steps 1.2/4/6.2 (--temperature)",
        "codeio_unified, codeio_predictions, codeio_revisions",
        "temperature",
        "temperature",
    ),
    (
        "README.md steps 4/6.2 (--max_tokens)",
        "codeio_predictions, codeio_revisions",
        "prediction max_tokens",
        "predict_max_tokens",
    ),
    (
        "src/parse_gen_ios.py templatexx",
        "codeio_io_pairs",
        "input generator calls per item",
        "search_tries",
    ),
    (
        "src/parse_gen_ios.py templatexx",
        "codeio_io_pairs",
        "pairs kept per item, at most",
        "max_pairs",
    ),
    (
        "src/parse_gen_ios.py:process_item",
        "codeio_io_pairs",
        "pairs needed to keep an item",
        "min_pairs",
    ),
    (
        "src/parse_gen_ios.py:process_one_item",
        "codeio_io_pairs",
        "pair search time limit (s)",
        "search_limit_s",
    ),
    (
        "src/build_codeio_msg.py (uplimit)",
        "codeio_prediction_prompts",
        "pairs per item with prompts",
        "pairs_per_item",
    ),
    (
        "src/check_io_pred_acc_mp.py:check_io_pred_acc",
        "codeio_predictions, codeio_revisions",
        "input check time limit (s)",
        "input_check_limit_s",
    ),
    (
        "scripts/pipeline_check.sh",
        "codeio_predictions, codeio_revisions",
        "re-runs of timed-out input checks",
        "timeout_reruns",
    ),
]


def _source(relpath: str) -> str:
    return CHECKOUT.read(relpath)


def original_parameters() -> dict[str, Any]:
    """The original's parameter values, read from its README, scripts and source."""
    readme = _source("README.md")
    max_tokens = {int(v) for v in re.findall(r"--max_tokens (\d+)", readme)}
    temperatures = {float(v) for v in re.findall(r"--temperature ([\d.]+)", readme)}
    if len(max_tokens) != 1 or len(temperatures) != 1:
        raise MissingCheckout(f"README.md: max_tokens {max_tokens}, temperature {temperatures}")
    search = original_src.assigned(original_src.PARSE, "templatexx")
    tries = int(re.search(r"for i in range\((\d+)\):", search).group(1))
    want = int(re.search(r"if len\(diff_inputs\) >= (\d+):", search).group(1))
    fewest = int(re.search(r"len\(ios\)<=(\d+)", _source(original_src.PARSE)).group(1)) + 1
    limit = CHECKOUT.literal(original_src.PARSE, "process_one_item", "runtime_limit")
    per_item = int(re.search(r"uplimit = (\d+)", _source(original_src.BUILD_MSG)).group(1))
    check_limit = next(
        kw.value.value
        for node in ast.walk(CHECKOUT.function(original_src.CHECK, "check_io_pred_acc"))
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "runtime_limit"
    )
    loop = re.search(r"for i in \{1\.\.(\d+)\}", _source("scripts/pipeline_check.sh"))
    return {
        "unify_max_tokens": max_tokens.pop(),
        "predict_max_tokens": next(iter(re.findall(r"--max_tokens (\d+)", readme)), None)
        and int(re.findall(r"--max_tokens (\d+)", readme)[-1]),
        "temperature": temperatures.pop(),
        "search_tries": tries,
        "max_pairs": want,
        "min_pairs": fewest,
        "search_limit_s": float(limit),
        "pairs_per_item": per_item,
        "input_check_limit_s": float(check_limit),
        "timeout_reruns": int(loop.group(1)),
    }


# --- inputs ---------------------------------------------------------------------------


def raw_code_inputs(n: int = N) -> list[str]:
    """Source files: the checkout's sample (data/rawcode_1k.jsonl), else small ones of ours."""
    path = CHECKOUT.root() / "data" / "rawcode_1k.jsonl"
    if path.is_file():
        with path.open() as f:
            rows = [json.loads(line)["content"] for _, line in zip(range(n), f)]
        if len(rows) >= n:
            return rows
    return [f"def f{i}(x):\n    return x * {i} + len('{{}}')\n" for i in range(n)]


def parsed_inputs(n_items: int = 7) -> list[dict]:
    """Parsed items (processed_data/rawcode_1k_parsed.jsonl): 7 items x 3 pairs = 21 prompts a kind."""
    path = CHECKOUT.root() / "processed_data" / "rawcode_1k_parsed.jsonl"
    items = []
    with path.open() as f:
        for line in f:
            item = json.loads(line)
            if len(item["ios"]) >= 3:
                items.append(item)
            if len(items) == n_items:
                break
    return items


ANSWERS = [
    'So the answer is {"output": 38}',
    '```json\n{"output": [1, 2, 3]}\n```',
    'I think {"output": 38.0004}',
    '{"output": 37}',
    "no json here",
    '{"output": true}',
    '{"output": 1}',
    "[1, 2]",
    '{"result": 5}',
    '{"output": {"a": 1, "b": [2.5]}}',
    'first {"output": 1} then {"output": 38}',
    '\\boxed{\\{"output": 38\\}}',
    '{"output": (1, 2)}',
    '{"output": None}',
    "{'output': 38}",
    '{"output": "38"}',
    '{"output": NaN}',
    '```json\n{"output": 38,\n "x": 1}\n```',
    '{"output": 38.1}',
    '{"output": -0.0}',
    '{"output": [38]}',
]


def _load_utils() -> dict[str, Any]:
    """codeio_utils.py's namespace as the original's Python evaluates it."""
    return CHECKOUT.load(original_src.UTILS, "is_close").__globals__


def _run_script(relpath: str, args: list[str]) -> None:
    """One of the original's scripts, run from its own folder as its README runs it."""
    script = CHECKOUT.path(relpath)
    run_python(script, args, cwd=script.parent, timeout=120).check_returncode()


# --- prompts --------------------------------------------------------------------------


def unify_finding(tmp: Path) -> Finding:
    codes = raw_code_inputs()
    src = write_rows(tmp / "raw.jsonl", [{"content": c} for c in codes])
    _run_script(
        original_src.TRANSFORM,
        ["--raw_code_file", src, "--raw_code_msg_file", str(tmp / "msg.jsonl")],
    )
    theirs = {c: r["messages"][0]["content"] for c, r in zip(codes, read_rows(tmp / "msg.jsonl"))}
    return compare_renderings(
        "src/build_transform_msg.py:20",
        "codeio_unified",
        "unified-code prompt",
        original_src.unify_prompt,
        theirs.__getitem__,
        codes,
    )


def prediction_findings(tmp: Path) -> list[Finding]:
    from assets.codeio.assets import _prediction_prompt

    items = parsed_inputs()
    src = write_rows(tmp / "parsed.jsonl", items)
    _run_script(
        original_src.BUILD_MSG, ["--input_file", src, "--output_file", str(tmp / "io_msg.jsonl")]
    )
    theirs = {
        (r["itemid"], r["ioid"], r["io_pred"]): r["messages"][0]["content"]
        for r in read_rows(tmp / "io_msg.jsonl")
    }

    def ours(key: tuple[int, int, str]) -> str:
        item = items[key[0]]
        io = item["ios"][key[1]]
        row = {
            "problem_statement": item["problem_description"],
            "io_description": item["io_requirements"],
        }
        pair = {"input_json": json.dumps(io["input"]), "output_json": json.dumps(io["output"])}
        kind = "input" if key[2] == "i" else "output"
        return _prediction_prompt(ORIGINAL_METHOD, kind, row, pair, item["refcode"])

    out = []
    for io, name in (("o", "output-prediction prompt"), ("i", "input-prediction prompt")):
        keys = [k for k in theirs if k[2] == io]
        out.append(
            compare_renderings(
                "src/build_codeio_msg.py:build_io_pred",
                "codeio_prediction_prompts",
                name,
                ours,
                theirs.__getitem__,
                keys,
            )
        )
    return out


def _turn_one_items(n: int = 20) -> list[dict]:
    """Turn-1 results as the original's check writes them: half successes, half failures."""
    items = []
    for i in range(n):
        status = (
            "success" if i % 2 == 0 else ("failed", "no answer", "exception", "timeout")[i // 2 % 4]
        )
        items.append(
            {
                "messages": [{"role": "user", "content": f"Question {i}: what does f({i}) give?"}],
                "itemid": i,
                "ioid": i % 3,
                "io_pred": "io"[i % 2],
                "index": i,
                "output": f'Reasoning {i}.\n{{"output": {i}}}',
                "res": {"status": status, "message": f'message {i}: wrong {{"a": {i}}}'},
            }
        )
    return items


def revision_finding(tmp: Path) -> Finding:
    items = _turn_one_items(2 * N)
    failed = [it for it in items if it["res"]["status"] != "success"]
    src = write_rows(tmp / "verified.jsonl", items)
    _run_script(
        original_src.REV_MSG, ["--input_file", src, "--output_file", str(tmp / "rev_only.jsonl")]
    )
    theirs = {r["index"]: json.dumps(r["messages"]) for r in read_rows(tmp / "rev_only.jsonl")}

    def ours(item: dict) -> str:
        kind = "input" if item["io_pred"] == "i" else "output"
        first = item["messages"][0]["content"]
        return json.dumps(
            revision_messages(first, item["output"], item["res"]["message"], kind, ORIGINAL_METHOD)
        )

    return compare_renderings(
        "src/build_codeio_rev_msg.py:wrap_feedback",
        "codeio_revisions",
        "revision turn (feedback + request)",
        ours,
        lambda item: theirs[item["index"]],
        failed,
    )


def _ours_records(items: list[dict], revised: dict[int, dict]) -> dict[int, dict]:
    """Our final records for the same items, keyed by index."""
    out = {}
    for item in items:
        first = {
            "prompt_id": str(item["index"]),
            "item_id": "x",
            "partition": "p",
            "content_sha": "s",
            "kind": "input" if item["io_pred"] == "i" else "output",
            "pair_index": item["ioid"],
            "prompt": item["messages"][0]["content"],
            "turn_1": item["output"],
            "feedback_1": item["res"]["message"],
            "status_1": "success" if item["res"]["status"] == "success" else "failed",
        }
        second = revised.get(item["index"])
        revision = (
            {
                "turn_2": second["output"],
                "status_2": second["res"]["status"],
                "feedback_2": second["res"]["message"],
                "llm_error": None,
            }
            if second
            else None
        )
        out[item["index"]] = final_record(first, revision, ORIGINAL_METHOD)
    return out


CODEIO_PP = ("prompt", "turn_1", "feedback_1", "turn_2", "feedback_2")


def assembly_findings(tmp: Path) -> list[Finding]:
    """assemble_codeio_demo.py on turn-1 and turn-2 results vs our final records: which
    records are CodeI/O++'s, their five fields, and the released types."""
    items = _turn_one_items(2 * N)
    first = write_rows(tmp / "t1.jsonl", items)
    _run_script(
        original_src.REV_MSG, ["--input_file", first, "--output_file", str(tmp / "t1_rev.jsonl")]
    )
    second = []
    for j, row in enumerate(read_rows(tmp / "t1_rev.jsonl")):
        row["output"] = f'Revised {j}: {{"output": {j}}}'
        row["res"] = {"status": "success" if j % 2 else "failed", "message": f"verdict {j}"}
        second.append(row)
    write_rows(tmp / "t2.jsonl", second)
    _run_script(
        original_src.ASSEMBLE,
        [
            "--result_file_turn1",
            first,
            "--result_file_turn2",
            str(tmp / "t2.jsonl"),
            "--output_file",
            str(tmp / "final.jsonl"),
        ],
    )
    theirs = read_rows(tmp / "final.jsonl")
    ours_all = _ours_records(items, {r["original_id"]: r for r in second})
    ours = [r for r in ours_all.values() if r["in_codeio_pp"]]
    key = lambda r: (r["prompt"], r["turn_2"] is not None)
    theirs_by = {key(r): r for r in theirs}
    inputs = sorted(theirs_by)
    ours_by = {key(r): r for r in ours}
    step = "src/assemble_codeio_demo.py"
    out = [
        compare_values(
            step, "codeio_final", "CodeI/O++ records from 42 predictions", len(ours), len(theirs)
        ),
        compare_renderings(
            step,
            "codeio_final",
            "CodeI/O++ record (5 fields)",
            lambda k: (
                json.dumps({f: ours_by[k][f] for f in CODEIO_PP}) if k in ours_by else "absent"
            ),
            lambda k: json.dumps({f: theirs_by[k][f] for f in CODEIO_PP}),
            inputs,
        ),
    ]
    observed = {
        f: "String" + (" | null" if any(r[f] is None for r in theirs) else "")
        for f in CODEIO_PP
        if all(isinstance(r[f], str | None) for r in theirs)
    }
    from assets.codeio.release import EXPORT_COLUMNS
    from assets.codeio.schemas import FINAL_SCHEMA

    ours_types = {
        f: str(FINAL_SCHEMA[f]) + (" | null" if any(r[f] is None for r in ours) else "")
        for f in EXPORT_COLUMNS
        if f in FINAL_SCHEMA
    }
    out.append(
        compare_schema(
            "README.md step 6.4 / " + step,
            "codeio_release",
            "CodeI/O++ fields (observed)",
            ours_types,
            observed,
        )
    )
    out.append(
        compare_schema(
            step,
            "codeio_release (released.py)",
            "CodeI/O++ field list",
            codeio_pp_types(),
            observed,
        )
    )
    return out


# --- mechanisms -----------------------------------------------------------------------


def parse_finding() -> Finding:
    utils = _load_utils()
    resolve = CHECKOUT.load(
        original_src.PARSE, "resolve_output", {"extract_last_python": utils["extract_last_python"]}
    )
    answers = _unified_answers()

    def ours(text: str) -> str:
        parsed = parse_unified_original(text)
        if parsed.code is None:
            return "None"
        c = parsed.code
        return json.dumps([c.main_code, c.io_description, c.generator_code, c.problem_statement])

    def theirs(text: str) -> str:
        r = resolve(text)
        return (
            "None"
            if r is None
            else json.dumps(
                [r["maincode"], r["io_desc"], r["inputgencode"], r["problem_statement"]]
            )
        )

    return compare_renderings(
        "src/parse_gen_ios.py:resolve_output",
        "codeio_unified",
        "reading the unified-code answer",
        ours,
        theirs,
        answers,
    )


def _unified_answers() -> list[str]:
    main = "```python\nimport math\n\ndef main_solution(x):\n    return math.sqrt(x)\n```"
    gen = "```python\nimport random\n\ndef input_generator():\n    return {'x': random.randint(0, 9)}\n```"
    good = f"## Main Function\n{main}\n## Input Output Description\nInput: x\n## Input Generator\n{gen}\n## Problem Statement\nWhat is the root of `x`?\n"
    variants = [
        good,
        "Sure!\n" + good,
        good.replace("## Input Generator", "## Input generator"),
        good.replace("## Main Function", "### 1. Main Function"),
        good.replace("## Problem Statement", "**Problem Statement**"),
        good.replace("main_solution", "solve"),
        good.replace("input_generator", "gen"),
        good.replace("```python", "```"),
        good.replace("## Input Output Description", "## I/O Description"),
        good + "\n\nExtra words.",
        good.replace("Input: x", ""),
        f"## Main Function\n{main}\n{main}\n## Input Output Description\nIn\n## Input Generator\n{gen}\n## Problem Statement\nQ",
        good.replace("```python\nimport random", "```python\n\nimport random"),
        "no headers at all",
        good.replace("## Problem Statement", "## Problem statement"),
        good.replace("\n## Input Generator", "## Input Generator"),
        good.rstrip() + "```",
        good.replace("math.sqrt(x)", "x ** 0.5  # main_solution"),
        f"## Main Function\n{main}\n## Input Output Description\n## Input Generator\n{gen}\n## Problem Statement\n",
        good.replace("\n", "\r\n"),
        good.replace("```python\nimport math", "```python\r\nimport math"),
    ]
    return variants


def size_finding() -> Finding:
    utils = _load_utils()
    try:
        from pympler.asizeof import asizeof
    except ImportError:
        return Finding(
            "src/codeio_utils.py:strict_check_size",
            "codeio_io_pairs",
            "mechanism",
            "size limits",
            CANNOT,
            "pympler is not installed",
        )
    values = [
        1,
        1.5,
        True,
        None,
        "x" * 99,
        "x" * 100,
        list(range(19)),
        list(range(20)),
        {"a": 1},
        {str(i): i for i in range(19)},
        {str(i): i for i in range(20)},
        [[1, 2], [3, [4, 5]]],
        {"s": "y" * 60, "t": "z" * 60},
        (1, 2),
        {1, 2},
        10**40,
        [0.1] * 15,
        {"k": [1] * 19},
        ["ab"] * 19,
        {"nested": {"deep": {"deeper": [1, 2, 3]}}},
        2**70,
    ]
    return compare_renderings(
        "src/codeio_utils.py:strict_check_size",
        "codeio_io_pairs",
        "size limits (pympler asizeof)",
        lambda v: str(original_rules.fits_size(v, asizeof)),
        lambda v: str(utils["strict_check_size"](v)),
        values,
    )


def _with_math(utils: dict[str, Any]) -> dict[str, Any]:
    """codeio_utils.py calls math.isnan in is_close without importing math (see
    float_defect_finding); the comparison gives its namespace the import it lacks."""
    import math

    utils.setdefault("math", math)
    return utils


def float_defect_finding() -> Finding:
    """The original's output check on equal floats: its is_close raises NameError (no
    `import math` in codeio_utils.py) and its bare `except` reads that as a mismatch."""
    namespace = CHECKOUT.load(original_src.UTILS, "is_close").__globals__
    namespace.pop("math", None)
    equal_floats = [(38.0, 38.0), ([1.5], [1.5]), ({"a": 0.25}, {"a": 0.25})]
    theirs = [namespace["is_close"](a, b) for a, b in equal_floats]
    ours = [original_rules.is_close(a, b) for a, b in equal_floats]
    status = CANNOT if theirs == [False] * 3 and all(ours) else MATCH
    return Finding(
        "src/codeio_utils.py:596 is_close (used by check_io_pred_acc for outputs)",
        "codeio_predictions, codeio_revisions",
        "mechanism",
        "floats in output checks",
        status,
        f"the original's is_close{equal_floats[0]} -> {theirs[0]} (math is not imported in "
        "codeio_utils.py, the NameError is caught as a mismatch, so every output with a float "
        "fails); we do not reproduce that defect: our original is_close compares floats as "
        "the original's code intends (and as its input check's copy, which has the import, does)",
    )


_THEIR_STATUS = {"no answer": "no_answer", "AssertionError": "failed", "error": "exception"}


def output_check_finding() -> Finding:
    utils = _with_math(_load_utils())
    expected = {"input": {"n": 61, "m": 4}, "output": 38}
    extra = {k: utils[k] for k in ("extract_last_complete_json", "is_close", "json")}
    check = CHECKOUT.load(
        original_src.CHECK, "check_io_pred_acc", {**extra, "parsed_ios": [{"ios": [expected]}]}
    )
    rules = OriginalRules(original_src.feedback(), "", 5.0)

    def ours(answer: str) -> str:
        task = Task(
            "k", "output", json.dumps(expected["input"]), json.dumps(expected["output"]), "", answer
        )
        v = rules.verify_output(task)
        return f"{v.status}|{v.feedback}"

    def theirs(answer: str) -> str:
        r = check({"output": answer, "itemid": 0, "ioid": 0, "io_pred": "o"})
        return f"{_THEIR_STATUS.get(r['status'], r['status'])}|{r['message']}"

    return compare_renderings(
        "src/check_io_pred_acc_mp.py:check_io_pred_acc (o)",
        "codeio_predictions, codeio_revisions",
        "output check: extraction, is_close, feedback",
        ours,
        theirs,
        ANSWERS,
    )


INPUT_CASES = [
    ("def main_solution(a, b):\n    return a + b", '{"input": {"a": 1, "b": 2}}', 3),
    ("def main_solution(a, b):\n    return a + b", '{"input": {"a": 1, "b": 3}}', 3),
    ("def main_solution(a, b):\n    return a + b", '{"input": {"a": 1}}', 3),
    ("def main_solution(a, b):\n    return a + b", "nothing", 3),
    ("def main_solution(a, b):\n    return a + b", '{"inputs": {"a": 1}}', 3),
    ("def main_solution(a, b):\n    return a + b", "[1, 2]", 3),
    ("def main_solution(x):\n    return [v * 2 for v in x]", '{"input": [1, 2]}', [2, 4]),
    ("def main_solution(x):\n    return [v * 2 for v in x]", '{"input": {"x": [1, 2]}}', [2, 4]),
    ("def main_solution(x):\n    return x / 3", '{"input": {"x": 1}}', 0.3333),
    ("def main_solution(x):\n    return x / 3", '{"input": {"x": 1}}', 0.34),
    ("def main_solution(x):\n    return 1 / x", '{"input": {"x": 0}}', 1.0),
    ("def main_solution(d):\n    return d['k']", '{"input": {"d": {}}}', 1),
    ("def main_solution(s):\n    return s.upper()", '{"input": {"s": "ab"}}', "AB"),
    ("def main_solution(s):\n    return s.upper()", '{"input": {"s": "ab"}}', "ab"),
    ("def main_solution(x):\n    return x > 2", '{"input": {"x": 3}}', True),
    ("def main_solution(x):\n    return x > 2", '{"input": {"x": 3}}', 1),
    ("def main_solution(x):\n    return {'v': x}", '{"input": {"x": 1.0}}', {"v": 1}),
    ("def main_solution(x):\n    return (x, x)", '{"input": {"x": 1}}', [1, 1]),
    ("def main_solution(x):\n    return {1, 2}", '{"input": {"x": 1}}', [1, 2]),
    ("def main_solution(x):\n    return sqrt(x)", '{"input": {"x": 16}}', 4.0),
    (
        "def main_solution(x):\n    raise ValueError('bad value ' + str(x))",
        '{"input": {"x": 5}}',
        0,
    ),
]


def _run_in_process(code: str, entry: str, kwargs: dict) -> CallResult:
    """Our input check's job, run here the way the sandbox's call runner runs it."""
    namespace: dict[str, Any] = {"__name__": "__main__"}
    try:
        exec(compile(code, "code.py", "exec"), namespace)  # noqa: S102 - the report's own cases
        value = namespace[entry](**kwargs)
        return CallResult("k", "ok", (CallOutcome(ok=True, value_json=value),))
    except Exception as exc:  # noqa: BLE001 - reported as the runner reports it
        outcome = CallOutcome(
            ok=False, exception_type=type(exc).__name__, exception_message=str(exc)
        )
        return CallResult("k", "ok", (outcome,))


def input_check_finding(tmp: Path) -> Finding:
    """check_io_pred_acc (i) with the original's check_input (a fresh interpreter per check)
    vs our input check's job code, run in-process (no time limit is reached by these cases)."""
    utils = _with_math(_load_utils())
    extra = {
        k: utils[k]
        for k in (
            "extract_last_complete_json",
            "is_close",
            "json",
            "check_input",
            "solution_prefix",
        )
    }
    prefix = original_src.solution_prefix()
    rules = OriginalRules(original_src.feedback(), prefix, 5.0)

    def case_task(case: tuple) -> Task:
        code, answer, output = case
        return Task("k", "input", "{}", json.dumps(output), "", answer, code)

    def ours(case: tuple) -> str:
        task = case_task(case)
        check = rules.read_input(task)
        if check.verdict is not None:
            v = check.verdict
        else:
            job = rules.input_job(task, check.predicted)
            kwargs = dict(job.inputs[0], limit_s=0)  # 0 disarms the timer in-process
            v = rules.judge_input(
                task, check.predicted, _run_in_process(job.code, job.entry_point, kwargs)
            )
        return f"{v.status}|{v.feedback}"

    def theirs(case: tuple) -> str:
        code, answer, output = case
        item = {
            "refcode": code,
            "funcname": "main_solution",
            "ios": [{"input": None, "output": output}],
        }
        check = CHECKOUT.load(
            original_src.CHECK,
            "check_io_pred_acc",
            {**extra, "parsed_ios": [item], "python_path": sys.executable, "run_path": str(tmp)},
        )
        r = check({"output": answer, "itemid": 0, "ioid": 0, "io_pred": "i"})
        return f"{_THEIR_STATUS.get(r['status'], r['status'])}|{r['message']}"

    return compare_renderings(
        "src/check_io_pred_acc_mp.py:check_io_pred_acc (i) + codeio_utils.check_input",
        "codeio_predictions, codeio_revisions",
        "input check: extraction, run, feedback",
        ours,
        theirs,
        INPUT_CASES,
    )


def timeout_message_finding() -> Finding:
    utils = _load_utils()
    fb = original_src.feedback()
    # Ours holds limits as floats, the original passes an int (runtime_limit=5).
    limits = [5, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 15, 20, 25, 30, 45, 60, 90, 120, 0.5, 2.5]
    # check_input's own f-string with the limit it is given (read, not copied, by Template).
    template = next(
        t
        for t in [*CHECKOUT.strings(original_src.UTILS, "check_input")]
        if t.fields == ("runtime_limit",)
    )
    _ = utils
    return compare_renderings(
        "src/codeio_utils.py:check_input (timeout)",
        "codeio_predictions",
        "timeout feedback",
        lambda s: fb.timed_out(float(s)),
        lambda s: template.render({"runtime_limit": str(s)}),
        limits,
    )


# --- assembly -------------------------------------------------------------------------


def parameter_findings(method: Method) -> list[Finding]:
    theirs = original_parameters()
    out = []
    for step, asset, item, name in PARAMETERS:
        why = ASSAY_DIFFERENCES.get(name, ("", ""))
        out.append(
            compare_values(
                step,
                asset,
                item,
                getattr(method, name),
                theirs[name],
                f"{why[0]}: {why[1]}" if why[0] else "",
            )
        )
    return out


def fixed_findings() -> list[Finding]:
    """What no profile can change here, with why."""
    retries = ast.literal_eval(
        next(
            n.value
            for n in ast.parse(_source("src/batched_api_inference.py")).body
            if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "max_try_one_call"
        )
    )
    return [
        Finding(
            "src/batched_api_inference.py:get_client",
            "llm resource",
            "parameter",
            "model",
            CANNOT,
            "the original calls deepseek-chat (or gpt-4o-mini); the model is the run's LLM resource "
            "(ASSAY_LLM_*), the embedded Qwen2.5-Coder by default",
        ),
        Finding(
            "src/batched_api_inference.py:process_line",
            "llm resource",
            "parameter",
            f"attempts per request ({retries}, 5 s apart)",
            CANNOT,
            "retries are the shared LLM resource's transport policy (ASSAY_LLM_MAX_RETRIES, backoff), "
            "the same for every family; a retry re-sends the same request",
        ),
        Finding(
            "src/parse_gen_ios.py templatexx",
            "codeio_io_pairs",
            "mechanism",
            "unseeded input draws",
            CANNOT,
            "the original's generator draws from an unseeded random state; ours seeds it per item from "
            "ASSAY_SEED so a re-run draws the same inputs (the same distribution, reproducibly)",
        ),
        Finding(
            "src/check_io_pred_acc_mp_inplace.py",
            "codeio_predictions",
            "mechanism",
            "timeout re-runs write each result to its own record",
            CANNOT,
            "the original's in-place re-check zips the batch's indices with its output results, then its "
            "input results, so in a batch mixing both a result can land on another record; we re-run "
            "only timed-out checks and keep each result with its record",
        ),
        Finding(
            "src/parse_gen_ios.py:process_one_item",
            "codeio_io_pairs",
            "mechanism",
            "pair search in a sandbox",
            MATCH,
            "the original runs the program in a plain subprocess; ours in the sandbox, with the same "
            "code, limits and loop (original_rules.search_source)",
        ),
    ]


def original_findings() -> list[Finding]:
    missing = checkout_missing(CHECKOUT, "hkust-nlp/CodeIO", "codeio")
    if missing:
        return missing
    with tempfile.TemporaryDirectory(prefix="codeio-fidelity-") as name:
        tmp = Path(name)
        out: list[Finding] = []
        out += guarded(
            "src/build_transform_msg.py",
            "codeio_unified",
            "prompt",
            "unified-code prompt",
            lambda: unify_finding(tmp),
        )
        out += guarded(
            "src/build_codeio_msg.py",
            "codeio_prediction_prompts",
            "prompt",
            "prediction prompts",
            lambda: prediction_findings(tmp),
        )
        out += guarded(
            "src/build_codeio_rev_msg.py",
            "codeio_revisions",
            "prompt",
            "revision turn",
            lambda: revision_finding(tmp),
        )
        out += guarded(
            "src/codeio_utils.py",
            "codeio_predictions",
            "prompt",
            "timeout feedback",
            timeout_message_finding,
        )
        out += guarded(
            "src/parse_gen_ios.py", "codeio_unified", "mechanism", "answer reading", parse_finding
        )
        out += guarded(
            "src/codeio_utils.py", "codeio_io_pairs", "mechanism", "size limits", size_finding
        )
        out += guarded(
            "src/check_io_pred_acc_mp.py",
            "codeio_predictions",
            "mechanism",
            "output check",
            output_check_finding,
        )
        out += guarded(
            "src/check_io_pred_acc_mp.py",
            "codeio_predictions",
            "mechanism",
            "input check",
            lambda: input_check_finding(tmp),
        )
        out += guarded(
            "src/codeio_utils.py", "codeio_predictions", "mechanism", "floats", float_defect_finding
        )
        out += guarded(
            "README.md, scripts/, src/",
            "codeio",
            "parameter",
            "parameters",
            lambda: parameter_findings(ORIGINAL_METHOD),
        )
        out += guarded(
            "src/assemble_codeio_demo.py",
            "codeio_final",
            "schema",
            "CodeI/O++ records",
            lambda: assembly_findings(tmp),
        )
        out += guarded(
            "src/batched_api_inference.py", "llm resource", "parameter", "fixed", fixed_findings
        )
    return [_mechanism(f) for f in out]


def _mechanism(f: Finding) -> Finding:
    """Behaviour compared by rendering outcomes is a mechanism, not a prompt."""
    if f.aspect == "prompt" and f.item.startswith(
        ("reading", "size", "output check", "input check")
    ):
        return as_mechanism(f)
    return f


# Where each Method field lives in the original, and in our graph.
FIELD_STEPS: dict[str, tuple[str, str]] = {
    "unify_max_tokens": ("README.md step 1.2", "codeio_unified"),
    "temperature": (
        "README.md steps 1.2/4/6.2",
        "codeio_unified, codeio_predictions, codeio_revisions",
    ),
    "max_code_chars": ("data/rawcode_1k.jsonl (no cap)", "codeio_raw_code"),
    "drop_repeated_files": ("build_transform_msg.py (every line)", "codeio_raw_code"),
    "strict_sections": ("src/parse_gen_ios.py:resolve_output", "codeio_unified"),
    "search_tries": ("src/parse_gen_ios.py templatexx", "codeio_io_pairs"),
    "max_pairs": ("src/parse_gen_ios.py templatexx", "codeio_io_pairs"),
    "min_pairs": ("src/parse_gen_ios.py:process_item", "codeio_io_pairs"),
    "search_limit_s": ("src/parse_gen_ios.py:process_one_item", "codeio_io_pairs"),
    "search_limit_drops": ("src/parse_gen_ios.py:process_one_item", "codeio_io_pairs"),
    "size_measure": ("src/parse_gen_ios.py templatexx (strict_check_size)", "codeio_io_pairs"),
    "tolerate_draw_errors": ("src/parse_gen_ios.py templatexx", "codeio_io_pairs"),
    "check_determinism": ("src/parse_gen_ios.py (none)", "codeio_io_pairs"),
    "drop_clock_readers": ("src/parse_gen_ios.py (none)", "codeio_io_pairs"),
    "pairs_per_item": ("src/build_codeio_msg.py (uplimit)", "codeio_prediction_prompts"),
    "given_as_json": ("src/build_codeio_msg.py:build_io_pred", "codeio_prediction_prompts"),
    "answer_extraction": (
        "src/codeio_utils.py:extract_last_complete_json",
        "codeio_predictions, codeio_revisions",
    ),
    "prelude": (
        "src/parse_gen_ios.py, src/codeio_utils.py:solution_prefix",
        "codeio_io_pairs, codeio_predictions",
    ),
    "predict_max_tokens": ("README.md steps 4/6.2", "codeio_predictions, codeio_revisions"),
    "input_check_limit_s": ("src/check_io_pred_acc_mp.py:check_io_pred_acc", "codeio_predictions"),
    "timeout_reruns": ("scripts/pipeline_check.sh", "codeio_predictions, codeio_revisions"),
    "bools_equal_ints": ("src/codeio_utils.py:is_close", "codeio_predictions, codeio_revisions"),
    "release_all_turn_1": ("src/assemble_codeio_demo.py", "codeio_release"),
    "keep_failed_revision_requests": ("src/assemble_codeio_demo.py", "codeio_final"),
    "dedup_programs": ("(none in the original)", "codeio_release"),
    "sft_verified_only": ("src/assemble_codeio_demo.py (all records)", "codeio_release"),
}


def assay_findings() -> list[Finding]:
    """Each named difference of `assay` from the original, and what it keeps the same."""
    out = [
        Finding(
            "src/codeio_utils.py, src/build_*_msg.py",
            "codeio_unified, codeio_prediction_prompts, codeio_revisions",
            "prompt",
            "prompt wording",
            DIFFERS,
            "{}: {}".format(*ASSAY_DIFFERENCES["prompt_wording"]),
        ),
    ]
    for f in fields(Method):
        if f.name == "profile":
            continue
        ours, theirs = getattr(ASSAY_METHOD, f.name), getattr(ORIGINAL_METHOD, f.name)
        step, asset = FIELD_STEPS[f.name]
        if ours == theirs:
            out.append(Finding(step, asset, "parameter", f.name, MATCH, f"{ours!r}"))
        else:
            name, why = ASSAY_DIFFERENCES[f.name]
            out.append(
                Finding(
                    step,
                    asset,
                    "mechanism" if isinstance(ours, bool) else "parameter",
                    f.name,
                    DIFFERS,
                    f"{name}. Why: {why}",
                )
            )
    out.append(
        Finding(
            "src/assemble_codeio_demo.py",
            "codeio_release",
            "schema",
            "CodeI/O++ fields",
            MATCH,
            f"{', '.join(codeio_pp_types())} in both profiles (released.py), plus ours",
        )
    )
    return out


def findings(profile: str) -> list[Finding]:
    """The report's rows for `profile` (`original` or `assay`)."""
    return original_findings() if profile == ORIGINAL else assay_findings()


__all__ = ["STATUSES", "Sequence", "asdict", "findings", "original_parameters"]
