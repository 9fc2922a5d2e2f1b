"""Seed lines: one built-in method to test per line, `{"type": "str", "method": "split"}`
(ExecVerify's methods/*.txt, one file per type)."""

from __future__ import annotations


def validate_seed(row: dict) -> str | None:
    """Why a seed line is unusable, or None."""
    for field in ("type", "method"):
        value = row.get(field)
        if not isinstance(value, str) or not value.strip():
            return f"needs a non-empty string {field!r}"
    return None


def methods_file_lines(type_name: str, text: str) -> list[dict]:
    """A methods/<type>.txt file as seed rows (blank lines skipped, each stripped)."""
    return [{"type": type_name, "method": m.strip()} for m in text.split("\n") if m.strip()]
