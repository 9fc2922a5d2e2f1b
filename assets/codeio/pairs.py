"""Deciding an item's I/O pairs from its two sandbox runs.

Run 1 (harness.pair_search_job) draws inputs and computes outputs; run 2
(harness.rerun_job) recomputes every kept output in a fresh process. An item is
kept only with at least `min_pairs` pairs, a stable first run, and a second run
that reproduces every output exactly. Everything else gets a drop reason.

Two runs a moment apart cannot see code that reads the calendar (today's date
changes once a day), so `reads_clock` also looks for clock reads in the source.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from assets.codeio.compare import canonical_json
from resources.sandbox import CallResult

CLOCK_READS = re.compile(
    r"\btime\.(time|time_ns|perf_counter|monotonic|localtime|gmtime|ctime|strftime)\b"
    r"|\.now\(|\.today\(|\butcnow\b|\bdatetime\.date\.today\b"
)
# Sandbox statuses that mean the job produced no usable outcome.
_JOB_FAILURES = {"timeout", "memory", "crashed", "error"}


@dataclass(frozen=True)
class SearchResult:
    """What the pair search found, or why it found nothing usable."""

    pairs: list[dict] = field(default_factory=list)
    draws: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    reason: str | None = None
    detail: str = ""


def _job_failure(result: CallResult, stage: str) -> tuple[str, str] | None:
    status = str(result.status)
    if status in _JOB_FAILURES or not result.outcomes:
        detail = str(result.load_error or result.error or status)[:300]
        return f"{stage}_{status}", detail
    if any(o.exception_type == "Timeout" for o in result.outcomes):
        return f"{stage}_timeout", "a call exceeded the sandbox's time limit"
    return None


def reads_clock(code: str) -> str | None:
    """The first clock or calendar read in `code` (its output may change over time), or None."""
    match = CLOCK_READS.search(code)
    return match.group(0) if match else None


def read_search(result: CallResult, min_pairs: int) -> SearchResult:
    """Interpret the pair-search job's result."""
    failure = _job_failure(result, "search")
    if failure:
        return SearchResult(reason=failure[0], detail=failure[1])
    outcome = result.outcomes[0]
    readable, found = outcome.value()
    if not readable or not isinstance(found, dict):
        kind = outcome.exception_type or "no_value"
        return SearchResult(
            reason="search_exception",
            detail=f"{kind}: {outcome.exception_message or ''}"[:300],
        )
    pairs, draws, rejected = found["pairs"], int(found["draws"]), dict(found["rejected"])
    if found.get("unstable"):
        return SearchResult(
            pairs,
            draws,
            rejected,
            "nondeterministic",
            "two runs on the same input gave different outputs",
        )
    if len(pairs) < min_pairs:
        top = ", ".join(f"{k}={v}" for k, v in sorted(rejected.items(), key=lambda kv: -kv[1])[:3])
        return SearchResult(
            pairs,
            draws,
            rejected,
            "too_few_pairs",
            f"{len(pairs)} pairs from {draws} draws ({top})",
        )
    return SearchResult(pairs, draws, rejected)


def rerun_mismatch(pairs: list[dict], result: CallResult) -> tuple[str, str] | None:
    """(reason, detail) when the fresh-process rerun does not reproduce every output; None when it does."""
    failure = _job_failure(result, "rerun")
    if failure:
        return failure
    outcomes = result.outcomes
    if len(outcomes) != len(pairs):
        return "rerun_incomplete", f"{len(outcomes)} outcomes for {len(pairs)} inputs"
    for index, (pair, outcome) in enumerate(zip(pairs, outcomes)):
        if not outcome.ok:
            return "nondeterministic", f"pair {index}: rerun raised {outcome.exception_type}"
        readable, again = outcome.value()
        if not readable or canonical_json(again) != canonical_json(pair["output"]):
            return "nondeterministic", f"pair {index}: rerun gave a different output"
    return None


def pair_rows(pairs: list[dict]) -> list[dict[str, str]]:
    """Pairs as the `ios` column stores them: each side as the JSON text prompts show."""
    return [
        {
            "input_json": json.dumps(p["input"], ensure_ascii=False),
            "output_json": json.dumps(p["output"], ensure_ascii=False),
        }
        for p in pairs
    ]


def pairs_from_rows(rows: list[dict[str, str]]) -> list[dict[str, Any]]:
    """The `ios` column's pairs as values again."""
    return [
        {"input": json.loads(r["input_json"]), "output": json.loads(r["output_json"])} for r in rows
    ]


def rejection_rows(rejected: dict[str, int]) -> list[dict[str, Any]]:
    """Draw rejections as (reason, count) rows, by reason."""
    return [{"reason": k, "count": v} for k, v in sorted(rejected.items())]


def pairs_row(item: dict[str, Any], found: SearchResult, search_seed: int) -> dict[str, Any]:
    """The `codeio_io_pairs` row of a unified item whose pairs were found and reproduced."""
    return {
        "item_id": item["item_id"],
        "partition": item["partition"],
        "content_sha": item["content_sha"],
        "main_code": item["main_code"],
        "program": item["program"],
        "io_description": item["io_description"],
        "problem_statement": item["problem_statement"],
        "ios": pair_rows(found.pairs),
        "n_pairs": len(found.pairs),
        "draws": found.draws,
        "search_seed": search_seed,
        "rejected": rejection_rows(found.rejected),
    }
