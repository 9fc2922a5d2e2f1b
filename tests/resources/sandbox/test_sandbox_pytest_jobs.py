"""pytest jobs: verdicts follow pytest semantics, and only a full, genuine run is `passed`."""

from __future__ import annotations

import pytest
from sandbox_support import make_job, run_one

from resources.sandbox import (
    CRASHED,
    ERROR,
    FAILED,
    MEMORY,
    NO_TESTS,
    PASSED,
    TIMEOUT,
    Sandbox,
    Status,
)

ADD = "def add(a, b):\n    return a + b\n"


def test_status_constants_are_the_enum_values() -> None:
    assert [s.value for s in Status] == [PASSED, FAILED, ERROR, TIMEOUT, MEMORY, CRASHED, NO_TESTS]
    assert Status("passed") is Status.PASSED and Status.PASSED == "passed"


def test_a_correct_solution_passes_with_counts(sandbox: Sandbox) -> None:
    r = run_one(
        sandbox,
        ADD,
        "from solution import add\n\ndef test_a():\n    assert add(1, 2) == 3\n\ndef test_b():\n    assert add(0, 0) == 0\n",
    )
    assert r["status"] == PASSED
    assert (r["tests_collected"], r["tests_passed"], r["tests_failed"]) == (2, 2, 0)
    assert r["failures"] == [] and r["duration_s"] > 0


def test_a_wrong_solution_fails_with_a_short_message(sandbox: Sandbox) -> None:
    r = run_one(
        sandbox,
        "def add(a, b):\n    return a - b\n",
        "from solution import add\n\ndef test_a():\n    assert add(1, 2) == 3\n",
    )
    assert r["status"] == FAILED
    assert r["tests_failed"] == 1 and r["failures"][0]["test"].endswith("test_a")
    assert "assert" in r["failures"][0]["message"] and len(r["failures"][0]["message"]) <= 600


def test_one_failing_test_among_passing_ones_fails_the_job(sandbox: Sandbox) -> None:
    tests = "from solution import add\n\ndef test_ok():\n    assert add(1, 1) == 2\n\ndef test_bad():\n    assert add(1, 1) == 3\n"
    r = run_one(sandbox, ADD, tests)
    assert r["status"] == FAILED and (r["tests_passed"], r["tests_failed"]) == (1, 1)


def test_pytest_features_work_fixtures_tmp_path_parametrize_raises_approx_unittest(
    sandbox: Sandbox,
) -> None:
    tests = """
import unittest
import pytest
from solution import add

@pytest.fixture
def base():
    return 10

@pytest.mark.parametrize("a,b,c", [(1, 2, 3), (2, 2, 4)])
def test_param(a, b, c, base):
    assert add(a, b) + base == c + base

def test_tmp_path(tmp_path, monkeypatch, capsys):
    (tmp_path / "x.txt").write_text("hi")
    monkeypatch.setenv("X", "1")
    print("out")
    assert (tmp_path / "x.txt").read_text() == "hi" and capsys.readouterr().out == "out\\n"

def test_raises_and_approx():
    with pytest.raises(TypeError):
        add(1, None)
    assert add(0.1, 0.2) == pytest.approx(0.3)

class TestCase(unittest.TestCase):
    def test_unittest(self):
        self.assertEqual(add(2, 3), 5)
"""
    r = run_one(sandbox, ADD, tests)
    assert r["status"] == PASSED, r["failures"]
    assert r["tests_collected"] == 5


