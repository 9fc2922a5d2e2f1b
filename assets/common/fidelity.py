"""What a family's fidelity report is made of: one finding per original step and aspect.

Each family lists, for a profile, how each step of the original (file, function) maps to our
asset and whether its prompt, parameters, mechanism and released schema match. A prompt
`matches` only when our rendering is byte-identical to the original's own builder on the
same inputs (`compare_renderings`); a parameter when the values are equal. A difference is
`differs` with its reason (a named assay improvement), or `cannot` when the original's
choice cannot be had here (e.g. a model we cannot download), with why.
The code location's `fidelity` command prints the tables (README, "Profiles").
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from assets.common.original_src import Checkout, MissingCheckout

Aspect = Literal["prompt", "parameter", "mechanism", "schema", "step"]
Status = Literal["match", "differs", "cannot", "missing"]
# missing: the original's checkout is not available, so the comparison could not run.

MATCH, DIFFERS, CANNOT, MISSING = "match", "differs", "cannot", "missing"


@dataclass(frozen=True)
class Finding:
    """One row of the report."""

    step: str  # the original's step, e.g. "pipeline/step1.1_gen_questions.py:181"
    asset: str  # our asset (or module) that does it
    aspect: Aspect
    item: str  # what is compared, e.g. "genq_from_seed.md (leetcode)" or "temperature"
    status: Status
    detail: str = ""  # evidence for a match ("20/20 identical"), the reason otherwise


def compare_values(
    step: str, asset: str, item: str, ours: Any, theirs: Any, why: str = ""
) -> Finding:
    """A parameter: equal values match; otherwise `why` is the named reason we differ."""
    if ours == theirs:
        return Finding(step, asset, "parameter", item, MATCH, f"{ours!r}")
    return Finding(
        step, asset, "parameter", item, DIFFERS, f"ours {ours!r}, original {theirs!r}. {why}"
    )


def compare_renderings(
    step: str,
    asset: str,
    item: str,
    ours: Callable[[Any], str],
    theirs: Callable[[Any], str],
    inputs: Sequence[Any],
) -> Finding:
    """A prompt: byte-identical renderings of the same inputs, or the first input that differs."""
    if not inputs:
        raise ValueError(f"{item}: no inputs to compare renderings on")
    for n, value in enumerate(inputs):
        a, b = ours(value), theirs(value)
        if a != b:
            at = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
            at = min(len(a), len(b)) if at is None else at
            return Finding(
                step,
                asset,
                "prompt",
                item,
                DIFFERS,
                f"input {n}: first difference at char {at}: "
                f"ours {a[at : at + 40]!r}, original {b[at : at + 40]!r}",
            )
    return Finding(step, asset, "prompt", item, MATCH, f"{len(inputs)}/{len(inputs)} identical")


def compare_schema(
    step: str, asset: str, item: str, ours: Mapping[str, str], theirs: Mapping[str, str]
) -> Finding:
    """A released schema: every original field present with the original's type (ours may add)."""
    missing = sorted(set(theirs) - set(ours))
    wrong = sorted(
        f"{k}: {ours[k]} not {t}" for k, t in theirs.items() if k in ours and ours[k] != t
    )
    if missing or wrong:
        detail = "; ".join(filter(None, [f"missing {missing}" if missing else "", *wrong]))
        return Finding(step, asset, "schema", item, DIFFERS, detail)
    extra = sorted(set(ours) - set(theirs))
    note = f"; ours adds {extra}" if extra else ""
    return Finding(step, asset, "schema", item, MATCH, f"{len(theirs)} fields{note}")


def failures(findings: Iterable[Finding]) -> list[Finding]:
    """Under `original`, what keeps the report from passing: differences without a checkout excuse."""
    return [f for f in findings if f.status == DIFFERS]


def guarded(
    step: str, asset: str, aspect: Aspect, item: str, compare: Callable[[], Finding | list[Finding]]
) -> list[Finding]:
    """Run a comparison that reads the original's checkout; without the checkout (or a file
    of it) the row is `missing` with the reason, so one absent file does not end the report."""
    try:
        found = compare()
    except MissingCheckout as exc:
        return [Finding(step, asset, aspect, item, MISSING, str(exc))]
    return found if isinstance(found, list) else [found]


# --- running the original's code on rows we write ----------------------------------------
# The originals' scripts read and write JSON Lines (or one JSON array, for `.json` names);
# the reports feed them the inputs our assets saw and compare what comes back.


def write_rows(path: Path, rows: Sequence[Mapping[str, Any]]) -> str:
    """`rows` as the originals' loaders read them: one JSON array for a `.json` name, else
    JSON Lines. Returns the path as a string, for a script's arguments."""
    if path.suffix == ".json":
        path.write_text(json.dumps(list(rows)))
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return str(path)


def read_rows(path: Path) -> list[dict]:
    """The JSON Lines a script wrote (blank lines skipped)."""
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def through_files(
    rows: Sequence[Mapping[str, Any]],
    run: Callable[[Path, Path], object],
    source: str = "in.jsonl",
    target: str = "out.jsonl",
) -> list[dict]:
    """Write `rows` to `source` in a fresh temporary directory, `run(source, target)` (an
    original's function that reads one file and writes the other), and read `target` back."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / source, Path(tmp) / target
        write_rows(src, rows)
        run(src, dst)
        return read_rows(dst)


def run_python(
    script: Path, args: Sequence[str] = (), *, cwd: Path, timeout: float
) -> subprocess.CompletedProcess[str]:
    """Run a Python script (one of the original's, or one made from its template) in its own
    process with this interpreter, output captured; the caller judges the return code."""
    return subprocess.run(
        [sys.executable, str(script), *args],
        cwd=cwd,
        check=False,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def as_mechanism(finding: Finding) -> Finding:
    """A behaviour compared through renderings (a reader's verdicts, a message) is reported
    as a mechanism, not as a prompt."""
    return replace(finding, aspect="mechanism")


def checkout_missing(checkout: Checkout, step: str, asset: str) -> list[Finding]:
    """No rows when `checkout` is there; else one `missing` row saying how to get it, for a
    report whose every comparison needs it."""
    try:
        checkout.root()
    except MissingCheckout as exc:
        return [Finding(step, asset, "step", "checkout", MISSING, str(exc))]
    return []
