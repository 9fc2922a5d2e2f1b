"""The fake endpoint other tests rely on behaves like an OpenAI-compatible server."""

from __future__ import annotations

import httpx
import openai

from tests.fakes.openai_server import FAULT_KINDS, FaultPlan, OpenAIServer


def test_models_and_chat_answer_like_openai():
    with OpenAIServer(model="fake-model") as fake:
        client = openai.OpenAI(base_url=fake.base_url, api_key="k", max_retries=0)
        models = [m.id for m in client.models.list().data]
        reply = client.chat.completions.create(
            model="fake-model", messages=[{"role": "user", "content": "two words"}], n=3
        )
        client.close()

    assert fake.base_url.endswith("/v1") and models == ["fake-model"]
    assert [c.index for c in reply.choices] == [0, 1, 2]
    assert {c.message.content for c in reply.choices} == {"echo: two words"}
    assert (reply.usage.prompt_tokens, reply.usage.completion_tokens) == (2, 9)
    assert fake.stats.snapshot() == {"requests": 1, "ok": 1, "faults": {}}


def test_fault_choice_depends_on_body_and_attempt_not_arrival_order():
    plan = FaultPlan.uniform(0.5, seed=3)
    first = [plan.choose(f"body-{i}", attempt) for i in range(50) for attempt in range(3)]
    again = [plan.choose(f"body-{i}", attempt) for i in range(50) for attempt in range(3)]

    assert first == again
    assert set(first) - {None} <= set(FAULT_KINDS)
    assert 0.3 < sum(f is not None for f in first) / len(first) < 0.7


def test_first_attempts_only_lets_the_retry_through():
    plan = FaultPlan(server_error=1.0, first_attempts_only=2)
    assert [plan.choose("b", attempt) for attempt in range(4)] == [
        "server_error",
        "server_error",
        None,
        None,
    ]


def test_stats_endpoint_reports_counters_for_out_of_process_use():
    with OpenAIServer(faults=FaultPlan(unavailable=1.0)) as fake:
        root = fake.base_url.removesuffix("/v1")
        status = httpx.post(f"{fake.base_url}/chat/completions", json={"messages": []}).status_code
        stats = httpx.get(f"{root}/stats").json()

    assert status == 503
    assert stats == {"requests": 1, "ok": 0, "faults": {"unavailable": 1}}
