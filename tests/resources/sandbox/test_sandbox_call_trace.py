"""call and trace jobs: per-input outcomes with values or exceptions, and bounded execution traces."""

from __future__ import annotations

from resources.sandbox import ERROR, PASSED, TIMEOUT, Sandbox

CODE = """
def main_solution(n, xs=None):
    if n < 0:
        raise ValueError("negative")
    return {"n": n, "xs": xs}

def pair(a, b):
    return (a, b)
"""


def call(code: str, entry: str, **inputs: object) -> dict:
    return {"id": "c", "kind": "call", "code": code, "entry_point": entry, **inputs}


def test_each_input_gets_its_value_or_its_exception_in_order(sandbox: Sandbox) -> None:
    (r,) = sandbox.run(
        [
            call(
                CODE,
                "main_solution",
                inputs=[{"n": 1}, {"n": -1}, {"n": 2, "xs": [1, 2]}, {"m": 0}],
            )
        ]
    )
    assert r["status"] == PASSED
    ok, neg, xs, bad = r["outcomes"]
    assert (
        ok["ok"]
        and ok["value_json"] == {"n": 1, "xs": None}
        and ok["value_repr"] == "{'n': 1, 'xs': None}"
    )
    assert (
        not neg["ok"]
        and neg["exception_type"] == "ValueError"
        and neg["exception_message"] == "negative"
    )
    assert xs["value_json"] == {"n": 2, "xs": [1, 2]}
    assert bad["exception_type"] == "TypeError"
    assert all(o["duration_s"] >= 0 for o in r["outcomes"])


def test_python_expression_inputs_keep_tuples_sets_and_objects(sandbox: Sandbox) -> None:
    inputs_py = [
        "{'a': (1, 2), 'b': {3}}",
        "dict(a=frozenset(), b=float('nan'))",
        "{'a': Point(1, 2), 'b': None}",
        "[1, 2]",
    ]
    code = (
        CODE
        + "\nclass Point:\n    def __init__(self, x, y):\n        self.x, self.y = x, y\n    def __repr__(self):\n        return f'Point({self.x}, {self.y})'\n"
    )
    (r,) = sandbox.run([call(code, "pair", inputs_py=inputs_py)])
    tuple_set, nan, obj, not_a_dict = r["outcomes"]
    assert tuple_set["value_repr"] == "((1, 2), {3})" and tuple_set["value_json"] is None
    assert nan["value_repr"] == "(frozenset(), nan)" and nan["value_json"] is None
    assert obj["value_repr"] == "(Point(1, 2), None)"
    assert not not_a_dict["ok"] and not_a_dict["exception_type"] == "TypeError"


def test_a_slow_input_times_out_alone_and_the_others_still_run(sandbox: Sandbox) -> None:
    code = "import time\ndef f(s):\n    time.sleep(s)\n    return s\n"
    (r,) = sandbox.run([call(code, "f", inputs=[{"s": 0}, {"s": 30}, {"s": 0.01}])])
    first, slow, last = r["outcomes"]
    assert first["ok"] and last["ok"] and last["value_json"] == 0.01
    assert not slow["ok"] and slow["exception_type"] == "Timeout"


def test_code_that_does_not_load_is_an_error(sandbox: Sandbox) -> None:
    results = sandbox.run(
        [call("def f(:\n", "f", inputs=[{}]), call("x = 1\n", "f", inputs=[{}, {}])]
    )
    assert [r["status"] for r in results] == [ERROR, ERROR]
    assert [len(r["outcomes"]) for r in results] == [1, 2]


def test_a_job_that_ignores_the_alarm_is_stopped_and_every_input_accounted_for(
    sandbox: Sandbox,
) -> None:
    code = "import signal\ndef f():\n    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n"
    (r,) = sandbox.run([call(code, "f", inputs=[{}, {}])])
    assert r["status"] == TIMEOUT
    assert len(r["outcomes"]) == 2 and not any(o["ok"] for o in r["outcomes"])


