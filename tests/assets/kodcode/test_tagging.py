"""KodCode's LLM tagging: requests with the original's parameters, answers read as unitag reads
them, the Filter subset's rule, the asset on a scripted model, and (with a checkout) the
original's wording rendered byte for byte."""

import json
import os

import polars as pl
import pytest
from dagster import DagsterInstance, SourceAsset, materialize

from assets.common.profiles import Profile
from assets.kodcode import tagging
from assets.kodcode.questions import QUESTION_SCHEMA
from dagster_project.partitions import PARTITIONS
from io_managers import AtomicParquetIOManager
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.scripted_llm import scripted_llm

needs_checkout = pytest.mark.skipif(
    not os.environ.get("ASSAY_KODCODE_SRC"),
    reason="the original wording is read from a KodCode checkout (set ASSAY_KODCODE_SRC)",
)


def test_requests_carry_the_originals_sampling_parameters():
    request = tagging.tag_request("q1", "quality", "Sort a list.", "assay")
    assert request.key == "q1:quality"
    assert (request.temperature, request.max_tokens, request.stop) == (0.0, 1024, ("}",))
    assert request.repetition_penalty == 1.0
    assert "Sort a list." in request.messages[0]["content"]


def test_answers_are_read_from_their_first_brace_with_the_stopped_brace_restored():
    assert tagging.parse_tags('Sure!\n```\n{"input_quality": "good", "explanation": "clear"') == {
        "input_quality": "good",
        "explanation": "clear",
    }
    assert tagging.parse_tags('{"primary_tag": "Testing", "other_tags": []}') == {
        "primary_tag": "Testing",
        "other_tags": [],
    }
    assert tagging.parse_tags("no JSON here") is None
    assert tagging.parse_tags('{"input_quality": ') is None


def test_the_filter_subset_keeps_high_quality_algorithm_and_function_questions():
    keep = tagging.tag_fields(
        {"input_quality": "excellent", "explanation": "x"},
        {"primary_tag": "Function Generation", "other_tags": ["Testing"]},
    )
    assert keep["filter_keep"] is True and keep["other_task_category"] == ["Testing"]
    poor = tagging.tag_fields({"input_quality": "average"}, {"primary_tag": "Function Generation"})
    assert (poor["filter_keep"], poor["filter_reason"]) == (False, "quality average")
    off = tagging.tag_fields({"input_quality": "good"}, {"primary_tag": "Debugging"})
    assert (off["filter_keep"], off["filter_reason"]) == (False, "category Debugging")
    none = tagging.tag_fields(None, {"primary_tag": "Debugging"})
    assert (none["filter_keep"], none["input_quality"]) == (None, None)


def _tagger(body: dict) -> str:
    prompt = body["messages"][-1]["content"]
    if "primary_tag" in prompt:
        return '{"primary_tag": "Algorithm Implementation", "other_tags": ["Function Generation"]'
    return '{"explanation": "clear and complete", "input_quality": "good"'


def test_the_asset_tags_the_configured_modes_within_its_bound(tmp_path):
    questions = pl.DataFrame(
        [
            {
                "question_id": f"q{i}",
                "prompt_id": f"p{i}",
                "partition": "a.jsonl",
                "mode": mode,
                "subset": mode,
                "question": f"Write a function number {i}.",
            }
            for i, mode in enumerate(["prefill", "prefill", "prefill", "leetcode"])
        ],
        schema=QUESTION_SCHEMA,
    )
    storage = tmp_path / "storage" / "kodcode_questions"
    storage.mkdir(parents=True)
    questions.write_parquet(storage / "a.jsonl.parquet")
    instance = DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(PARTITIONS["kodcode"].name, ["a.jsonl"])
    with OpenAIServer(_tagger) as server:
        result = materialize(
            [
                SourceAsset("kodcode_questions", partitions_def=PARTITIONS["kodcode"]),
                tagging.kodcode_question_tags,
            ],
            partition_key="a.jsonl",
            instance=instance,
            resources={
                "io_manager": AtomicParquetIOManager(base_dir=str(tmp_path / "storage")),
                "llm": scripted_llm(server.base_url, tmp_path),
                "kodcode_profile": Profile(),
            },
            run_config={"ops": {"kodcode_question_tags": {"config": {"max_questions": 2}}}},
        )
        sent = server.stats.snapshot()["requests"]
    tags = pl.read_parquet(tmp_path / "storage" / "kodcode_question_tags" / "a.jsonl.parquet")
    assert tags["question_id"].to_list() == ["q0", "q1"] and sent == 4, "two calls per question"
    assert set(tags["filter_keep"]) == {True} and set(tags["input_quality"]) == {"good"}
    meta = result.asset_materializations_for_node("kodcode_question_tags")[0].metadata
    assert (
        meta["dropped/mode_not_tagged"].value == 1 and meta["dropped/over_max_questions"].value == 1
    )


@needs_checkout
@pytest.mark.parametrize("mission", tagging.MISSIONS)
def test_the_original_wording_renders_like_the_originals_builder(mission):
    builder = tagging.CHECKOUT.load(tagging.STR_UTILS, tagging.BUILDERS[mission])
    inputs = [f"Question {i}: write f{i}(x) {{with braces}} and ```fences```" for i in range(20)]
    for question in inputs:
        assert tagging.tag_prompt(mission, question, "original") == builder(question)


def test_the_assay_wording_asks_for_the_originals_json_keys():
    quality = tagging.tag_prompt("quality", "Q", "assay")
    classification = tagging.tag_prompt("classification", "Q", "assay")
    assert '"input_quality"' in quality and '"explanation"' in quality
    assert '"primary_tag"' in classification and all(
        t in classification for t in tagging.FILTER_TAGS
    )
    json.dumps(quality)  # plain text
