"""Case2Code: raw functions → example inputs (LLM) → outputs (sandbox) → cases → prompts; SFT release and pass@k evaluation."""

from assets.case2code.assets import (
    case2code_cases,
    case2code_example_inputs,
    case2code_functions,
    case2code_outputs,
    case2code_prompts,
)
from assets.case2code.checks import (
    case2code_cases_consistent,
    case2code_prompts_well_formed,
    case2code_release_fields,
)
from assets.case2code.fidelity import findings
from assets.case2code.functions import validate_seed
from assets.case2code.release import case2code_eval, case2code_sft
from assets.common.family import Family

ASSETS = [
    case2code_functions,
    case2code_example_inputs,
    case2code_outputs,
    case2code_cases,
    case2code_prompts,
    case2code_sft,
    case2code_eval,
]
CHECKS = [case2code_cases_consistent, case2code_prompts_well_formed, case2code_release_fields]

FAMILY = Family(
    name="case2code",
    description="raw functions -> example inputs -> outputs -> cases -> prompts; SFT release, pass@k eval",
    assets=ASSETS,
    checks=CHECKS,
    seed_asset=case2code_functions,
    validate_seed=validate_seed,
    fidelity=findings,
)
