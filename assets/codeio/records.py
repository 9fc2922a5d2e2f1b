"""The final CodeI/O++ record of one prediction prompt, and its SFT conversation.

Released shape (CodeI/O++, assemble_codeio_demo.py): `prompt, turn_1, feedback_1, turn_2,
feedback_2`; `turn_2`/`feedback_2` are empty when no revision was asked for or it failed.
CodeI/O++'s own set (`in_codeio_pp`) is every turn-1 success plus every record with a
turn 2, right or wrong; under `original` a revised record's `feedback_1` is the whole
second user turn (the feedback and the request to redo), as the original writes it.
The conversation is what a model is trained on: the prompt and first answer, plus, when
a revision exists, the feedback turn and the second answer.
"""

from __future__ import annotations

from typing import Any

from assets.codeio import original_src
from assets.codeio.method import ASSAY_METHOD, Method
from assets.codeio.prompts import revision_prompt
from assets.codeio.verify import LLM_ERROR, SUCCESS


def revision_turn(feedback_1: str, kind: str, method: Method = ASSAY_METHOD) -> str:
    """The second user turn: the verifier's feedback and a request to redo."""
    if method.original:
        return original_src.revision_request(feedback_1)
    return revision_prompt(feedback_1, kind)


def revision_messages(
    prompt: str, turn_1: str, feedback_1: str, kind: str, method: Method = ASSAY_METHOD
) -> list[dict[str, str]]:
    """The chat sent for a revision: the first exchange, then the feedback and a request to redo."""
    return [
        {"role": "user", "content": prompt},
        {"role": "assistant", "content": turn_1},
        {"role": "user", "content": revision_turn(feedback_1, kind, method)},
    ]


def final_record(
    first: dict[str, Any], revision: dict[str, Any] | None, method: Method = ASSAY_METHOD
) -> dict[str, Any]:
    """Merge a prediction row (turn 1) with its revision row (turn 2, if any)."""
    # A turn 2 counts when the model's answer was accepted and judged (a cut-off one is not).
    revised = bool(revision) and revision.get("feedback_2") is not None
    turn_2 = revision.get("turn_2") if revised else None
    status_2 = revision.get("status_2") if revision else None
    final_status = status_2 if revised else first["status_1"]
    feedback_1 = first["feedback_1"]
    if first["status_1"] == LLM_ERROR:
        messages: list[dict[str, str]] = []
    elif revised:
        asked = revision_messages(
            first["prompt"], first["turn_1"], feedback_1, first["kind"], method
        )
        messages = [*asked, {"role": "assistant", "content": turn_2}]
        if method.original:
            feedback_1 = asked[2]["content"]
    else:
        messages = [
            {"role": "user", "content": first["prompt"]},
            {"role": "assistant", "content": first["turn_1"]},
        ]
    return {
        "prompt_id": first["prompt_id"],
        "item_id": first["item_id"],
        "partition": first["partition"],
        "content_sha": first["content_sha"],
        "kind": first["kind"],
        "pair_index": first["pair_index"],
        "prompt": first["prompt"],
        "turn_1": first["turn_1"],
        "feedback_1": feedback_1,
        "turn_2": turn_2,
        "feedback_2": revision.get("feedback_2") if revised else None,
        "status_1": first["status_1"],
        "status_2": status_2 if revised else None,
        "final_status": final_status,
        "verified": final_status == SUCCESS,
        "turns": 2 if revised else (1 if messages else 0),
        "in_codeio_pp": bool(messages) and (first["status_1"] == SUCCESS or revised),
        "revision_error": revision.get("llm_error") if revision else None,
        "messages": messages,
    }
