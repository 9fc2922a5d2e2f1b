"""Case2Code: raw functions → example inputs (LLM) → outputs (sandbox) → cases → prompts; SFT release and pass@k evaluation."""

from assets.case2code.assets import (
    case2code_cases,
    case2code_example_inputs,
    case2code_functions,
    case2code_outputs,
    case2code_prompts,
)
from assets.case2code.checks import case2code_cases_consistent, case2code_prompts_well_formed
from assets.case2code.release import case2code_eval, case2code_sft

ASSETS = [
    case2code_functions,
    case2code_example_inputs,
    case2code_outputs,
    case2code_cases,
    case2code_prompts,
    case2code_sft,
    case2code_eval,
]
CHECKS = [case2code_cases_consistent, case2code_prompts_well_formed]
