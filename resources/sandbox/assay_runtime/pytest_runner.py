"""pytest jobs: a session prepared once in the zygote, collected and run in each fork.

Configuring pytest (argument parsing, plugin registration, the fixture manager) costs
tens of milliseconds and is the same for every job, because every job's files sit at
the same scratch path. The zygote does it once; a forked job only collects its own test
file and runs it, which keeps full pytest semantics (fixtures, tmp_path, parametrize,
raises, approx, unittest classes) at a few milliseconds per file.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from .guard import Guard

SOLUTION_FILE = "solution.py"
TEST_FILE = "test_solution.py"
MESSAGE_CHARS = 600
# The zygote's warm-up file: a plain test function with the asserts and helpers jobs use
# most, and nothing that registers fixtures or creates temporary directories.
WARM_UP_SOLUTION = "def f(x):\n    return x + 1\n"
WARM_UP_TEST = (
    "import pytest\n"
    "from solution import f\n\n\n"
    "def test_warm_up():\n"
    "    assert f(1) == 2\n"
    "    assert [f(0)] == [1] and f(0.1) == pytest.approx(1.1)\n"
    "    with pytest.raises(TypeError):\n"
    "        f(None)\n"
)

DISABLED_PLUGINS = (
    "cacheprovider",
    "faulthandler",
    "pastebin",
    "junitxml",
    "stepwise",
    "terminal",
    "setuponly",
    "setupplan",
)


def _short(text: str) -> str:
    text = text.strip()
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def _exc_fields(exc: BaseException) -> tuple[str, str]:
    name = type(exc).__name__
    try:
        message = str(exc)
    except BaseException:  # noqa: BLE001 - a job's __str__ may raise anything
        message = "<unprintable>"
    return name, _short(message)


class Observer:
    """pytest plugin: reports each phase's real outcome to the guard, outermost of all wrappers."""

    def __init__(self) -> None:
        self.messages: dict[str, str] = {}

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection_finish(self, session: Any) -> None:
        items = []
        for item in session.items:
            obj = getattr(item, "obj", None)
            items.append(
                {
                    "nodeid": item.nodeid,
                    "item": id(item),
                    "obj": id(obj),
                    "code": id(getattr(obj, "__code__", None)),
                }
            )
        Guard.observe({"kind": "collected", "items": items})

    @pytest.hookimpl(tryfirst=True)
    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            text = _short(str(report.longrepr))
            Guard.observe({"kind": "collect_error", "nodeid": report.nodeid, "message": text})

    def _phase(self, item: Any, phase: str):  # type: ignore[no-untyped-def]
        obj = getattr(item, "obj", None)
        record = {
            "kind": "phase",
            "phase": phase,
            "nodeid": item.nodeid,
            "item": id(item),
            "obj": id(obj),
            "code": id(getattr(obj, "__code__", None)),
            "overridden": "runtest" in vars(item),
            "ok": False,
            "exc_type": None,
            "message": "",
        }
        try:
            yield
        except BaseException as exc:
            record["exc_type"], record["message"] = _exc_fields(exc)
            Guard.observe(record)
            raise
        record["ok"] = True
        Guard.observe(record)

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_setup(self, item: Any):  # type: ignore[no-untyped-def]
        return (yield from self._phase(item, "setup"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_call(self, item: Any):  # type: ignore[no-untyped-def]
        return (yield from self._phase(item, "call"))

    @pytest.hookimpl(wrapper=True, tryfirst=True)
    def pytest_runtest_teardown(self, item: Any, nextitem: Any):  # type: ignore[no-untyped-def]
        return (yield from self._phase(item, "teardown"))

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_logreport(self, report: Any) -> None:
        # pytest's own verdict per phase is required too: unittest-style tests report their
        # errors through it (setUp failures, addError) without raising out of runtest().
        Guard.observe(
            {
                "kind": "report",
                "nodeid": report.nodeid,
                "phase": report.when,
                "outcome": report.outcome,
            }
        )
        if report.failed and report.nodeid not in self.messages:
            longrepr = report.longrepr
            crash = getattr(longrepr, "reprcrash", None)
            text = crash.message if crash is not None else str(longrepr)
            self.messages[report.nodeid] = _short(text)


class PreparedSession:
    """A configured pytest session rooted at the scratch directory, ready to be forked."""

    def __init__(self, scratch: str) -> None:
        from _pytest.config import _prepareconfig
        from _pytest.main import Session

        self.scratch = scratch
        self.observer = Observer()
        args = [os.path.join(scratch, TEST_FILE), "--rootdir", scratch, "--capture=no"]
        args += ["--basetemp", os.path.join(scratch, ".pytest_tmp")]
        args += ["-o", "python_files=test_*.py", "-W", "ignore::DeprecationWarning"]
        for name in DISABLED_PLUGINS:
            args += ["-p", f"no:{name}"]
        self.config = _prepareconfig(args, plugins=[self.observer])
        # Failure reports in pytest's one-line style: the message we keep is the crash line,
        # and the full traceback (source context of every frame) costs tens of milliseconds.
        self.config.option.tbstyle = "line"
        self.config._do_configure()
        self.session = Session.from_config(self.config)
        self.config.hook.pytest_sessionstart(session=self.session)
        # Ini values are parsed on first use and cached; parse them all once, here, rather
        # than in every job.
        for name in list(self.config._parser._inidict):
            try:
                self.config.getini(name)
            except (ValueError, KeyError):
                continue
        self.directory: Any = None
        self._warm_up()
        if self.directory is not None:
            # From now on (every job, and a second warm-up for the zygote's own caches),
            # collection starts at the test file: see _perform_collect.
            self.session.perform_collect = self._perform_collect  # type: ignore[method-assign]
            self._warm_up()

    def _warm_up(self) -> None:
        """Collect and run one trivial file here, once: what pytest computes lazily and caches
        (conftest lookup for the scratch path, compiled file-name patterns, the rewrite hook's
        decisions, regexes of the assertion machinery) is then inherited by every fork instead
        of being recomputed in each. It leaves no module, file, fixture or item behind."""
        import linecache
        import sys

        for name, text in ((SOLUTION_FILE, WARM_UP_SOLUTION), (TEST_FILE, WARM_UP_TEST)):
            with open(os.path.join(self.scratch, name), "w", encoding="utf-8") as fh:
                fh.write(text)
        try:
            self.run()
            if self.directory is None:
                self.directory = self._scratch_collector()
        finally:
            for name in (SOLUTION_FILE, TEST_FILE):
                os.unlink(os.path.join(self.scratch, name))
                sys.modules.pop(name.removesuffix(".py"), None)
                linecache.cache.pop(os.path.join(self.scratch, name), None)
            self.session.items = []
            self.observer.messages.clear()

    def _scratch_collector(self) -> Any:
        """The collector of the scratch directory that pytest's own collection of the warm-up
        file went through: a plain Dir, child of the session, that collected the file
        itself. None when the collection tree has any other shape (then every job is
        collected from the session down, as pytest does it)."""
        from _pytest.main import Dir
        from _pytest.python import Module

        items = self.session.items
        module = items[0].getparent(Module) if len(items) == 1 else None
        directory = getattr(module, "parent", None)
        if (
            type(directory) is not Dir
            or directory.parent is not self.session
            or str(directory.path) != self.scratch
            or str(module.path) != os.path.join(self.scratch, TEST_FILE)  # type: ignore[union-attr]
        ):
            return None
        return directory

    def _perform_collect(self, args: Any = None, genitems: bool = True) -> list:
        """Session.perform_collect for the one file every job has, starting at that file.

        Every job's test file is the same path in the same otherwise empty directory, so
        pytest's way down from the session (resolving the argument, collecting the session
        and the directory, matching the file among the directory's entries, calling the
        collection hooks of those two levels) always ends at the same directory collector,
        which was kept from the warm-up. What depends on the job starts at the file: its
        Module comes from the directory's pytest_collect_file hook as in Dir.collect, and
        is expanded into items, reported, modified and finished by the session's own
        genitems and hooks, exactly as in perform_collect."""
        session, config = self.session, self.config
        hook = config.hook
        session._notfound = []
        session._collection_cache = {}
        session.items = items = []
        try:
            directory = self.directory
            path = directory.path / TEST_FILE
            for collector in directory.ihook.pytest_collect_file(file_path=path, parent=directory):
                items.extend(session.genitems(collector))
            config.pluginmanager.check_pending()
            hook.pytest_collection_modifyitems(session=session, config=config, items=items)
        finally:
            session._notfound = []
            session._collection_cache = {}
            hook.pytest_collection_finish(session=session)
        session.testscollected = len(items)
        return items

    def run(self) -> dict:
        """Collect and run the job's test file; the verdict itself travels as guard observations."""
        session = self.session
        session.testsfailed = 0
        session.testscollected = 0
        session.shouldstop = False
        session.shouldfail = False
        error = None
        try:
            self.config.hook.pytest_collection(session=session)
            self.config.hook.pytest_runtestloop(session=session)
        except (session.Interrupted, session.Failed):
            pass
        except BaseException as exc:  # noqa: BLE001 - SystemExit, pytest.exit, anything
            error = "{}: {}".format(*_exc_fields(exc))
        return {"messages": dict(self.observer.messages), "harness_error": error}


def run_pytest_job(prepared: PreparedSession, job: dict, coverage_on: bool) -> dict:
    """Write the job's files into scratch and run them; returns the non-verdict payload."""
    scratch = prepared.scratch
    solution_path = os.path.join(scratch, SOLUTION_FILE)
    test_path = os.path.join(scratch, TEST_FILE)
    files = (
        (solution_path, job.get("solution_code") or ""),
        (test_path, with_solution_names(job.get("test_code") or "")),
    )
    for path, text in files:
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
    # A file that does not parse is a collection error either way (the test file always
    # imports the solution). Saying so here spares pytest's report of it, which parses the
    # source of every library file in the traceback: ~100 ms for a third of KodCode's trials.
    for path, text in files:
        try:
            compile(text, path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            where = f"{os.path.basename(path)}:{getattr(exc, 'lineno', None) or '?'}"
            message = _short(f"{where}: {type(exc).__name__}: {getattr(exc, 'msg', None) or exc}")
            Guard.observe({"kind": "collect_error", "nodeid": TEST_FILE, "message": message})
            return {"messages": {}, "harness_error": None}
    cov = None
    if coverage_on:
        import coverage

        cov = coverage.Coverage(
            data_file=None, include=[solution_path], branch=False, config_file=False
        )
        cov.start()
    payload = prepared.run()
    if cov is not None:
        cov.stop()
        payload["coverage"] = _line_coverage(cov, solution_path)
    return payload


def with_solution_names(test_code: str) -> str:
    """KodCode's runner lets tests use the solution's public names without importing them,
    as after `from solution import *` at the top of the test file; many of its recorded
    passes depend on it. Insert that import after the docstring and `__future__` imports
    (line numbers after it shift by one). Unparsable code is left alone for pytest to report."""
    import ast

    try:
        tree = ast.parse(test_code)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return test_code
    after = 0
    for i, node in enumerate(tree.body):
        is_doc = (
            i == 0
            and isinstance(node, ast.Expr)
            and isinstance(getattr(node, "value", None), ast.Constant)
        )
        is_future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if not (is_doc or is_future):
            break
        after = node.end_lineno or node.lineno
    lines = test_code.splitlines(keepends=True)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    lines.insert(after, "from solution import *  # noqa: F401,F403 - KodCode's layout\n")
    return "".join(lines)


def _line_coverage(cov: Any, path: str) -> float | None:
    try:
        _, statements, _, missing, _ = cov.analysis2(path)
    except BaseException:  # noqa: BLE001 - solution never imported, or unparsable
        return None
    if not statements:
        return None
    return round(100.0 * (len(statements) - len(missing)) / len(statements), 2)


def preload_pytest_modules() -> None:
    """Import pytest's lazily loaded modules now, so that they count as trusted code."""
    import importlib
    import pkgutil

    import _pytest

    for info in pkgutil.walk_packages(_pytest.__path__, "_pytest."):
        try:
            importlib.import_module(info.name)
        except Exception:  # noqa: BLE001, S112 - optional integrations (e.g. twisted) may be absent
            continue
