"""Exporting released datasets: HF-loadable Parquet shards plus a dataset card.

Layout: `<out_dir>/data/<split>-NNNNN-of-MMMMM.parquet` and `<out_dir>/README.md`,
which `datasets.load_dataset("parquet", data_dir=<out_dir>)` (every split) and
`polars.scan_parquet` both read. Rows are sorted by a key and written with fixed
options so the same rows give byte-identical files, whatever order partitions
were materialized in. The whole directory is replaced atomically.
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import polars as pl

ROWS_PER_SHARD = 50_000


def shard_count(rows: int, rows_per_shard: int = ROWS_PER_SHARD) -> int:
    return max(1, -(-rows // rows_per_shard))


def counts_table(df: pl.DataFrame, by: str) -> dict[str, int]:
    """`{value: rows}` for one column, sorted by value, for dataset cards and metadata."""
    if df.height == 0 or by not in df.columns:
        return {}
    grouped = df.group_by(by).len().sort(by)
    return {str(k): int(v) for k, v in grouped.iter_rows()}


def card_markdown(title: str, summary: str, sections: Mapping[str, str], counts: Mapping[str, Mapping[str, int]]) -> str:
    """A dataset card: what it is, counts by facet, and free-form sections (method, licence)."""
    lines = ["---", f"pretty_name: {title}", "---", "", f"# {title}", "", summary.strip(), ""]
    for facet, table in counts.items():
        lines += [f"## Counts by {facet}", "", f"| {facet} | rows |", "|---|---|"]
        lines += [f"| {k} | {v} |" for k, v in table.items()]
        lines.append("")
    for heading, body in sections.items():
        lines += [f"## {heading}", "", body.strip(), ""]
    return "\n".join(lines)


def export_parquet_dataset(
    splits: Mapping[str, pl.DataFrame],
    out_dir: Path,
    card: str,
    sort_by: str | list[str],
    rows_per_shard: int = ROWS_PER_SHARD,
    extra_files: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Write every split as shards plus README.md (and `extra_files` name → text); return metadata."""
    out_dir = Path(out_dir)
    staging = out_dir.with_name(f".{out_dir.name}.tmp-{uuid.uuid4().hex}")
    (staging / "data").mkdir(parents=True)
    meta: dict[str, Any] = {"export/path": str(out_dir)}
    try:
        for split, frame in sorted(splits.items()):
            frame = frame.sort(sort_by)
            shards = shard_count(frame.height, rows_per_shard)
            for index in range(shards):
                part = frame.slice(index * rows_per_shard, rows_per_shard)
                part.write_parquet(staging / "data" / f"{split}-{index:05d}-of-{shards:05d}.parquet", compression="zstd", statistics=False)
            meta[f"export/{split}_rows"] = frame.height
        (staging / "README.md").write_text(card)
        for name, text in (extra_files or {}).items():
            (staging / name).write_text(text)
        _swap_into_place(staging, out_dir)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return meta


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    old = out_dir.with_name(f".{out_dir.name}.old-{uuid.uuid4().hex}")
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    if old.exists():
        shutil.rmtree(old)


def json_records(rows: Iterable[Mapping[str, Any]]) -> str:
    """A JSON array with one record per line: readable, diffable, and valid JSON (LLaMA-Factory)."""
    body = ",\n".join(json.dumps(r, ensure_ascii=False, sort_keys=True) for r in rows)
    return f"[\n{body}\n]\n" if body else "[]\n"


def combine_partitions(frames: Mapping[str, pl.DataFrame], sort_by: str | list[str]) -> pl.DataFrame:
    """All partitions' rows in one frame, in an order that does not depend on dict order."""
    nonempty = [frames[k] for k in sorted(frames) if frames[k].height]
    if not nonempty:
        return next(iter(frames.values())).clear() if frames else pl.DataFrame()
    return pl.concat(nonempty, how="diagonal_relaxed").sort(sort_by)


def partition_frames(frames: Any) -> dict[str, pl.DataFrame]:
    """Every partition's frame as a dict, whatever shape the IO manager handed over.

    dagster-polars gives an unpartitioned asset a dict keyed by partition, but a
    bare frame when only one partition exists, and None when none does.
    """
    if frames is None:
        return {}
    if isinstance(frames, pl.DataFrame):
        return {"_": frames}
    return dict(frames)
