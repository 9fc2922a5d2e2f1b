"""Keeping evaluation functions out of the training set.

An SFT item is contaminated when its function is the same program as a test
item's reference code (equal ASTs, so formatting and comments do not matter) or
a near-duplicate of it (MinHash over code tokens, the project's dedup).
"""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Iterable, Mapping

from assets.common.dedup import MinHashParams, canonical_members

DEFAULT_PARAMS = MinHashParams()
_TEST_PREFIX = "~test:"  # sorts after hex ids, so a cluster's canonical member is never a test item


def code_fingerprint(code: str) -> str:
    """A hash of the program's AST (formatting and comments ignored); the raw text's hash if it does not parse."""
    try:
        text = ast.dump(ast.parse(code))
    except (SyntaxError, ValueError, MemoryError, RecursionError):
        text = code.strip()
    return hashlib.sha256(text.encode()).hexdigest()


def contaminated(
    items: Mapping[str, str], references: Iterable[str], params: MinHashParams = DEFAULT_PARAMS
) -> dict[str, str]:
    """`{item id: reason}` for items whose code equals or nearly duplicates a reference program."""
    refs = [r for r in references if r and r.strip()]
    exact = {code_fingerprint(r) for r in refs}
    found = {
        item_id: "same_program"
        for item_id, code in items.items()
        if code_fingerprint(code) in exact
    }
    if refs:
        pool = [(item_id, code) for item_id, code in items.items() if item_id not in found]
        pool += [(f"{_TEST_PREFIX}{i}", code) for i, code in enumerate(refs)]
        canonical = canonical_members(pool, params)
        tainted = {canonical[k] for k in canonical if k.startswith(_TEST_PREFIX)}
        for item_id, root in canonical.items():
            if not item_id.startswith(_TEST_PREFIX) and root in tainted:
                found[item_id] = "near_duplicate"
    return found
