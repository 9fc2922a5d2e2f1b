"""A scripted KodCode model for runs with many questions: each seed item gets its own question
and a small correct trial, so every stage does real work and the outputs are predictable.

Seed item i asks (through the question prompt) for `solve_item_<i>`; the trial for it is a
one-line solution with a pytest test that really checks it. Question texts carry a few
words drawn from i, so near-duplicate removal keeps every one of them.
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

from assets.kodcode.modes import QUESTION_MODES

_SEED_ITEM = re.compile(r"seed item-(\d+)\b")
_FUNCTION = re.compile(r"\bsolve_item_(\d+)\b")
_WORDS = [
    "river",
    "lantern",
    "orbit",
    "maple",
    "quartz",
    "harbor",
    "velvet",
    "canyon",
    "ember",
    "glacier",
    "meadow",
    "prism",
    "falcon",
    "cedar",
    "summit",
    "tundra",
    "beacon",
    "coral",
    "dune",
    "fjord",
    "grove",
    "hollow",
    "island",
    "jungle",
    "kettle",
    "lagoon",
    "mesa",
    "nebula",
    "oasis",
    "pebble",
    "quill",
    "reef",
    "savanna",
    "thicket",
    "upland",
    "valley",
    "willow",
    "yarrow",
    "zephyr",
    "anchor",
    "bramble",
    "cobalt",
    "delta",
    "estuary",
    "fern",
    "geyser",
    "heath",
    "inlet",
    "juniper",
    "knoll",
    "ledge",
    "marsh",
    "nook",
    "outcrop",
    "plateau",
    "quarry",
    "ridge",
    "spruce",
    "terrace",
    "umber",
    "vista",
    "wharf",
]


def seed_line(index: int) -> dict:
    """The seed line for item `index`: a platform-style question in one of the five modes."""
    return {
        "mode": QUESTION_MODES[index % len(QUESTION_MODES)],
        "question": f"Sum a list (seed item-{index}).",
    }


def write_seed_file(path: Path, count: int, start: int = 0) -> Path:
    """A JSON Lines seed file with items start..start+count-1."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        for index in range(start, start + count):
            handle.write(json.dumps(seed_line(index)) + "\n")
    return path


def question_text(index: int) -> str:
    """A question unlike every other index's: its function name and a story of distinct words."""
    story = " ".join(random.Random(index).sample(_WORDS, 10))
    return (
        f"Write a function solve_item_{index}(values) that returns the sum of the integers in values "
        f"plus {index}. The values are counts of {story}."
    )


def trial_text(index: int, test_sleep_s: float = 0.0) -> str:
    """A correct solution and a test that checks it (sleeping first, to make the sandbox stage slow)."""
    sleep = f"    import time\n    time.sleep({test_sleep_s})\n" if test_sleep_s else ""
    return (
        "<|Solution Begin|>\n```python\n"
        f"def solve_item_{index}(values):\n"
        f'    """Sum of values plus {index}."""\n'
        f"    return sum(values) + {index}\n"
        "```\n<|Solution End|>\n<|Test Begin|>\n```python\n"
        f"from solution import solve_item_{index}\n\n"
        "def test_sum():\n"
        f"{sleep}"
        f"    assert solve_item_{index}([1, 2, 3]) == {6 + index}\n"
        f"    assert solve_item_{index}([]) == {index}\n"
        "```\n<|Test End|>"
    )


class ScriptedKodCode:
    """Responder for the fake server: question prompts get item i's question, trial prompts its
    trial, solver prompts (reasoning SFT, style conversion) a correct solution."""

    def __init__(self, test_sleep_s: float = 0.0) -> None:
        self.test_sleep_s = test_sleep_s

    def __call__(self, body: dict) -> str:
        user = body["messages"][-1]["content"]
        if "Write a correct Python solution" in user:
            match = _FUNCTION.search(user)
            if match is None:
                return "I cannot solve this."
            return trial_text(int(match.group(1)), self.test_sleep_s)
        match = _FUNCTION.search(user)
        if match is not None:  # a solver's prompt (reasoning SFT): think, then the code
            i = int(match.group(1))
            return (
                f"The answer adds {i} to the sum.\n\n```python\n"
                f"def solve_item_{i}(values):\n    return sum(values) + {i}\n```"
            )
        match = _SEED_ITEM.search(user)
        if match is None:
            return "<|Question Begin|>What?<|Question End|>"
        return f"<|Question Begin|>{question_text(int(match.group(1)))}<|Question End|>"
