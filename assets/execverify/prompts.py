"""Every prompt ExecVerify sends, under both rule sets.

`original`: the words come from the ExecVerify checkout (original_src); the way they are
put together (control-flow blueprints, reference values, numbered code, the order of the
parts) is ours, written to give byte-identical prompts for the same inputs and seeds.
`fixed`: our own wording, with the same information in each prompt.

Randomness is a `random.Random` the caller seeds (ExecVerify seeds nothing and draws from
the module-level generator; `random.seed(s)` there equals `random.Random(s)` here).
"""

from __future__ import annotations

import random
import string
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from assets.execverify import original_src as src

# ExecVerify's six synthesis configurations: nested calls, other methods, two-function call
# chain (helper -> entry), control-flow depth.
CONFIGS: dict[int, tuple[bool, bool, bool, int]] = {
    1: (True, False, False, 0),
    2: (True, True, False, 0),
    3: (True, True, False, 1),
    4: (True, True, False, 2),
    5: (True, True, False, 3),
    6: (True, True, True, 3),
}
PREFERRED_TYPES = ("str", "list", "set", "tuple")
CONTROL_POOL = ("if", "for", "while", "if-elif")
# config.yaml code_generation.reference_values
INT_MIN, INT_MAX, COLLECTION_MIN, COLLECTION_MAX, STRING_MAX = 5, 20, 5, 15, 10


@dataclass(frozen=True)
class Chat:
    system: str
    user: str

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


# ---------------------------------------------------------------------------- the checkout's words
def _call_arg(relpath: str, function: str, callee: str, position: int) -> str:
    return src.CHECKOUT.call_argument(relpath, function, callee, position)


def _assigned(relpath: str, function: str, name: str) -> object:
    return src.CHECKOUT.literal(relpath, function, name)


def _with(templates: Sequence[src.Template], *fields: str) -> src.Template:
    """The first template with exactly these fields (robust to reordering of literals)."""
    for t in templates:
        if set(t.fields) == set(fields):
            return t
    raise src.MissingCheckout(f"no template with fields {fields}")


@cache
def _synthesis_words() -> dict:
    f = "data/code_synthesis.py"
    ctrl = src.strings(f, "get_control_stmts")
    other = src.strings(f, "use_other_methods")
    prompt = src.strings(f, "get_prompt")
    return {
        "system": _call_arg(f, "main", "build_chat_prompt", 1),
        "labels": _assigned(f, "get_control_stmts", "label"),
        "no_control": next(t.text for t in ctrl if not t.fields and t.text.startswith("Do not")),
        "one": _with(ctrl, "article(p)", "p"),
        "first": _with(ctrl, "article(first)", "first"),
        "nest_first": next(t for t in ctrl if set(t.fields) == {"article(current)", "current"}),
        "nest_then": _with(ctrl, "article(current)", "current", "parent"),
        "nested": [t.text for t in src.strings(f, "use_nested_calls")],
        "other_yes": (other[4].text, other[6].text),
        "other_no": other[7].text,
        "chains": [t.text for t in src.strings(f, "use_call_chains")],
        "task": _with(prompt, "method_str", "type_str"),
        "hard": prompt[1].text,
        "guidelines": prompt[2].text,
        "output": prompt[7].text,
    }


# ---------------------------------------------------------------------------- 1. code synthesis
def control_blueprint(depth: int, rng: random.Random, rules: str = "fixed") -> str:
    """A control-flow blueprint: `depth` draws from if/for/while/if-elif, each nested in the last."""
    if rules == "original":
        w = _synthesis_words()
        if depth == 0:
            return w["no_control"]
        labels = w["labels"]
        seq = [rng.choice(CONTROL_POOL) for _ in range(depth)]

        def art(phrase: str) -> str:
            return "an" if phrase[0].lower() in "aeiou" else "a"

        if depth == 1:
            p = labels[seq[0]]
            return w["one"].render({"article(p)": art(p), "p": p})
        first = labels[seq[0]]
        parts = [w["first"].render({"article(first)": art(first), "first": first})]
        for i in range(1, depth):
            cur, parent = labels[seq[i]], labels[seq[i - 1]]
            if i == 1:
                parts.append(w["nest_first"].render({"article(current)": art(cur), "current": cur}))
            else:
                parts.append(
                    w["nest_then"].render(
                        {"article(current)": art(cur), "current": cur, "parent": parent}
                    )
                )
        return ", ".join(parts) + "."
    if depth == 0:
        return "Use no control-flow statement at all (no if, elif, for or while)."
    names = {
        "if": "an `if`",
        "for": "a `for` loop",
        "while": "a `while` loop",
        "if-elif": "an `if`/`elif` chain",
    }
    seq = [rng.choice(CONTROL_POOL) for _ in range(depth)]
    text = f"Use {names[seq[0]]}"
    for inner in seq[1:]:
        text += f", and inside it {names[inner]}"
    return text + "."