def test_unittest_errors_in_setup_and_failures_fail_the_job(sandbox: Sandbox) -> None:
    tests = {
        "setup_error": "import unittest\nclass T(unittest.TestCase):\n    def setUp(self):\n        open('missing.txt')\n    def test_a(self):\n        pass\n",
        "assert_fail": "import unittest\nclass T(unittest.TestCase):\n    def test_a(self):\n        self.assertEqual(add(1, 1), 3)\n",
        "skip_test": "import unittest\nclass T(unittest.TestCase):\n    @unittest.skip('no')\n    def test_a(self):\n        pass\n",
        "expected_failure": "import unittest\nclass T(unittest.TestCase):\n    @unittest.expectedFailure\n    def test_a(self):\n        self.assertEqual(1, 2)\n",
    }
    results = sandbox.run([make_job(k, ADD, v) for k, v in tests.items()])
    assert {r["id"]: r["status"] for r in results} == {k: FAILED for k in tests}


def test_skipped_and_xfailed_tests_never_count_as_passing(sandbox: Sandbox) -> None:
    cases = {
        "skip_marker": "import pytest\n@pytest.mark.skip\ndef test_a():\n    assert False\n",
        "skip_call": "import pytest\ndef test_a():\n    pytest.skip('no')\n",
        "xfail_marker": "import pytest\n@pytest.mark.xfail\ndef test_a():\n    assert False\n",
        "xfail_call": "import pytest\ndef test_a():\n    pytest.xfail('no')\n",
        "skipif": "import pytest\n@pytest.mark.skipif(True, reason='x')\ndef test_a():\n    pass\n",
        "skip_one_of_two": "import pytest\ndef test_a():\n    pass\n@pytest.mark.skip\ndef test_b():\n    assert False\n",
        "importorskip": "import pytest\nnope = pytest.importorskip('no_such_module_here')\ndef test_a():\n    pass\n",
    }
    results = sandbox.run([make_job(k, ADD, v) for k, v in cases.items()])
    for r in results:
        assert r["status"] != PASSED, r["id"]


def test_no_collected_test_is_no_tests(sandbox: Sandbox) -> None:
    r = run_one(
        sandbox, ADD, "from solution import add\n\ndef check_add():\n    assert add(1, 1) == 2\n"
    )
    assert r["status"] == NO_TESTS and r["tests_collected"] == 0


def test_import_and_syntax_errors_are_errors(sandbox: Sandbox) -> None:
    results = sandbox.run(
        [
            make_job(
                "bad_solution",
                "def add(:\n",
                "from solution import add\n\ndef test_a():\n    assert add(1, 1) == 2\n",
            ),
            make_job("bad_test", ADD, "def test_a(:\n"),
            make_job(
                "missing_name",
                ADD,
                "from solution import sub\n\ndef test_a():\n    assert sub(1, 1) == 0\n",
            ),
        ]
    )
    assert [r["status"] for r in results] == [ERROR, ERROR, ERROR]
    assert all(r["failures"] and r["failures"][0]["message"] for r in results)


def test_tests_may_use_solution_names_without_importing_them_as_in_kodcode(
    sandbox: Sandbox,
) -> None:
    tests = '"""Docstring."""\nfrom __future__ import annotations\n\ndef test_a():\n    assert add(2, 2) == 4\n'
    assert run_one(sandbox, ADD, tests)["status"] == PASSED


def test_a_test_file_of_its_own_helper_names_keeps_them(sandbox: Sandbox) -> None:
    tests = "def add(a, b):\n    return 42\n\ndef test_a():\n    assert add(1, 1) == 42\n"
    assert run_one(sandbox, ADD, tests)["status"] == PASSED


def test_an_endless_test_times_out(sandbox: Sandbox) -> None:
    r = run_one(
        sandbox,
        "def f():\n    while True:\n        pass\n",
        "from solution import f\n\ndef test_a():\n    f()\n",
    )
    assert r["status"] == TIMEOUT


def test_a_sleeping_test_times_out_on_wall_clock(sandbox: Sandbox) -> None:
    r = run_one(
        sandbox,
        "import time\ndef f():\n    time.sleep(60)\n",
        "from solution import f\n\ndef test_a():\n    f()\n",
    )
    assert r["status"] == TIMEOUT


