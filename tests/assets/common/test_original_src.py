"""Reading an original repository's wording from a checkout the user points to."""

from __future__ import annotations

from pathlib import Path

import pytest

from assets.common.original_src import Checkout, MissingCheckout

REPO = Checkout(env="ASSAY_TESTFAMILY_SRC", upstream="https://example.org/x", marker="src/gen.py")

GEN_PY = '''
import json
import a_module_we_do_not_have

PREFIX = "Answer in Python."

class Builder:
    PROMPT = """Write {what}."""

    def build(self, what):
        return self.PROMPT.format(what=what)

def helper(x):
    return x.upper()

def build(question, n=3):
    """Docstring is not a template."""
    head = f"Q: {question}\\n"
    return head + PREFIX + helper("ok") + json.dumps([n]) + ask("stop here", 2)

def config():
    stops = ["\\n", "###"]
    return stops
'''


@pytest.fixture
def checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "gen.py").write_text(GEN_PY)
    (tmp_path / "prompts.md").write_text("Seed: {seed}\n")
    monkeypatch.setenv(REPO.env, str(tmp_path))
    return tmp_path


def test_without_the_variable_the_error_says_what_to_clone_and_set(monkeypatch):
    monkeypatch.delenv(REPO.env, raising=False)
    with pytest.raises(
        MissingCheckout, match="git clone https://example.org/x and set ASSAY_TESTFAMILY_SRC"
    ):
        REPO.root()
    assert not REPO.available()


def test_a_directory_that_is_not_the_checkout_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(REPO.env, str(tmp_path))
    with pytest.raises(MissingCheckout, match="no src/gen.py"):
        REPO.root()


def test_whole_files_and_assigned_strings_are_read(checkout):
    assert REPO.read("prompts.md") == "Seed: {seed}\n"
    assert REPO.assigned("src/gen.py", "PREFIX").text == "Answer in Python."
    assert REPO.assigned("src/gen.py", "PROMPT", owner="Builder").text == "Write {what}."
    with pytest.raises(MissingCheckout, match="no class 'Nope'"):
        REPO.assigned("src/gen.py", "PROMPT", owner="Nope")


def test_function_literals_come_in_source_order_with_fstring_fields(checkout):
    head, ok, stop = REPO.strings("src/gen.py", "build")
    assert head.fields == ("question",)
    assert head.render({"question": "why?"}) == "Q: why?\n"
    assert (ok.text, stop.text) == ("ok", "stop here")
    assert REPO.call_argument("src/gen.py", "build", "ask", 0) == "stop here"
    assert REPO.literal("src/gen.py", "config", "stops") == ["\n", "###"]


def test_the_originals_own_builder_runs_apart_from_its_module(checkout):
    build = REPO.load("src/gen.py", "build", {"ask": lambda text, n: f"<{text}>"})
    assert build("why?") == "Q: why?\nAnswer in Python.OK[3]<stop here>"
    assert REPO.load("src/gen.py", "Builder")().build("tests") == "Write tests."
