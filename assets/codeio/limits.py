"""CodeI/O's size limits on inputs and outputs, checked the same way on both sides.

Limits (CodeI/O's `strict_check_size`, measured on JSON rather than Python object
sizes so the bound is the same on every interpreter): the serialised value is
under 1 KB, every list or dict has fewer than 20 elements and every string fewer
than 100 characters, recursively. Non-finite floats are refused because they
are not JSON and never compare equal.

`limit_violation` uses nothing but `json`, so its source is shipped verbatim into
the sandbox harness (see harness.py): the filter that picks I/O pairs there is
the one the host applies to everything else.
"""

from __future__ import annotations

MAX_BYTES = 1024
MAX_ITEMS = 20
MAX_CHARS = 100


def limit_violation(value, max_bytes=1024, max_items=20, max_chars=100):
    """None when `value` fits CodeI/O's limits, else a short reason."""
    import json

    try:
        text = json.dumps(value, allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError, RecursionError):
        return "not_json"
    if len(text.encode("utf-8")) >= max_bytes:
        return "too_large"
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if len(item) >= max_chars:
                return "string_too_long"
        elif isinstance(item, dict):
            if len(item) >= max_items:
                return "too_many_items"
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            if len(item) >= max_items:
                return "too_many_items"
            stack.extend(item)
    return None


def fits_limits(value: object) -> bool:
    return limit_violation(value, MAX_BYTES, MAX_ITEMS, MAX_CHARS) is None
