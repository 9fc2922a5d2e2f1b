"""KodCode's fidelity report, generation side (step1.1 -> step3.3.3): for each original step,
our asset, and whether prompts, parameters and mechanisms match under a profile.

Prompts are compared byte for byte with the original's own builders, run from the checkout
(`Checkout.load`: step1.1 `get_seed_prompt`, step1.3 `get_prompt` and `extract_instruction`,
step3.1.1 `get_prompt`, step3.3.1 `prepare_questions`), on at least 20 inputs each; the
prefill template with step1.1's own two lines of formatting. Parameters are compared with the
values in the original's code (argparse defaults, shell defaults, run_test.sh). The release
side (fields, SFT rows, dedup, decontamination, tagging) is in release_fidelity.py.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import re
import sys
from collections.abc import Callable, Iterator
from typing import Any

import jinja2

from assets.common.fidelity import (
    CANNOT,
    DIFFERS,
    MATCH,
    MISSING,
    Finding,
    as_mechanism,
    compare_renderings,
    compare_values,
    through_files,
)
from assets.common.profiles import ORIGINAL
from assets.kodcode import original, prompts, release_fidelity
from assets.kodcode.method import ASSAY_METHOD, DIFFERENCES, ORIGINAL_METHOD, Method, shots

STEP11 = "pipeline/step1.1_gen_questions.py"
STEP13 = "pipeline/step1.3_process_and_sanitize.py"
STEP22 = "pipeline/step2.2_gen_unit_tests.py"
STEP24 = "pipeline/step2.4_gen_verified_triplets.py"
STEP311 = "pipeline/step3.1.1_style_converter.py"
STEP313 = "pipeline/step3.1.3_gen_complete_triplets.py"
STEP331 = "pipeline/step3.3.1_proccess_sft.py"
STEP333 = "pipeline/step3.3.3_gen_unit_tests_sft.py"
OPEN_MODEL = "pipeline/completion_open_model.py"
SFT_SH = "pipeline/step3.3.2_completion_sft.sh"
RUN_TEST = "pipeline/run_test.sh"
N_INPUTS = 24

_TEXT = (
    "Given an array nums of n integers, return the length of the longest strictly increasing "
    "subsequence. Constraints: 1 <= n <= 10^5; values fit in 32 bits. Example: nums = [10, 9, "
    "2, 5, 3, 7, 101, 18] -> 4. Use {braces}, {{ jinja }}, `code`, naïve unicode ✓, $x$, \\n."
)
_WORDS = _TEXT.split(" ")


def texts(n: int = N_INPUTS, seed: int = 0) -> list[str]:
    """`n` varied question-like texts: lengths, newlines, braces, unicode, trailing spaces."""
    out = []
    for i in range(n):
        k = 3 + (i * 7 + seed) % (len(_WORDS) - 3)
        words = _WORDS[(i + seed) % 5 : (i + seed) % 5 + k]
        text = " ".join(words)
        if i % 3 == 0:
            text = text.replace(". ", ".\n\n")
        if i % 4 == 1:
            text = f"  {text}  \n"
        out.append(f"{text} #{i}")
    return out


def codes(n: int = N_INPUTS) -> list[str]:
    return [
        f"def f{i}(xs):\n    # {t[:30]}\n    return sorted(xs)[: {i}]\n" + ("\n" if i % 2 else "")
        for i, t in enumerate(texts(n, seed=3))
    ]


@contextlib.contextmanager
def _argv() -> Iterator[None]:
    """Module-level `args = get_args()` in the original parses sys.argv: give it none."""
    saved = sys.argv
    sys.argv = ["original"]
    try:
        yield
    finally:
        sys.argv = saved


def _jinja_globals() -> dict[str, Any]:
    """The original's `FileSystemLoader('prompts')` is relative to pipeline/: point it there."""
    prompts_dir = str(original.CHECKOUT.root() / original.PROMPTS)
    return {
        "Environment": jinja2.Environment,
        "FileSystemLoader": lambda _path: jinja2.FileSystemLoader(prompts_dir),
    }


