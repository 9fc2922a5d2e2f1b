"""The command line and the Dagster resource: the same sandbox behind two front doors."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

import dagster as dg
import pytest
from sandbox_support import REPO, make_job

from resources.sandbox import PASSED, SandboxResource

JOBS = [
    make_job(
        "a",
        "def f():\n    return 1\n",
        "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    ),
    {
        "id": "b",
        "kind": "call",
        "code": "def g(x):\n    return x + 1\n",
        "entry_point": "g",
        "inputs": [{"x": 1}],
    },
    make_job(
        "c",
        "def f():\n    return 2\n",
        "from solution import f\n\ndef test_f():\n    assert f() == 1\n",
    ),
]


def test_the_cli_prints_one_json_result_per_line_in_input_order(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text("\n".join(json.dumps(j) for j in JOBS) + "\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "resources.sandbox",
            "run",
            str(path),
            "--backend",
            "process",
            "--workers",
            "2",
            "--timeout",
            "5",
        ],
        cwd=REPO,
        capture_output=True,
        check=False,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stderr
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b", "c"]
    assert [r["status"] for r in rows] == [PASSED, PASSED, "failed"]
    assert rows[1]["outcomes"][0]["value_json"] == 2
    assert "UNSAFE" in proc.stderr


def test_the_cli_names_the_line_of_a_malformed_job(tmp_path: Path) -> None:
    path = tmp_path / "jobs.jsonl"
    path.write_text(json.dumps(JOBS[0]) + "\nnot json\n")
    proc = subprocess.run(
        [sys.executable, "-m", "resources.sandbox", "run", str(path), "--backend", "process"],
        cwd=REPO,
        capture_output=True,
        check=False,
        text=True,
        timeout=240,
    )
    assert proc.returncode != 0 and f"{path}:2" in proc.stderr


def test_the_resource_has_the_documented_config_and_runs_batches(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fields = set(SandboxResource.model_fields)
    assert {"backend", "workers", "timeout_s", "memory_mb", "coverage"} <= fields
    resource = SandboxResource(backend="process", workers=1, timeout_s=5.0)
    try:
        with caplog.at_level(logging.INFO):
            results = resource.run(JOBS, log=logging.getLogger("asset"))
    finally:
        resource.close()
    assert [r["status"] for r in results] == [PASSED, PASSED, "failed"]
    assert any("3/3 jobs done" in m for m in caplog.messages)


def test_an_asset_can_use_the_resource() -> None:
    @dg.asset
    def verified(sandbox: SandboxResource) -> list[str]:
        return [r["status"] for r in sandbox.run(JOBS[:1])]

    result = dg.materialize(
        [verified], resources={"sandbox": SandboxResource(backend="process", workers=1)}
    )
    assert result.success and result.output_for_node("verified") == [PASSED]