def test_running_out_of_memory_is_memory(sandbox: Sandbox) -> None:
    solution = "def f():\n    return bytearray(4 * 1024 ** 3)\n"
    r = run_one(sandbox, solution, "from solution import f\n\ndef test_a():\n    assert f()\n")
    assert r["status"] == MEMORY


def test_a_segfault_is_crashed(sandbox: Sandbox) -> None:
    r = run_one(
        sandbox,
        "import faulthandler\ndef f():\n    faulthandler._sigsegv()\n",
        "from solution import f\n\ndef test_a():\n    f()\n",
    )
    assert r["status"] == CRASHED
    assert "SIGSEGV" in r["failures"][0]["message"]


def test_results_keep_input_order_and_ids(sandbox: Sandbox) -> None:
    jobs = [
        make_job(
            f"j{i}",
            ADD,
            f"from solution import add\n\ndef test_a():\n    assert add({i}, 0) == {i if i % 3 else -1}\n",
        )
        for i in range(12)
    ]
    results = sandbox.run(jobs)
    assert [r["id"] for r in results] == [j["id"] for j in jobs]
    assert [r["status"] for r in results] == [FAILED if i % 3 == 0 else PASSED for i in range(12)]


def test_malformed_jobs_get_an_error_in_their_slot_and_the_batch_goes_on(sandbox: Sandbox) -> None:
    jobs = [
        {"id": "x", "kind": "nope"},
        make_job("ok", ADD, "def test_a():\n    assert add(1, 1) == 2\n"),
        {"id": "y", "kind": "pytest"},
    ]
    results = sandbox.run(jobs)
    assert [r["id"] for r in results] == ["x", "ok", "y"]
    assert [r["status"] for r in results] == [ERROR, PASSED, ERROR]


def test_coverage_is_the_solutions_line_coverage_when_asked() -> None:
    solution = "def f(x):\n    if x:\n        return 1\n    return 2\n"
    tests = "from solution import f\n\ndef test_a():\n    assert f(True) == 1\n"
    with Sandbox(backend="process", workers=1, timeout_s=5, coverage=True) as sb:
        (r,) = sb.run([make_job("c", solution, tests)])
    assert r["status"] == PASSED
    assert r["coverage"] == pytest.approx(75.0)


def test_coverage_is_off_by_default(sandbox: Sandbox) -> None:
    assert run_one(sandbox, ADD, "def test_a():\n    assert add(1, 1) == 2\n")["coverage"] is None


def test_jobs_using_pandas_scipy_sklearn_sympy_run_from_the_heavy_tier(sandbox: Sandbox) -> None:
    jobs = [
        make_job(
            "pandas",
            "import pandas as pd\ndef f():\n    return int(pd.Series([1, 2]).sum())\n",
            "from solution import f\n\ndef test_f():\n    assert f() == 3\n",
        ),
        make_job(
            "sklearn",
            "import numpy as np\nfrom sklearn.linear_model import LinearRegression\n"
            "def f():\n    return float(LinearRegression().fit(np.array([[0], [1]]), np.array([0, 2])).coef_[0])\n",
            "import pytest\nfrom solution import f\n\ndef test_f():\n    assert f() == pytest.approx(2.0)\n",
        ),
        make_job(
            "sympy",
            "import sympy\ndef f():\n    x = sympy.Symbol('x')\n    return str(sympy.diff(x**2, x))\n",
            "from solution import f\n\ndef test_f():\n    assert f() == '2*x'\n",
        ),
        make_job(
            "scipy_wrong",
            "from scipy import optimize\ndef f():\n    return 0.0\n",
            "from solution import f\n\ndef test_f():\n    assert f() == 1.0\n",
        ),
    ]
    assert [r["status"] for r in sandbox.run(jobs)] == [PASSED, PASSED, PASSED, FAILED]


