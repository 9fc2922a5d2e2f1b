"""Near-duplicate removal with MinHash LSH, independent of input order.

Signatures are datasketch's MinHash (SHA-1 of each lower-cased word 3-gram, the
"affine32" permutations drawn from the same seed), computed for many texts at
once with numpy: bit-for-bit the values of `datasketch.MinHash.update_batch`, but
a million questions take minutes instead of an hour (bench/scale.py dedup).

Candidates are pairs that share one LSH band. The bands (18 of 7 rows) are chosen
for recall: a pair at Jaccard 0.8 shares a band with probability 0.986 (datasketch's
own choice for 0.8, 9 bands of 13 rows, gives 0.40, and its check of the *estimated*
similarity misses about half the pairs just above the threshold). A candidate whose
estimated similarity is within `margin` of the threshold is then decided by the
exact Jaccard similarity of the two texts' shingle sets (as 32-bit hashes).

Items are clustered by union of those pairs, and each cluster keeps one
canonical member (the smallest id). So the kept set depends only on the set of
items, never on which partition was materialized first, and a pair of
near-duplicates keeps one member (KodCode drops both).
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
from datasketch import MinHash
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

_TOKEN = re.compile(r"\w+")
# Texts per block of the signature computation: bounds the (num_perm x shingles) buffer.
_BLOCK = 2048
# Candidate pairs handled per numpy step.
_PAIR_BLOCK = 1 << 18
# Pairs whose signatures are compared at once (two 16 MiB gathers at 128 permutations).
_AGREE_BLOCK = 1 << 15
_EMPTY = np.uint32(0xFFFFFFFF)


@dataclass(frozen=True)
class MinHashParams:
    """Everything that determines the clustering; recorded in metadata.

    `scheme` is pinned because datasketch 2.0 changed the default hashing scheme.
    `bands * rows_per_band` must not exceed `num_perm`.
    """

    threshold: float = 0.8
    num_perm: int = 128
    shingle_words: int = 3
    seed: int = 1
    scheme: str = "affine32"
    bands: int = 18
    rows_per_band: int = 7
    margin: float = 0.1

    def __post_init__(self) -> None:
        if self.bands * self.rows_per_band > self.num_perm:
            raise ValueError(
                f"{self.bands} bands of {self.rows_per_band} rows need more than "
                f"{self.num_perm} permutations"
            )

    def as_metadata(self) -> dict[str, float | int | str]:
        return {f"dedup/{k}": v for k, v in asdict(self).items()}


def shingles(text: str, n: int) -> set[bytes]:
    """Lower-cased word n-grams; short texts fall back to their whole token run."""
    tokens = _TOKEN.findall(text.lower())
    if len(tokens) < n:
        return {" ".join(tokens).encode()} if tokens else set()
    return {" ".join(gram).encode() for gram in zip(*(tokens[i:] for i in range(n)))}


def minhash(text: str, params: MinHashParams) -> MinHash:
    """One text's datasketch MinHash (the reference `signatures` reproduces)."""
    mh = MinHash(num_perm=params.num_perm, seed=params.seed, scheme=params.scheme)
    mh.update_batch(sorted(shingles(text, params.shingle_words)))
    return mh


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    if scheme != "affine32":
        raise ValueError(f"vectorized MinHash supports the affine32 scheme, not {scheme!r}")
    a, b = MinHash(num_perm=num_perm, seed=seed, scheme=scheme).permutations
    return a.astype(np.uint32)[:, None], b.astype(np.uint32)[:, None]


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, as datasketch pre-mixes each input hash."""
    hv = hv ^ (hv >> np.uint32(16))
    hv = hv * np.uint32(0x85EBCA6B)
    hv = hv ^ (hv >> np.uint32(13))
    hv = hv * np.uint32(0xC2B2AE35)
    return hv ^ (hv >> np.uint32(16))


def _shingle_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """SHA-1 (first 4 bytes, little-endian: datasketch's sha1_hash32) of every text's
    shingles, and each text's shingle count."""
    sha1 = hashlib.sha1
    digests: list[bytes] = []
    counts = np.zeros(len(texts), dtype=np.int64)
    for k, text in enumerate(texts):
        grams = shingles(text, n)
        digests.extend([sha1(g).digest() for g in grams])
        counts[k] = len(grams)
    return np.frombuffer(b"".join(digests), dtype="<u4")[::5].astype(np.uint32), counts


@dataclass(frozen=True)
class Sketches:
    """Every text's MinHash signature and its shingle hashes (for exact similarity)."""

    signatures: np.ndarray  # (texts, num_perm) uint32
    hashes: np.ndarray  # every text's shingle hashes, concatenated
    offsets: np.ndarray  # text k's hashes are hashes[offsets[k]:offsets[k + 1]]


def sketch(texts: Sequence[str], params: MinHashParams = MinHashParams()) -> Sketches:
    """MinHash signatures equal to datasketch's, a block of texts at a time."""
    a, b = _permutations(params.num_perm, params.seed, params.scheme)
    sig = np.full((len(texts), params.num_perm), _EMPTY, dtype=np.uint32)
    hashes, counts = [], []
    for start in range(0, len(texts), _BLOCK):
        hv, count = _shingle_hashes(texts[start : start + _BLOCK], params.shingle_words)
        hashes.append(hv)
        counts.append(count)
        if not hv.size:
            continue
        permuted = np.empty((params.num_perm, hv.size), dtype=np.uint32)
        np.multiply(a, _fmix32(hv)[None, :], out=permuted)
        permuted += b
        nonempty = np.flatnonzero(count)
        offsets = (np.cumsum(count) - count)[nonempty]
        sig[start + nonempty] = np.minimum.reduceat(permuted, offsets, axis=1).T
    all_counts = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int64)
    return Sketches(
        signatures=sig,
        hashes=np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint32),
        offsets=np.concatenate(([0], np.cumsum(all_counts))),
    )


