"""The CodeI/O method's settings under each profile: the original's, and ours with reasons.

`original` follows hkust-nlp/CodeIO (`src/`, the README's commands, `scripts/`); `assay`
keeps our wording and the named improvements in `ASSAY_DIFFERENCES`, and otherwise the
same method. Assets read their defaults from here (a run's config may still override a
number); the fidelity report compares the `original` column with the original's source.

Numbers are read field by field. The original's mechanisms are implemented as bundles chosen
together by `original`: its wording (original_src), its search, extraction, tolerance and
input check (original_rules, judging.OriginalRules) and its section reading
(unified.parse_unified_original); their fields here (size_measure, answer_extraction,
prelude, bools_equal_ints, ...) describe each part so every difference is listed by name.
"""

from __future__ import annotations

from dataclasses import dataclass

from assets.common.profiles import ORIGINAL, Profile


@dataclass(frozen=True)
class Method:
    """Everything the profile decides about CodeI/O's method."""

    profile: str
    # build_transform_msg + batched_api_inference (README step 1.2): one user message.
    unify_max_tokens: int
    temperature: float | None  # None: the LLM resource's own setting
    # Raw code: files longer than this are dropped (None: no limit); repeated files dropped.
    max_code_chars: int | None
    drop_repeated_files: bool
    # parse_gen_ios: section headers exactly as written (original) or our tolerant reading.
    strict_sections: bool
    # parse_gen_ios templatexx: the pair search.
    search_tries: int
    max_pairs: int
    min_pairs: int
    search_limit_s: float  # original: the whole search process; assay: a budget that truncates
    search_limit_drops: bool  # original: exceeding the limit loses the item
    size_measure: str  # "asizeof" (pympler, as the original) or "json" (bytes of its JSON text)
    tolerate_draw_errors: bool  # assay: a draw that raises is skipped, not the item
    check_determinism: bool  # assay: outputs reproduced in-process and in a fresh process
    drop_clock_readers: bool
    # build_codeio_msg: the first N pairs, both prediction directions, the code as a tip.
    pairs_per_item: int
    given_as_json: bool  # the known side shown as JSON (assay) or as Python's f"{value}"
    # batched_api_inference for predictions and revisions.
    predict_max_tokens: int
    # check_io_pred_acc_mp*: reading the answer, the code's imports, input checks' time limit
    # and how often timeouts are re-run.
    answer_extraction: str  # "last_json" (the original's) or "keyed" (ours)
    prelude: str  # what runs before the program: "original" (none / its import prefix) or "stdlib"
    input_check_limit_s: float
    timeout_reruns: int
    bools_equal_ints: bool  # the original's is_close lets True match 1
    # assemble_codeio_demo: which records are CodeI/O++ records, and the SFT export.
    release_all_turn_1: bool  # assay: every answered record, with its status columns
    keep_failed_revision_requests: bool  # assay: a failed turn-2 request keeps turn 1
    dedup_programs: bool  # assay: one copy of near-duplicate programs across seed files
    sft_verified_only: bool

    @property
    def original(self) -> bool:
        return self.profile == ORIGINAL


ORIGINAL_METHOD = Method(
    profile="original",
    unify_max_tokens=4096,
    temperature=0.7,
    max_code_chars=None,
    drop_repeated_files=False,
    strict_sections=True,
    search_tries=1000,
    max_pairs=10,
    min_pairs=2,
    search_limit_s=60.0,
    search_limit_drops=True,
    size_measure="asizeof",
    tolerate_draw_errors=False,
    check_determinism=False,
    drop_clock_readers=False,
    pairs_per_item=3,
    given_as_json=False,
    answer_extraction="last_json",
    prelude="original",
    predict_max_tokens=4096,
    input_check_limit_s=5.0,
    timeout_reruns=10,
    bools_equal_ints=True,
    release_all_turn_1=False,
    keep_failed_revision_requests=False,
    dedup_programs=False,
    sft_verified_only=False,
)

ASSAY_METHOD = Method(
    profile="assay",
    unify_max_tokens=1024,
    temperature=None,
    max_code_chars=6000,
    drop_repeated_files=True,
    strict_sections=False,
    search_tries=1000,
    max_pairs=10,
    min_pairs=2,
    search_limit_s=5.0,
    search_limit_drops=False,
    size_measure="json",
    tolerate_draw_errors=True,
    check_determinism=True,
    drop_clock_readers=True,
    pairs_per_item=3,
    given_as_json=True,
    answer_extraction="keyed",
    prelude="stdlib",
    predict_max_tokens=1024,
    input_check_limit_s=5.0,
    timeout_reruns=2,
    bools_equal_ints=False,
    release_all_turn_1=True,
    keep_failed_revision_requests=True,
    dedup_programs=True,
    sft_verified_only=True,
)

