"""The guard's integrity check in-process: its fast path (dict version tags) and its slow one.

The hostile cases (test_sandbox_hostile.py) show tampering turns into an error inside the
sandbox; these pin the two paths of the check that decide it, without a sandbox.
"""

from __future__ import annotations

import builtins

from _pytest import reports

from resources.sandbox.assay_runtime import guard


def _trust() -> tuple[tuple, object]:
    snapshot = guard.Trust().snapshot
    return snapshot, guard.version_view(snapshot[5])


def test_untouched_namespaces_pass_on_version_tags_alone() -> None:
    snapshot, view = _trust()
    assert guard._VERSIONS, "CPython 3.11 keeps a version tag in every dict"
    assert view is not None
    assert snapshot[5][2](view) == snapshot[4]
    assert guard.tampered_attributes(snapshot, view) == []


def test_a_replaced_class_attribute_is_reported_and_a_restored_one_is_not() -> None:
    snapshot, view = _trust()
    original = reports.BaseReport.__dict__["_to_json"]
    try:
        reports.BaseReport._to_json = lambda self: {}  # type: ignore[method-assign]
        found = guard.tampered_attributes(snapshot, view)
        assert any("BaseReport._to_json was replaced" in f for f in found), found
    finally:
        reports.BaseReport._to_json = original  # type: ignore[method-assign]
    # The tag moved on (the fast path is left), the very same objects are back: no report.
    assert snapshot[5][2](view) != snapshot[4]
    assert guard.tampered_attributes(snapshot, view) == []


def test_a_new_name_that_shadows_an_inherited_method_is_reported() -> None:
    snapshot, view = _trust()
    try:
        reports.TestReport.toterminal = lambda self, out: None  # type: ignore[method-assign]
        found = guard.tampered_attributes(snapshot, view)
        assert any("TestReport.toterminal was overridden" in f for f in found), found
    finally:
        del reports.TestReport.toterminal
    assert guard.tampered_attributes(snapshot, view) == []


def test_without_version_tags_the_check_compares_every_attribute() -> None:
    snapshot, _ = _trust()
    original = reports.BaseReport.__dict__["_to_json"]
    try:
        reports.BaseReport._to_json = lambda self: {}  # type: ignore[method-assign]
        found = guard.tampered_attributes(snapshot, None)
        assert any("BaseReport._to_json was replaced" in f for f in found), found
    finally:
        reports.BaseReport._to_json = original  # type: ignore[method-assign]
    assert guard.tampered_attributes(snapshot, None) == []


def test_builtins_are_guarded_except_those_tests_monkeypatch() -> None:
    snapshot, view = _trust()
    original_input, original_sorted = builtins.input, builtins.sorted
    try:
        builtins.input = lambda *a: "4"
        assert guard.tampered_attributes(snapshot, view) == []
        builtins.sorted = lambda *a, **k: []
        assert guard.tampered_attributes(snapshot, view) == [
            "builtins.sorted was replaced or removed"
        ]
    finally:
        builtins.input, builtins.sorted = original_input, original_sorted
    assert guard.tampered_attributes(snapshot, view) == []


def test_a_name_that_is_not_a_string_is_reported_without_comparing_it() -> None:
    class Sly:
        armed = False

        def __hash__(self) -> int:
            return hash("TestReport")

        def __eq__(self, other: object) -> bool:
            if self.armed:
                raise AssertionError("the check ran code of an object the job made")
            return False

    snapshot, view = _trust()
    key = Sly()
    vars(reports)[key] = 1
    key.armed = True
    try:
        found = guard.tampered_attributes(snapshot, view)
        assert found == ["_pytest.reports was given a name that is not a string"]
    finally:
        key.armed = False
        del vars(reports)[key]


def test_the_hook_and_its_check_run_over_a_namespace_no_module_shares() -> None:
    sealed = guard.Trust().make_hook.__globals__
    assert sealed is not vars(guard)
    assert sealed["__builtins__"] is not vars(builtins)
    for name in guard._SEALED:
        assert sealed[name].__globals__ is sealed, name
