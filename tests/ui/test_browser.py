"""The Dagster UI over a demo-like instance, looked at in headless Chromium: the asset graph,
a partitioned asset's partitions, an asset's metadata and checks, and the runs page show
what the demo made, with no error banner and no newsletter modal in the way.

Screenshots go to $ASSAY_UI_SCREENSHOTS when set (docs/ holds two of them), else to a
temporary folder; the test prints where.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.ui.browser import Browser, chromium, webserver
from tests.ui.demo_instance import demo_env

pytestmark = pytest.mark.browser

LOCATION = "dagster_project.definitions"
# What must never be on a page: Dagster's onboarding/newsletter modal, error banners.
NEVER = (
    "Join the Dagster community",
    "Sign up for the Dagster newsletter",
    "Something went wrong",
    "An error occurred",
    "Unexpected error",
    "PythonError",
)


@pytest.fixture(scope="module")
def ui(demo_run, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Browser, Path]]:
    browser_path = chromium()
    if browser_path is None:
        pytest.skip("no Chromium on PATH (make test installs Debian's chromium)")
    home, code, _ = demo_run
    assert code == 0
    shots = Path(os.environ.get("ASSAY_UI_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    shots.mkdir(parents=True, exist_ok=True)
    work = tmp_path_factory.mktemp("browser")
    with webserver(demo_env(home, "http://127.0.0.1:9/v1"), work / "webserver.log") as url:
        browser = Browser(browser_path, work / "profile")
        try:
            yield url, browser, shots
        finally:
            browser.close()
            print(f"screenshots in {shots}")


def _expect_page(ui, path: str, shot: str, expect: list[str], scroll_to: str | None = None) -> str:
    url, browser, shots = ui
    text = browser.load(url + path, expect, shots / shot, scroll_to=scroll_to)
    assert (shots / shot).stat().st_size > 10_000
    for banned in NEVER:
        assert banned not in text, f"{path} shows {banned!r}"
    missing = [e for e in expect if e not in text]
    assert not missing, f"{path} lacks {missing}; it shows: {text[:1500]}"
    return text


def test_the_asset_graph_shows_the_kodcode_assets(ui):
    # Long names are shortened in the boxes (kodcode_so…_trials); these fit whole.
    expect = [
        "kodcode_questions",
        "kodcode_triplets",
        "kodcode_rl",
        "kodcode_sft",
        "kodcode_dataset",
        "kodcode_release_selection",
    ]
    _expect_page(ui, f"/locations/{LOCATION}/asset-groups/kodcode", "asset-graph.png", expect)


def test_a_partitioned_asset_lists_the_seed_files_as_partitions(ui):
    _expect_page(
        ui,
        "/assets/kodcode_questions?view=partitions",
        "partitions.png",
        ["demo_platforms.jsonl", "demo_snippets.jsonl"],
    )


def test_an_asset_page_shows_its_metadata_as_labels(ui):
    _expect_page(
        ui,
        "/assets/kodcode_solution_trials",
        "asset-metadata.png",
        ["rows_out", "llm/prompt_tokens", "llm/completion_tokens", "llm/cache_hits"],
        scroll_to="Metadata",
    )


def test_an_asset_page_lists_its_checks(ui):
    _expect_page(
        ui,
        "/assets/kodcode_questions?view=checks",
        "asset-checks.png",
        ["kodcode_questions_well_formed"],
    )


def test_the_runs_page_lists_the_demo_runs(ui):
    _expect_page(
        ui, "/runs", "runs.png", ["kodcode_job", "kodcode_release_job", "demo_platforms.jsonl"]
    )