def test_a_trace_records_lines_calls_returns_and_locals(sandbox: Sandbox) -> None:
    code = "def helper(x):\n    return x * 2\n\ndef f(n):\n    total = 0\n    for i in range(n):\n        total += helper(i)\n    return total\n"
    (r,) = sandbox.run(
        [{"id": "t", "kind": "trace", "code": code, "entry_point": "f", "kwargs": {"n": 2}}]
    )
    assert r["status"] == PASSED and r["return_repr"] == "2" and not r["truncated"]
    events = r["events"]
    assert (
        events[0]["event"] == "call"
        and events[0]["func"] == "f"
        and events[0]["locals"]["n"] == {"repr": "2", "type": "int", "truncated": False}
    )
    assert [e["line"] for e in events if e["event"] == "line" and e["func"] == "f"][:3] == [5, 6, 7]
    assert any(e["event"] == "call" and e["func"] == "helper" for e in events)
    assert events[-2]["event"] == "return" and events[-2]["value"] == "2"
    assert events[-2]["locals"]["total"]["repr"] == "2"
    assert events[-1] == {"event": "end", "stop": "returned"}


def test_a_trace_records_exceptions_and_is_bounded_in_events_and_time(sandbox: Sandbox) -> None:
    raising = "def f():\n    x = [1]\n    return x[3]\n"
    endless = "def f():\n    i = 0\n    while True:\n        i += 1\n"
    results = sandbox.run(
        [
            {"id": "raise", "kind": "trace", "code": raising, "entry_point": "f", "kwargs": {}},
            {
                "id": "bound",
                "kind": "trace",
                "code": endless,
                "entry_point": "f",
                "kwargs": {},
                "max_events": 50,
            },
        ]
    )
    raised, bounded = results
    assert raised["exception_type"] == "IndexError"
    assert any(
        e["event"] == "exception" and e["exception_type"] == "IndexError" for e in raised["events"]
    )
    assert (
        bounded["truncated"] and bounded["stop"] == "event_limit" and bounded["status"] == TIMEOUT
    )
    assert len(bounded["events"]) == 51 and bounded["events"][-1]["event"] == "end"


def test_trace_locals_are_truncated_reprs(sandbox: Sandbox) -> None:
    code = "def f():\n    big = 'x' * 10000\n    return len(big)\n"
    (r,) = sandbox.run(
        [{"id": "t", "kind": "trace", "code": code, "entry_point": "f", "kwargs": {}}]
    )
    assert all(len(v["repr"]) <= 200 for e in r["events"] for v in e.get("locals", {}).values())
    big = r["events"][-2]["locals"]["big"]
    assert big["truncated"] and big["repr"] == repr("x" * 10000)[:200]


def trace(code: str, **fields: object) -> dict:
    return {"id": "t", "kind": "trace", "code": code, "entry_point": "f", **fields}


def test_arguments_as_python_source_keep_tuples_sets_and_lambdas_at_their_line(
    sandbox: Sandbox,
) -> None:
    code = "def f(t, s, g):\n    n = g(len(t))\n    return (n, sorted(s))\n"
    (r,) = sandbox.run([trace(code, args_py="(1, 2), {3}, lambda x: x + 1", args_line=7)])
    assert r["status"] == PASSED and r["return_repr"] == "(3, [3])"
    lambda_lines = {e["line"] for e in r["events"] if e.get("func") == "<lambda>"}
    assert lambda_lines == {7}
    assert r["events"][0]["locals"]["t"]["type"] == "tuple"


def test_every_event_names_its_frame_and_new_frames_never_reuse_a_number(sandbox: Sandbox) -> None:
    code = "def g(x):\n    y = x\n    return y\n\ndef f():\n    a = g(1)\n    b = g(2)\n    return a + b\n"
    (r,) = sandbox.run([trace(code)])
    calls = [e["frame"] for e in r["events"] if e["event"] == "call"]
    assert calls == [0, 1, 2]
    assert {e["frame"] for e in r["events"] if e.get("func") == "f"} == {0}