def code_synthesis_prompt(
    type_name: str, method: str, config: int, rng: random.Random, rules: str = "fixed"
) -> Chat:
    nested, other, chains, depth = CONFIGS[config]
    if rules == "original":
        w = _synthesis_words()
        guidelines = [
            w["nested"][0 if nested else 1],
            (w["other_yes"][0] + ", ".join(PREFERRED_TYPES) + w["other_yes"][1])
            if other
            else w["other_no"],
            w["chains"][0 if chains else 1],
            control_blueprint(depth, rng, rules),
        ]
        parts = [
            textwrap.dedent(
                w["task"].render({"method_str": method, "type_str": type_name})
            ).strip(),
            textwrap.dedent(w["hard"]).strip(),
            w["guidelines"],
            *[f"- {g}" for g in guidelines],
            textwrap.dedent(w["output"]).strip(),
        ]
        return Chat(w["system"], "\n\n".join(parts))
    lines = [
        f"Write a short Python program that exercises `{method}` of Python's `{type_name}`.",
        "",
        "The program is only: the function definition(s), then one line `print(f(...))` that calls the entry",
        "function once with literal arguments. Nothing else at module level: no variables, no test code.",
        "For example (for `upper` of `str`, one function, no control flow):",
        "```python",
        "def f(text, times):",
        "    return text.upper() * times",
        "",
        "print(f('abc', 2))",
        "```",
        "",
        "Rules:",
        "- No comments.",
        "- Exactly one print(...) statement, outside every function, and it calls the entry function once.",
        "- No default parameter values; every function takes at least one argument.",
        "- "
        + (
            "Nest calls to the method at least two deep and call it several times."
            if nested
            else "Do not nest function calls."
        ),
        "- "
        + (
            f"Also use at least one other built-in method (ideally of {', '.join(PREFERRED_TYPES)})."
            if other
            else "Use no other method than the one under test."
        ),
        "- "
        + (
            "Define two functions: a helper A and an entry function B that calls A at least once."
            if chains
            else "Define a single function and no helpers."
        ),
        "- " + control_blueprint(depth, rng, rules),
        "",
        "Reply with one ```python code block holding the whole program.",
    ]
    return Chat("You write small Python programs.", "\n".join(lines))


# ---------------------------------------------------------------------------- 2. input synthesis
def reference_values(rng: random.Random, rules: str = "fixed") -> str:
    """Random reference values for new arguments: 5-15 ints in [5, 20] and as many strings of
    three kinds (alphanumeric, one repeated character, with punctuation)."""
    length = rng.randint(COLLECTION_MIN, COLLECTION_MAX)
    ints = [str(rng.randint(INT_MIN, INT_MAX)) for _ in range(length)]
    strs = []
    for _ in range(length):
        kind = rng.randint(1, 10)
        if kind <= 5:
            n = rng.randint(5, STRING_MAX)
            value = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))
        elif kind <= 9:
            n = rng.randint(COLLECTION_MIN, COLLECTION_MAX)
            value = (
                rng.choice(
                    string.ascii_letters + string.digits + string.punctuation + string.whitespace
                )
                * n
            )
        else:
            n = rng.randint(5, STRING_MAX)
            value = "".join(
                rng.choice(string.ascii_letters + string.digits + string.punctuation)
                for _ in range(n)
            )
        strs.append(value)
    if rules == "original":
        t = src.strings("data/input_synthesis.py", "get_ref_values")
        quoted = _with(t, "gen_str")
        int_strs = "".join("  " + i for i in ints)
        str_strs = "".join("  " + quoted.render({"gen_str": s}) for s in strs)
        return _with(t, "int_strs", "str_strs").render({"int_strs": int_strs, "str_strs": str_strs})
    return "integers: " + ", ".join(ints) + "\nstrings: " + ", ".join(repr(s) for s in strs) + "\n"


