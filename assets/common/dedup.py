"""Near-duplicate removal with MinHash LSH (datasketch), independent of input order.

Items are processed in id order, clustered by union-find over LSH candidates
whose estimated Jaccard similarity clears the threshold, and each cluster keeps
one canonical member (the smallest id). So the kept set depends only on the
set of items, never on which partition was materialized first, and a pair of
near-duplicates keeps one member (KodCode drops both).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from datasketch import MinHash, MinHashLSH

_TOKEN = re.compile(r"\w+")


@dataclass(frozen=True)
class MinHashParams:
    """Everything that determines the clustering; recorded in metadata.

    `scheme` is pinned because datasketch 2.0 changed the default hashing scheme.
    """

    threshold: float = 0.8
    num_perm: int = 128
    shingle_words: int = 3
    seed: int = 1
    scheme: str = "affine32"

    def as_metadata(self) -> dict[str, float | int | str]:
        return {f"dedup/{k}": v for k, v in asdict(self).items()}


def shingles(text: str, n: int) -> set[bytes]:
    """Lower-cased word n-grams; short texts fall back to their whole token run."""
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < n:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(tokens[i : i + n]).encode() for i in range(len(tokens) - n + 1)}


def minhash(text: str, params: MinHashParams) -> MinHash:
    mh = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme)
    mh.update_batch(sorted(shingles(text, params.shingle_words)))
    return mh


def canonical_members(
    items: Iterable[tuple[str, str]], params: MinHashParams = MinHashParams()
) -> dict[str, str]:
    """Map every item id to the id of its cluster's canonical member (itself if unique)."""
    ordered: Sequence[tuple[str, str]] = sorted(items)
    lsh = MinHashLSH(threshold=params.threshold, num_perm=params.num_perm)
    hashes: dict[str, MinHash] = {}
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for item_id, text in ordered:
        if item_id in parent:
            raise ValueError(f"duplicate item id {item_id!r} in near-duplicate input")
        mh = minhash(text, params)
        parent[item_id] = item_id
        for other in lsh.query(mh):
            if mh.jaccard(hashes[other]) >= params.threshold:
                a, b = find(item_id), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        lsh.insert(item_id, mh)
        hashes[item_id] = mh
    return {item_id: find(item_id) for item_id in parent}


def jaccard(a: str, b: str, shingle_words: int = 3) -> float:
    """Exact Jaccard similarity of two texts' word n-gram sets (for one pair, no sketch needed)."""
    sa, sb = shingles(a, shingle_words), shingles(b, shingle_words)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0
