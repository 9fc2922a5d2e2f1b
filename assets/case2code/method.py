"""What each profile does in Case2Code: sampling parameters, limits and mechanisms, as data.

`original` is Case2Code's method (choosewhatulike/case2code: README commands, data_process.py,
prompt_code_data.py, mp_exec_code.py, mp_test_case2code_with_exe.py). `assay` follows it
except where `ASSAY_DIFFERENCES` names a reason; docs/profiles/case2code.md says the same in
prose and the fidelity report (README, "Profiles") checks both against a checkout.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from assets.common.profiles import ASSAY, ORIGINAL, Profile

# prompt_code_data.py: `if len(prompt) > 4096 * 8: continue`.
MAX_PROMPT_CHARS = 4096 * 8


@dataclass(frozen=True)
class Method:
    """One profile's Case2Code method."""

    profile: str
    # Writing example inputs (README: mp_run_api_local.py --task write_testcase).
    inputs_temperature: float
    inputs_top_p: float
    inputs_max_tokens: int
    # Scoring on a test set (README: --task trace2code_test_baseline).
    eval_temperature: float
    eval_top_p: float
    eval_max_tokens: int
    # Training prompts longer than this are dropped.
    max_prompt_chars: int = MAX_PROMPT_CHARS
    # Case2Code's wording read from the checkout, Case2Code's draws, renderings and mechanisms.
    original: bool = False

    @property
    def shared_process(self) -> bool:
        """All of a function's examples run in one process (Case2Code), or each in its own."""
        return self.original


ORIGINAL_METHOD = Method(
    profile=ORIGINAL,
    inputs_temperature=0.2,
    inputs_top_p=0.95,
    inputs_max_tokens=2048,
    eval_temperature=0.0,
    eval_top_p=0.95,
    eval_max_tokens=2048,
    original=True,
)

# `assay` samples as the original does; only the example-input budget and the execution differ.
ASSAY_METHOD = replace(ORIGINAL_METHOD, profile=ASSAY, inputs_max_tokens=384, original=False)

# Each way `assay` departs from Case2Code, with its reason (shown by the fidelity report).
ASSAY_DIFFERENCES: dict[str, str] = {
    "wording": "our own wording for every prompt and template pool (Case2Code's is read from a "
    "checkout under `original`, never shipped); the pools keep Case2Code's shape and draw rules",
    "inputs_max_tokens": "ten dict(...) lines fit in about 200 tokens; a cut-off list is repaired to "
    "its complete examples, and 2,048 tokens per function would multiply the demo's generation time",
    "imports": "the code that runs (and is the target) is the seed's `import_code` then its "
    "`content`: Case2Code drops `import_code`, so a function that needs an import only raises "
    "NameError",
    "reask_unusable": "a function is re-asked (up to 3 times) when its answer has no usable "
    "example, not only when the answer's block is empty, so a bad answer costs a retry rather "
    "than the function",
    "literal_inputs": "examples must be Python literals, checked against the signature: a prompt shows "
    "exactly what ran, and nothing the model wrote runs except the call itself in the sandbox",
    "separate_processes": "each example runs in its own sandbox process, so no example's side effects "
    "(globals, caches, mutated defaults) leak into another's output",
    "no_result_cases": "an example that timed out or ran out of memory is removed from its item; "
    "Case2Code's one-process run fails as a whole and drops the item",
    "output_rendering": "outputs are shown as the value's repr and exceptions as `Name: message`; "
    "Case2Code shows json.dumps(repr(value)) (every value in double quotes, as if all functions "
    "returned strings) and `\"<class 'Name'>: message\"`",
    "input_rendering": "string arguments as Python reprs like every nested value; Case2Code shows "
    "top-level strings as JSON (double quotes) and nested ones as reprs",
    "positional_when_binding": "a case is shown positionally only when that binds the same way as "
    "its keywords, so a shown call means what was run",
    "assert_without_exceptions": "the `assert` template never shows a case that raised (an "
    "assertion cannot state that a call raises)",
    "function_header_for_raw": "raw-style cases never name the function, so the function line is "
    "always shown with them",
    "eval_chat_wrapper": "the evaluation prompt is sent as a plain chat message; Case2Code also wraps "
    "it in Llama-3 header tokens inside that chat message, which the server's chat template then "
    "wraps again",
    "eval_code_extraction": "the scored code is the python block that defines the function "
    "(else the first block), so an answer that shows a usage example first is not scored on it",
    "eval_comparison": "outcomes compared exactly after normalising exception classes to their "
    "name (the sandbox reports an exception's class without its module)",
}


def method_of(profile: Profile | str) -> Method:
    name = profile.name if isinstance(profile, Profile) else profile
    return ORIGINAL_METHOD if name == ORIGINAL else ASSAY_METHOD