def input_synthesis_prompt(code: str, ref_values: str, rules: str = "fixed") -> Chat:
    if rules == "original":
        f = "data/input_synthesis.py"
        t = src.strings(f, "get_prompt")
        body = _with(t, "code_str", "ref_values").render(
            {"code_str": code, "ref_values": ref_values}
        )
        system = _call_arg(f, "main", "build_chat_prompt", 1)
        return Chat(system, t[2].text.join([t[0].text, body.strip()]))
    user = (
        "Rewrite the call in this program with new arguments.\n\n"
        f"```python\n{code}\n```\n\n"
        "Keep the function(s); change only the literal arguments of the call inside print(...), e.g. "
        "`print(f('abc', 2))` becomes `print(f('KNm4eXy', 7))`.\n"
        "Write the arguments as literals directly inside the call (no variables), using some of these values:\n"
        f"{ref_values}\n"
        "Strings, lists, dicts and sets must have more than five elements. You may adapt the code to fit the values.\n"
        "The print statement calls the entry function once, with no nested call in it.\n\n"
        "Reply with one ```python code block holding the whole program."
    )
    return Chat("You write small Python programs.", user)


# ---------------------------------------------------------------------------- 4, 6, 8. assertions
def _assertion_words(relpath: str, function: str) -> src.Template:
    return _with(src.strings(relpath, function), "func_str", "func_name", "args", "exec_result")


def _system(relpath: str, function: str = "generate_prompt") -> str:
    return _call_arg(relpath, function, "build_chat_prompt", 1)


def assertion(func_name: str, func_args: str | None, result: str | None) -> str:
    return f"assert {func_name}({func_args if func_args is not None else '????'}) == {result if result is not None else '????'}"


def _fixed_assertion_prompt(
    func_str: str, func_name: str, func_args: str | None, result: str | None, tagged: bool
) -> str:
    goal = "the output" if result is None else "an input"
    text = (
        f"Work out {goal} that makes this assertion hold by running the program in your head, step by step.\n\n"
        f"```python\n{func_str}\n\n{assertion(func_name, func_args, result)}\n```\n\n"
        "Replace ???? and give the whole test case (the function and the completed assertion) in one "
        "```python code block."
    )
    if tagged:
        text += "\n\nAnswer as <reasoning>your reasoning</reasoning> then <answer>the code block</answer>."
    return text


def difficulty_prompt(func_str: str, func_name: str, func_args: str, rules: str = "fixed") -> Chat:
    """Output prediction for the small model (step 4)."""
    if rules == "original":
        f = "data/filter_by_difficulty.py"
        user = _assertion_words(f, "get_prompt_str").render(
            {"func_str": func_str, "func_name": func_name, "args": func_args, "exec_result": "????"}
        )
        return Chat(_system(f, "generate_r1_prompt"), user)
    return Chat(
        "You are an expert Python programmer.",
        _fixed_assertion_prompt(func_str, func_name, func_args, None, True),
    )


_COT_FILES = {
    "io": ("data/extract_io_cot.py", "get_io_prompt"),
    "oi": ("data/extract_oi_cot.py", "get_oi_prompt"),
    "candidates": ("data/extract_candidates_for_multi_task.py", "get_prompt_str"),
}


def cot_prompt(
    func_str: str,
    func_name: str,
    func_args: str,
    result: str,
    mode: str,
    stage: str = "sft",
    rules: str = "fixed",
) -> Chat:
    """I/O (mode `io`: fill the output) or O/I (`oi`: fill the input) chain of thought, for the
    SFT set (stage `sft`) or the RL candidates (stage `candidates`)."""
    args, res = (func_args, None) if mode == "io" else (None, result)
    if rules == "original":
        relpath, fn = _COT_FILES[mode if stage == "sft" else "candidates"]
        user = _assertion_words(relpath, fn).render(
            {
                "func_str": func_str,
                "func_name": func_name,
                "args": "????" if args is None else args,
                "exec_result": "????" if res is None else res,
            }
        )
        return Chat(_system(relpath), user)
    return Chat(
        "You are an expert Python programmer.",
        _fixed_assertion_prompt(func_str, func_name, args, res, False),
    )


