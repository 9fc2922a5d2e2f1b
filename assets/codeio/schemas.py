"""The frames CodeI/O's assets write: one schema per asset, nested where data is nested.

I/O pairs are lists of structs, each side as the JSON text CodeI/O shows and compares
(`json.dumps`, key order as the program returned it): a pair's values are whatever the
program takes and returns, so no one Polars type holds them. Draw rejections are
(reason, count) structs; conversations are lists of role/content structs.
"""

import polars as pl

MESSAGES = pl.List(pl.Struct({"role": pl.Utf8, "content": pl.Utf8}))
IO_PAIRS = pl.List(pl.Struct({"input_json": pl.Utf8, "output_json": pl.Utf8}))
REJECTIONS = pl.List(pl.Struct({"reason": pl.Utf8, "count": pl.Int64}))

RAW_SCHEMA = {
    "code_id": pl.Utf8,
    "partition": pl.Utf8,
    "seed_line": pl.Int64,
    "blob_id": pl.Utf8,
    "repo_name": pl.Utf8,
    "path": pl.Utf8,
    "content_sha": pl.Utf8,
    "content": pl.Utf8,
}

UNIFIED_SCHEMA = {
    "item_id": pl.Utf8,
    "code_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "main_code": pl.Utf8,
    "generator_code": pl.Utf8,
    "program": pl.Utf8,
    "io_description": pl.Utf8,
    "problem_statement": pl.Utf8,
    "response": pl.Utf8,
    "completion_tokens": pl.Int64,
}

PAIRS_SCHEMA = {
    "item_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "main_code": pl.Utf8,
    "program": pl.Utf8,
    "io_description": pl.Utf8,
    "problem_statement": pl.Utf8,
    "ios": IO_PAIRS,
    "n_pairs": pl.Int64,
    "draws": pl.Int64,
    "search_seed": pl.Int64,
    "rejected": REJECTIONS,
}

PROMPTS_SCHEMA = {
    "prompt_id": pl.Utf8,
    "item_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "kind": pl.Utf8,
    "pair_index": pl.Int64,
    "prompt": pl.Utf8,
    "input_json": pl.Utf8,
    "output_json": pl.Utf8,
    "program": pl.Utf8,
    "main_code": pl.Utf8,
}

PREDICTIONS_SCHEMA = {
    "prompt_id": pl.Utf8,
    "item_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "kind": pl.Utf8,
    "pair_index": pl.Int64,
    "prompt": pl.Utf8,
    "input_json": pl.Utf8,
    "output_json": pl.Utf8,
    "program": pl.Utf8,
    "main_code": pl.Utf8,
    "turn_1": pl.Utf8,
    "status_1": pl.Utf8,
    "feedback_1": pl.Utf8,
    "predicted_1": pl.Utf8,
    "exception_type_1": pl.Utf8,
    "llm_error": pl.Utf8,
    "completion_tokens": pl.Int64,
}

REVISIONS_SCHEMA = {
    "prompt_id": pl.Utf8,
    "item_id": pl.Utf8,
    "kind": pl.Utf8,
    "status_1": pl.Utf8,
    "turn_2": pl.Utf8,
    "status_2": pl.Utf8,
    "feedback_2": pl.Utf8,
    "predicted_2": pl.Utf8,
    "exception_type_2": pl.Utf8,
    "llm_error": pl.Utf8,
    "completion_tokens": pl.Int64,
}

FINAL_SCHEMA = {
    "prompt_id": pl.Utf8,
    "item_id": pl.Utf8,
    "partition": pl.Utf8,
    "content_sha": pl.Utf8,
    "kind": pl.Utf8,
    "pair_index": pl.Int64,
    "prompt": pl.Utf8,
    "turn_1": pl.Utf8,
    "feedback_1": pl.Utf8,
    "turn_2": pl.Utf8,
    "feedback_2": pl.Utf8,
    "status_1": pl.Utf8,
    "status_2": pl.Utf8,
    "final_status": pl.Utf8,
    "verified": pl.Boolean,
    "turns": pl.Int64,
    "in_codeio_pp": pl.Boolean,
    "revision_error": pl.Utf8,
    "messages": MESSAGES,
}
