"""The release: one policy for what goes out (ReleasePolicy), and the exports every family
shares: HF-loadable Parquet shards plus a dataset card, sharegpt + `dataset_info.json`
(sharegpt_files), verl Parquet (export_parquet_dataset of verl rows).

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
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from assets.common.decontam import BenchmarkProblem, DecontamIndex, Match, load_benchmarks
from assets.common.dedup import MinHashParams, NearDuplicateClusters
from assets.common.formats import llamafactory_dataset_info

ROWS_PER_SHARD = 50_000


def shard_count(rows: int, rows_per_shard: int = ROWS_PER_SHARD) -> int:
    return max(1, -(-rows // rows_per_shard))


def counts_table(df: pl.DataFrame | pl.LazyFrame, by: str) -> dict[str, int]:
    """`{value: rows}` for one column, sorted by value, for dataset cards and metadata."""
    if by not in df.collect_schema().names():
        return {}
    grouped = df.lazy().group_by(by).len().sort(by).collect()
    return {str(k): int(v) for k, v in grouped.iter_rows()}


def card_markdown(
    title: str, summary: str, sections: Mapping[str, str], counts: Mapping[str, Mapping[str, int]]
) -> str:
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
                write_shard(part, shard_path(staging, split, index, shards))
            meta[f"export/{split}_rows"] = frame.height
        publish(staging, out_dir, card, extra_files)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return meta


def write_shard(frame: pl.DataFrame, path: Path) -> None:
    """One shard, with the fixed options that make the same rows give the same bytes.

    The rows are copied out first: a slice of a bigger frame shares its nested columns'
    values, and Polars splits a column into data pages by the size of what it shares, so
    the bytes would depend on what the shard was cut from (a whole split, or one batch)."""
    compact = frame.select(pl.all().gather(pl.int_range(pl.len())))
    compact.write_parquet(path, compression="zstd", statistics=False)


def shard_path(folder: Path, split: str, index: int, shards: int) -> Path:
    """Where shard `index` of a split's `shards` goes: `data/<split>-00000-of-00002.parquet`,
    the names `datasets` reads splits from."""
    return folder / "data" / f"{split}-{index:05d}-of-{shards:05d}.parquet"


def publish(
    staging: Path, out_dir: Path, card: str, extra_files: Mapping[str, str] | None = None
) -> None:
    """Add README.md (the card) and `extra_files` to a staged dataset folder whose shards are
    written, and move it into place."""
    (staging / "README.md").write_text(card)
    for name, text in (extra_files or {}).items():
        (staging / name).write_text(text)
    swap_into_place(staging, out_dir)


def swap_into_place(staging: Path, out_dir: Path) -> None:
    """Replace `out_dir` by the finished `staging` folder (a sibling of it)."""
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


def combine_partitions(
    frames: Mapping[str, pl.DataFrame], sort_by: str | list[str]
) -> pl.DataFrame:
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


# --------------------------------------------------------------------------------------------
# The release policy every family uses: which rows go out, and where.

TRAIN = "train"
CAUTION = "use_with_caution"
NEAR_DUPLICATE = "near_duplicate"
CONTAMINATED = "contaminated"  # the decision when a policy drops contaminated items
KEEP_CANONICAL = "keep_canonical"  # a near-duplicate cluster keeps its canonical member
DROP_ALL = "drop_all"  # every member of a near-duplicate cluster goes (KodCode's step1.3)


@dataclass(frozen=True)
class ReleaseItem:
    """One candidate for a release.

    `dedup_text`: the text near-duplicates are found by (None: the item does not take part
    and follows its `parent`). `texts`: every text a trainer will show for it, compared
    with the benchmarks. An item and its parent share one fate: if either is contaminated,
    both are; an item follows its parent out when the parent is a near-duplicate.
    """

    id: str
    dedup_text: str | None
    texts: Sequence[str]
    parent: str | None = None

    @property
    def root(self) -> str:
        return self.parent or self.id


def first_file_id(partition: str, key: str) -> str:
    """A release item id that sorts by seed file first (NUL sorts before any character of a
    file name), so that of near-duplicates the policy keeps the first seed file's copy."""
    return f"{partition}\x00{key}"


def release_splits(df: pl.DataFrame, columns: Sequence[str]) -> dict[str, pl.DataFrame]:
    """The released rows of `df` (its `split` column holds each row's decision) as split ->
    frame of `columns`. `datasets` cannot load an empty split file, so an empty
    `use_with_caution` is left out; `train` stays, so readers still see the schema."""
    splits = {
        name: df.filter(pl.col("split") == name).select(list(columns)) for name in (TRAIN, CAUTION)
    }
    return {name: part for name, part in splits.items() if part.height or name == TRAIN}


def left_out(decisions: Iterable[str]) -> dict[str, int]:
    """How many rows each decision that releases nothing (near_duplicate, contaminated) took out."""
    counts: dict[str, int] = {}
    for decision in decisions:
        if decision not in (TRAIN, CAUTION):
            counts[decision] = counts.get(decision, 0) + 1
    return counts


