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


def main(argv: list[str] | None = None) -> int:
    """`python -m assets.execverify.seeds METHODS_DIR > seeds/execverify/all.jsonl`: ExecVerify's
    methods/*.txt (files in name order, as its released prompts list them) as one seed file."""
    import json
    import sys
    from pathlib import Path

    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m assets.execverify.seeds METHODS_DIR", file=sys.stderr)
        return 2
    for path in sorted(Path(args[0]).glob("*.txt")):
        for row in methods_file_lines(path.stem, path.read_text(encoding="utf-8")):
            sys.stdout.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
