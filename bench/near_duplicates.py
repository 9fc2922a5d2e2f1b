"""Question texts with planted near-duplicate clusters, and how well a clustering finds them.

Each base question is a coding task built from a large pool of phrases (a topic, a function
name, input and output descriptions, constraints, an example with numbers) wrapped in
boilerplate every question shares ("Write a Python function ...", "Your solution should
..."), so distinct questions overlap in their boilerplate but stay far below Jaccard 0.8.
A planted cluster is a base question plus 1-5 variants made with paraphrase-level edits:
a word swapped for a synonym, two sentences reordered, an identifier renamed, a filler
phrase added or dropped. Ground truth is the planted cluster; `exact_jaccard` says which
planted pairs are at or above a threshold.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from assets.common.dedup import jaccard, shingles

_WORDS = [
    "array",
    "list",
    "string",
    "tree",
    "graph",
    "matrix",
    "grid",
    "stack",
    "queue",
    "heap",
    "interval",
    "window",
    "prefix",
    "suffix",
    "node",
    "edge",
    "path",
    "cycle",
    "digit",
    "character",
    "vowel",
    "word",
    "sentence",
    "number",
    "integer",
    "pair",
    "triple",
    "segment",
    "range",
    "sum",
    "product",
    "count",
    "maximum",
    "minimum",
    "average",
    "median",
    "difference",
    "distance",
    "element",
    "index",
    "key",
    "value",
    "record",
    "account",
    "order",
    "item",
    "price",
    "score",
    "student",
    "employee",
    "city",
    "temperature",
    "reading",
    "event",
    "log",
    "message",
    "packet",
    "token",
    "bracket",
    "parenthesis",
    "palindrome",
    "anagram",
]
_VERBS = [
    "return",
    "compute",
    "find",
    "determine",
    "count",
    "calculate",
    "identify",
    "report",
    "locate",
    "produce",
    "build",
    "construct",
    "evaluate",
    "measure",
    "select",
    "extract",
    "collect",
    "merge",
    "sort",
    "rotate",
    "reverse",
    "partition",
]
_ADJ = [
    "longest",
    "shortest",
    "largest",
    "smallest",
    "first",
    "last",
    "unique",
    "distinct",
    "sorted",
    "balanced",
    "valid",
    "consecutive",
    "adjacent",
    "overlapping",
    "increasing",
    "decreasing",
    "even",
    "odd",
    "positive",
    "negative",
    "prime",
]
_SYNONYMS = {
    "return": "give back",
    "compute": "work out",
    "find": "locate",
    "largest": "biggest",
    "smallest": "tiniest",
    "list": "sequence",
    "number": "value",
    "function": "routine",
    "given": "provided",
    "must": "should",
    "each": "every",
    "input": "argument",
}
_FILLERS = (
    "Note that the input may be large.",
    "Assume the input is well formed.",
    "Do not modify the input in place.",
    "Aim for a linear time solution.",
)


@dataclass(frozen=True)
class Corpus:
    ids: list[str]
    texts: list[str]
    cluster: np.ndarray  # planted cluster number per text


def _phrase(rng: random.Random, k: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(k))


def _base(rng: random.Random) -> list[str]:
    name = f"{rng.choice(_VERBS)}_{rng.choice(_ADJ)}_{rng.choice(_WORDS)}_{rng.randrange(10**4)}"
    nums = [rng.randrange(-99, 1000) for _ in range(rng.randint(4, 8))]
    return [
        f"Write a Python function `{name}` that solves the following problem.",
        (
            f"Given a {rng.choice(_ADJ)} {_phrase(rng, 3)} of {_phrase(rng, 2)}, "
            f"{rng.choice(_VERBS)} the {rng.choice(_ADJ)} {_phrase(rng, 4)}."
        ),
        f"Each {_phrase(rng, 2)} must be {rng.choice(_ADJ)} with respect to the {_phrase(rng, 3)}.",
        (
            f"If no {rng.choice(_ADJ)} {_phrase(rng, 2)} exists, {rng.choice(_VERBS)} "
            f"{rng.randrange(-1, 10)} instead of the {_phrase(rng, 2)}."
        ),
        (
            f"The {_phrase(rng, 2)} has between {rng.randrange(1, 9)} and {10 ** rng.randint(3, 6)} "
            f"{_phrase(rng, 2)} and every {_phrase(rng, 1)} is at most {10 ** rng.randint(2, 9)}."
        ),
        (
            f"Example: {name}({nums}) should {rng.choice(_VERBS)} {rng.randrange(1000)} because "
            f"the {_phrase(rng, 3)} is {rng.choice(_ADJ)}."
        ),
        (
            "Your solution should handle edge cases and include a docstring describing the input "
            "and the output of the function."
        ),
    ]


def _edit(sentences: list[str], rng: random.Random) -> list[str]:
    out = list(sentences)
    kind = rng.choice(("synonym", "reorder", "rename", "filler", "drop_filler"))
    if kind == "synonym":
        i = rng.randrange(len(out))
        words = out[i].split()
        spots = [k for k, w in enumerate(words) if w in _SYNONYMS]
        if spots:
            k = rng.choice(spots)
            words[k] = _SYNONYMS[words[k]]
            out[i] = " ".join(words)
    elif kind == "reorder":
        i = rng.randrange(1, len(out) - 2)
        out[i], out[i + 1] = out[i + 1], out[i]
    elif kind == "rename":
        name = out[0].split("`")[1]
        new = name.rsplit("_", 1)[0] + f"_{rng.randrange(10**4)}"
        out = [s.replace(name, new) for s in out]
    elif kind == "filler":
        out.insert(rng.randrange(1, len(out)), rng.choice(_FILLERS))
    elif any(s in _FILLERS for s in out):
        out.remove(next(s for s in out if s in _FILLERS))
    return out


def corpus(n: int, seed: int = 0, cluster_share: float = 0.3) -> Corpus:
    """`n` texts; about `cluster_share` of them belong to planted clusters of 2-6 members."""
    rng = random.Random(seed)
    texts: list[str] = []
    cluster: list[int] = []
    number = 0
    while len(texts) < n:
        sentences = _base(rng)
        size = rng.randint(2, 6) if rng.random() < cluster_share / 3 else 1
        variant = sentences
        for _ in range(min(size, n - len(texts))):
            texts.append(" ".join(variant))
            cluster.append(number)
            variant = sentences
            for _ in range(rng.randint(1, 3)):
                variant = _edit(variant, rng)
        number += 1
    order = list(range(n))
    rng.shuffle(order)
    return Corpus(
        ids=[f"q{i:08d}" for i in range(n)],
        texts=[texts[k] for k in order],
        cluster=np.asarray([cluster[k] for k in order]),
    )


def _pairs_within(labels: np.ndarray) -> int:
    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def precision(predicted: np.ndarray, planted: np.ndarray) -> float:
    """Share of predicted same-cluster pairs that are in one planted cluster."""
    both = predicted.astype(np.int64) * (planted.max() + 1) + planted
    found = _pairs_within(predicted)
    return _pairs_within(both) / found if found else 1.0


def planted_pairs(planted: np.ndarray, limit: int, seed: int = 0) -> list[tuple[int, int]]:
    """Every pair within a planted cluster (a random `limit` of them when there are more)."""
    order = np.argsort(planted, kind="stable")
    ranked = planted[order]
    starts = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1])))
    ends = np.append(starts[1:], ranked.size)
    pairs = [
        (int(order[a]), int(order[b]))
        for s, e in zip(starts, ends, strict=True)
        if e - s > 1
        for a in range(s, e)
        for b in range(a + 1, e)
    ]
    if len(pairs) > limit:
        pairs = random.Random(seed).sample(pairs, limit)
    return pairs


def recall(
    predicted: np.ndarray,
    texts: Sequence[str],
    pairs: Sequence[tuple[int, int]],
    threshold: float,
) -> tuple[float, int]:
    """Share of planted pairs at exact Jaccard >= threshold that share a predicted cluster."""
    similar = [(a, b) for a, b in pairs if jaccard(texts[a], texts[b]) >= threshold]
    hit = sum(predicted[a] == predicted[b] for a, b in similar)
    return (hit / len(similar) if similar else 1.0), len(similar)


WORD = re.compile(r"\w+")


def exact_check(
    predicted: np.ndarray, texts: Sequence[str], threshold: float
) -> tuple[float, float, int]:
    """Against exact Jaccard over every pair of `texts` (no sketch): the share of pairs at or
    above `threshold` that share a predicted cluster, the share of predicted same-cluster
    pairs at or above it (a cluster chained through similar pairs may hold pairs below),
    and how many pairs are at or above it.

    All pairs without a quadratic scan: a pair at Jaccard >= t shares at least t·|A| shingles,
    so when every text has fewer than that among the shingles in over 1% of texts, every
    such pair shares a rarer shingle, and pairs sharing one come from a sparse product.
    """
    from scipy.sparse import csr_matrix

    sets = [shingles(t, 3) for t in texts]
    vocab: dict[bytes, int] = {}
    rows, cols = [], []
    for k, grams in enumerate(sets):
        for g in grams:
            rows.append(k)
            cols.append(vocab.setdefault(g, len(vocab)))
    incidence = csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(texts), len(vocab))
    )
    frequency = np.asarray(incidence.sum(axis=0)).ravel()
    common = frequency > max(2, 0.01 * len(texts))
    per_text = np.asarray(incidence[:, np.flatnonzero(common)].sum(axis=1)).ravel()
    sizes = np.asarray([len(s) for s in sets])
    assert (per_text < threshold * sizes).all() or not sizes.any(), "common shingles dominate"
    rare = incidence[:, np.flatnonzero(~common)]
    product = (rare @ rare.T).tocoo()
    upper = product.row < product.col
    candidates = zip(product.row[upper].tolist(), product.col[upper].tolist(), strict=True)

    def similar(a: int, b: int) -> bool:
        union = len(sets[a] | sets[b])
        return union > 0 and len(sets[a] & sets[b]) / union >= threshold

    truth = {(a, b) for a, b in candidates if similar(a, b)}
    hit = sum(predicted[a] == predicted[b] for a, b in truth)
    order = np.argsort(predicted, kind="stable")
    ranked = predicted[order]
    starts = np.flatnonzero(np.concatenate(([True], ranked[1:] != ranked[:-1])))
    ends = np.append(starts[1:], ranked.size)
    claimed = [
        (min(order[x], order[y]), max(order[x], order[y]))
        for s, e in zip(starts, ends, strict=True)
        for x in range(s, e)
        for y in range(x + 1, e)
    ]
    right = sum((int(a), int(b)) in truth for a, b in claimed)
    return (
        hit / len(truth) if truth else 1.0,
        right / len(claimed) if claimed else 1.0,
        len(truth),
    )
