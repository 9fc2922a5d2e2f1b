"""KodCode: seed prompts -> questions -> trials -> sandbox results -> verified triplets, then
retries, complete style, reasoning SFT (cross-verified), RL, and the releases.

Modules, in the order of the chain:
  questions.py         kodcode_seed_prompts, kodcode_raw_questions, kodcode_questions
  tagging.py           kodcode_question_tags (LLM quality / category tags, KodCode's unitag)
  trials.py            kodcode_solution_trials, kodcode_test_results, kodcode_verified_triplets
  retries.py           kodcode_retry_trials, kodcode_instruct_triplets
  style_conversion.py  kodcode_style_conversions, kodcode_triplets (both styles)
  reasoning_sft.py     kodcode_sft_responses, kodcode_sft (cross-verified against the tests)
  rl_set.py            kodcode_rl (verl rows)
  release.py           kodcode_release_selection, kodcode_dataset, kodcode_sft_dataset, kodcode_rl_dataset
  checks.py, release_checks.py
Pure helpers: prompts, modes (seed validation), parsing, style (stub checks), answers and
cross_verification (reasoner code alignment and SFT rows), rl, release_selection, reward (verl).
Profiles (`kodcode_profile`): method.py (each profile's sampling, budgets, shots, time limits
and the named `assay` differences), original.py (KodCode's own wording from ASSAY_KODCODE_SRC
and its extraction rules), fidelity.py (the generation side's fidelity report).
"""

from assets.common.family import Family
from assets.kodcode.checks import CHECKS as PARTITIONED_CHECKS
from assets.kodcode.fidelity import findings
from assets.kodcode.modes import validate_seed
from assets.kodcode.questions import kodcode_questions, kodcode_raw_questions, kodcode_seed_prompts
from assets.kodcode.reasoning_sft import kodcode_sft, kodcode_sft_responses
from assets.kodcode.release import RELEASE_ASSETS
from assets.kodcode.release_checks import RELEASE_CHECKS
from assets.kodcode.retries import kodcode_instruct_triplets, kodcode_retry_trials
from assets.kodcode.rl_set import kodcode_rl
from assets.kodcode.style_conversion import kodcode_style_conversions, kodcode_triplets
from assets.kodcode.tagging import kodcode_question_tags
from assets.kodcode.trials import (
    kodcode_solution_trials,
    kodcode_test_results,
    kodcode_verified_triplets,
)

ASSETS = [
    kodcode_seed_prompts,
    kodcode_raw_questions,
    kodcode_questions,
    kodcode_question_tags,
    kodcode_solution_trials,
    kodcode_test_results,
    kodcode_verified_triplets,
    kodcode_retry_trials,
    kodcode_instruct_triplets,
    kodcode_style_conversions,
    kodcode_triplets,
    kodcode_sft_responses,
    kodcode_sft,
    kodcode_rl,
    *RELEASE_ASSETS,
]
CHECKS = [*PARTITIONED_CHECKS, *RELEASE_CHECKS]

FAMILY = Family(
    name="kodcode",
    description="seed prompts -> questions -> trials -> verified triplets -> complete style, SFT, RL",
    assets=ASSETS,
    checks=CHECKS,
    seed_asset=kodcode_seed_prompts,
    validate_seed=validate_seed,
    fidelity=findings,
    demo_run_config={
        "ops": {
            # One first trial and up to two retries (the asset defaults are 3 and up to 6):
            # trials and retries wrote 7.2k of the demo's 13k completion tokens with 2 and up
            # to 4 (~320 tokens each). Retries cost only where a first trial failed; with one
            # retry, a run of the 1.5B model released no triplet at all (its answers vary from
            # run to run: llama.cpp's batched slots are not bit-deterministic).
            "kodcode_solution_trials": {"config": {"n_trials": 1}},
            "kodcode_retry_trials": {"config": {"max_trials": 3}},
            "kodcode_sft_responses": {"config": {"n_samples": 1}},
            # Two LLM calls per tagged question: the demo tags at most two per seed file.
            "kodcode_question_tags": {"config": {"max_questions": 2}},
        }
    },
)
