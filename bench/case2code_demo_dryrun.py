"""`make demo-case2code` with a scripted model on loopback instead of the embedded one.

Runs the real demo runner (definitions, settings, both seed files as partitions,
then the release job with the evaluation) with every LLM role pointed at a fake
OpenAI-compatible server. The scripted model writes example inputs from each
function's parameter names and answers evaluation prompts with the test set's
reference code, so the printed counts show the plumbing, not a model's skill.

    python bench/case2code_demo_dryrun.py [--home /tmp/assay-case2code-dryrun]
"""

import argparse
import ast
import json
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

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


def make_responder(solutions: dict[str, str]):
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--home", type=Path, default=Path(tempfile.mkdtemp(prefix="assay-case2code-dryrun-"))
    )
    args = parser.parse_args()
    from tests.fakes.openai_server import OpenAIServer

    test_set = REPO / "seeds" / "case2code" / "eval" / "demo_test.jsonl"
    solutions = {
        r["func_name"]: r["code"] for r in map(json.loads, test_set.read_text().splitlines())
    }
    with OpenAIServer(make_responder(solutions)) as server:
        os.environ.update(
            {
                "ASSAY_HOME": str(args.home),
                "DAGSTER_HOME": str(args.home / "dagster"),
                "ASSAY_LLM_ENGINE": "openai",
                "ASSAY_LLM_BASE_URL": server.base_url,
                "ASSAY_LLM_MODEL": "scripted",
                "ASSAY_LLM_API_KEY_ENV": "NO_KEY",
                "ASSAY_SANDBOX_WORKERS": "2",
            }
        )
        from dagster_project.demo import run_family

        failures = run_family("case2code")
        print(f"\nfake server: {server.stats.snapshot()}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
