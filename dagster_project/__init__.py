"""assay's Dagster code location: definitions, partitions, sensors, jobs and settings."""

import warnings

from dagster import PreviewWarning

# The one place where warnings are silenced. Our asset checks are partitioned like their
# assets (AssetCheckSpec(partitions_def=...)), a preview feature we use on purpose and
# pin Dagster for; its PreviewWarning would print once per check on every start.
warnings.filterwarnings(
    "ignore", message=r"Specifying a partitions_def on an AssetCheckSpec", category=PreviewWarning
)
