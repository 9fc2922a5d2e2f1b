"""Case2Code reference agreement: do our sandbox `call` jobs and our evaluation reproduce the original?

1. Execution: every item of `test_sample.jsonl` runs its recorded `code` on its
   examples (from `example_str`, as the original did) in our sandbox; the
   outcomes are compared exactly with the recorded `example_outputs`.
2. Evaluation: the `case2code_eval` asset scores the reference `output` of each
   item (served by a scripted model on loopback), then a deliberately wrong
   variant of it (the right function, its result wrapped in a list).
3. Pipeline sample: our example parser, sandbox run and filter on the original's
   own write_testcase answers, compared with its generate_output and filtered files.

    python bench/case2code_reference.py [--reference ../shared/reference/case2code] [--workers 2]
"""

import argparse
import json
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from assets.case2code.case_results import agreement, gold_canonical, job_results
from assets.case2code.testset import call_job, extract_code, read_test_set
from assets.common.profiles import Profile
from resources.sandbox import CallResult

# Module-level names of Case2Code's execution harness (`for ex in examples: r = f(**ex) … except Exception as e`).
HARNESS_NAMES = {"r", "ex", "e", "examples"}


def explain(actual: str, expected: str, func_name: str = "") -> str:
    """A short classification of one differing outcome, for the printed report."""
    if func_name in HARNESS_NAMES:
        return (
            f"the original harness rebinds the module name {func_name!r} while looping over examples "
            f"(e.g. `r = {func_name}(**ex)`), so later calls hit the rebound value, not the function"
        )
    if actual.startswith("no_result"):
        return f"no result in our run ({actual.split(' ', 1)[1]})"
    if actual.startswith("error") and expected.startswith("error"):
        a_type, e_type = actual.split(":", 1)[0], expected.split(":", 1)[0]
        if a_type != e_type:
            return f"different exception class ({a_type[6:]} vs {e_type[6:]})"
        return "same exception class, different message (Python version wording)"
    if actual.startswith("error") != expected.startswith("error"):
        return "one run raised, the other returned"
    a, e = actual[7:], expected[7:]
    if sorted(a) == sorted(e):
        return "same characters in another order (set/dict iteration or hash order)"
    if re.sub(r"0x[0-9a-f]+", "0x…", a) == re.sub(r"0x[0-9a-f]+", "0x…", e):
        return "object address in repr"
    return "different value"


def execution_agreement(test_set, workers: int) -> dict:
    from resources.sandbox import Sandbox

    jobs = [call_job(item.id, item.reference_code, item) for item in test_set.items]
    started = time.monotonic()
    with Sandbox(backend="bwrap", workers=workers, timeout_s=10.0, memory_mb=1024) as sandbox:
        results = {r["id"]: CallResult.from_wire(r) for r in sandbox.run(jobs)}
    elapsed = time.monotonic() - started
    items_ok = examples_ok = examples_total = 0
    first10_ok = 0
    differences = []
    reasons = Counter()
    for item in test_set.items:
        got = [r.canonical() for r in job_results(results[item.id], len(item.inputs_py))]
        check = agreement(got, item.expected)
        examples_ok += check.matched
        examples_total += check.total
        items_ok += check.all_match
        first10_ok += agreement(got[:10], list(item.expected[:10])).all_match
        if not check.all_match:
            diffs = [(i, a, e) for i, (a, e) in enumerate(zip(got, item.expected)) if a != e]
            why = Counter(explain(a, e, item.func_name) for _, a, e in diffs)
            reasons.update(why)
            i, a, e = diffs[0]
            differences.append(
                (item.id, item.func_name, len(diffs), check.total, dict(why), i, a[:160], e[:160])
            )
    return {
        "items": len(test_set.items),
        "items_ok": items_ok,
        "first10_ok": first10_ok,
        "examples_ok": examples_ok,
        "examples_total": examples_total,
        "differences": differences,
        "reasons": reasons,
        "elapsed_s": elapsed,
    }


def wrong_variant(code: str, func_name: str) -> str:
    """The right function, then a wrapper of the same name whose result is wrapped in a list."""
    return f"{code.rstrip()}\n\n_reference_{func_name} = {func_name}\n\ndef {func_name}(*args, **kwargs):\n    return [_reference_{func_name}(*args, **kwargs)]\n"


