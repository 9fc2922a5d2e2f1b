"""CodeI/O: raw code → unified code (LLM) → I/O pairs (sandbox) → prediction prompts →
predictions (LLM, verified) → revisions (CodeI/O++, re-verified) → final records; release."""

from assets.codeio.assets import (
    codeio_final,
    codeio_io_pairs,
    codeio_prediction_prompts,
    codeio_predictions,
    codeio_raw_code,
    codeio_revisions,
    codeio_unified,
)
from assets.codeio.checks import codeio_final_consistent, codeio_pairs_within_limits
from assets.codeio.release import codeio_release

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
CHECKS = [codeio_pairs_within_limits, codeio_final_consistent]
