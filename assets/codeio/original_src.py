"""CodeI/O's own wording, read at run time from a checkout of hkust-nlp/CodeIO.

The repository carries no licence, so none of its text is shipped here: under the
`original` profile the prompts, the verifier's feedback and the revision request are read
from the checkout named by ASSAY_CODEIO_SRC and filled the way the original fills them
(`str.replace` on its `<<<<…>>>>` slots, `f"{value}"` for the given side). The slot names
are syntax, not wording. Functions are cached per checkout path.

    unify_prompt(code)                       build_transform_msg.py
    prediction_prompt(kind, …)               build_codeio_msg.py:build_io_pred (w_refcode=True)
    revision_request(feedback)               build_codeio_rev_msg.py:wrap_feedback(…, 1)
    feedback()                               check_io_pred_acc_mp.py + codeio_utils.check_input
    solution_prefix()                        codeio_utils.solution_prefix (input checks' imports)
"""

from __future__ import annotations

import ast
import json
import os
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from assets.common.original_src import Checkout, MissingCheckout, Template, template_of

ENV = "ASSAY_CODEIO_SRC"
CHECKOUT = Checkout(
    env=ENV, upstream="https://github.com/hkust-nlp/CodeIO", marker="src/codeio_utils.py"
)
UTILS = "src/codeio_utils.py"
TRANSFORM = "src/build_transform_msg.py"
BUILD_MSG = "src/build_codeio_msg.py"
REV_MSG = "src/build_codeio_rev_msg.py"
CHECK = "src/check_io_pred_acc_mp.py"
PARSE = "src/parse_gen_ios.py"
ASSEMBLE = "src/assemble_codeio_demo.py"

# The original's slots (build_transform_msg.py:20, build_codeio_msg.py:7-15).
CODE, QUERY, IO_REQ, INPUT, OUTPUT, REFCODE = (
    "<<<<code>>>>",
    "<<<<query>>>>",
    "<<<<io_req>>>>",
    "<<<<input>>>>",
    "<<<<output>>>>",
    "<<<<refcode>>>>",
)
# The input check's mismatch message slots (codeio_utils.template_check_input).
PRED_INPUT, ACTUAL_OUTPUT, GIVEN_OUTPUT = "<<<<1>>>>", "<<<<2>>>>", "<<<<3>>>>"


def _key() -> str:
    return os.environ.get(ENV, "")


@cache
def _assigned(key: str, relpath: str, name: str) -> str:
    return CHECKOUT.assigned(relpath, name).text


def assigned(relpath: str, name: str) -> str:
    return _assigned(_key(), relpath, name)


def unify_prompt(code: str) -> str:
    """build_transform_msg.py:20: the advanced test-case prompt with the file pasted in."""
    return assigned(UTILS, "build_testcases_prompt_advanced").replace(CODE, code)


def prediction_prompt(
    kind: str, query: str, io_req: str, refcode: str | None, input_value: Any, output_value: Any
) -> str:
    """build_codeio_msg.py:build_io_pred: `kind` "input" is the original's io="i"; the
    original always passes w_refcode=True (refcode None: False)."""
    template = assigned(UTILS, "input_pred_template" if kind == "input" else "output_pred_template")
    prompt = template.replace(QUERY, query).replace(IO_REQ, io_req)
    tag, value = (OUTPUT, output_value) if kind == "input" else (INPUT, input_value)
    prompt = prompt.replace(tag, f"{value}")
    if refcode is None:
        return prompt
    return prompt + "\n\n" + assigned(UTILS, "refcode_template").replace(REFCODE, refcode)


@cache
def _revision_suffix(key: str) -> str:
    texts = [t.text for t in CHECKOUT.strings(REV_MSG, "wrap_feedback") if not t.fields]
    if len(texts) != 1:
        raise MissingCheckout(f"{ENV}: {REV_MSG}:wrap_feedback has {len(texts)} literals, not 1")
    return texts[0]


