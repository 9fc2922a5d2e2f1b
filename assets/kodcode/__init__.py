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