def signatures(texts: Sequence[str], params: MinHashParams = MinHashParams()) -> np.ndarray:
    """(len(texts), num_perm) uint32 MinHash values, equal to datasketch's per text."""
    return sketch(texts, params).signatures


def _row_keys(block: np.ndarray) -> np.ndarray:
    """A 64-bit key per row of uint32 values (equal rows, equal keys; others collide ~2^-64)."""
    key = np.zeros(block.shape[0], dtype=np.uint64)
    with np.errstate(over="ignore"):
        for column in block.T:
            key = (key ^ column.astype(np.uint64)) * np.uint64(0x9E3779B97F4A7C15)
            key ^= key >> np.uint64(29)
    return key


def _segments(starts: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Indices start..start+length-1 of every segment, concatenated, and each one's segment."""
    owner = np.repeat(np.arange(starts.size), lengths)
    within = np.arange(owner.size) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    return np.repeat(starts, lengths) + within, owner


def _runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows sorted by key, and the start and size of each run of equal keys."""
    order = np.argsort(keys, kind="stable")
    ranked = keys[order]
    starts = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1])))
    sizes = np.diff(np.append(starts, keys.size))
    return order, starts, sizes


def _pairs(keys: np.ndarray) -> Iterable[tuple[np.ndarray, np.ndarray]]:
    """Every pair of rows with equal keys (smaller row first), in blocks of about
    _PAIR_BLOCK pairs, without a Python step per run."""
    order, starts, sizes = _runs(keys)
    run_end = np.repeat(starts + sizes, sizes)
    position = np.arange(keys.size)
    partners = run_end - position - 1  # later members of the same run
    position, partners = position[partners > 0], partners[partners > 0]
    if not position.size:
        return
    cumulative = np.cumsum(partners)
    cuts = np.searchsorted(cumulative, np.arange(_PAIR_BLOCK, cumulative[-1], _PAIR_BLOCK))
    for pos, count in zip(np.split(position, cuts), np.split(partners, cuts), strict=True):
        if not pos.size:
            continue
        first = np.repeat(pos, count)
        within = np.arange(first.size) - np.repeat(np.cumsum(count) - count, count)
        a, b = order[first], order[first + 1 + within]
        yield np.minimum(a, b), np.maximum(a, b)


def _agreement(sig: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Signature positions rows i[k] and j[k] agree on, _AGREE_BLOCK pairs at a time: the
    two gathered (pairs x num_perm) blocks are the largest arrays of the whole dedup."""
    out = np.empty(i.size, dtype=np.int64)
    for start in range(0, i.size, _AGREE_BLOCK):
        bi, bj = i[start : start + _AGREE_BLOCK], j[start : start + _AGREE_BLOCK]
        out[start : start + bi.size] = np.count_nonzero(sig[bi] == sig[bj], axis=1)
    return out


def exact_jaccard(sk: Sketches, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Jaccard similarity of the shingle-hash sets of texts i[k] and j[k] (1.0 for two empty
    texts, as their MinHash signatures are equal)."""
    out = np.empty(i.size, dtype=np.float64)
    counts = np.diff(sk.offsets)
    for start in range(0, i.size, _PAIR_BLOCK // 4):
        bi, bj = i[start : start + _PAIR_BLOCK // 4], j[start : start + _PAIR_BLOCK // 4]
        la, lb = counts[bi], counts[bj]
        ia, oa = _segments(sk.offsets[bi], la)
        ib, ob = _segments(sk.offsets[bj], lb)
        keys = np.concatenate(
            (
                (oa.astype(np.uint64) << np.uint64(32)) | sk.hashes[ia],
                (ob.astype(np.uint64) << np.uint64(32)) | sk.hashes[ib],
            )
        )
        keys.sort()
        shared = keys[1:][keys[1:] == keys[:-1]] >> np.uint64(32)
        inter = np.bincount(shared.astype(np.int64), minlength=bi.size)
        union = la + lb - inter
        out[start : start + bi.size] = np.where(union > 0, inter / np.maximum(union, 1), 1.0)
    return out


def near_duplicate_pairs(sk: Sketches, params: MinHashParams = MinHashParams()) -> np.ndarray:
    """(pairs, 2) row indices, smaller first, of every near-duplicate pair LSH finds.

    Rows with identical signatures are paired with their neighbour in that run first and
    only one of them takes part in the bands, so that copies of one text cost one
    bucket entry, not a quadratic number of pairs.
    """
    sig = sk.signatures
    n = sig.shape[0]
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    found: list[np.ndarray] = []
    order, starts, _ = _runs(_row_keys(sig))
    later = np.ones(n, dtype=bool)
    later[starts] = False
    a, b = order[np.flatnonzero(later) - 1], order[later]
    copies = (sig[a] == sig[b]).all(axis=1)
    a, b = a[copies], b[copies]
    copies = exact_jaccard(sk, a, b) >= params.threshold
    found.append(np.stack((np.minimum(a, b), np.maximum(a, b)), axis=1)[copies])
    unique = np.ones(n, dtype=bool)
    unique[b[copies]] = False
    reps = np.flatnonzero(unique)
    rep_sig = sig[reps]
    floor = params.threshold - params.margin
    candidates: list[np.ndarray] = []
    for band in range(params.bands):
        columns = slice(band * params.rows_per_band, (band + 1) * params.rows_per_band)
        for i, j in _pairs(_row_keys(rep_sig[:, columns])):
            close = _agreement(rep_sig, i, j) / params.num_perm >= floor
            candidates.append(reps[i[close]].astype(np.int64) * n + reps[j[close]])
    if candidates:
        pair = np.unique(np.concatenate(candidates))
        i, j = pair // n, pair % n
        keep = exact_jaccard(sk, i, j) >= params.threshold
        found.append(np.stack((i[keep], j[keep]), axis=1))
    return np.concatenate(found)


def cluster_labels(n: int, pairs: np.ndarray) -> np.ndarray:
    """Each row's cluster, named by its smallest row index."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    edges = np.ones(pairs.shape[0], dtype=np.int8)
    graph = coo_matrix((edges, (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, component = connected_components(graph, directed=False)
    smallest = np.full(component.max() + 1, n, dtype=np.int64)
    np.minimum.at(smallest, component, np.arange(n))
    return smallest[component]


def _take(sk: Sketches, order: np.ndarray) -> Sketches:
    """The sketches of texts `order[0]`, `order[1]`, ... (a text's sketch is its own, so
    sketching in any order then taking gives the sketches of the texts in that order)."""
    counts = np.diff(sk.offsets)[order]
    positions, _ = _segments(sk.offsets[:-1][order], counts)
    return Sketches(
        signatures=sk.signatures[order],
        hashes=sk.hashes[positions],
        offsets=np.concatenate(([0], np.cumsum(counts))),
    )


class NearDuplicateClusters:
    """canonical_members fed one item at a time: texts are sketched a block at a time as
    they come and then dropped, so only signatures and shingle hashes stay (~0.5 KiB a
    text, bench/scale.py release) and a caller can stream its items."""

    def __init__(self, params: MinHashParams = MinHashParams()) -> None:
        self.params = params
        self._ids: list[str] = []
        self._texts: list[str] = []
        self._parts: list[Sketches] = []

    def add(self, item_id: str, text: str) -> None:
        self._ids.append(item_id)
        self._texts.append(text)
        if len(self._texts) == _BLOCK:
            self._sketch_pending()

    def _sketch_pending(self) -> None:
        if self._texts:
            self._parts.append(sketch(self._texts, self.params))
            self._texts = []

    def canonical(self) -> dict[str, str]:
        """Map every item id to the id of its cluster's canonical member (itself if unique)."""
        self._sketch_pending()
        order = sorted(range(len(self._ids)), key=self._ids.__getitem__)
        ids = [self._ids[k] for k in order]
        for previous, current in itertools.pairwise(ids):
            if previous == current:
                raise ValueError(f"duplicate item id {current!r} in near-duplicate input")
        if not ids:
            return {}
        sk = _take(_joined(self._parts), np.asarray(order, dtype=np.int64))
        self._parts = []
        labels = cluster_labels(len(ids), near_duplicate_pairs(sk, self.params))
        return {item_id: ids[label] for item_id, label in zip(ids, labels.tolist(), strict=True)}


def _joined(parts: Sequence[Sketches]) -> Sketches:
    counts = [np.diff(p.offsets) for p in parts]
    return Sketches(
        signatures=np.concatenate([p.signatures for p in parts]),
        hashes=np.concatenate([p.hashes for p in parts]),
        offsets=np.concatenate(([0], np.cumsum(np.concatenate(counts)))),
    )


def canonical_members(
    items: Iterable[tuple[str, str]], params: MinHashParams = MinHashParams()
) -> dict[str, str]:
    """Map every item id to the id of its cluster's canonical member (itself if unique)."""
    clusters = NearDuplicateClusters(params)
    for item_id, text in items:
        clusters.add(item_id, text)
    return clusters.canonical()


def jaccard(a: str, b: str, shingle_words: int = 3) -> float:
    """Exact Jaccard similarity of two texts' word n-gram sets (for one pair, no sketch needed)."""
    sa, sb = shingles(a, shingle_words), shingles(b, shingle_words)
    return len(sa & sb) / len(sa | sb) if sa and sb else 0.0
