"""KodCode: seed prompts → questions → solution trials → sandbox results → verified triplets."""

from assets.common.family import Family
from assets.kodcode.assets import (
    kodcode_questions,
    kodcode_raw_questions,
    kodcode_seed_prompts,
    kodcode_solution_trials,
    kodcode_test_results,
    kodcode_verified_triplets,
)
from assets.kodcode.checks import kodcode_questions_well_formed, kodcode_triplets_verified
from assets.kodcode.modes import validate_seed

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

FAMILY = Family(
    name="kodcode",
    description="seed prompts -> questions -> trials -> verified triplets -> complete style, SFT, RL",
    assets=ASSETS,
    checks=CHECKS,
    seed_asset=kodcode_seed_prompts,
    validate_seed=validate_seed,
    demo_run_config={
        "ops": {
            # Two first trials (the asset default is 3): trials are ~80% of the demo's model
            # time, and a question neither passes still gets up to 4 through the retries.
            "kodcode_solution_trials": {"config": {"n_trials": 2}},
            "kodcode_retry_trials": {"config": {"max_trials": 4}},
            "kodcode_sft_responses": {"config": {"n_samples": 1}},
        }
    },
)