@dataclass(frozen=True)
class Decision:
    id: str
    decision: str  # train | use_with_caution | near_duplicate | contaminated
    canonical_id: str
    match: Match | None

    @property
    def released(self) -> bool:
        return self.decision in (TRAIN, CAUTION)


@dataclass(frozen=True)
class ReleasePolicy:
    """Cross-partition near-duplicates (MinHash; each cluster keeps its canonical member, the
    smallest id, or with `near_duplicates=DROP_ALL` loses every member, as KodCode does), benchmark decontamination (contaminated items go to `use_with_caution`
    unless `contaminated` says CONTAMINATED, i.e. dropped), and the splits released.

    A family whose release differs says so here, in one line, e.g.
        ReleasePolicy(contaminated=CONTAMINATED)   # dropped, not kept for inspection
    """

    dedup_threshold: float = 0.8
    num_perm: int = 128
    benchmarks: tuple[str, ...] = ("humaneval",)
    contamination_threshold: float = 0.5
    contaminated: str = CAUTION
    near_duplicates: str = KEEP_CANONICAL  # or DROP_ALL

    def __post_init__(self) -> None:
        if self.near_duplicates not in (KEEP_CANONICAL, DROP_ALL):
            raise ValueError(
                f"near_duplicates {self.near_duplicates!r}: {KEEP_CANONICAL} or {DROP_ALL}"
            )

    @property
    def minhash(self) -> MinHashParams:
        return MinHashParams(threshold=self.dedup_threshold, num_perm=self.num_perm)

    def index(self, extra: Sequence[BenchmarkProblem] = ()) -> DecontamIndex:
        return DecontamIndex([*load_benchmarks(list(self.benchmarks)), *extra])

    def decide(
        self,
        items: Iterable[ReleaseItem],
        index: DecontamIndex,
        canonical: Mapping[str, str] | None = None,
    ) -> dict[str, Decision]:
        """Every item's decision; depends only on the set of items, never on their order.

        `items` is read once, and only an item's id, root, best benchmark match and dedup
        sketch are kept, so a generator of items (a batch of partitions at a time) never
        holds every item's texts at once.
        `canonical` (id -> its cluster's canonical id) replaces the MinHash clustering, for a
        family that finds near-duplicates another way (KodCode's `original`: embeddings)."""
        roots: dict[str, str] = {}
        matches: dict[str, Match | None] = {}
        clusters = NearDuplicateClusters(self.minhash) if canonical is None else None
        for i in items:
            roots[i.id] = i.root
            matches[i.id] = closest_match(i.id, i.texts, index)
            if i.dedup_text is not None and clusters is not None:
                clusters.add(i.id, i.dedup_text)
        if clusters is not None:
            canonical = clusters.canonical()
        assert canonical is not None
        # Canonical ids of clusters with more than one member (DROP_ALL drops those too).
        clustered = {c for c, n in Counter(canonical.values()).items() if n > 1}
        contaminated = {
            roots[i]
            for i, match in matches.items()
            if match and match.similarity >= self.contamination_threshold
        }
        out = {}
        for item_id in sorted(roots):
            own_root = roots[item_id]
            root = canonical.get(own_root, own_root)
            if root != own_root or (self.near_duplicates == DROP_ALL and root in clustered):
                decision = NEAR_DUPLICATE
            elif own_root in contaminated:
                decision = self.contaminated
            else:
                decision = TRAIN
            out[item_id] = Decision(item_id, decision, root, matches[item_id])
        return out

    def splits_text(self, benchmarks: Sequence[str]) -> str:
        """The card's description of the splits."""
        caution = (
            "- `use_with_caution`: items at or above that similarity; kept for inspection, "
            "not for training on models evaluated on those benchmarks."
            if self.contaminated == CAUTION
            else "- Items at or above that similarity are not released."
        )
        return (
            f"- `train`: items whose closest benchmark problem ({', '.join(benchmarks) or 'none'}) "
            f"shares less than {self.contamination_threshold:.0%} of its 5-grams.\n{caution}"
        )


def closest_match(item_id: str, texts: Sequence[str], index: DecontamIndex) -> Match | None:
    """The most similar benchmark problem to any of an item's texts."""
    matches = [m for m in (index.best_match(item_id, t) for t in texts) if m]
    return max(matches, key=lambda m: m.similarity) if matches else None


def released_frames(
    frames: Mapping[str, pl.DataFrame], schema: Mapping[str, pl.DataType], sort_by: str | list[str]
) -> pl.DataFrame:
    """Every partition's rows in one frame sorted by `sort_by` (an empty frame of `schema`
    when there are none): what a release asset reads first."""
    combined = combine_partitions(frames, sort_by)
    return combined if combined.height else pl.DataFrame(schema=dict(schema))


def sharegpt_files(
    name: str, records: Iterable[Mapping[str, Any]], file_name: str = "sft_sharegpt.json"
) -> dict[str, str]:
    """The two files LLaMA-Factory reads: the sharegpt records and `dataset_info.json`."""
    info = llamafactory_dataset_info(name, file_name)
    return {
        file_name: json_records(records),
        "dataset_info.json": json.dumps(info, indent=2, sort_keys=True) + "\n",
    }
