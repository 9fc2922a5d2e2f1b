"""`python -m dagster_project.fidelity [FAMILY ...] [--profile original|assay]`: how each
family's profiles follow the original paper's method.

For each family and profile, one table: each original step, our asset, and for prompts,
parameters, mechanisms and released schema whether they match the original (prompts:
byte-identical renderings by the original's own builder on the same inputs), with the
reason for each deliberate difference. Under `original` a difference fails the report
(exit 1); a missing checkout (`ASSAY_<FAMILY>_SRC`) is shown and skipped, not failed.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter

from rich.console import Console
from rich.table import Table

from assets.common.fidelity import CANNOT, DIFFERS, MATCH, MISSING, Finding, failures
from assets.common.profiles import ORIGINAL, PROFILES
from assets.registry import FAMILIES

_STYLE = {MATCH: "green", DIFFERS: "yellow", CANNOT: "magenta", MISSING: "dim"}


def table(family: str, profile: str, findings: list[Finding]) -> Table:
    counts = Counter(f.status for f in findings)
    title = f"{family} · profile {profile} · " + ", ".join(
        f"{counts[s]} {s}" for s in (MATCH, DIFFERS, CANNOT, MISSING) if counts[s]
    )
    out = Table(title=title, title_justify="left", show_lines=False, expand=False)
    for column in ("original step", "our asset", "aspect", "item", "status", "detail"):
        out.add_column(column, overflow="fold")
    for f in findings:
        style = _STYLE[f.status]
        out.add_row(f.step, f.asset, f.aspect, f.item, f"[{style}]{f.status}[/]", f.detail)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("families", nargs="*", help=f"default: all ({', '.join(FAMILIES)})")
    parser.add_argument("--profile", choices=PROFILES, action="append")
    args = parser.parse_args(argv)
    unknown = [f for f in args.families if f not in FAMILIES]
    if unknown:
        parser.error(f"unknown family {unknown}; known: {', '.join(FAMILIES)}")
    console = Console(width=200)
    failed = 0
    for name in args.families or list(FAMILIES):
        family = FAMILIES[name]
        if family.fidelity is None:
            console.print(f"[dim]{name}: no fidelity report[/]")
            continue
        for profile in args.profile or PROFILES:
            findings = list(family.fidelity(profile))
            console.print(table(name, profile, findings))
            if profile == ORIGINAL:
                failed += len(failures(findings))
    if failed:
        console.print(f"[red]{failed} difference(s) under the original profile[/]")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
