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
        started, cpu = time.perf_counter(), time.process_time()
        result = materialize(
            FAMILY.assets,
            selection=[stages.kodcode_release_selection, stages.kodcode_dataset],
            instance=instance,
            resources=family_resources(home, "http://127.0.0.1:9/v1"),  # no model is asked
            run_config={"ops": {"kodcode_release_selection": {"config": {}}}},
        )
        seconds = _phase("release", started)
        cpu_s = time.process_time() - cpu
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
        "cpu_s": round(cpu_s, 1),
        "selection_s": round(steps.get("kodcode_release_selection", 0.0), 1),
        "export_s": round(steps.get("kodcode_dataset", 0.0), 1),
        "rows_per_s": round(args.n * args.rows / seconds),
        "rss_before_mib": round(rss_before),
        "near_duplicate": int(selection.filter(pl.col("decision") == "near_duplicate").height),
    }


def _cached(home: Path) -> int:
    import sqlite3

    path = home / "cache.sqlite"
    if not path.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def _start_run(home: Path, base_url: str, partition: str, args: argparse.Namespace, number: int):
    import subprocess
    import sys

    from bench.scale import ROOT

    command = [
        sys.executable, "-m", "tests.integration.kodcode_run", str(home), base_url, partition,
        "--n-trials", "1", "--concurrency", str(args.concurrency),
        "--summary", str(home / f"run{number}.json"),
    ]  # fmt: skip
    log = (home / f"run{number}.log").open("w")
    return subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)


