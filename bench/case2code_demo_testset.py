"""Writes the demo Case2Code test set that `case2code_eval` scores by default.

Four small functions with hand-written example inputs; the outputs are computed
by running each function in the sandbox, and the prompt uses the fixed
evaluation format with a seeded subset of the cases. Re-running rewrites the
same file.

    python bench/case2code_demo_testset.py [--out seeds/case2code/eval/demo_test.jsonl]
"""

import argparse
import json
import random
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assets.case2code.case_results import job_results
from assets.case2code.compose import compose_eval_prompt
from assets.case2code.examples import parse_example_source
from assets.case2code.records import case2code_record
from assets.common.ids import stable_id
from resources.sandbox import CallResult

ITEMS = [
    (
        """\
def second_largest(nums):
    distinct = sorted(set(nums), reverse=True)
    return distinct[1] if len(distinct) > 1 else None
""",
        (
            "examples = [dict(nums=[3, 1, 2]), dict(nums=[5, 5, 4]), dict(nums=[7]), "
            "dict(nums=[-1, -3, -2, -1]), dict(nums=[10, 20, 20, 30]), dict(nums=[])]"
        ),
    ),
    (
        """\
def caesar(text, shift):
    out = []
    for ch in text:
        if ch.isalpha():
            base = ord('A') if ch.isupper() else ord('a')
            out.append(chr((ord(ch) - base + shift) % 26 + base))
        else:
            out.append(ch)
    return ''.join(out)
""",
        (
            "examples = [dict(text='abc', shift=1), dict(text='xyz', shift=3), dict(text='Hello, World!', shift=13), "
            "dict(text='', shift=5), dict(text='Zz', shift=-1)]"
        ),
    ),
    (
        """\
def collatz_steps(n):
    if n < 1:
        raise ValueError('n must be positive')
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps
""",
        "examples = [dict(n=1), dict(n=6), dict(n=7), dict(n=27), dict(n=0), dict(n=16)]",
    ),
    (
        """\
def merge_intervals(intervals):
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return merged
""",
        (
            "examples = [dict(intervals=[(1, 3), (2, 6), (8, 10)]), dict(intervals=[(1, 4), (4, 5)]), "
            "dict(intervals=[]), dict(intervals=[(5, 6), (1, 2)]), dict(intervals=[(1, 10), (2, 3)])]"
        ),
    ),
]


def build(out: Path, workers: int = 2) -> list[dict]:
    from resources.sandbox import Sandbox

    parsed = [(code, parse_example_source(source).examples) for code, source in ITEMS]
    names = [code.split("(", 1)[0].removeprefix("def ") for code, _ in parsed]
    jobs = [
        {
            "id": name,
            "kind": "call",
            "code": code,
            "entry_point": name,
            "inputs_py": [e.kwargs_py() for e in examples],
        }
        for name, (code, examples) in zip(names, parsed)
    ]
    with Sandbox(backend="bwrap", workers=workers, timeout_s=10.0, memory_mb=1024) as sandbox:
        results = {r["id"]: CallResult.from_wire(r) for r in sandbox.run(jobs)}
    records = []
    for name, (code, examples) in zip(names, parsed):
        outcomes = job_results(results[name], len(examples))
        if any(o.kind == "no_result" for o in outcomes):
            raise RuntimeError(f"{name}: an example has no result: {outcomes}")
        composed = compose_eval_prompt(
            name, examples, outcomes, random.Random(stable_id("case2code-demo-test", name))
        )
        records.append(
            case2code_record(
                f"demo-{name}", name, code, examples, outcomes, composed.prompt, composed.shown
            )
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        "".join(json.dumps(r, ensure_ascii=False, sort_keys=True) + "\n" for r in records)
    )
    return records


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=REPO / "seeds" / "case2code" / "eval" / "demo_test.jsonl"
    )
    args = parser.parse_args()
    records = build(args.out)
    print(f"wrote {len(records)} items to {args.out}")
    for r in records:
        print(
            f"  {r['id']}: {len(r['example_inputs'])} examples, {len(r['choosed_example_idx'])} shown"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
