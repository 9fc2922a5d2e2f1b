"""KodCode's released shapes: the card's field lists, the validator, KodCode's own computed
values, the near-duplicate policy of each profile, and the embedding clustering."""

import numpy as np
import polars as pl
import pytest

from assets.common.release import DROP_ALL, KEEP_CANONICAL, NEAR_DUPLICATE, TRAIN, ReleasePolicy
from assets.kodcode import embedding_dedup, release_records
from assets.kodcode import release_schema as shape
from assets.kodcode import release_selection as selection
from assets.kodcode.retries import TRIPLETS_SCHEMA
from tests.assets.kodcode.test_release_selection import BENCH, ROWS


def test_the_v1_field_list_is_the_cards_in_its_order():
    assert list(shape.KODCODE_V1_FIELDS)[:8] == [
        "version",
        "style",
        "subset",
        "question_id",
        "question",
        "solution",
        "test",
        "test_info",
    ]
    assert shape.KODCODE_V1_FIELDS["gpt_pass_sequence"] == "list<int64>"
    assert shape.KODCODE_V1_FIELDS["chosen_trial"] == "string"
    assert list(shape.KODCODE_V1_FIELDS)[-4:] == [
        "benchmark_similarity",
        "benchmark_instruction",
        "benchmark_task_id",
        "filter_reason",
    ]


def test_the_sft_r1_field_list_adds_the_reasoner_fields_and_conversations():
    fields = shape.KODCODE_SFT_R1_FIELDS
    assert [f for f in fields if f.startswith("r1_")] == [
        "r1_pass_sequence",
        "r1_pass_trial_num",
        "r1_correctness",
        "r1_solution",
    ]
    assert fields["r1_correctness"] == "string"
    assert fields["conversations"] == "list<struct<from: string, value: string>>"
    assert "trials" not in fields and "benchmark_similarity" not in fields


def test_an_empty_release_of_each_shape_validates():
    assert (
        shape.field_problems(
            pl.DataFrame(schema=release_records.v1_schema()), shape.KODCODE_V1_FIELDS
        )
        == []
    )
    empty_sft = pl.DataFrame(schema=release_records.sft_r1_schema())
    assert shape.field_problems(empty_sft, shape.KODCODE_SFT_R1_FIELDS) == []


def test_the_validator_names_missing_fields_and_wrong_types():
    frame = pl.DataFrame(schema=release_records.v1_schema()).drop("filter_reason")
    frame = frame.with_columns(pl.col("gpt_pass_sequence").cast(pl.List(pl.Boolean)))
    problems = shape.field_problems(frame, shape.KODCODE_V1_FIELDS)
    assert "missing field 'filter_reason'" in problems
    assert "gpt_pass_sequence: list<bool>, expected list<int64>" in problems
    with pytest.raises(ValueError, match="filter_reason"):
        shape.validate_release(frame, shape.KODCODE_V1_FIELDS, "triplets")


def test_trial_records_are_keyed_by_model_and_index_and_typed_like_the_card():
    trials = [
        {
            "trial_id": f"t{i}",
            "trial_index": i,
            "solution_code": "s",
            "test_code": "t",
            "status": status,
            "coverage": 100.0 if status == "passed" else None,
            "model": "Qwen/Qwen2.5-Coder-1.5B-Instruct",
        }
        for i, status in enumerate(["failed", "timeout", "passed"])
    ]
    records = shape.trial_records(list(reversed(trials)))
    assert list(records) == [f"trial_qwen2.5coder1.5binstruct_{i}" for i in range(3)]
    assert [r["test_result"] for r in records.values()] == ["Fail", "Fail - Timed Out", "Pass"]
    dtype = shape.trials_dtype([records])
    assert shape.type_name(dtype) == shape.KODCODE_V1_FIELDS["trials"]


def test_kodcodes_own_difficulty_and_percentage_rules():
    assert shape.gpt_difficulty([1, 1, 0]) == "easy"  # 2/3 is easy (utils.py:159)
    assert shape.gpt_difficulty([1, 0, 0]) == "medium"  # 1/3 is medium
    assert shape.gpt_difficulty([1, 0, 0, 0]) == "hard"
    assert shape.gpt_pass_percentage([1, 0, 0]) == 0.333
    assert shape.subset_name("code_contests") == "Code_Contests"
    assert shape.subset_name("data_structure") == "Data_Structure"


def _decisions(policy: ReleasePolicy) -> dict[str, str]:
    df = selection.select(pl.DataFrame(ROWS, schema=TRIPLETS_SCHEMA), policy, BENCH)
    return dict(df.select("question_id", "decision").iter_rows())


def test_assay_keeps_one_canonical_member_of_a_cluster_and_original_drops_them_all():
    keep = _decisions(ReleasePolicy(dedup_threshold=0.7))
    drop = _decisions(ReleasePolicy(dedup_threshold=0.7, near_duplicates=DROP_ALL))
    assert (keep["q1"], keep["q2"], keep["q2c"]) == (TRAIN, NEAR_DUPLICATE, NEAR_DUPLICATE)
    assert (drop["q1"], drop["q2"], drop["q2c"]) == (NEAR_DUPLICATE,) * 3
    assert keep["q4"] == drop["q4"] == TRAIN, "a question with no near-duplicate stays"


def test_the_profiles_policies_differ_only_in_the_near_duplicate_rule():
    assert selection.POLICY.near_duplicates == KEEP_CANONICAL
    assert selection.ORIGINAL_POLICY.near_duplicates == DROP_ALL
    assert selection.ORIGINAL_POLICY.benchmarks == selection.POLICY.benchmarks


def _embedder(vectors: dict[str, list[float]]):
    return lambda texts: np.asarray([vectors[t] for t in texts], dtype=np.float32)


def test_embedding_clusters_join_questions_within_squared_distance_0_1():
    vectors = {"a": [1.0, 0.0], "b": [0.95, 0.3122], "c": [0.0, 1.0], "e": [0.95, -0.32]}
    canonical = embedding_dedup.embedding_canonical(
        [("3", "b"), ("1", "a"), ("2", "c"), ("5", "e")], _embedder(vectors)
    )
    # |a-b|^2 = 0.09997 (within 0.1: KodCode keeps a question only above it); |a-e|^2 = 0.1049
    assert canonical == {"1": "1", "3": "1", "2": "2", "5": "5"}


def test_an_embedding_clustering_drives_the_policy_in_place_of_minhash():
    canonical = {r["question_id"]: r["question_id"] for r in ROWS if r["style"] == "instruct"}
    canonical["q4"] = "q1"  # as if the embeddings found q1 and q4 alike
    df = selection.select(
        pl.DataFrame(ROWS, schema=TRIPLETS_SCHEMA), selection.ORIGINAL_POLICY, BENCH, canonical
    )
    decisions = dict(df.select("question_id", "decision").iter_rows())
    assert decisions["q1"] == decisions["q4"] == NEAR_DUPLICATE
    assert decisions["q2"] == TRAIN, "MinHash's pair is not consulted"


def test_without_a_local_model_the_original_dedup_says_how_to_get_one(monkeypatch):
    monkeypatch.delenv(embedding_dedup.MODEL_ENV, raising=False)
    with pytest.raises(embedding_dedup.MissingEmbeddingModel, match="ASSAY_EMBEDDING_MODEL"):
        embedding_dedup.model_dir()
    monkeypatch.setenv(embedding_dedup.MODEL_ENV, "/nonexistent")
    with pytest.raises(embedding_dedup.MissingEmbeddingModel, match="modules.json"):
        embedding_dedup.model_dir()
