"""Step 3, the execution filter, as sandbox `call` jobs: run the entry call and keep its repr,
then check in a second run that `f(args) == <that repr>` (the repr round-trips and the
result is the same on a second run).

ExecVerify does this with `python -c` and 0.5 s: it prints `repr(f(args))` and reads stdout,
so a function that prints anything fails its round trip there; here stdout is not part of
the result, so such a function is kept. Reprs are kept up to the sandbox's 2,000 characters;
a longer one cannot round-trip and is dropped ("result repr too long").
"""

from __future__ import annotations

from assets.execverify.programs import Program

CALL_ENTRY = "__assay_call__"
MAX_REPR = 2000


def value_job(job_id: str, program: Program) -> dict:
    code = f"{program.func_str}\n\ndef {CALL_ENTRY}():\n    return {program.func_name}({program.func_args})\n"
    return {"id": job_id, "kind": "call", "code": code, "entry_point": CALL_ENTRY, "inputs": [{}]}


def roundtrip_job(job_id: str, program: Program, result_repr: str) -> dict:
    code = (
        f"{program.func_str}\n\ndef {CALL_ENTRY}():\n"
        f"    return {program.func_name}({program.func_args}) == {result_repr}\n"
    )
    return {"id": job_id, "kind": "call", "code": code, "entry_point": CALL_ENTRY, "inputs": [{}]}


def value_of(result: dict) -> tuple[str | None, str | None]:
    """(repr of the result, None) or (None, drop reason) from a value job's result."""
    outcomes = result.get("outcomes") or []
    if result.get("status") != "passed" or not outcomes:
        return (
            None,
            f"does not run: {result.get('load_error') or result.get('error') or result.get('status')}",
        )
    outcome = outcomes[0]
    if not outcome["ok"]:
        return None, f"raises {outcome['exception_type']}"
    text = outcome["value_repr"]
    if len(text) >= MAX_REPR - 3 and text.endswith("..."):
        return None, "result repr too long"
    return text, None


def roundtrip_reason(result: dict) -> str | None:
    """None when `f(args) == repr` held on the second run, else why not."""
    outcomes = result.get("outcomes") or []
    if result.get("status") != "passed" or not outcomes:
        return "repr does not evaluate"
    outcome = outcomes[0]
    if not outcome["ok"]:
        return f"round trip raises {outcome['exception_type']}"
    return (
        None
        if outcome["value_repr"] == "True"
        else "result differs from its repr (not a literal, or not deterministic)"
    )
