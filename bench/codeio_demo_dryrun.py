"""Dry run of `make demo-codeio` with a scripted model: the demo seeds through every stage.

The real demo uses the embedded model (minutes of CPU); this one swaps in the
loopback fake server with hand-written answers, so the seeds, the sandbox
stages, the revision turn and the release run for real and the per-stage counts
print in seconds. The scripted model:
  - rewrites each demo file into the unified layout (answers written for seeds/codeio/);
  - predicts outputs by running the reference code in the prompt, wrong on purpose for
    about half of them on the first turn and right on the revision;
  - answers every input prediction with an empty dict (an exception), both turns.
So the figures show the plumbing, not a model's skill.

    .venv/bin/python bench/codeio_demo_dryrun.py [--home DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.fakes.openai_server import OpenAIServer

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


def _unified(prompt: str) -> str:
    for marker, (main, generator, io, statement) in UNIFIED.items():
        if marker in prompt:
            return (
                f"## Main Function\n```python\n{main}\n```\n## Input Output Description\n{io}\n"
                f"## Input Generator\n```python\n{generator}\n```\n## Problem Statement\n{statement}\n"
            )
    return "I do not know this file."


def answer(body: dict) -> str:
    messages = body["messages"]
    prompt = messages[0]["content"]
    if "[Code Start]" in prompt:
        return _unified(prompt)
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home", type=Path, default=None, help="ASSAY_HOME for the run (default: a temp dir)"
    )
    args = parser.parse_args(argv)
    home = args.home or Path(tempfile.mkdtemp(prefix="codeio-dryrun-"))
    with OpenAIServer(answer) as server:
        os.environ.update(
            {
                "ASSAY_HOME": str(home),
                "DAGSTER_HOME": str(home / "dagster"),
                "ASSAY_LLM_ENGINE": "openai",
                "ASSAY_LLM_BASE_URL": server.base_url,
                "ASSAY_LLM_MODEL": "scripted",
                "ASSAY_LLM_API_KEY_ENV": "DRYRUN_KEY",
                "DRYRUN_KEY": "unused",
                "ASSAY_SEED_DIR": str(REPO / "seeds"),
            }
        )
        from dagster_project.demo import run_family

        failures = run_family("codeio")
        print(f"fake model requests: {server.stats.snapshot()['requests']}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
