"""KodCode under the `original` profile, end to end on the scripted model: what is sent is
KodCode's method (one user turn in the original's wording, Magpie prefill as a raw
completion, open-model sampling), and the family still reaches verified, styled, SFT rows."""

from __future__ import annotations

import shutil
import threading

import pytest

from assets.kodcode import original
from tests.assets.kodcode.scripted_family import SEEDS, Stage3Model
from tests.fakes.family_run import family_run
from tests.fakes.openai_server import OpenAIServer

pytestmark = [
    pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap is not installed"),
    pytest.mark.skipif(
        not original.CHECKOUT.available(),
        reason="set ASSAY_KODCODE_SRC to a checkout of KodCode-AI/kodcode for the original's wording",
    ),
]
PREFIX = "Write a function count_vowels(s) that"
ORIGINAL_SEEDS = {**SEEDS, "b.jsonl": [*SEEDS["b.jsonl"], {"mode": "prefill", "prefix": PREFIX}]}


class Recording(Stage3Model):
    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[dict] = []
        self._record = threading.Lock()

    def __call__(self, body: dict) -> str:
        with self._record:
            self.bodies.append(body)
        return super().__call__(body)


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    home = tmp_path_factory.mktemp("kodcode_original")
    model = Recording()
    with OpenAIServer(model) as server:
        result = family_run(
            "kodcode",
            ORIGINAL_SEEDS,
            server.base_url,
            home,
            release=False,
            profiles={"kodcode": "original"},
        )
    return result, model.bodies


def test_every_chat_is_one_user_turn_sampled_as_the_originals_open_models(run):
    _, bodies = run
    chats = [b for b in bodies if "messages" in b]
    assert chats and all([m["role"] for m in b["messages"]] == ["user"] for b in chats)
    # The tagger (unitag.py) samples greedily and stops at the JSON's closing brace.
    tagging = [b for b in chats if b.get("stop") == ["}"]]
    assert tagging and {(b["temperature"], b["max_tokens"]) for b in tagging} == {(0.0, 1024)}
    chats = [b for b in chats if b not in tagging]
    assert {(b["temperature"], b["top_p"]) for b in chats} == {(1.0, 1.0)}
    assert {b["max_tokens"] for b in chats} == {8192, 16384}  # generator, reasoner


def test_prefill_is_a_raw_completion_of_the_pre_query_template(run):
    result, bodies = run
    (raw,) = [b for b in bodies if "prompt" in b]
    assert raw["prompt"] == original.prefill_template(PREFIX).prompt
    assert raw["stop"][-1] == "\n" and (raw["temperature"], raw["max_tokens"]) == (1.0, 2048)
    answers = result.read("kodcode_raw_questions", "b.jsonl").filter(mode="prefill")
    assert answers["response"].to_list() == [
        " returns how many vowels (a, e, i, o, u) the string s contains."
    ]


def test_the_family_reaches_verified_styled_and_sft_rows(run):
    result, bodies = run
    for key in ORIGINAL_SEEDS:
        assert result.partitions[key].success and not result.failed_checks(key)
    triplets = result.read("kodcode_triplets", "a.jsonl")
    assert set(triplets["style"]) == {"instruct", "complete"}
    # The reasoner sees the question alone (step3.3.1).
    questions = set(result.read("kodcode_triplets", "a.jsonl")["question"])
    assert any(b["messages"][0]["content"] in questions for b in bodies if "messages" in b)
    retry = result.metadata("kodcode_retry_trials", "a.jsonl")
    assert retry["max_trials"] == 10 and retry["rescued_questions"] == 1
