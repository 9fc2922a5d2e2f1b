"""Training-data record shapes trainers load directly: OpenAI messages, LLaMA-Factory sharegpt, verl RL rows.

Every family emits its SFT and RL sets through these builders, so one dataset
card (and one `dataset_info.json`) describes them all. Values stay plain Python
(dicts, lists, strings) so they go into Polars frames with the schemas below and
come out of Parquet or JSON unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

# OpenAI chat roles ↔ LLaMA-Factory sharegpt speakers.
SHAREGPT_FROM = {"user": "human", "assistant": "gpt", "system": "system", "tool": "observation"}

MESSAGES_DTYPE = pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8}))
SHAREGPT_DTYPE = pl.List(pl.Struct({"from": pl.Utf8, "value": pl.Utf8}))
REWARD_MODEL_DTYPE = pl.Struct({"style": pl.Utf8, "ground_truth": pl.Utf8})


def chat_messages(
    prompt: Sequence[Mapping[str, str]], response: str | None = None
) -> list[dict[str, str]]:
    """OpenAI `messages`: the prompt turns, plus the assistant's response when given."""
    messages = [{"role": str(m["role"]), "content": str(m["content"])} for m in prompt]
    for m in messages:
        if m["role"] not in SHAREGPT_FROM:
            raise ValueError(
                f"unknown chat role {m['role']!r}; expected one of {sorted(SHAREGPT_FROM)}"
            )
    if response is not None:
        messages.append({"role": "assistant", "content": response})
    return messages


def sharegpt(messages: Sequence[Mapping[str, str]]) -> dict[str, Any]:
    """LLaMA-Factory sharegpt: `conversations: [{from, value}]` plus the system prompt in `system`.

    LLaMA-Factory expects human/gpt turns to alternate after an optional system
    prompt, which it reads from its own column; a conversation that breaks that
    rule raises here rather than failing at training time.
    """
    system = [m["content"] for m in messages if m["role"] == "system"]
    turns = [
        {"from": SHAREGPT_FROM[m["role"]], "value": m["content"]}
        for m in messages
        if m["role"] != "system"
    ]
    if len(system) > 1 or (system and messages[0]["role"] != "system"):
        raise ValueError("sharegpt allows one system prompt, as the first message")
    for i, turn in enumerate(turns):
        expected = ("human", "observation") if i % 2 == 0 else ("gpt",)
        if turn["from"] not in expected:
            raise ValueError(
                f"sharegpt turn {i} is {turn['from']!r}; turns must alternate human/gpt starting with human"
            )
    return {"conversations": turns, "system": system[0] if system else ""}


def llamafactory_dataset_info(name: str, file_name: str) -> dict[str, Any]:
    """The `dataset_info.json` entry that tells LLaMA-Factory how to read a sharegpt file."""
    return {
        name: {
            "file_name": file_name,
            "formatting": "sharegpt",
            "columns": {"messages": "conversations", "system": "system"},
            "tags": {
                "role_tag": "from",
                "content_tag": "value",
                "user_tag": "human",
                "assistant_tag": "gpt",
                "observation_tag": "observation",
            },
        }
    }


def verl_row(
    *,
    data_source: str,
    prompt: Sequence[Mapping[str, str]],
    ability: str,
    ground_truth: str | Mapping[str, Any],
    extra_info: Mapping[str, Any],
) -> dict[str, Any]:
    """One row of verl's RL Parquet: `data_source, prompt, ability, reward_model, extra_info`.

    verl hands `reward_model.ground_truth` to the reward function as is; structured
    ground truth is JSON-encoded so every row has the same (string) type.
    """
    truth = (
        ground_truth
        if isinstance(ground_truth, str)
        else json.dumps(ground_truth, ensure_ascii=False, sort_keys=True)
    )
    return {
        "data_source": data_source,
        "prompt": chat_messages(prompt),
        "ability": ability,
        "reward_model": {"style": "rule", "ground_truth": truth},
        "extra_info": dict(extra_info),
    }


def verl_schema(extra_info: Mapping[str, pl.DataType]) -> dict[str, pl.DataType]:
    """The Polars schema of verl rows whose `extra_info` has the given fields."""
    return {
        "data_source": pl.Utf8,
        "prompt": MESSAGES_DTYPE,
        "ability": pl.Utf8,
        "reward_model": REWARD_MODEL_DTYPE,
        "extra_info": pl.Struct(dict(extra_info)),
    }