def revision_request(feedback: str) -> str:
    """build_codeio_rev_msg.py:wrap_feedback(message, xtype=1), as run with revision_type = 1."""
    return feedback + _revision_suffix(_key())


@dataclass(frozen=True)
class Feedback:
    """The verifier's messages (check_io_pred_acc_mp.py:check_io_pred_acc, codeio_utils.check_input)."""

    no_json: str
    not_dict: str
    no_output_field: str
    correct_output: Template  # plain
    wrong_output: Template  # f-string: json.dumps(needed_oriio['input']), json.dumps(pred_output)
    no_input_field: str
    feasible_input: str
    timeout: Template  # f-string: runtime_limit
    infeasible_input: str  # warning_string with <<<<1>>>>, <<<<2>>>>, <<<<3>>>>

    def output_mismatch(self, given_input: Any, predicted: Any) -> str:
        fields = self.wrong_output.fields
        return self.wrong_output.render(
            {fields[0]: json.dumps(given_input), fields[1]: json.dumps(predicted)}
        )

    def input_mismatch(self, predicted: Any, actual_text: str, given_output: Any) -> str:
        """template_check_input's assertion message, filled as its own code fills it."""
        return (
            self.infeasible_input.replace(PRED_INPUT, json.dumps(predicted))
            .replace(ACTUAL_OUTPUT, actual_text)
            .replace(GIVEN_OUTPUT, json.dumps(given_output).strip())
        )

    def timed_out(self, limit_s: float) -> str:
        limit = int(limit_s) if float(limit_s).is_integer() else limit_s
        return self.timeout.render({self.timeout.fields[0]: str(limit)})


def _return_dicts(fn: ast.FunctionDef) -> list[tuple[str, Template]]:
    """(status, message) of each `return {"status": …, "message": …}` in source order."""
    found = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict):
            keys = [k.value if isinstance(k, ast.Constant) else None for k in node.value.keys]
            if "status" in keys and "message" in keys:
                status = node.value.values[keys.index("status")]
                message = node.value.values[keys.index("message")]
                found.append((node.lineno, ast.literal_eval(status), template_of(message)))
    return [(s, m) for _, s, m in sorted(found, key=lambda t: t[0])]


def _message_assignments(fn: ast.FunctionDef) -> list[Template]:
    """String literals assigned to `result_dict['message']`, in source order."""
    found = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            target = node.targets[0]
            if getattr(target.slice, "value", None) == "message" and isinstance(
                node.value, (ast.Constant, ast.JoinedStr)
            ):
                found.append((node.lineno, template_of(node.value)))
    return [t for _, t in sorted(found, key=lambda t: t[0])]


@cache
def _feedback(key: str) -> Feedback:
    returns = _return_dicts(CHECKOUT.function(CHECK, "check_io_pred_acc"))
    statuses = [s for s, _ in returns]
    expected = ["no answer"] * 3 + ["success", "failed", "no answer", "no answer"]
    if statuses != expected:
        raise MissingCheckout(
            f"{ENV}: {CHECK}:check_io_pred_acc returns {statuses}, not {expected}"
        )
    messages = [m for _, m in returns]
    checks = _message_assignments(CHECKOUT.function(UTILS, "check_input"))
    timeout = next(t for t in checks if t.fields)
    feasible = next(t for t in checks if not t.fields)
    body = assigned(UTILS, "template_check_input")
    warning = re.search(r'warning_string = "(.*)"', body)
    if warning is None:
        raise MissingCheckout(f"{ENV}: {UTILS}:template_check_input has no warning_string")
    return Feedback(
        no_json=messages[0].text,
        not_dict=messages[1].text,
        no_output_field=messages[2].text,
        correct_output=messages[3],
        wrong_output=messages[4],
        no_input_field=messages[6].text,
        feasible_input=feasible.text,
        timeout=timeout,
        infeasible_input=warning.group(1),
    )


def feedback() -> Feedback:
    return _feedback(_key())


def solution_prefix() -> str:
    """The imports the original puts in front of the reference code when it checks an input."""
    return assigned(UTILS, "solution_prefix")
