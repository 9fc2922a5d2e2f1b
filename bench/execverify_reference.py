"""ExecVerify cross-checks against ../shared/reference/execverify/ (figures 1-5 of issue 15).

    ASSAY_EXECVERIFY_SRC=/path/to/ExecVerify python bench/execverify_reference.py [--dir DIR]

1. white-box questions under `original`: identical question/answer lists (addresses masked)
   and byte-identical prompt_str, per record of cruxeval_white_box.jsonl;
2. cruxeval_io.jsonl: the sandbox's repr of f(func_args) equals the recorded output;
3. prompt builders under `original` vs prompts.jsonl and synthesis_prompts.jsonl;
4. the reward of each record's perfect answer lines under `original` and `fixed`;
5. hostile traces: how each ends and in how long.
Without ASSAY_EXECVERIFY_SRC, figures 1 and 3 are skipped (the wording is not shipped).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from assets.execverify import execution, reward, whitebox
from assets.execverify import prompts as P
from assets.execverify.programs import Program
from resources.sandbox import Sandbox

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "reference" / "execverify"
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def masked(value: object) -> object:
    return json.loads(ADDRESS.sub("0xADDR", json.dumps(value)))


def read(path: Path) -> list[dict]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def whitebox_figure(ref: list[dict], sandbox: Sandbox) -> None:
    records = [
        {"id": r["_id"], "func_str": r["func_str"], "func_args": r["func_args"]} for r in ref
    ]
    started = time.perf_counter()
    rows = whitebox.answer_records(records, "original", sandbox)
    same = [
        masked(o["path_qas"]) == masked(r["_all_path_qas"])
        and masked(o["state_qas"]) == masked(r["_all_state_qas"])
        for o, r in zip(rows, ref)
    ]
    prompts = [o["prompt_str"] == r["prompt_str"] for o, r in zip(rows, ref)]
    print(
        f"1. white-box (original): identical question/answer lists {sum(same)}/{len(ref)}, "
        f"identical prompt_str {sum(prompts)}/{len(ref)} ({time.perf_counter() - started:.1f} s)"
    )
    for o, s, p in zip(rows, same, prompts):
        if not (s and p):
            print(
                f"   differs: {o['id']} lists={'same' if s else 'differ'} prompt={'same' if p else 'differs'} "
                f"{o.get('dropped') or ''}"
            )


def io_figure(ref: list[dict], sandbox: Sandbox) -> None:
    programs = [Program(r["code"] + "\n\n", r["entry_point"], r["func_args"]) for r in ref]
    values = [
        execution.value_of(x)[0]
        for x in sandbox.run([execution.value_job(str(i), p) for i, p in enumerate(programs)])
    ]
    agree = sum(v == r["recorded_output"] for v, r in zip(values, ref))
    trips = sandbox.run(
        [
            execution.roundtrip_job(str(i), p, v)
            for i, (p, v) in enumerate(zip(programs, values))
            if v
        ]
    )
    print(
        f"2. cruxeval_io: repr == recorded output {agree}/{len(ref)}; "
        f"round trip holds {sum(execution.roundtrip_reason(t) is None for t in trips)}/{len(trips)}"
    )


def prompts_figure(synthesis: list[dict], prompt_rows: list[dict]) -> None:
    same = 0
    for r in synthesis:
        rng = random.Random(r["random_seed_before_call"])
        if r["kind"] == "code_synthesis":
            chat = P.code_synthesis_prompt(r["type"], r["method"], r["config"], rng, "original")
        else:
            chat = P.input_synthesis_prompt(
                r["code"], P.reference_values(rng, "original"), "original"
            )
        same += (chat.system, chat.user) == (r["system_prompt"], r["user_prompt"])
    fields = total = 0
    for r in prompt_rows:
        fs, fn, fa, res = r["func_str"], r["func_name"], r["func_args"], r["result"]
        io = P.cot_prompt(fs, fn, fa, res, "io", "sft", "original").user
        oi = P.cot_prompt(fs, fn, fa, res, "oi", "sft", "original").user
        reasoning, answer = P.split_reasoning(r["synthetic_cot"])
        got = {
            "difficulty_prompt": P.difficulty_prompt(fs, fn, fa, "original").user,
            "io_cot_prompt": io,
            "oi_cot_prompt": oi,
            "candidates_io_prompt": P.cot_prompt(
                fs, fn, fa, res, "io", "candidates", "original"
            ).user,
            "candidates_oi_prompt": P.cot_prompt(
                fs, fn, fa, res, "oi", "candidates", "original"
            ).user,
            "rl_oi_prompt": P.rl_oi_prompt(fs, fn, res, "original"),
            "sft_io_record_for_synthetic_cot": P.sft_record(io, reasoning, answer, "original"),
            "sft_oi_record_for_synthetic_cot": P.sft_record(oi, reasoning, answer, "original"),
        }
        fields += sum(v == r[k] for k, v in got.items())
        total += len(got)
    print(
        f"3. prompts (original): synthesis_prompts.jsonl {same}/{len(synthesis)} byte-identical; "
        f"prompts.jsonl {fields}/{total} fields byte-identical"
    )


def reward_figure(ref: list[dict], sandbox: Sandbox) -> None:
    reward.use_sandbox(sandbox)
    sols = ["<answer>\n" + "\n".join(r["_perfect_answer_lines"]) + "\n</answer>" for r in ref]
    keys = ("type", "func_str", "func_name", "func_args", "result", "question_answers")
    for rules in ("original", "fixed"):
        infos = [{**{k: r[k] for k in keys}, "rules": rules} for r in ref]
        scores = reward.compute_score_batch(
            ["execverify"] * len(ref), sols, [None] * len(ref), infos
        )
        same = [
            abs(s - r["_expected_original_reward_for_perfect_answer"]) < 1e-9
            for s, r in zip(scores, ref)
        ]
        print(
            f"4. reward ({rules}): perfect answers score the expected original reward {sum(same)}/{len(ref)}"
        )
        for s, ok, r in zip(scores, same, ref):
            if not ok:
                print(
                    f"   {r['_id']}: {s} (original: {r['_expected_original_reward_for_perfect_answer']})"
                )


HOSTILE = {
    "infinite loop": "def f(n):\n    i = 0\n    while True:\n        i += 1\n\n",
    "loop inside C": "import itertools\ndef f(n):\n    return sum(itertools.count())\n\n",
    "deep recursion": "def f(n):\n    return f(n + 1)\n\n",
    "endless generator": "def g():\n    i = 0\n    while True:\n        yield i\n        i += 1\n\ndef f(n):\n    return list(g())\n\n",
    "huge data": "def f(n):\n    s = 'a' * (10 ** 8)\n    t = [s] * 10\n    return len(t)\n\n",
    "gigantic __repr__": "class Big:\n    def __repr__(self):\n        return 'x' * (10 ** 10)\n\ndef f(n):\n    b = Big()\n    return n\n\n",
    "endless __repr__": "class Slow:\n    def __repr__(self):\n        while True:\n            pass\n\ndef f(n):\n    b = Slow()\n    return n\n\n",
    "sys.settrace": "import sys\ndef f(n):\n    sys.settrace(None)\n    return n\n\n",
    "frame.f_trace": "import sys\ndef f(n):\n    sys._getframe().f_trace = None\n    return n\n\n",
}


def hostile_figure(sandbox: Sandbox) -> None:
    print("5. hostile traces (status / stop / seconds / questions):")
    for name, code in HOSTILE.items():
        started = time.perf_counter()
        rows = whitebox.answer_records(
            [{"id": name, "func_str": code, "func_args": "0", "func_name": "f"}], "fixed", sandbox
        )
        seconds = time.perf_counter() - started
        print(
            f"   {name:<18} {rows[0].get('dropped') or 'kept'}  {seconds:.1f} s  questions={len(rows[0]['path_qas']) + len(rows[0]['state_qas'])}"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args()
    have_src = bool(os.environ.get("ASSAY_EXECVERIFY_SRC"))
    print(f"load: {os.getloadavg()[0]:.1f} (1-min average)")
    with Sandbox(
        backend=os.environ.get("ASSAY_SANDBOX_BACKEND", "bwrap"),
        workers=2,
        timeout_s=4.0,
        memory_mb=512,
    ) as sb:
        white = read(args.dir / "cruxeval_white_box.jsonl")
        if have_src:
            whitebox_figure(white, sb)
        else:
            print("1. skipped: set ASSAY_EXECVERIFY_SRC to an ExecVerify checkout")
        io_figure(read(args.dir / "cruxeval_io.jsonl"), sb)
        if have_src:
            prompts_figure(
                read(args.dir / "synthesis_prompts.jsonl"), read(args.dir / "prompts.jsonl")
            )
        else:
            print("3. skipped: set ASSAY_EXECVERIFY_SRC to an ExecVerify checkout")
        reward_figure(white, sb)
        hostile_figure(sb)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
