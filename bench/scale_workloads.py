"""The non-dedup workloads of bench/scale.py: release, partition, seeds. Each takes the parsed
arguments, prints its figures, and returns the `key=value` figures of its last line."""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import polars as pl

from bench import near_duplicates
from bench.scale import load, peak_rss_mib


def _phase(name: str, started: float) -> float:
    seconds = time.perf_counter() - started
    print(f"{name}: {seconds:.1f} s, peak {peak_rss_mib():.0f} MiB; load {load()}", flush=True)
    return seconds


def _triplets(partition: str, texts: list[str], offset: int) -> pl.DataFrame:
    """KodCode triplet rows (the release's input) around `texts`: instruct questions, each
    with one complete-style variant (a child: it follows its parent's fate)."""
    from assets.kodcode.retries import TRIPLETS_SCHEMA

    rows = []
    for k, text in enumerate(texts):
        qid = f"{partition}-{offset + k:07d}"
        for style, parent in (("instruct", None), ("complete", qid)):
            rows.append(
                {
                    "style": style,
                    "question_id": qid if parent is None else f"{qid}-c",
                    "partition": partition,
                    "subset": "leetcode",
                    "mode": "generate",
                    "question": text if style == "instruct" else f"def f(x):\n    '''{text}'''\n",
                    "solution": "def f(x):\n    return x\n",
                    "test_code": "from solution import f\n\ndef test_f():\n    assert f(1) == 1\n",
                    "test_info": [
                        {
                            "function_name": "f",
                            "parameter_list": "(x)",
                            "function_declaration": "def f(x):",
                            "docstring": text[:80],
                        }
                    ],
                    "pass_sequence": [True, True],
                    "pass_count": 2,
                    "trials": 2,
                    "pass_percentage": 1.0,
                    "difficulty": "easy",
                    "chosen_trial": 0,
                    "chosen_trial_id": f"{qid}-t0",
                    "chosen_status": "passed",
                    "chosen_coverage": 1.0,
                    "parent_question_id": parent,
                    "metadata": "{}",
                }
            )
    return pl.DataFrame(rows, schema=TRIPLETS_SCHEMA)


def release(args: argparse.Namespace) -> dict[str, object]:
    """--n partitions x --rows triplets (half instruct, half their complete-style children)
    through KodCode's release selection (dedup + decontamination) and triplet export."""
    from dagster import DagsterInstance, materialize

    from assets.kodcode import FAMILY
    from assets.kodcode import release as stages
    from tests.fakes.family_run import family_resources

    questions = args.rows // 2
    corpus = near_duplicates.corpus(args.n * questions, seed=args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        storage = home / "storage" / "kodcode_triplets"
        storage.mkdir(parents=True)
        keys = [f"seed-{p:05d}.jsonl" for p in range(args.n)]
        started = time.perf_counter()
        for p, key in enumerate(keys):
            texts = corpus.texts[p * questions : (p + 1) * questions]
            _triplets(key, texts, p * questions).write_parquet(storage / f"{key}.parquet")
        _phase(f"wrote {args.n} partitions", started)
        rss_before = peak_rss_mib()
        instance = DagsterInstance.ephemeral()
        instance.add_dynamic_partitions(FAMILY.partitions.name, keys)
        started = time.perf_counter()
        result = materialize(
            FAMILY.assets,
            selection=[stages.kodcode_release_selection, stages.kodcode_dataset],
            instance=instance,
            resources=family_resources(home, "http://127.0.0.1:9/v1"),  # no model is asked
            run_config={"ops": {"kodcode_release_selection": {"config": {}}}},
        )
        seconds = _phase("release", started)
        steps = {
            e.step_key: e.event_specific_data.duration_ms / 1000  # type: ignore[union-attr]
            for e in result.all_events
            if e.event_type_value == "STEP_SUCCESS"
        }
        selection = result.output_for_node("kodcode_release_selection")
        decisions = selection.group_by("decision").len().sort("decision")
        print(decisions)
    return {
        "workload": "release",
        "n": args.n,
        "rows": args.n * args.rows,
        "seconds": round(seconds, 1),
        "selection_s": round(steps.get("kodcode_release_selection", 0.0), 1),
        "export_s": round(steps.get("kodcode_dataset", 0.0), 1),
        "rows_per_s": round(args.n * args.rows / seconds),
        "rss_before_mib": round(rss_before),
        "near_duplicate": int(selection.filter(pl.col("decision") == "near_duplicate").height),
    }