def load(relpath: str, name: str, extra: dict[str, Any] | None = None) -> Callable[..., Any]:
    with _argv():
        return original.CHECKOUT.load(relpath, name, {**_jinja_globals(), **(extra or {})})


# --- prompts: our `original` builders against the original's own ---


# The original's seed record fields per mode (step1.1:58-85, loaders 121-168).
def _their_seed(mode: str, ours: dict) -> dict:
    if mode in ("algorithm", "data_structure"):
        return {"codes": ours["code"]}
    if mode == "docs":
        return {"source_name": ours["source"], "content": ours["doc"]}
    field = "description" if mode in ("leetcode", "codeforces") else "instruction"
    return {field: ours["question"]}


def _seed_inputs(mode: str) -> list[list[dict]]:
    k = shots(mode)
    if mode in ("algorithm", "data_structure"):
        return [[{"mode": mode, "code": c}] for c in codes()]
    if mode == "docs":
        docs = texts(seed=5)
        names = [*["numpy", "asyncio", "{CONTENT}", "pkg {PACKAGE_NAME}"], *texts(seed=9)]
        return [
            [{"mode": mode, "source": names[i][:30], "doc": d + " {PACKAGE_NAME}" * (i % 2)}]
            for i, d in enumerate(docs)
        ]
    pool = texts(N_INPUTS * k, seed=1)
    return [
        [{"mode": mode, "question": q} for q in pool[i * k : (i + 1) * k]] for i in range(N_INPUTS)
    ]


def seed_prompt_findings() -> list[Finding]:
    theirs_fn = load(STEP11, "get_seed_prompt")
    out = []
    for mode in (
        "leetcode",
        "codeforces",
        "apps",
        "taco",
        "code_contests",
        "package",
        "evol",
        "algorithm",
        "data_structure",
        "docs",
    ):
        name = {
            "algorithm": "genq_from_snippets.md",
            "data_structure": "genq_from_snippets.md",
            "docs": "genq_from_docs.md",
        }.get(mode, "genq_from_seed.md")

        def ours(shown: list[dict]) -> str:
            return prompts.question_prompt(shown[0], shown, original=True).messages[0]["content"]

        def theirs(shown: list[dict], mode: str = mode) -> str:
            return theirs_fn([_their_seed(mode, s) for s in shown], mode)

        out.append(
            compare_renderings(
                f"{STEP11}:54-87 get_seed_prompt",
                "kodcode_seed_prompts",
                f"{name} ({mode}, {shots(mode)} seed{'s' if shots(mode) > 1 else ''})",
                ours,
                theirs,
                _seed_inputs(mode),
            )
        )
    return out


def prefill_findings() -> list[Finding]:
    config = json.loads(original.CHECKOUT.read("pipeline/model_configs.json"))[
        original.PREFILL_MODEL
    ]
    prefixes = [original.PREFILL_CONTENTS, *(t[:40] for t in texts(N_INPUTS - 1, seed=7))]

    def ours(prefix: str) -> str:
        seed = {"mode": "prefill", "prefix": prefix}
        return prompts.question_prompt(seed, [seed], original=True).raw_prompt or ""

    def theirs(prefix: str) -> str:  # step1.1:231-232
        return config["pre_query_template"] + prefix

    seed = {"mode": "prefill", "prefix": original.PREFILL_CONTENTS}
    stop = prompts.question_prompt(seed, [seed], original=True).stop
    their_stop = [*config["stop_tokens"], *config["stop_tokens_assistant"], "\n"]  # 234-241
    return [
        compare_renderings(
            f"{STEP11}:228-232 pre_query_template",
            "kodcode_seed_prompts",
            f"prefill pre-query template ({original.PREFILL_MODEL})",
            ours,
            theirs,
            prefixes,
        ),
        compare_values(
            f"{STEP11}:234-241",
            "kodcode_raw_questions",
            "prefill stop strings",
            list(stop or ()),
            their_stop,
        ),
    ]


def response_prompt_findings() -> list[Finding]:
    theirs = load(STEP13, "get_prompt")
    return [
        compare_renderings(
            f"{STEP13}:35-41 get_prompt (= {STEP24}:30-36)",
            "kodcode_solution_trials, kodcode_retry_trials",
            "gen_responses.md + question",
            lambda q: prompts.trial_messages(q, original=True)[0]["content"],
            theirs,
            texts(),
        )
    ]