def partition(args: argparse.Namespace) -> dict[str, object]:
    """One seed file of --n lines through KodCode stages 1-2 (raw questions and trials from
    the scripted model, trials run in the bubblewrap sandbox) in a child process, which is
    killed with SIGKILL once half the raw questions are cached; a second process resumes.
    Figures: requests each run sent, answers asked twice, the resumed run's wall time and
    peak RSS (wait4 of that child), rows/s."""
    import json
    import os
    import signal

    from tests.fakes.openai_server import OpenAIServer
    from tests.integration.scripted import ScriptedKodCode, write_seed_file

    key = "scale.jsonl"
    with tempfile.TemporaryDirectory() as tmp, OpenAIServer(ScriptedKodCode()) as server:
        home = Path(tmp)
        write_seed_file(home / "seeds" / "kodcode" / key, args.n)
        started = time.perf_counter()
        first = _start_run(home, server.base_url, key, args, 1)
        while _cached(home) < args.n // 2:
            if first.poll() is not None:
                raise RuntimeError((home / "run1.log").read_text()[-3000:])
            time.sleep(0.05)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        killed_after = time.perf_counter() - started
        cached_at_kill = _cached(home)
        time.sleep(1.0)  # let in-flight requests land in the server's ledger
        answered_before = {d for _, d, outcome in server.stats.arrivals if outcome == "ok"}
        sent_before = len(server.stats.arrivals)
        print(f"killed after {killed_after:.1f} s with {cached_at_kill} answers cached; "
              f"load {load()}", flush=True)  # fmt: skip
        started = time.perf_counter()
        second = _start_run(home, server.base_url, key, args, 2)
        _, status, usage = os.wait4(second.pid, 0)
        second.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        if second.returncode:
            raise RuntimeError((home / "run2.log").read_text()[-3000:])
        sent = [
            d for _, d, o in server.stats.arrivals[sent_before:] if o not in ("models", "not_found")
        ]
        meta = json.loads((home / "run2.json").read_text())["metadata"]
        print(f"resumed run: {seconds:.1f} s, peak {usage.ru_maxrss / 1024:.0f} MiB; load {load()}")
        for asset, figures in meta.items():
            print(f"  {asset}: rows_out={figures.get('rows_out')} "
                  f"sent={figures.get('llm/sent', '-')} cache_hits={figures.get('llm/cache_hits', '-')}")  # fmt: skip
    verified = meta.get("kodcode_verified_triplets", {}).get("rows_out", 0)
    sandbox = {k: v for k, v in meta.get("kodcode_test_results", {}).items() if "sandbox" in k}
    print(f"  sandbox figures: {sandbox}")
    return {
        "workload": "partition",
        "n": args.n,
        "seconds_resumed": round(seconds, 1),
        "seconds_to_kill": round(killed_after, 1),
        "rows_per_s": round(args.n / seconds, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
        "cached_at_kill": cached_at_kill,
        "sent_after_resume": len(sent),
        "asked_twice": len(answered_before & set(sent)),
        "verified": verified,
        "job_s_median": sandbox.get("sandbox/job_s_median", ""),
    }


# The partition-health part of the Dagster UI's asset page (its PartitionHealthQuery asks for
# the partition keys and the per-partition statuses of the asset), plus the definition fields.
ASSET_PAGE_QUERY = """
query AssetPage($assetKey: AssetKeyInput!) {
  assetNodeOrError(assetKey: $assetKey) {
    ... on AssetNode {
      id
      partitionDefinition { description type }
      partitionKeysByDimension { name partitionKeys }
      assetPartitionStatuses {
        ... on DefaultPartitionStatuses {
          materializedPartitions materializingPartitions failedPartitions
        }
      }
    }
  }
}
"""


def seeds(args: argparse.Namespace) -> dict[str, object]:
    """--n seed files in the kodcode folder: the seed sensor's first tick (every file new),
    adding the partitions it asks for, a no-change tick, and the asset page's GraphQL query
    for kodcode_seed_prompts with --n partitions (through dagster_graphql, a code server
    subprocess as the webserver uses)."""
    import json
    import os

    from dagster import DagsterInstance, build_sensor_context, define_asset_job
    from dagster_graphql.test.utils import define_out_of_process_context, execute_dagster_graphql

    from assets.registry import FAMILIES
    from dagster_project.sensors import build_seed_sensor

    family = FAMILIES["kodcode"]
    line = json.dumps({"mode": "taco", "question": "Return the sum of a list."}) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        folder = home / "seeds" / "kodcode"
        folder.mkdir(parents=True)
        past = time.time() - 120
        for k in range(args.n):
            path = folder / f"seed-{k:05d}.jsonl"
            path.write_text(line * 3)
            os.utime(path, (past, past))
        (home / "dagster").mkdir()
        with DagsterInstance.local_temp(tempdir=str(home / "dagster")) as instance:
            sensor = build_seed_sensor(family, define_asset_job(family.job_name), home / "seeds")
            started = time.perf_counter()
            first = sensor(build_sensor_context(instance=instance))
            first_s = _phase("first tick", started)
            keys = [k for r in first.dynamic_partitions_requests for k in r.partition_keys]
            started = time.perf_counter()
            instance.add_dynamic_partitions(family.partitions.name, keys)
            add_s = _phase(f"added {len(keys)} partitions", started)
            started = time.perf_counter()
            again = sensor(build_sensor_context(instance=instance, cursor=first.cursor))
            again_s = _phase("no-change tick", started)
            requests_again = len(getattr(again, "run_requests", None) or [])
            os.environ["ASSAY_SEED_DIR"] = str(home / "seeds")
            os.environ["ASSAY_HOME"] = str(home)
            definitions = str(
                Path(__file__).resolve().parents[1] / "dagster_project" / "definitions.py"
            )
            with define_out_of_process_context(definitions, "defs", instance) as context:
                timings = []
                for _ in range(3):
                    started = time.perf_counter()
                    result = execute_dagster_graphql(
                        context, ASSET_PAGE_QUERY,
                        variables={"assetKey": {"path": [family.seed_asset_key.path[-1]]}},
                    )  # fmt: skip
                    timings.append(time.perf_counter() - started)
                node = result.data["assetNodeOrError"]
                shown = len(node["partitionKeysByDimension"][0]["partitionKeys"])
                print(f"asset page query: {', '.join(f'{t:.2f}' for t in timings)} s; "
                      f"{shown} partition keys; load {load()}")  # fmt: skip
    return {
        "workload": "seeds",
        "n": args.n,
        "first_tick_s": round(first_s, 2),
        "run_requests": len(first.run_requests),
        "partitions_added": len(keys),
        "add_partitions_s": round(add_s, 2),
        "no_change_tick_s": round(again_s, 2),
        "requests_on_no_change": requests_again,
        "cursor_kib": round(len(first.cursor) / 1024),
        "asset_page_query_s": round(min(timings), 2),
        "asset_page_first_s": round(timings[0], 2),
        "partition_keys_shown": shown,
    }
