"""The few Dagster-aware steps every family repeats: reading a partition's seeds."""

from __future__ import annotations

from typing import Any

from dagster import AssetExecutionContext, Failure, MetadataValue

from assets.common.seeds import (
    FINGERPRINT_KEY,
    SeedFileError,
    SeedRows,
    Validator,
    read_seed_file,
    write_quarantine,
)
from resources.workspace import Workspace


def read_partition_seeds(
    context: AssetExecutionContext, workspace: Workspace, family: str, validate: Validator
) -> tuple[SeedRows, dict[str, Any]]:
    """The partition's valid seed rows and metadata; bad lines go to a quarantine report.

    A wholly unusable file fails this partition only, with a message naming the file.
    """
    path = workspace.seed_path(family, context.partition_key)
    try:
        seeds = read_seed_file(path, validate)
    except SeedFileError as exc:
        raise Failure(description=str(exc), allow_retries=False) from exc
    report = write_quarantine(workspace.quarantine_dir, family, context.partition_key, seeds.bad)
    meta: dict[str, Any] = {
        "seed/file": MetadataValue.path(str(path)),
        FINGERPRINT_KEY: seeds.fingerprint,
        "seed/lines_read": seeds.lines_read,
        "seed/lines_valid": len(seeds.rows),
        "seed/lines_quarantined": len(seeds.bad),
    }
    if report:
        meta["seed/quarantine_report"] = MetadataValue.path(str(report))
        first = seeds.bad[0]
        context.log.warning(
            f"{len(seeds.bad)} bad line(s) in {path} quarantined to {report}; "
            f"first: {first.file}:{first.line}: {first.reason}"
        )
    return seeds, meta
