"""Dependencies point one way: dagster_project -> assets -> resources / io_managers.

And Dagster is used through its public API only.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Private Dagster imports with no public equivalent, each justified in a comment beside it.
JUSTIFIED_PRIVATE: set[str] = set()


def _imports(folder: str, pattern: str) -> list[str]:
    found = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if re.match(rf"\s*(from|import)\s+{pattern}", line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    return found


def test_nothing_under_assets_or_resources_imports_the_code_location():
    assert _imports("assets", r"dagster_project\b") == []
    assert _imports("resources", r"dagster_project\b") == []


def test_nothing_under_resources_or_io_managers_imports_assets():
    assert _imports("resources", r"assets\b") == []
    assert _imports("io_managers", r"assets\b") == []


def test_dagster_private_modules_are_imported_only_where_justified():
    hits = [
        h
        for folder in ("assets", "resources", "io_managers", "dagster_project")
        for h in _imports(folder, r"dagster\._")
    ]
    assert {h.split(":")[0] for h in hits} <= JUSTIFIED_PRIVATE, hits
