"""Each family's seed partitions and seed-reading asset, as the registry declares them.

The partition key is the seed file's name, so lineage in the UI reads as
"this row came from that file".
"""

from dagster import AssetKey, DynamicPartitionsDefinition

from assets.registry import FAMILIES as _FAMILIES

FAMILIES = tuple(_FAMILIES)
PARTITIONS: dict[str, DynamicPartitionsDefinition] = {
    name: f.partitions for name, f in _FAMILIES.items()
}
# Each family's first asset: the one that reads the seed file (and records its fingerprint).
SEED_ASSETS: dict[str, AssetKey] = {name: f.seed_asset_key for name, f in _FAMILIES.items()}
