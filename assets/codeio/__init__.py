"""CodeI/O (hkust-nlp/CodeIO) with the CodeI/O++ revision turn, as partitioned assets.

Chain, one partition per seed file under `seeds/codeio/`:
  codeio_raw_code            seed lines (bad ones quarantined), oversize and repeated files dropped
  codeio_unified             LLM: main_solution, I/O description, input_generator, problem statement
  codeio_io_pairs            sandbox: seeded input draws within size limits, outputs computed twice
                             in one process and again in a fresh one; 2 to 10 pairs per item
  codeio_prediction_prompts  first 3 pairs: one output- and one input-prediction prompt each
  codeio_predictions         LLM turn 1, verified (outputs by tolerance, inputs by re-execution)
  codeio_revisions           LLM turn 2 for failures, with the verifier's feedback, re-verified
  codeio_final               CodeI/O++ records (prompt, turn_1, feedback_1, turn_2, feedback_2) + SFT chat
  codeio_release             all partitions: one copy per source file, decontaminated, exported

Profile (`codeio_profile`, ASSAY_CODEIO_PROFILE): `assay` (default) or `original`, which
follows hkust-nlp/CodeIO with its wording read from ASSAY_CODEIO_SRC; method.py lists both
and every difference, fidelity.py compares them with the original (docs/profiles/codeio.md).

Seed format: JSON Lines in CodeI/O's raw-code record shape, one source file per line;
`content` is required, `blob_id`, `repo_name`, `path` (and any other field) are optional:
  {"blob_id": "…", "repo_name": "owner/repo", "path": "/pkg/module.py", "content": "def f(x): …"}
"""

from assets.codeio.assets import (
    codeio_final,
    codeio_io_pairs,
    codeio_prediction_prompts,
    codeio_predictions,
    codeio_raw_code,
    codeio_revisions,
    codeio_unified,
    validate_seed,
)
from assets.codeio.checks import (
    codeio_final_consistent,
    codeio_pairs_within_limits,
    codeio_release_is_codeio_pp,
)
from assets.codeio.fidelity import findings
from assets.codeio.release import codeio_release
from assets.common.family import Family

ASSETS = [
    codeio_raw_code,
    codeio_unified,
    codeio_io_pairs,
    codeio_prediction_prompts,
    codeio_predictions,
    codeio_revisions,
    codeio_final,
    codeio_release,
]
CHECKS = [codeio_pairs_within_limits, codeio_final_consistent, codeio_release_is_codeio_pp]

FAMILY = Family(
    name="codeio",
    description="raw code -> unified code -> I/O pairs -> predictions -> revisions -> CodeI/O++ set",
    assets=ASSETS,
    checks=CHECKS,
    seed_asset=codeio_raw_code,
    validate_seed=validate_seed,
    fidelity=findings,
)
