"""Reading seed files without losing anything: good lines flow, bad lines are quarantined.

A seed file is JSON Lines (one object per line) or a JSON array of objects. Every
problem names the file and the line. A file that is wholly unusable (missing,
empty, binary, no valid line) raises `SeedFileError`; a partly bad one yields its
valid rows plus a list of `BadLine`s that the asset writes to a quarantine report.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

MAX_LINE_BYTES = 1_000_000
_EXCERPT = 120

# Returns None when the row is fine for its mode, else why it is not.
Validator = Callable[[dict], "str | None"]


# Metadata key of a seed file's content hash on each family's first asset: the sensor uses it
# to tell a file already processed (say by `make demo`) from a new or edited one.
FINGERPRINT_KEY = "seed/fingerprint"


def fingerprint_of(data: bytes) -> str:
    """A seed file's content hash: 16 hex digits of sha256."""
    return hashlib.sha256(data).hexdigest()[:16]


def fingerprint(path: Path) -> str:
    """`fingerprint_of` the file's current content (the sensor's view; a run hashes the
    bytes it read, so a file replaced mid-run is recorded as what the run saw)."""
    return fingerprint_of(path.read_bytes())


class SeedFileError(ValueError):
    """A seed file that cannot be used at all; the message names the file (and line)."""


@dataclass(frozen=True)
class BadLine:
    file: str
    line: int
    reason: str
    excerpt: str

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class SeedRows:
    """Valid rows (each with its `seed_line`) and the quarantined ones."""

    path: Path
    fingerprint: str = ""
    rows: list[dict] = field(default_factory=list)
    bad: list[BadLine] = field(default_factory=list)

    @property
    def lines_read(self) -> int:
        return len(self.rows) + len(self.bad)


def _excerpt(raw: bytes) -> str:
    return raw[:_EXCERPT].decode("utf-8", errors="replace")


def _check_object(value: object, validate: Validator | None) -> str | None:
    if not isinstance(value, dict):
        return f"expected a JSON object, got {type(value).__name__}"
    return validate(value) if validate else None


def read_seed_file(
    path: Path, validate: Validator | None = None, max_line_bytes: int = MAX_LINE_BYTES
) -> SeedRows:
    """Parse `path`; raise SeedFileError when nothing in it is usable."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise SeedFileError(f"{path}: seed file not found (was it removed or renamed?)") from exc
    if not data.strip():
        raise SeedFileError(f"{path}: seed file is empty")
    if b"\x00" in data[:8192]:
        raise SeedFileError(f"{path}: looks binary (NUL bytes), expected JSON Lines text")
    out = SeedRows(path=path, fingerprint=fingerprint_of(data))
    if path.suffix == ".json" and data.lstrip().startswith(b"["):
        _read_array(path, data, validate, out)
    else:
        _read_lines(path, data, validate, max_line_bytes, out)
    if not out.rows:
        first = "; ".join(f"line {b.line}: {b.reason}" for b in out.bad[:3])
        raise SeedFileError(f"{path}: no valid seed line ({len(out.bad)} bad; {first})")
    return out


def _read_lines(
    path: Path, data: bytes, validate: Validator | None, max_line_bytes: int, out: SeedRows
) -> None:
    for number, raw in enumerate(data.split(b"\n"), start=1):
        if not raw.strip():
            continue
        if len(raw) > max_line_bytes:
            out.bad.append(
                BadLine(
                    str(path),
                    number,
                    f"line is {len(raw):,} bytes; the limit is {max_line_bytes:,}",
                    _excerpt(raw),
                )
            )
            continue
        try:
            value = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError as exc:
            out.bad.append(
                BadLine(str(path), number, f"not UTF-8 at byte {exc.start}", _excerpt(raw))
            )
            continue
        except json.JSONDecodeError as exc:
            out.bad.append(
                BadLine(
                    str(path),
                    number,
                    f"invalid JSON: {exc.msg} at column {exc.colno}",
                    _excerpt(raw),
                )
            )
            continue
        reason = _check_object(value, validate)
        if reason:
            out.bad.append(BadLine(str(path), number, reason, _excerpt(raw)))
        else:
            out.rows.append({**value, "seed_line": number})


def _read_array(path: Path, data: bytes, validate: Validator | None, out: SeedRows) -> None:
    try:
        items = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise SeedFileError(f"{path}: not a valid JSON array ({exc})") from exc
    for number, value in enumerate(items, start=1):
        reason = _check_object(value, validate)
        if reason:
            out.bad.append(BadLine(str(path), number, reason, json.dumps(value)[:_EXCERPT]))
        else:
            out.rows.append({**value, "seed_line": number})


def require_fields(*names: str, types: dict[str, type] | None = None) -> Validator:
    """A validator for rows that need `names` as non-empty values (of `types` where given)."""
    types = types or {}

    def validate(row: dict) -> str | None:
        missing = [n for n in names if row.get(n) in (None, "", [], {})]
        if missing:
            return f"missing field(s): {', '.join(missing)}"
        for name, kind in types.items():
            if name in row and not isinstance(row[name], kind):
                return f"field {name!r} should be {kind.__name__}, got {type(row[name]).__name__}"
        return None

    return validate


def write_quarantine(
    directory: Path, family: str, partition: str, bad: list[BadLine]
) -> Path | None:
    """Write the quarantined lines where people can read them; None when nothing is bad."""
    target = directory / family / f"{partition}.quarantine.jsonl"
    if not bad:
        if target.exists():
            target.unlink()
        return None
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp")
    tmp.write_text("".join(json.dumps(b.as_dict(), ensure_ascii=False) + "\n" for b in bad))
    tmp.replace(target)
    return target
