"""KodCode: seed prompts → questions → solution trials → sandbox results → verified triplets."""

from assets.kodcode.assets import (
    kodcode_questions,
    kodcode_raw_questions,
    kodcode_seed_prompts,
    kodcode_solution_trials,
    kodcode_test_results,
    kodcode_verified_triplets,
)
from assets.kodcode.checks import kodcode_questions_well_formed, kodcode_triplets_verified

ASSETS = [
    kodcode_seed_prompts,
    kodcode_raw_questions,
    kodcode_questions,
    kodcode_solution_trials,
    kodcode_test_results,
    kodcode_verified_triplets,
]
CHECKS = [kodcode_questions_well_formed, kodcode_triplets_verified]

# Stage 3: retries, complete style, SFT, RL (partitioned) and the releases (group kodcode_release).
from assets.kodcode.stage3 import STAGE3_ASSETS
from assets.kodcode.stage3_checks import STAGE3_CHECKS
from assets.kodcode.stage3_release import RELEASE_ASSETS

ASSETS += STAGE3_ASSETS + RELEASE_ASSETS
CHECKS += STAGE3_CHECKS
