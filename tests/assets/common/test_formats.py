"""Record shapes trainers load: OpenAI messages, LLaMA-Factory sharegpt, verl rows."""

import json

import polars as pl
import pytest

from assets.common.formats import (
    MESSAGES_DTYPE,
    SHAREGPT_DTYPE,
    chat_messages,
    llamafactory_dataset_info,
    sharegpt,
    verl_row,
    verl_schema,
)

PROMPT = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Add 2 and 3."}]


def test_chat_messages_append_the_response_as_the_assistant_turn():
    assert chat_messages(PROMPT, "5")[-1] == {"role": "assistant", "content": "5"}
    assert chat_messages(PROMPT) == PROMPT


def test_chat_messages_reject_unknown_roles():
    with pytest.raises(ValueError, match="unknown chat role"):
        chat_messages([{"role": "narrator", "content": "once"}])


def test_sharegpt_moves_the_system_prompt_to_its_own_field_and_renames_speakers():
    record = sharegpt(chat_messages(PROMPT, "5"))
    assert record == {
        "conversations": [
            {"from": "human", "value": "Add 2 and 3."},
            {"from": "gpt", "value": "5"},
        ],
        "system": "Be brief.",
    }


def test_sharegpt_refuses_turns_that_do_not_alternate():
    with pytest.raises(ValueError, match="alternate"):
        sharegpt([{"role": "assistant", "content": "hi"}])
    with pytest.raises(ValueError, match="one system prompt"):
        sharegpt([{"role": "user", "content": "a"}, {"role": "system", "content": "late"}])


def test_dataset_info_maps_sharegpt_columns_for_llamafactory():
    info = llamafactory_dataset_info("demo", "demo.json")["demo"]
    assert info["formatting"] == "sharegpt" and info["columns"] == {
        "messages": "conversations",
        "system": "system",
    }
    assert info["tags"]["user_tag"] == "human" and info["tags"]["assistant_tag"] == "gpt"


def test_verl_rows_json_encode_structured_ground_truth_and_fit_their_schema():
    row = verl_row(
        data_source="assay/demo",
        prompt=PROMPT[1:],
        ability="code",
        ground_truth={"tests": "assert f() == 1"},
        extra_info={"index": 0, "split": "train"},
    )
    assert row["reward_model"] == {
        "style": "rule",
        "ground_truth": json.dumps({"tests": "assert f() == 1"}),
    }
    df = pl.DataFrame([row], schema=verl_schema({"index": pl.Int64, "split": pl.Utf8}))
    assert df.columns == ["data_source", "prompt", "ability", "reward_model", "extra_info"]
    assert df["prompt"].dtype == MESSAGES_DTYPE and df.row(0, named=True)["extra_info"] == {
        "index": 0,
        "split": "train",
    }
    assert (
        verl_row(
            data_source="d", prompt=PROMPT[1:], ability="code", ground_truth="42", extra_info={}
        )["reward_model"]["ground_truth"]
        == "42"
    ), "string ground truth is kept as is"


def test_sharegpt_conversations_fit_the_polars_dtype():
    df = pl.DataFrame(
        [sharegpt(chat_messages(PROMPT, "5"))],
        schema={"conversations": SHAREGPT_DTYPE, "system": pl.Utf8},
    )
    assert df["conversations"][0].to_list()[1] == {"from": "gpt", "value": "5"}
