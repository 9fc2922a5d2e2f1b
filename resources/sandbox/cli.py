"""`python -m resources.sandbox run JOBS.jsonl`: re-verify any dataset, one JSON result per line."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from .sandbox import Sandbox

BATCH = 2000


def _read_jobs(path: str) -> Iterator[dict]:
    if path == "-":
        yield from _parse_lines(sys.stdin, path)
        return
    with open(path, encoding="utf-8") as stream:
        yield from _parse_lines(stream, path)


def _parse_lines(stream: TextIO, path: str) -> Iterator[dict]:
    for lineno, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except ValueError as exc:
            raise SystemExit(f"{path}:{lineno}: not a JSON object: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m resources.sandbox", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser(
        "run", help="run a JSONL file of jobs, print one JSON result per line in input order"
    )
    run.add_argument("jobs", help="JSONL file of jobs ('-' for stdin)")
    run.add_argument("--backend", default="bwrap", choices=("bwrap", "docker", "process"))
    run.add_argument("--workers", type=int, default=2)
    run.add_argument(
        "--timeout", type=float, default=10.0, help="seconds per job (per input for call jobs)"
    )
    run.add_argument("--memory-mb", type=int, default=1024)
    run.add_argument(
        "--coverage", action="store_true", help="measure solution line coverage (pytest jobs)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    log = logging.getLogger("assay.sandbox.cli")
    out = sys.stdout
    with Sandbox(args.backend, args.workers, args.timeout, args.memory_mb, args.coverage) as sb:
        batch: list[dict] = []
        for job in _read_jobs(args.jobs):
            batch.append(job)
            if len(batch) >= BATCH:
                _emit(sb.run(batch, log=log), out)
                batch = []
        if batch:
            _emit(sb.run(batch, log=log), out)
    return 0


def _emit(results: list[dict], out: TextIO) -> None:
    out.writelines(json.dumps(result, ensure_ascii=False) + "\n" for result in results)
    out.flush()