# Each `assay` difference: the Method field, a name, and why we differ.
ASSAY_DIFFERENCES: dict[str, tuple[str, str]] = {
    "prompt_wording": (
        "our own prompt wording",
        (
            "the original repository carries no licence, so its wording is read from a checkout "
            "under `original` and never shipped; ours asks for the same four parts and answers, and "
            "adds that main_solution must be deterministic"
        ),
    ),
    "unify_max_tokens": (
        "1,024 tokens per unified-code answer (original 4,096)",
        (
            "the embedded model's window is 4,096 tokens in all: a 6,000-character file plus the "
            "prompt leaves about 1,024 for the answer"
        ),
    ),
    "predict_max_tokens": (
        "1,024 tokens per prediction answer (original 4,096)",
        "same window; a prediction's reasoning fits, and a truncated answer is kept as a failed row",
    ),
    "temperature": (
        "the LLM resource's temperature (original 0.7 on the command line)",
        "one setting for every family (ASSAY_LLM_TEMPERATURE); its default is the same 0.7",
    ),
    "max_code_chars": (
        "files over 6,000 characters dropped (too_long)",
        "the model must read the file whole within its window; the original has no cap",
    ),
    "drop_repeated_files": (
        "repeated files dropped (duplicate_content)",
        "the same file twice makes the same programs twice; the original keeps both",
    ),
    "strict_sections": (
        "tolerant section reading; both functions must parse and the generator take no arguments",
        (
            "small models write `### 2. Input/Output Description:` or bold headers; the original "
            "finds only `## Main Function` etc. and loses those answers"
        ),
    ),
    "given_as_json": (
        "the known side shown as JSON (original: Python's text of the value, `{'a': True}`)",
        "the model sees the notation it must answer in, and the feedback quotes the same text",
    ),
    "answer_extraction": (
        (
            'the last `{"output": …}` / `{"input": …}` object, Python literals repaired '
            "(original: the last top-level JSON object, which must hold the key)"
        ),
        (
            "a model that restates the input after its answer, or writes `'output'` or a tuple, "
            "is read as it meant; a non-dict input is refused instead of passed positionally"
        ),
    ),
    "prelude": (
        (
            "one short standard-library prelude before the program, in the pair search and in the "
            "checks (original: none in the search, its 40-line import prefix with numpy in checks)"
        ),
        (
            "a pair and its check see the same names, so a program that forgot an import is "
            "judged the same way in both"
        ),
    ),
    "search_limit_s": (
        (
            "a 5 s search budget that truncates the search (original: 60 s for the whole search, "
            "over which the item is lost)"
        ),
        "the pairs found so far are valid; a 60 s wait per item would dominate a CPU run",
    ),
    "search_limit_drops": (
        "the search budget keeps the pairs found so far",
        "the pairs found before the budget ran out were computed and checked like any other",
    ),
    "size_measure": (
        "sizes measured as the bytes of the value's JSON text (original: pympler.asizeof)",
        (
            "the same bound on every interpreter and platform, and it is the size a reader of the "
            "data sees; asizeof counts CPython object overhead (a 3-key dict is already ~400 bytes)"
        ),
    ),
    "tolerate_draw_errors": (
        "a draw whose generator or solution raises is skipped",
        "the original's search script stops at the first exception and loses the item",
    ),
    "check_determinism": (
        "outputs reproduced twice in one process and once in a fresh one; unstable items dropped",
        "a program that depends on randomness or state gives outputs no prediction can match",
    ),
    "drop_clock_readers": (
        "items whose main code reads the clock dropped (reads_clock)",
        "their outputs change over time, so a recorded pair goes stale",
    ),
    "timeout_reruns": (
        "an input check that timed out is re-run twice (original: up to 10 times)",
        (
            "the original re-runs because 24 processes share its machine; our pool runs one job "
            "per worker, so a check that times out three times loops, and each re-run costs 5 s"
        ),
    ),
    "bools_equal_ints": (
        "booleans only agree with booleans; equal JSON text also agrees for outputs",
        "the original's is_close lets `true` match `1`, accepting a wrong type",
    ),
    "release_all_turn_1": (
        (
            "every answered record released, with status columns (original: turn-1 successes plus "
            "every revised record)"
        ),
        "a user can select CodeI/O++'s rows by status; the failed ones are kept for analysis",
    ),
    "keep_failed_revision_requests": (
        "a failed revision request keeps the record's first turn",
        "a revision is an improvement, never a condition; the original loses such records",
    ),
    "dedup_programs": (
        "near-duplicate programs (MinHash, Jaccard >= 0.8) released once, from the first seed file",
        "the same program twice makes the same prompts twice; the original does not deduplicate",
    ),
    "sft_verified_only": (
        "SFT conversations only for verified records (original: every CodeI/O++ record)",
        (
            "training on answers the verifier rejected teaches wrong results; "
            "`sft_verified_only: false` gives the original's set"
        ),
    ),
}


def method_for(profile: Profile | str) -> Method:
    """The method a run follows under `profile`."""
    name = profile if isinstance(profile, str) else profile.name
    return ORIGINAL_METHOD if name == ORIGINAL else ASSAY_METHOD