def test_the_eval_view_is_what_evaluating_the_repr_without_builtins_gives(sandbox: Sandbox) -> None:
    code = "def f():\n    a = {'x'}\n    b = set()\n    c = 'hi'\n    d = 'y' * 300\n    return 0\n"
    (r,) = sandbox.run([trace(code, eval_view=True)])
    final = r["events"][-2]["locals"]
    assert (final["a"]["eval_str"], final["a"]["eval_type"]) == ("{'x'}", "<class 'set'>")
    assert (final["b"]["eval_str"], final["b"]["eval_type"]) == (None, None)  # set() needs builtins
    assert (final["c"]["eval_str"], final["c"]["eval_type"]) == ("hi", "<class 'str'>")
    assert final["d"]["truncated"] and final["d"]["eval_str"] is None


def test_string_sets_iterate_in_the_same_order_in_every_worker_and_run(sandbox: Sandbox) -> None:
    code = "def f():\n    return list({'alpha', 'beta', 'gamma', 'delta', 'epsilon'})\n"
    results = sandbox.run([trace(code) for _ in range(4)])
    assert len({r["return_repr"] for r in results}) == 1
    with Sandbox(backend="bwrap", workers=1, timeout_s=4.0, memory_mb=512) as other:
        (again,) = other.run([trace(code)])
    assert again["return_repr"] == results[0]["return_repr"]


HOSTILE_TRACES = {
    "infinite_loop": (
        "def f():\n    i = 0\n    while True:\n        i += 1\n",
        {"event_limit", "timeout"},
    ),
    "loop_in_c": ("import itertools\ndef f():\n    return sum(itertools.count())\n", {"timeout"}),
    "deep_recursion": ("def f(n=0):\n    return f(n + 1)\n", {"raised", "event_limit"}),
    "endless_generator": (
        "def g():\n    i = 0\n    while True:\n        yield i\n        i += 1\n\ndef f():\n    return list(g())\n",
        {"event_limit", "timeout", "memory"},
    ),
    "gigantic_repr": (
        "class Big:\n    def __repr__(self):\n        return 'x' * (10 ** 10)\n\ndef f():\n    b = Big()\n    return 1\n",
        {"bad_repr"},
    ),
    "endless_repr": (
        "class Slow:\n    def __repr__(self):\n        while True:\n            pass\n\ndef f():\n    b = Slow()\n    return 1\n",
        {"timeout"},
    ),
    "huge_repr": (
        "def f():\n    s = 'a' * (10 ** 8)\n    t = [s] * 10\n    u = t\n    return len(u)\n",
        {"returned"},
    ),
    "settrace": (
        "import sys\ndef f():\n    sys.settrace(None)\n    x = 1\n    return x\n",
        {"tampered"},
    ),
    "frame_f_trace": (
        "import sys\ndef f():\n    sys._getframe().f_trace = None\n    x = 1\n    return x\n",
        {"tampered"},
    ),
    "f_trace_lines": (
        "import sys\ndef f():\n    sys._getframe().f_trace_lines = False\n    x = 1\n    return x\n",
        {"tampered"},
    ),
    "catches_the_stop": (
        "def f():\n    n = 0\n    while True:\n        try:\n            n += 1\n        except BaseException:\n            pass\n",
        {"event_limit", "timeout"},
    ),
}


def test_hostile_traces_end_in_bounded_time_with_a_clear_stop(sandbox: Sandbox) -> None:
    import time

    names = list(HOSTILE_TRACES)
    started = time.perf_counter()
    results = sandbox.run(
        [{**trace(HOSTILE_TRACES[n][0], max_events=5000), "id": n} for n in names]
    )
    elapsed = time.perf_counter() - started
    for name, r in zip(names, results):
        assert r["stop"] in HOSTILE_TRACES[name][1], (name, r["stop"], r["status"], r.get("error"))
        assert r["events"][-1]["event"] == "end"
        if r["stop"] != "returned":
            assert r["status"] != PASSED, name
    assert elapsed < 60