def eval_scores(reference_file: Path, workers: int) -> dict:
    """pass@1 of the eval asset for the reference answers and for the wrong variant."""
    from dagster import DagsterInstance, materialize

    from assets.case2code.release import case2code_eval
    from io_managers import AtomicParquetIOManager
    from resources.llm import LLMResource
    from resources.sandbox import SandboxResource
    from resources.workspace import Workspace
    from tests.fakes.openai_server import OpenAIServer

    rows = [json.loads(line) for line in reference_file.read_text().splitlines() if line.strip()]
    answers = {r["prompt"]: r for r in rows}
    scores = {}
    with tempfile.TemporaryDirectory() as tmp:
        for variant in ("reference", "wrong"):

            def responder(body: dict, variant: str = variant) -> str:
                row = answers[body["messages"][-1]["content"]]
                if variant == "reference":
                    return row["output"]
                code = extract_code(row["output"], row["func_name"])
                return f"The function is:\n\n```python\n{wrong_variant(code, row['func_name'])}```"

            with OpenAIServer(responder) as server:
                llm = LLMResource(
                    engine="openai",
                    model=f"reference-{variant}",
                    base_url=server.base_url,
                    api_key_env="NO_KEY",
                    cache_path=str(Path(tmp) / "cache.sqlite"),
                    max_retries=1,
                    timeout_s=30,
                )
                resources = {
                    "io_manager": AtomicParquetIOManager(base_dir=str(Path(tmp) / "storage")),
                    "llm": llm,
                    "reasoner": llm,
                    "evaluator": llm,
                    "sandbox": SandboxResource(
                        backend="bwrap", workers=workers, timeout_s=30.0, coverage=False
                    ),
                    "workspace": Workspace(seed_dir=str(Path(tmp) / "seeds"), home=tmp),
                    "case2code_profile": Profile(),
                }
                config = {
                    "ops": {
                        "case2code_eval": {
                            "config": {"test_set": str(reference_file), "max_tokens": 2048}
                        }
                    },
                    "loggers": {"console": {"config": {"log_level": "WARNING"}}},
                }
                result = materialize(
                    [case2code_eval],
                    instance=DagsterInstance.ephemeral(),
                    resources=resources,
                    run_config=config,
                )
                (mat,) = result.get_asset_materialization_events()
                meta = {k: getattr(v, "value", v) for k, v in mat.materialization.metadata.items()}
                scores[variant] = meta
    return scores