def rl_oi_prompt(func_str: str, func_name: str, result: str, rules: str = "fixed") -> str:
    """The O/I row of the RL set (its quirk under `original`: a stray `"` opens it)."""
    if rules == "original":
        t = _with(
            src.strings("data/extract_trace_dataset.py", "get_oi_prompt"),
            "func_str",
            "func_name",
            "result",
        )
        return t.render({"func_str": func_str, "func_name": func_name, "result": result})
    return _fixed_assertion_prompt(func_str, func_name, None, result, True)


def split_reasoning(text: str, reasoning_content: str | None = None) -> tuple[str, str]:
    """(reasoning, answer): the server's reasoning_content when it sends one, else the text
    before and after `</think>` (no `</think>`: no reasoning)."""
    if reasoning_content:
        return reasoning_content.strip(), text.strip()
    if "</think>" in text:
        return text.split("</think>")[0].strip(), text.split("</think>")[-1].strip()
    return "", text.strip()


def sft_record(question: str, reasoning: str, answer: str, rules: str = "fixed") -> dict:
    """A LLaMA-Factory sharegpt record."""
    if rules == "original":
        t = _with(src.strings("data/extract_io_cot.py", "format_for_sft"), "reasoning", "answer")
        value = t.render({"reasoning": reasoning, "answer": answer})
    else:
        value = f"<reasoning>\n{reasoning}\n</reasoning>\n<answer>\n{answer}\n</answer>"
    return {
        "conversations": [{"from": "human", "value": question}, {"from": "gpt", "value": value}]
    }


# ---------------------------------------------------------------------------- 10. white-box prompt
def numbered(code: str) -> str:
    """Code with its 1-based line numbers and a tab; blank lines stay blank and unnumbered."""
    return "\n".join(
        f"{i + 1}\t{line}" if line.strip() else "" for i, line in enumerate(code.split("\n"))
    )


def io_mixed_prompt(
    func_str: str, func_name: str, func_args: str, questions: Sequence[str], rules: str = "fixed"
) -> str:
    """The assertion question and the white-box questions in one prompt; answers one per line."""
    code = f"{func_str}\n\nassert {func_name}({func_args}) == ????\n"
    if rules == "original":
        t = src.strings("data/extract_trace_dataset.py", "get_io_mixed_prompt")
        ask = _with(t, "i + 2", "q")
        lines = [
            t[0].text,
            t[1].text.strip() + t[2].text,
            t[3].text,
            t[5].text,
            numbered(code),
            t[6].text,
            t[7].text,
        ]
        lines += [ask.render({"i + 2": str(i + 2), "q": q}) for i, q in enumerate(questions)]
        lines += [t[9].text.strip(), t[10].text.strip(), t[11].text.strip(), t[12].text.strip()]
        return t[13].text.join(lines)
    parts = [
        (
            "Read the Python program below and answer the questions by simulating its execution in your head "
            "(do not run it)."
        ),
        "Program (line numbers on the left):\n\n" + numbered(code),
        "Questions:\n"
        + "\n".join(
            [f"{1}. Complete the assertion: write it out with ???? replaced."]
            + [f"{i + 2}. {q}" for i, q in enumerate(questions)]
        ),
        (
            "How to answer:\n"
            "- Assertion: the whole assert statement.\n"
            '- "Which line runs next": the source of that line exactly as written (indentation included, '
            "no line number), or -1 if the given line never runs that often or nothing runs after it.\n"
            '- "Value and type": `value; type`, the value as Python writes it (repr) and the type\'s name, '
            "e.g. `[1, 2]; list` or `'ab'; str`; Nil if the line never runs that often."
        ),
        (
            "Reply as <reasoning>your step-by-step reasoning</reasoning> then <answer> with one answer per line, "
            "in the order of the questions, and nothing else </answer>."
        ),
    ]
    return "\n\n".join(parts)
