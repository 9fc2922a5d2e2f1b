"""Classifying disagreements with CodeI/O's recorded pairs (pure part; the sandbox run is in bench/)."""

import json

from bench.reference.codeio import (
    ENVIRONMENT,
    MUTATED,
    RANDOM,
    TIME,
    classify,
    cross_check,
    harness_replay_jobs,
    load_preimages,
    mutation_probe_job,
    read_replays,
    refcode_key,
    reference_job,
    replay_program,
    reproduces,
    summary,
    writes_to_parameter,
)


def ok(value) -> dict:
    return {"ok": True, "value_json": value}


def test_agreement_needs_both_runs_to_match_the_record():
    assert classify("def main_solution(x): return x", 3, ok(3), ok(3)) == (None, "")
    cls, _ = classify("def main_solution(x): return x", 3, ok(3), ok(4))
    assert cls == RANDOM


def test_disagreements_are_classified_by_behaviour_and_cues():
    random_code = "import random\ndef main_solution(x): return x + random.random()"
    assert classify(random_code, 1.5, ok(1.2), ok(1.7))[0] == RANDOM
    time_code = (
        "import time\ndef main_solution(x):\n    t = time.time()\n    return time.time() - t"
    )
    assert classify(time_code, 1e-6, ok(2e-6), ok(3e-6))[0] == TIME
    plain = "def main_solution(x): return x"
    assert classify(plain, 3, ok(4), ok(4))[0] == ENVIRONMENT
    assert classify(plain, 3, ok(4), ok(4), mutated=True)[0] == MUTATED
    crashed = {
        "ok": False,
        "exception_type": "ModuleNotFoundError",
        "exception_message": "no module named gmpy2",
    }
    cls, detail = classify(plain, 3, crashed, crashed)
    assert cls == ENVIRONMENT and "ModuleNotFoundError" in detail


def test_in_place_writes_to_a_parameter_are_found():
    assert writes_to_parameter("def f(grid):\n    grid[0][1] = 2\n")
    assert writes_to_parameter("class S:\n    def f(self, xs):\n        xs.sort()\n")
    assert not writes_to_parameter(
        "def f(grid):\n    g = [row[:] for row in grid]\n    g[0][0] = 1\n"
    )


def test_cross_check_reports_every_pair_and_a_summary():
    records = [
        {
            "refcode": "def main_solution(x): return x * 2",
            "funcname": "main_solution",
            "ios": [{"input": {"x": 1}, "output": 2}, {"input": {"x": 2}, "output": 5}],
        },
    ]
    assert reference_job(0, records[0])["inputs"] == [{"x": 1}, {"x": 2}]
    assert mutation_probe_job(0, records[0])["inputs"] == [
        {"calls": [{"x": 1}, {"x": 2}], "entry": "main_solution"}
    ]
    runs = [{"status": "passed", "outcomes": [ok(2), ok(4)]}]
    probes = [{"status": "passed", "outcomes": [ok([False, False])]}]
    checks = cross_check(records, runs, runs, probes)
    assert [c.agrees for c in checks] == [True, False] and checks[1].cls == ENVIRONMENT
    assert summary(checks) == {
        "pairs": 2,
        "agree": 1,
        "agree_share": 0.5,
        "records": 1,
        "records_all_agree": 0,
        "agree_replayed": 0,
        "disagreements_by_class": {ENVIRONMENT: 1},
    }


def test_replay_programs_draw_only_recorded_inputs():
    record = {
        "refcode": "def main_solution(x):\n    return x * 2",
        "ios": [{"input": {"x": 1}, "output": 2}, {"input": {"x": 5}, "output": 10}],
    }
    namespace: dict = {}
    exec(replay_program(record), namespace)  # noqa: S102 - our own fixture code
    drawn = {namespace["input_generator"]()["x"] for _ in range(50)}
    assert drawn == {1, 5}


# CodeI/O's harness wrote the argument after the call: `xs` was [3, 1, 2] when called.
SORTS_IN_PLACE = {
    "refcode": "def main_solution(xs):\n    xs.sort()\n    return xs[0] * 10 + len(xs)",
    "funcname": "main_solution",
    "ios": [
        {"input": {"xs": [1, 2, 3]}, "output": 13},
        {"input": {"xs": [1, 2, 3]}, "output": 13},
    ],
}


def written(kwargs: dict, output) -> dict:
    return {"input": json.dumps(kwargs), "output": json.dumps(output)}


def test_a_replay_agrees_only_when_it_writes_the_recorded_input_and_output():
    io = SORTS_IN_PLACE["ios"][0]
    assert reproduces(written({"xs": [1, 2, 3]}, 13), io)
    assert reproduces(written({"xs": [1, 2, 3]}, 13.001), io)  # the comparator's tolerance
    assert not reproduces(written({"xs": [3, 1, 2]}, 13), io)  # the argument was not mutated
    assert not reproduces(written({"xs": [1, 2, 3]}, 14), io)  # wrong output
    assert not reproduces({"error": "ValueError"}, io)
    assert not reproduces(None, io)
    assert not reproduces({"input": "{not json", "output": "13"}, io)


def test_mutated_pairs_agree_through_a_replay_and_stay_classified_without_one():
    records = [SORTS_IN_PLACE]
    preimages = {refcode_key(SORTS_IN_PLACE["refcode"]): {1: {"xs": [3, 1, 2]}}}
    (job,) = harness_replay_jobs(records, preimages)
    assert job["id"] == "har-0" and job["inputs"][0]["calls"] == [{"xs": [3, 1, 2]}]
    assert "_assay_codeio_harness" in job["code"]
    replayed = {"id": "har-0", "outcomes": [ok([written({"xs": [1, 2, 3]}, 13)])]}
    replays = read_replays(records, [replayed], preimages)
    assert replays == {0: {1: written({"xs": [1, 2, 3]}, 13)}}
    # Made-up runs in which both pairs disagree on the recorded input; only pair 1 has a replay.
    runs = [{"status": "passed", "outcomes": [ok(99), ok(99)]}]
    probes = [{"status": "passed", "outcomes": [ok([False, False])]}]
    checks = cross_check(records, runs, runs, probes, replays)
    assert [(c.agrees, c.cls, c.replayed) for c in checks] == [
        (False, MUTATED, False),
        (True, None, True),
    ]
    assert summary(checks)["agree_replayed"] == 1
    # A replay is never used for a pair classified otherwise (here: random code).
    noisy = dict(SORTS_IN_PLACE, refcode=SORTS_IN_PLACE["refcode"] + "  # random")
    assert not cross_check([noisy], runs, runs, probes, replays)[1].agrees


def test_the_shipped_preimages_are_well_formed():
    preimages = load_preimages()
    assert preimages, "the reconstructed pre-call inputs load"
    for pairs in preimages.values():
        assert pairs and all(isinstance(x, dict) for x in pairs.values())
