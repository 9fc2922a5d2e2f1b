"""One dynamic partition per seed file, per family.

The partition key is the seed file's name, so lineage in the UI reads as
"this row came from that file".
"""

from dagster import AssetKey, DynamicPartitionsDefinition

FAMILIES = ("kodcode", "codeio", "case2code")

kodcode_partitions = DynamicPartitionsDefinition(name="kodcode_seeds")
codeio_partitions = DynamicPartitionsDefinition(name="codeio_seeds")
case2code_partitions = DynamicPartitionsDefinition(name="case2code_seeds")

PARTITIONS = {
    "kodcode": kodcode_partitions,
    "codeio": codeio_partitions,
    "case2code": case2code_partitions,
}

# Each family's first asset: the one that reads the seed file (and records its fingerprint).
SEED_ASSETS = {
    "kodcode": AssetKey("kodcode_seed_prompts"),
    "codeio": AssetKey("codeio_raw_code"),
    "case2code": AssetKey("case2code_functions"),
}