def style_prompt_findings() -> list[Finding]:
    theirs = load(STEP311, "get_prompt")
    inputs = list(zip(texts(seed=2), codes(), codes()[::-1], strict=True))
    return [
        compare_renderings(
            f"{STEP311}:33-42 get_prompt",
            "kodcode_style_conversions",
            "gen_instruct_to_complete.md (question, tests, solution)",
            lambda x: prompts.style_prompt(x[0], [], x[1], x[2], original=True)[0]["content"],
            lambda x: theirs(x[0], x[1], x[2]),
            inputs,
        )
    ]


def sft_prompt_findings() -> list[Finding]:
    loader = load("pipeline/utils.py", "load_dataset_from_file")
    prepare = load(
        STEP331, "prepare_questions", {"load_dataset_from_file": loader, "tqdm": lambda x, **_: x}
    )
    questions = texts(seed=4)
    fields = (
        "style",
        "subset",
        "question_id",
        "solution",
        "test_code",
        "test_info",
        "gpt_pass_sequence",
        "gpt_pass_trial_num",
        "gpt_difficulty",
        "gpt_pass_percentage",
        "metadata",
    )
    rows = through_files(
        [{**dict.fromkeys(fields), "question": q} for q in questions],
        lambda source, target: prepare(str(source), str(target)),
        source="in.json",
    )
    theirs = {q: row["messages"][0]["content"] for q, row in zip(questions, rows, strict=True)}
    return [
        compare_renderings(
            f"{STEP331}:32-49 prepare_questions",
            "kodcode_sft_responses",
            "reasoning-model user turn",
            lambda q: prompts.solve_prompt(q, "instruct", [], original=True)[0]["content"],
            theirs.__getitem__,
            questions,
        )
    ]


def extraction_findings() -> list[Finding]:
    theirs = load(STEP13, "extract_instruction")
    q = texts(seed=6)
    shapes = [
        "{}",
        "[Question 3]: {}",
        "### Question 2: {}",
        "**Question 4:** {}",
        "**Question:** {}",
        "Question 5:\n{}",
        "## New Question\n{}",
        "**[Question 2]:** {}",
        "**[Question 2]**: {}",
        "### New Coding Assessment Question\n**[Question 4]:** {}",
        ": {}",
        "Coding Assessment Question 2: {}",
        "### Problem Statement: {}",
        "### Coding Question {}",
        "<|Analysis Begin|>a<|Analysis End|>\n<|Question Begin|>\n{}\n<|Question End|>",
        "<|Question Begin|>BAD_DOCUMENT<|Question End|>{}",
        "  \n{}\n\n",
        "Question 2: x\n{}",
        "### Coding Assessment Question:\n{}",
        "Here's the new question:\n\n{}",
        "[Question]: {}",
        "#### Question 7 {}",
        "**Question 3** {}",
        "Sure!\n{}",
    ]
    inputs = [shape.replace("{}", q[i]) for i, shape in enumerate(shapes)]
    return [
        as_mechanism(
            compare_renderings(
                f"{STEP13}:43-81 extract_instruction",
                "kodcode_questions",
                "question extraction rules",
                original.extract_instruction,
                theirs,
                inputs,
            )
        )
    ]


# --- parameters: values in the original's code ---


def _arg_default(relpath: str, flag: str) -> Any:
    """The default of `parser.add_argument(flag, ...)` in the original's get_args."""
    import ast

    for node in ast.walk(original.CHECKOUT.function(relpath, "get_args")):
        if (
            isinstance(node, ast.Call)
            and getattr(node.func, "attr", "") == "add_argument"
            and node.args
            and getattr(node.args[0], "value", None) == flag
        ):
            for kw in node.keywords:
                if kw.arg == "default":
                    return ast.literal_eval(kw.value)
    raise KeyError(f"{relpath}: no default for {flag}")


