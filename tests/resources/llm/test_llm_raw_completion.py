"""A raw-completion request: text in, text continued, no chat template (Magpie-style prefill)."""

from __future__ import annotations

from types import SimpleNamespace

import openai
import pytest

from resources.llm import LLMRequest
from resources.llm.cache import AnswerCache
from resources.llm.client import SamplingDefaults, expand
from resources.llm.engines import vllm as vllm_engine
from tests.fakes.openai_server import OpenAIServer

TEMPLATE = "<|im_start|>user\nWrite a python function to"


def test_a_request_has_messages_or_a_raw_prompt_never_both_nor_neither():
    assert LLMRequest("k", prompt=TEMPLATE).prompt == TEMPLATE
    with pytest.raises(ValueError, match="not both"):
        LLMRequest("k", [{"role": "user", "content": "x"}], prompt=TEMPLATE)
    with pytest.raises(ValueError, match="messages is empty"):
        LLMRequest("k")
    with pytest.raises(ValueError, match="raw prompt is empty"):
        LLMRequest("k", prompt="")


def test_raw_prompts_get_their_own_cache_keys_and_chat_keys_do_not_change():
    defaults = SamplingDefaults("m", temperature=1.0, top_p=1.0, max_tokens=64, seed=0)
    chat = expand([LLMRequest("k", [{"role": "user", "content": TEMPLATE}])], defaults)[0]
    raw, other = expand([LLMRequest("k", prompt=TEMPLATE), LLMRequest("k", prompt="x")], defaults)

    assert raw.params.raw and not chat.params.raw
    assert len({chat.cache_key, raw.cache_key, other.cache_key}) == 3
    assert raw.params.sampling_seed() != other.params.sampling_seed()


def test_the_openai_engine_posts_raw_prompts_to_v1_completions(make_resource, cache_path):
    seen: list[dict] = []

    def responder(body: dict) -> str:
        seen.append(body)
        return " reverse a string." if "prompt" in body else "chat answer"

    with OpenAIServer(responder) as fake:
        llm = make_resource(fake.base_url, cache_path)
        result = llm.generate(
            [
                LLMRequest("raw", prompt=TEMPLATE, temperature=1.0, top_p=1.0, stop=("\n",)),
                LLMRequest("chat", [{"role": "user", "content": "hi"}]),
            ]
        )
        again = llm.generate(
            [LLMRequest("raw", prompt=TEMPLATE, temperature=1.0, top_p=1.0, stop=("\n",))]
        )

    raw_body = next(b for b in seen if "prompt" in b)
    assert raw_body["prompt"] == TEMPLATE and "messages" not in raw_body
    assert (raw_body["temperature"], raw_body["top_p"], raw_body["stop"]) == (1.0, 1.0, ["\n"])
    assert [c.text for c in result.completions] == [" reverse a string.", "chat answer"]
    assert result.completions[0].prompt_tokens == len(TEMPLATE.split())  # from the raw prompt
    assert again.completions[0].cached and again.completions[0].text == " reverse a string."
    assert len(AnswerCache(cache_path)) == 2


def test_the_fake_server_answers_the_openai_sdk_completions_call():
    with OpenAIServer(lambda body: " continued") as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
        reply = client.completions.create(model="fake-model", prompt="Write", max_tokens=8)
        client.close()

    assert reply.choices[0].text == " continued"
    assert reply.choices[0].finish_reason == "stop"


def test_vllm_generates_raw_prompts_and_chats_the_rest(monkeypatch):
    calls: list[tuple[str, list]] = []

    def output(text: str) -> SimpleNamespace:
        return SimpleNamespace(
            prompt_token_ids=[1],
            outputs=[SimpleNamespace(text=text, finish_reason="stop", token_ids=[2, 3])],
        )

    class FakeLLM:
        def chat(self, conversations, params, use_tqdm=False):
            calls.append(("chat", conversations))
            return [output("chat") for _ in conversations]

        def generate(self, prompts, params, use_tqdm=False):
            calls.append(("generate", prompts))
            return [output("raw") for _ in prompts]

    fake_vllm = SimpleNamespace(SamplingParams=lambda **kw: kw, LLM=lambda **kw: FakeLLM())
    monkeypatch.setattr(vllm_engine, "_load_vllm", lambda: fake_vllm)
    monkeypatch.setitem(vllm_engine._llms, "m", FakeLLM())
    defaults = SamplingDefaults("m", temperature=1.0, top_p=1.0, max_tokens=8, seed=0)
    units = expand(
        [LLMRequest("a", prompt=TEMPLATE), LLMRequest("b", [{"role": "user", "content": "x"}])],
        defaults,
    )
    answers: dict[str, str] = {}
    recorder = SimpleNamespace(
        attempt=lambda retry: None, answer=lambda unit, a: answers.__setitem__(unit.key, a.text)
    )

    vllm_engine.VLLMEngine("m").run(units, recorder)

    assert ("generate", [TEMPLATE]) in calls and answers == {"a": "raw", "b": "chat"}
