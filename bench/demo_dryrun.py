"""A family's demo end to end with a scripted model on loopback instead of the embedded one.

    python bench/demo_dryrun.py {kodcode,codeio,case2code} [--home DIR]

Runs `dagster_project.demo.run_family(family)` (definitions, settings, each seed file as a
partition, the family job with its checks, then the release job) with every LLM role
pointed at a fake OpenAI-compatible server, so the seeds, the sandbox stages and the
release run for real and the per-stage counts print in seconds. The printed counts show
the plumbing, not a model's skill. The scripted model per family:

- kodcode: the family test cast (tests/assets/kodcode/scripted_family.py) on its own
  seeds: one question rescued by retries, one leaking stub, one stub that fails
  re-verification, a reasoner that misnames functions, a HumanEval-contaminated question
  and a cross-file near-duplicate;
- codeio (seeds/codeio/): rewrites each demo file into the unified layout; predicts
  outputs by running the reference code in the prompt, wrong on purpose for about half of
  them on the first turn and right on the revision; answers every input prediction with an
  empty dict (an exception), both turns;
- case2code (seeds/case2code/): writes example inputs from each function's parameter names
  and answers evaluation prompts with the test set's reference code.
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fakes.openai_server import OpenAIServer, Responder

# ---------------------------------------------------------------- codeio
UNIFIED = {
    "def collatz_steps(n):": (
        (
            "def collatz_steps(n):\n    steps, peak = 0, n\n    while n != 1:\n"
            "        n = n // 2 if n % 2 == 0 else 3 * n + 1\n        peak = max(peak, n)\n        steps += 1\n"
            "    return steps, peak\n\ndef main_solution(start):\n    steps, peak = collatz_steps(start)\n"
            '    return {"steps": steps, "peak": peak}'
        ),
        "import random\n\ndef input_generator():\n    return {'start': random.randint(1, 500)}",
        "Input:\n  `start` (int): a positive integer\nOutput:\n  `return` (dict): `steps` (int) to reach 1, `peak` (int) the largest value seen",
        "Starting from `start` and halving even numbers or tripling odd ones plus one, how many steps reach 1 and what is the peak?",
    ),
    "class Account:": (
        (
            "def main_solution(balance, yearly_rate, months, deposit):\n    for _ in range(months):\n"
            "        balance = balance * (1 + yearly_rate / 12) + deposit\n    return round(balance, 2)"
        ),
        (
            "import random\n\ndef input_generator():\n    return {'balance': round(random.uniform(0, 5000), 2), "
            "'yearly_rate': round(random.uniform(0, 0.1), 3), 'months': random.randint(1, 36), "
            "'deposit': round(random.uniform(0, 200), 2)}"
        ),
        (
            "Input:\n  `balance` (float), `yearly_rate` (float), `months` (int), `deposit` (float)\n"
            "Output:\n  `return` (float): the balance after `months`, rounded to cents"
        ),
        (
            "A saver starts with `balance`, earns `yearly_rate` compounded monthly and adds `deposit` each month. "
            "What is the balance after `months` months?"
        ),
    ),
    "def encode(text):": (
        (
            "def main_solution(text):\n    if not text:\n        return ''\n    out, current, count = [], text[0], 1\n"
            "    for ch in text[1:]:\n        if ch == current:\n            count += 1\n        else:\n"
            "            out.append(f'{current}{count}')\n            current, count = ch, 1\n"
            "    out.append(f'{current}{count}')\n    return ''.join(out)"
        ),
        (
            "import random\n\ndef input_generator():\n    return {'text': ''.join(random.choice('aab') * random.randint(1, 3) "
            "for _ in range(random.randint(1, 6)))}"
        ),
        "Input:\n  `text` (str): letters\nOutput:\n  `return` (str): each run as the letter followed by its length",
        "What is the run-length encoding of the string `text`?",
    ),
    "def first_unbalanced(expr):": (
        (
            'PAIRS = {")": "(", "]": "[", "}": "{"}\n\ndef main_solution(expr):\n    stack = []\n'
            "    for i, ch in enumerate(expr):\n        if ch in '([{':\n            stack.append((ch, i))\n"
            "        elif ch in PAIRS:\n            if not stack or stack[-1][0] != PAIRS[ch]:\n                return i\n"
            "            stack.pop()\n    return stack[0][1] if stack else -1"
        ),
        (
            "import random\n\ndef input_generator():\n    return {'expr': ''.join(random.choice('()[]{}x') "
            "for _ in range(random.randint(1, 12)))}"
        ),
        (
            "Input:\n  `expr` (str): brackets and letters\nOutput:\n  `return` (int): index of the first bracket "
            "breaking the nesting, or -1"
        ),
        "In the expression `expr`, at which position does the bracket nesting first break?",
    ),
}


def _codeio_unified(prompt: str) -> str:
    for marker, (main, generator, io, statement) in UNIFIED.items():
        if marker in prompt:
            return (
                f"## Main Function\n```python\n{main}\n```\n## Input Output Description\n{io}\n"
                f"## Input Generator\n```python\n{generator}\n```\n## Problem Statement\n{statement}\n"
            )
    return "I do not know this file."


def codeio_answer(body: dict) -> str:
    messages = body["messages"]
    prompt = messages[0]["content"]
    if "[Code Start]" in prompt:
        return _codeio_unified(prompt)
    if "Given the following output:" in prompt:
        return 'My guess: {"input": {}}'
    given = json.loads(
        re.search(r"Given the following input:\n\n(.*?)\n\nPredict", prompt, re.DOTALL).group(1)
    )
    namespace: dict = {}
    exec(re.findall(r"```python\n(.*?)```", prompt, re.DOTALL)[-1], namespace)  # noqa: S102 - our own canned code
    right = namespace["main_solution"](**given)
    wrong_first = (
        int(hashlib.sha256(prompt.encode()).hexdigest(), 16) % 2 == 1 and len(messages) == 1
    )
    return json.dumps({"output": "not this" if wrong_first else right})


# ---------------------------------------------------------------- case2code
# Values a careful model might pick, by what a parameter's name suggests.
VALUE_POOLS = {
    "str": [
        "'abc'",
        "''",
        "'aaab'",
        "'Hello World'",
        "'mississippi'",
        "'a1b2'",
        "'  padded  '",
        "'zz'",
        "'Python'",
        "'x'",
    ],
    "int": ["0", "1", "7", "10", "-3", "12", "99", "1000", "2", "45"],
    "list": [
        "[1, 2, 3]",
        "[]",
        "[5]",
        "[3, 1, 2]",
        "[0, 0]",
        "[-1, 4]",
        "[10, 20, 30, 40]",
        "[2, 2, 3]",
        "[7, -7]",
        "[1.5, 2.5]",
    ],
}
HINTS = [
    (re.compile(r"^(s|text|word|string|name|sep|chars?)$|str"), "str"),
    (re.compile(r"values|nums|items|list|xs|arr"), "list"),
]


def pool_for(param: str) -> list[str]:
    for pattern, pool in HINTS:
        if pattern.search(param):
            return VALUE_POOLS[pool]
    return VALUE_POOLS["int"]


def examples_answer(code: str) -> str:
    """Ten examples built from the first function's required parameters, in the format the prompt asks for."""
    func = next(n for n in ast.parse(code).body if isinstance(n, ast.FunctionDef))
    required = [a.arg for a in func.args.args[: len(func.args.args) - len(func.args.defaults)]]
    lines = [
        f"    dict({', '.join(f'{p}={pool_for(p)[(i + j) % 10]}' for j, p in enumerate(required))}),"
        for i in range(10)
    ]
    return (
        f"The arguments look like {', '.join(required)}.\n```python\nexamples = [\n"
        + "\n".join(lines)
        + "\n]\n```"
    )