def _shell_default(relpath: str, name: str) -> str:
    match = re.search(
        rf"^{name}=\$\{{\d+:-\"?([^}}\"]+)\"?\}}", original.CHECKOUT.read(relpath), re.MULTILINE
    )
    if not match:
        raise KeyError(f"{relpath}: no default for {name}")
    return match.group(1)


def theirs_parameters() -> dict[str, tuple[str, Any]]:
    """item -> (where, the original's value), read from its code."""
    temp, top_p = _arg_default(OPEN_MODEL, "--temperature"), _arg_default(OPEN_MODEL, "--top_p")
    tokens = _arg_default(OPEN_MODEL, "--max_tokens")
    run_test = original.CHECKOUT.read(RUN_TEST)
    readme = original.CHECKOUT.read("pipeline/README.md")
    samples = [
        int(n)
        for n in re.findall(
            r"random\.sample\(seed_problems, (\d+)\)", original.CHECKOUT.read(STEP11)
        )
    ]
    trials = re.search(r"set num_trials as (\d+)", readme)
    return {
        "question sampling (temperature, top_p, max_tokens)": (
            f"{OPEN_MODEL}:161-164 (step1.2)",
            (temp, top_p, tokens),
        ),
        "trial sampling (temperature, top_p, max_tokens)": (
            f"{OPEN_MODEL}:161-164 (step2.1)",
            (temp, top_p, tokens),
        ),
        "style sampling (temperature, top_p, max_tokens)": (
            f"{OPEN_MODEL}:161-164 (step3.1.2)",
            (temp, top_p, tokens),
        ),
        "prefill sampling (temperature, top_p, max_tokens)": (
            f"{STEP11}:34-37",
            (
                _arg_default(STEP11, "--temperature"),
                _arg_default(STEP11, "--top_p"),
                _arg_default(STEP11, "--max_tokens"),
            ),
        ),
        "reasoner sampling (temperature, top_p, max_tokens)": (
            f"{SFT_SH}:9 + {OPEN_MODEL}:163-164",
            (temp, top_p, int(_shell_default(SFT_SH, "max_tokens"))),
        ),
        "reasoner responses per question": (
            f"{SFT_SH}:4",
            int(_shell_default(SFT_SH, "num_trials")),
        ),
        "trials per question": (
            "pipeline/README.md step 2.1",
            int(trials.group(1)) if trials else None,
        ),
        "seed questions per prompt (leetcode, other modes)": (
            f"{STEP11}:181-187",
            tuple(samples[:2]),
        ),
        "verification time limit (s)": (
            f"{RUN_TEST}:6",
            float(re.search(r"TIME_LIMIT=(\d+)", run_test).group(1)),
        ),  # type: ignore[union-attr]
    }


def ours_parameters(m: Method) -> dict[str, Any]:
    def triple(s: Any, fallback: tuple[float, float]) -> tuple:
        return (
            s.temperature if s.temperature is not None else fallback[0],
            s.top_p if s.top_p is not None else fallback[1],
            s.max_tokens,
        )

    # None: the LLM resource's own (LLMResource defaults 0.7 / 0.95).
    resource = (0.7, 0.95)
    return {
        "question sampling (temperature, top_p, max_tokens)": triple(m.question, resource),
        "trial sampling (temperature, top_p, max_tokens)": triple(m.trials, resource),
        "style sampling (temperature, top_p, max_tokens)": triple(m.style, resource),
        "prefill sampling (temperature, top_p, max_tokens)": triple(m.prefill, resource),
        "reasoner sampling (temperature, top_p, max_tokens)": triple(m.reasoner, resource),
        "reasoner responses per question": m.reasoner.n,
        "trials per question": m.trials.n,
        "seed questions per prompt (leetcode, other modes)": (shots("leetcode"), shots("evol")),
        "verification time limit (s)": m.verify_timeout_s if m.verify_timeout_s else 10.0,
    }


_PARAM_ASSET = {
    "question": "kodcode_raw_questions",
    "trial": "kodcode_solution_trials",
    "style": "kodcode_style_conversions",
    "prefill": "kodcode_raw_questions",
    "reasoner": "kodcode_sft_responses",
    "seed": "kodcode_seed_prompts",
    "verification": "kodcode_test_results",
}


