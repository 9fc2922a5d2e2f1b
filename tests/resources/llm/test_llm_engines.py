"""Engine selection and preparation that can be checked without a GPU or a model run."""

from __future__ import annotations

import sys
import types
from types import SimpleNamespace

import pytest

from resources.llm import LLMRequest, LLMResource
from resources.llm.client import SamplingDefaults, expand
from resources.llm.engines import embedded
from resources.llm.engines.vllm import VLLMUnavailable, answer_from_output, sampling_kwargs


def test_unknown_engine_is_rejected_with_the_choices():
    with pytest.raises(ValueError, match="embedded.*openai.*vllm"):
        LLMResource(engine="gpt").generate([])


def test_embedded_defaults_to_the_1_5b_coder_model():
    assert LLMResource().resolved_model() == "qwen2.5-coder-1.5b-instruct"
    assert set(embedded.MODELS) == {"qwen2.5-coder-1.5b-instruct", "qwen2.5-coder-0.5b-instruct"}


def test_vllm_without_vllm_installed_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "vllm", None)  # makes `import vllm` raise ImportError
    resource = LLMResource(
        engine="vllm", model="Qwen/Qwen2.5-Coder-1.5B-Instruct", cache_path=str(tmp_path / "c")
    )
    with pytest.raises(VLLMUnavailable, match=r"pip install 'assay\[vllm\]'"):
        resource.generate([LLMRequest("k", [{"role": "user", "content": "x"}])])


def test_vllm_needs_an_explicit_model():
    with pytest.raises(ValueError, match="needs model="):
        LLMResource(engine="vllm").resolved_model()


def test_request_maps_to_vllm_sampling_params_one_sample_each():
    defaults = SamplingDefaults("m", temperature=0.7, top_p=0.9, max_tokens=128, seed=3)
    units = expand(
        [LLMRequest("k", [{"role": "user", "content": "x"}], n=2, temperature=0.2, stop=("END",))],
        defaults,
    )

    mapped = [sampling_kwargs(u) for u in units]

    assert [m["n"] for m in mapped] == [1, 1]
    assert {(m["temperature"], m["top_p"], m["max_tokens"], tuple(m["stop"])) for m in mapped} == {
        (0.2, 0.9, 128, ("END",))
    }
    assert mapped[0]["seed"] == units[0].params.sampling_seed() != mapped[1]["seed"]


def test_vllm_output_maps_to_an_answer_with_token_counts():
    output = SimpleNamespace(
        prompt_token_ids=[1, 2, 3],
        outputs=[SimpleNamespace(text="def f(): pass", finish_reason="length", token_ids=[7, 8])],
    )
    answer = answer_from_output(output, "m")
    assert (answer.text, answer.finish_reason, answer.prompt_tokens, answer.completion_tokens) == (
        "def f(): pass",
        "length",
        3,
        2,
    )


def test_unknown_embedded_model_lists_the_choices():
    with pytest.raises(embedded.EmbeddedModelError, match="qwen2.5-coder-0.5b-instruct"):
        embedded.ensure_model_file("llama-70b")


def _fake_chunk_package(tmp_path, monkeypatch, name: str, data: bytes) -> None:
    chunk = tmp_path / f"{name}.bin"
    chunk.write_bytes(data)
    module = types.ModuleType(name)
    module.get_part_path = lambda: str(chunk)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, name, module)


def _fake_model(monkeypatch, packages: tuple[str, ...], sha256: str) -> None:
    spec = embedded.ModelSpec("tiny.gguf", packages, sha256, "model-small")
    monkeypatch.setitem(embedded.MODELS, "tiny", spec)


def test_missing_chunk_package_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_MODEL_DIR", str(tmp_path / "models"))
    _fake_model(monkeypatch, ("assay_absent_chunk_part1",), "0" * 64)
    with pytest.raises(
        embedded.EmbeddedModelError, match=r"'assay-absent-chunk-part1'.*assay\[model-small\]"
    ):
        embedded.ensure_model_file("tiny")


def test_chunks_are_joined_in_order_and_verified(tmp_path, monkeypatch):
    import hashlib

    monkeypatch.setenv("ASSAY_MODEL_DIR", str(tmp_path / "models"))
    _fake_chunk_package(tmp_path, monkeypatch, "assay_fake_part1", b"GGUF-")
    _fake_chunk_package(tmp_path, monkeypatch, "assay_fake_part2", b"weights")
    _fake_model(
        monkeypatch,
        ("assay_fake_part1", "assay_fake_part2"),
        hashlib.sha256(b"GGUF-weights").hexdigest(),
    )

    path = embedded.ensure_model_file("tiny")

    assert path.read_bytes() == b"GGUF-weights"
    assert path.parent == tmp_path / "models"
    assert embedded.ensure_model_file("tiny") == path


def test_checksum_mismatch_names_the_packages_and_leaves_no_file(tmp_path, monkeypatch):
    monkeypatch.setenv("ASSAY_MODEL_DIR", str(tmp_path / "models"))
    _fake_chunk_package(tmp_path, monkeypatch, "assay_bad_part1", b"corrupt")
    _fake_model(monkeypatch, ("assay_bad_part1",), "f" * 64)

    with pytest.raises(embedded.EmbeddedModelError, match=r"assay_bad_part1.*expected f{64}"):
        embedded.ensure_model_file("tiny")
    assert not (tmp_path / "models" / "tiny.gguf").exists()
    assert not list((tmp_path / "models").glob("*partial*"))


def test_the_sdk_resolves_the_endpoint_url_and_headers(monkeypatch):
    import openai

    from resources.llm.engines.openai import resolve_endpoint

    monkeypatch.setenv("OPENAI_ORG_ID", "org-test")
    client = openai.DefaultAsyncHttpxClient()
    endpoint = resolve_endpoint("http://127.0.0.1:1/v1", "sk-test", client)

    assert endpoint.url == "http://127.0.0.1:1/v1/chat/completions"
    assert endpoint.headers["Authorization"] == "Bearer sk-test"
    assert endpoint.headers["OpenAI-Organization"] == "org-test"
    assert endpoint.headers["Content-Type"] == "application/json"
    assert "Python" in endpoint.headers["User-Agent"]