def test_only_jobs_that_import_a_heavy_package_go_to_the_heavy_tier() -> None:
    from resources.sandbox.assay_runtime.heavy import needs_heavy
    from resources.sandbox.assay_runtime.preload import HEAVY_PRELOAD

    assert needs_heavy({"solution_code": "import pandas as pd\n"}, HEAVY_PRELOAD)
    assert needs_heavy({"code": "from sklearn.metrics import f1_score\n"}, HEAVY_PRELOAD)
    assert needs_heavy({"test_code": "  from scipy import stats\n"}, HEAVY_PRELOAD)
    assert not needs_heavy(
        {"solution_code": "import numpy as np\n# pandas would be overkill\n"}, HEAVY_PRELOAD
    )
    assert not needs_heavy({"solution_code": "import pandasx\n"}, HEAVY_PRELOAD)


def test_everyday_library_patterns_work_inside_the_sandbox(sandbox: Sandbox) -> None:
    passing = "from solution import f\n\ndef test_f():\n    assert f() == 6\n"
    solutions = {
        "multiprocessing": "from multiprocessing import Pool\ndef sq(x):\n    return x * x\n"
        "def f():\n    with Pool(2) as p:\n        return sum(p.map(sq, [1, 1, 2]))\n",
        "threads": "from concurrent.futures import ThreadPoolExecutor\ndef f():\n"
        "    with ThreadPoolExecutor(4) as ex:\n        return sum(ex.map(lambda x: x * 2, [1, 2]))\n",
        "stdlib": "import functools, inspect, logging, tempfile\nfrom dataclasses import dataclass\n"
        "from collections import namedtuple\nP = namedtuple('P', 'x y')\n@dataclass\nclass A:\n    x: int\n"
        "@functools.lru_cache\ndef f():\n    logging.getLogger(__name__).warning('x')\n"
        "    with tempfile.NamedTemporaryFile() as fh:\n        fh.write(b'1')\n"
        "    return A(3).x + P(1, 2).y + len(inspect.signature(A).parameters)\n",
    }
    results = sandbox.run([make_job(k, v, passing) for k, v in solutions.items()])
    assert {r["id"]: r["status"] for r in results} == dict.fromkeys(solutions, PASSED)


def test_node_ids_are_pytests_own_for_functions_classes_and_parameters(sandbox: Sandbox) -> None:
    """Jobs are collected from their test file down (the levels above it are the same for
    every job and kept from the warm-up): the ids must still be what pytest itself makes."""
    tests = (
        "import pytest\nfrom solution import add\n\n"
        "def test_plain():\n    assert add(1, 1) == 3\n\n"
        "class TestGroup:\n    def test_in_class(self):\n        assert add(1, 1) == 3\n\n"
        "@pytest.mark.parametrize('a', [1, 'x'])\n"
        "def test_param(a):\n    assert add(a, a) == 0\n"
    )
    r = run_one(sandbox, ADD, tests)
    assert r["status"] == FAILED and r["tests_collected"] == 4
    assert [f["test"] for f in r["failures"]] == [
        "test_solution.py::test_plain",
        "test_solution.py::TestGroup::test_in_class",
        "test_solution.py::test_param[1]",
        "test_solution.py::test_param[x]",
    ]


def test_a_job_may_carry_its_own_time_limit(sandbox: Sandbox) -> None:
    """A method's verification limit (KodCode's 30 s) travels with the job, longer or
    shorter than the sandbox's own (4 s here)."""
    from resources.sandbox.typed import PytestJob

    slow = "import time\n\ndef test_slow():\n    time.sleep(5)\n"
    quick = "import time\n\ndef test_quick():\n    time.sleep(1.5)\n"
    longer, shorter = sandbox.run(
        [
            PytestJob("longer", ADD, slow, timeout_s=8.0),
            PytestJob("shorter", ADD, quick, timeout_s=1.0),
        ]
    )
    assert longer["status"] == PASSED
    assert shorter["status"] == TIMEOUT
    (bad,) = sandbox.run([{**make_job("bad", ADD, slow), "timeout_s": -1}])
    assert bad["status"] == ERROR and "timeout_s" in str(bad)