# Which named differences explain a parameter row under `assay`.
_REASONS = {
    "question": ("sampling", "max_tokens"),
    "trial": ("sampling", "max_tokens"),
    "style": ("sampling", "max_tokens"),
    "reasoner": ("sampling", "max_tokens"),
    "prefill": ("max_tokens",),
    "verification": ("verification time limit",),
    "retries": ("retries",),
}


def _why(item: str) -> str:
    names = _REASONS.get(item.split()[0], ())
    return " / ".join(f"{n}: {r}" for n, r in DIFFERENCES if n.startswith(names)) if names else ""


def parameter_findings(m: Method) -> list[Finding]:
    theirs = theirs_parameters()
    ours = ours_parameters(m)
    out = []
    for item, (where, value) in theirs.items():
        asset = _PARAM_ASSET.get(item.split()[0], "kodcode")
        out.append(compare_values(where, asset, item, ours[item], value, _why(item)))
    retry_note = (
        "paper: up to 10 attempts; the pipeline re-runs step2.4's Failed_*_prepared.jsonl by hand"
    )
    retry = compare_values(
        f"{STEP24}:157-176 (Failed_*)",
        "kodcode_retry_trials",
        "trials per question with retries",
        m.retry_max_trials,
        ORIGINAL_METHOD.retry_max_trials,
        _why("retries"),
    )
    if retry.status == MATCH:
        retry = dataclasses.replace(retry, detail=f"{retry.detail} ({retry_note})")
    return [*out, retry]


# --- mechanisms that are inline module code in the original (read side by side) ---


def mechanism_findings(m: Method) -> list[Finding]:
    orig = m.profile == ORIGINAL

    def row(step: str, asset: str, item: str, note_original: str, difference: str = "") -> Finding:
        if orig or not difference:
            return Finding(step, asset, "mechanism", item, MATCH, note_original)
        reason = dict(DIFFERENCES).get(difference, difference)
        return Finding(step, asset, "mechanism", item, DIFFERS, f"{difference}: {reason}")

    return [
        row(
            f"{STEP11}:211-296",
            "kodcode_raw_questions",
            "prefill as a raw completion",
            "LLMRequest(prompt=...): /v1/completions (OpenAI-compatible, embedded llama.cpp), "
            "vLLM generate(); one sample per seed line (n=200 in the original is a batch size); "
            "identical lines are one request with n samples",
            "prefill pre-query template",
        ),
        row(
            f"{STEP11}:280",
            "kodcode_questions",
            "prefill question = contents + ' ' + completion",
            "original.prefill_answer",
        ),
        row(
            f"{STEP11}:181-187",
            "kodcode_seed_prompts",
            "seed draw",
            "the line's own seed plus random others of its mode in the file (leetcode); the "
            "original samples all three from its seed pool",
        ),
        row(
            f"{OPEN_MODEL}:256-261",
            "all chat steps",
            "one user turn, no system prompt",
            "our original prompts are one user turn",
            "system turn",
        ),
        row(
            f"{STEP22}:74-80",
            "kodcode_solution_trials",
            "solution/test extraction",
            "original.parse_trial: the same two tag regexes, ```python fences removed",
            "lenient trial parsing",
        ),
        row(
            f"{STEP22}:102",
            "kodcode_test_results",
            "tests run after `from solution import *`",
            "original.runnable_tests; the released test_code is kept as written",
            "lenient trial parsing",
        ),
        row(
            f"{STEP24}:136-148",
            "kodcode_verified_triplets",
            "chosen passing trial",
            "trials.chosen_by_original: a 100%-coverage trial replaces an earlier choice, "
            "otherwise the first unless a later one covers more",
        ),
        row(
            f"{STEP313}:115-126",
            "kodcode_style_conversions",
            "complete-style extraction",
            "original.parse_completion: the tagged completion unless equal to the solution; "
            "no leak check, no re-verification",
            "complete style: stubs, leak checks, re-verification",
        ),
        row(
            f"{STEP333}:70-87",
            "kodcode_sft",
            "reasoning answer extraction",
            "original.sft_solution: first ```python block after </think>; one def renamed to the "
            "single tested function",
            "reasoning-SFT prompt names the tested declarations",
        ),
        row(
            f"{RUN_TEST}:19",
            "kodcode_test_results",
            "timeout kill",
            "the sandbox kills the job at the limit; the original sends SIGTERM at 30 s and SIGKILL "
            "5 s later; both record a timeout as a failure",
        ),
        row(
            f"{OPEN_MODEL}:165,213",
            "LLM resource",
            "repetition_penalty 1.0",
            "not sent: 1.0 is vLLM's and llama.cpp's default",
        ),
        row(
            "issue 16",
            "kodcode_questions",
            "seed-copy filter (none in the original)",
            "no such filter in the original",
            "seed-copy filter",
        ),
    ]