def case2code_responder(solutions: dict[str, str]) -> Callable[[dict], str]:
    def responder(body: dict) -> str:
        user = body["messages"][-1]["content"]
        blocks = re.findall(r"```python\n(.*?)```", user, flags=re.DOTALL)
        if "different example inputs" in user and blocks:
            return examples_answer(blocks[-1])
        match = re.search(r"^Function: (\w+)", user, flags=re.MULTILINE)
        if match and match.group(1) in solutions:
            return f"The function is:\n\n```python\n{solutions[match.group(1)]}```"
        return "I am not sure."

    return responder


# ---------------------------------------------------------------- the run
def kodcode_cast(home: Path) -> tuple[Responder, Path]:
    """The family test cast and its seeds, written under home."""
    from tests.assets.kodcode.scripted_family import SEEDS, Stage3Model

    seed_dir = home / "seeds" / "kodcode"
    seed_dir.mkdir(parents=True)
    for name, lines in SEEDS.items():
        (seed_dir / name).write_text("".join(json.dumps(line) + "\n" for line in lines))
    return Stage3Model(), home / "seeds"


def codeio_cast(home: Path) -> tuple[Responder, Path]:
    return codeio_answer, REPO / "seeds"


def case2code_cast(home: Path) -> tuple[Responder, Path]:
    test_set = REPO / "seeds" / "case2code" / "eval" / "demo_test.jsonl"
    solutions = {
        r["func_name"]: r["code"] for r in map(json.loads, test_set.read_text().splitlines())
    }
    return case2code_responder(solutions), REPO / "seeds"


CASTS = {"kodcode": kodcode_cast, "codeio": codeio_cast, "case2code": case2code_cast}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("family", choices=sorted(CASTS))
    parser.add_argument(
        "--home", type=Path, default=None, help="ASSAY_HOME for the run (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix=f"assay-{args.family}-dryrun-"))
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    model, seed_dir = CASTS[args.family](home)
    with OpenAIServer(model) as server:
        os.environ.update(
            {
                "ASSAY_HOME": str(home),
                "DAGSTER_HOME": str(home / "dagster"),
                "ASSAY_SEED_DIR": str(seed_dir),
                "ASSAY_LLM_ENGINE": "openai",
                "ASSAY_LLM_BASE_URL": server.base_url,
                "ASSAY_LLM_MODEL": "scripted",
                "ASSAY_LLM_API_KEY_ENV": "NO_KEY",
                "ASSAY_SANDBOX_WORKERS": "2",
            }
        )
        from dagster_project.demo import run_family
        from dagster_project.screen import DemoScreen

        with DemoScreen(home / "logs" / "demo-dryrun.log") as screen:
            failures = run_family(args.family, screen)
        print(f"\nfake server: {server.stats.snapshot()}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
