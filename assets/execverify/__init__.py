"""ExecVerify: synthesized programs -> execution-verified samples -> difficulty -> I/O and O/I
reasoning (SFT); traces -> white-box questions (RL) with a sandboxed reward."""

from assets.common.family import Family
from assets.execverify.assets import (
    execverify_difficulties,
    execverify_filtered,
    execverify_io_cot,
    execverify_methods,
    execverify_mutated_programs,
    execverify_oi_cot,
    execverify_programs,
    execverify_questions,
    execverify_rl,
    execverify_rl_candidates,
    execverify_samples,
    execverify_sft,
    execverify_traces,
)
from assets.execverify.checks import (
    execverify_questions_answerable,
    execverify_rl_rows_readable,
    execverify_samples_complete,
)
from assets.execverify.release import execverify_rl_release, execverify_sft_release
from assets.execverify.seeds import validate_seed

ASSETS = [
    execverify_methods,
    execverify_programs,
    execverify_mutated_programs,
    execverify_samples,
    execverify_difficulties,
    execverify_filtered,
    execverify_io_cot,
    execverify_oi_cot,
    execverify_sft,
    execverify_rl_candidates,
    execverify_traces,
    execverify_questions,
    execverify_rl,
    execverify_sft_release,
    execverify_rl_release,
]
CHECKS = [execverify_samples_complete, execverify_questions_answerable, execverify_rl_rows_readable]

# The demo runs the 1.5B model on two shared cores in minutes: one config, short answers, one
# difficulty sample (ExecVerify: n = 10) and no difficulty cut, so the whole chain has rows.
DEMO_RUN_CONFIG = {
    "ops": {
        "execverify_programs": {"config": {"configs": [1], "max_tokens": 320}},
        "execverify_mutated_programs": {"config": {"max_tokens": 320}},
        "execverify_difficulties": {"config": {"n_samples": 1, "max_tokens": 128}},
        "execverify_filtered": {"config": {"max_pass": 1}},
        "execverify_io_cot": {"config": {"max_tokens": 256}},
        "execverify_oi_cot": {"config": {"max_tokens": 256}},
        "execverify_rl_candidates": {"config": {"max_tokens": 256}},
    }
}

FAMILY = Family(
    name="execverify",
    description="methods -> programs -> mutated programs -> executable samples -> difficulty -> I/O and O/I CoT (SFT); "
    "traces -> white-box questions -> RL",
    assets=ASSETS,
    checks=CHECKS,
    seed_asset=execverify_methods,
    validate_seed=validate_seed,
    demo_run_config=DEMO_RUN_CONFIG,
)
