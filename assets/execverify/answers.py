"""Reading model answers: code blocks, the assertion's predicted value, and the checks of
steps 4, 6 and 8 (ExecVerify's, and ours where they differ)."""

from __future__ import annotations

import ast
import re

SYNTH_BLOCK = re.compile(r"```python\s*(.*?)\s*```", re.DOTALL)  # steps 1-2: the first block
ANSWER_BLOCK = re.compile(r"```python\n(.*?)\n```", re.DOTALL)  # steps 4-8: the last block


def synthesized_code(text: str) -> str | None:
    """The first ```python block, stripped (ExecVerify's code and input synthesis)."""
    match = SYNTH_BLOCK.search(text or "")
    return match.group(1).strip() if match else None


def answer_code(text: str) -> str | None:
    """The last ```python block of an answer (ExecVerify's CoT checks)."""
    blocks = ANSWER_BLOCK.findall(text or "")
    return blocks[-1] if blocks else None


def _literal(text: str) -> tuple[bool, object]:
    try:
        return True, ast.literal_eval(text)
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        return False, None


def predicted_output_ok(text: str, result: str, rules: str = "fixed") -> bool:
    """I/O check: the right-hand side of the last block's last `==` literal-equals the result
    (ExecVerify compares with `==`, so `1.0` answers `1`; ours also wants the same type)."""
    code = answer_code(text)
    if code is None:
        return False
    ok_a, want = _literal(result)
    ok_b, got = _literal(code.split("==")[-1].strip())
    return ok_a and ok_b and want == got and (rules == "original" or type(want) is type(got))


def difficulty_pass(text: str, result: str, rules: str) -> bool:
    """Step 4: ExecVerify counts a sample right when the result's text appears anywhere in it
    (so `1` passes nearly any answer); ours asks for the I/O check above."""
    if rules == "original":
        return result in (text or "")
    return predicted_output_ok(text or "", result, rules)
