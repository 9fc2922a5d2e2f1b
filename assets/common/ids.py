"""Stable ids and seeded randomness derived from lineage, never from wall time."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any


def stable_id(*parts: Any, length: int = 16) -> str:
    """A short hex id determined by `parts` (JSON-encoded), so re-runs reproduce it."""
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:length]


def seeded_rng(global_seed: int, partition: str, asset: str, *extra: Any) -> random.Random:
    """A RNG fixed by (global seed, partition, asset[, extra]): same inputs, same draws."""
    return random.Random(int(stable_id(global_seed, partition, asset, *extra), 16))