def pipeline_sample(reference: Path, workers: int) -> dict:
    """Our stages on the original's pipeline sample: parse its answers, run, filter; compare each step."""
    from assets.case2code.case_filter import select_cases
    from assets.case2code.examples import parse_example_source, usable_examples
    from assets.case2code.functions import first_function, program
    from resources.sandbox import Sandbox

    def rows(name: str) -> list[dict]:
        return [
            json.loads(line) for line in (reference / name).read_text().splitlines() if line.strip()
        ]

    raw = {r["id"]: r for r in rows("sample_raw_data.jsonl")}
    answers = rows("write_testcase__llama3_1-70b-inst-temp0.2-sample_raw_data.jsonl")
    kept_ids = {r["gen_answer_id"] for r in rows("filtered__output.jsonl")}
    recorded = {r["gen_answer_id"]: r for r in rows("filtered__output.jsonl")}
    parsed_same = 0
    jobs, items = [], []
    for answer in answers:
        seed = raw[answer["gen_answer_id"]]
        code = program(seed.get("import_code") or [], seed["content"])
        ours = usable_examples(
            answer["completions"], first_function(seed["content"]), max_examples=100
        )
        theirs = parse_example_source(answer["example_str"], strict=False, dedupe=False).examples
        parsed_same += [e.kwargs_py() for e in ours.examples] == [e.kwargs_py() for e in theirs]
        name = first_function(seed["content"]).name
        jobs.append(
            {
                "id": answer["gen_answer_id"],
                "kind": "call",
                "code": code,
                "entry_point": name,
                "inputs_py": [e.kwargs_py() for e in ours.examples],
            }
        )
        items.append((answer["gen_answer_id"], len(ours.examples)))
    with Sandbox(backend="bwrap", workers=workers, timeout_s=10.0) as sandbox:
        results = {r["id"]: CallResult.from_wire(r) for r in sandbox.run(jobs)}
    generated = {r["gen_answer_id"]: r for r in rows("generate_output__output.jsonl")}
    keep_same = outputs_same = 0
    disagreements = []
    for item_id, n in items:
        outcomes = job_results(results[item_id], n)
        kept = select_cases(outcomes).drop_reason is None
        keep_same += kept == (item_id in kept_ids)
        if kept != (item_id in kept_ids):
            imports = raw[item_id].get("import_code") or []
            names = [line.split()[-1] for line in imports if line.strip()]
            missing = [
                m
                for m in names
                if f"name '{m}' is not defined" in generated[item_id]["exec_raw_output"]
            ]
            why = (
                (
                    f"the original ran it without its import_code ({', '.join(imports)}): NameError for {missing}; "
                    "we run the seed's imports first"
                )
                if missing
                else "unexplained"
            )
            disagreements.append(
                f"{first_function(raw[item_id]['content']).name}: ours kept={kept}; {why}"
            )
        if kept and item_id in recorded:
            expected = [gold_canonical(o) for o in recorded[item_id]["example_outputs"]]
            outputs_same += [o.canonical() for o in outcomes] == expected
    return {
        "answers": len(answers),
        "parsed_same": parsed_same,
        "keep_same": keep_same,
        "kept_recorded": len(kept_ids),
        "outputs_same": outputs_same,
        "disagreements": disagreements,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--reference", type=Path, default=REPO.parent / "shared" / "reference" / "case2code"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-eval", action="store_true")
    args = parser.parse_args()
    path = args.reference / "test_sample.jsonl"
    if not path.exists():
        print(f"reference data not found at {path}", file=sys.stderr)
        return 2
    test_set = read_test_set(path)
    print(f"== Case2Code reference: {path}")
    print(f"items readable: {len(test_set.items)}  skipped: {test_set.skipped or 'none'}")

    ex = execution_agreement(test_set, args.workers)
    print("\n== 1. Executing each item's code on its examples (sandbox call jobs)")
    print(
        f"items reproduced exactly, all examples : {ex['items_ok']}/{ex['items']} = {ex['items_ok'] / ex['items']:.1%}"
    )
    print(
        f"items reproduced on the first 10 examples (example_inputs): {ex['first10_ok']}/{ex['items']} = {ex['first10_ok'] / ex['items']:.1%}"
    )
    print(
        f"examples reproduced                   : {ex['examples_ok']}/{ex['examples_total']} = {ex['examples_ok'] / ex['examples_total']:.2%}"
    )
    print(f"sandbox wall time                     : {ex['elapsed_s']:.1f} s")
    for reason, count in ex["reasons"].most_common():
        print(f"  differing examples, {reason}: {count}")
    for item_id, name, n_diff, total, why, i, a, e in ex["differences"]:
        print(
            f"  - {item_id} {name}: {n_diff}/{total} differ {why}\n      first at example {i}: ours {a!r}\n                        recorded {e!r}"
        )

    if not args.skip_eval:
        scores = eval_scores(path, args.workers)
        print("\n== 2. case2code_eval on the same file")
        for variant, meta in scores.items():
            statuses = {k.split("/", 1)[1]: v for k, v in meta.items() if k.startswith("status/")}
            print(
                f"{variant:<10} pass@1 = {meta['pass@1']:.3f}  example match rate = {meta['example_match_rate']:.3f}  statuses = {statuses}"
            )
    sample = pipeline_sample(args.reference, args.workers)
    print(
        "\n== 3. Our stages on the original's pipeline sample (write_testcase → generate_output → filtered)"
    )
    print(
        f"answers whose examples our ast parser reads exactly as the original's run: {sample['parsed_same']}/{sample['answers']}"
    )
    print(
        f"items our filter keeps or drops as the original did                   : {sample['keep_same']}/{sample['answers']}"
    )
    print(
        f"kept items whose outputs equal the recorded example_outputs           : {sample['outputs_same']}/{sample['kept_recorded']}"
    )
    for line in sample["disagreements"]:
        print(f"  - {line}")

    return 0


if __name__ == "__main__":
    sys.exit(main())
