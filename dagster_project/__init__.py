"""assay's Dagster code location: definitions, partitions, sensors, jobs and settings."""