def cannot_findings(m: Method) -> list[Finding]:
    return [
        Finding(
            f"{OPEN_MODEL}:198-199,366",
            "LLM resource",
            "parameter",
            "stop_token_ids",
            CANNOT,
            "OpenAI-compatible servers take stop strings: the same special tokens are "
            "given as strings (prefill), and servers stop at the model's end-of-generation "
            "tokens",
        ),
        Finding(
            "pipeline/README.md; step1.1:32; completion_open_model.py:146",
            "LLM resource",
            "parameter",
            "models (GPT-4o / Qwen2.5-7B-Instruct generator, Qwen2.5-Coder-7B-"
            "Instruct prefill, DeepSeek-R1 reasoner)",
            CANNOT,
            "the model is the run's LLM resource setting (per role); the embedded engine ships "
            "Qwen2.5-Coder-1.5B-Instruct, whose ChatML template is the prefill model's",
        ),
        Finding(
            f"{STEP13}:43-81",
            "kodcode_questions",
            "mechanism",
            "lead-in / sign-off stripping after step1.3's rules",
            CANNOT if m.profile == ORIGINAL else MATCH,
            "issue 16 requires it in both profiles; step1.3's rules remove only 'Question N:' "
            "labels, so 'Here's the new question:' and similar lead-ins would stay. "
            "kodcode_questions strip_preambles=false gives step1.3's extraction alone",
        ),
    ]


def _missing() -> list[Finding]:
    why = (
        "set ASSAY_KODCODE_SRC to a checkout of KodCode-AI/kodcode to compare prompts and "
        "parameters with the original's code"
    )
    return [
        Finding(step, "kodcode", aspect, item, MISSING, why)
        for step, aspect, item in [
            (STEP11, "prompt", "question prompts (10 modes), prefill template"),
            (STEP13, "prompt", "gen_responses.md"),
            (STEP311, "prompt", "gen_instruct_to_complete.md"),
            (STEP331, "prompt", "reasoning-model user turn"),
            (STEP13, "mechanism", "question extraction rules"),
            (OPEN_MODEL, "parameter", "sampling, budgets, trials, time limit"),
        ]
    ]


def generation_findings(profile: str) -> list[Finding]:
    """The generation side's findings for `profile` (`assay` or `original`)."""
    m = ORIGINAL_METHOD if profile == ORIGINAL else ASSAY_METHOD
    out: list[Finding] = []
    if original.CHECKOUT.available():
        if profile == ORIGINAL:
            out += seed_prompt_findings()
            out += prefill_findings()
            out += response_prompt_findings()
            out += style_prompt_findings()
            out += sft_prompt_findings()
            out += extraction_findings()
        out += parameter_findings(m)
    else:
        out += _missing()
    if profile != ORIGINAL:
        out += [
            Finding(
                "pipeline/prompts/*.md, step1.1, step3.3.1",
                "kodcode prompts",
                "prompt",
                item,
                DIFFERS,
                reason,
            )
            for item, reason in DIFFERENCES
            if item
            in (
                "prompt wording",
                "answer markers",
                "platform modes as a Python function",
                "prefill pre-query template",
                "reasoning-SFT prompt names the tested declarations",
            )
        ]
    out += mechanism_findings(m)
    out += cannot_findings(m)
    return out


def findings(profile: str) -> list[Finding]:
    """KodCode's report for `profile`: the generation side, then the release side."""
    return generation_findings(profile) + release_fidelity.findings(profile)
