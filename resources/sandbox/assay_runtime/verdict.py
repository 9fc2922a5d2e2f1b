"""Turn what the harness observed, and how the job's process ended, into a status.

Only observations the guard accepted count. A job's exit code, its output and anything
it wrote to descriptors are never read: they cannot make a pass.
"""

from __future__ import annotations

import os
import signal
from typing import Any

PASSED, FAILED, ERROR, TIMEOUT, MEMORY, CRASHED, NO_TESTS = (
    "passed",
    "failed",
    "error",
    "timeout",
    "memory",
    "crashed",
    "no_tests",
)
MAX_FAILURES = 20
PHASES = ("setup", "call", "teardown")


def ended_by(wait_status: int | None) -> str | None:
    """A short reason when the job's process did not exit normally with status 0."""
    if wait_status is None:
        return None
    if os.WIFSIGNALED(wait_status):
        sig = os.WTERMSIG(wait_status)
        try:
            return f"killed by {signal.Signals(sig).name}"
        except ValueError:
            return f"killed by signal {sig}"
    code = os.WEXITSTATUS(wait_status)
    return None if code == 0 else f"exited with status {code}"


def pytest_verdict(result: dict | None) -> dict:
    """Status and counts from a pytest job's guarded report (None: no report arrived)."""
    out: dict[str, Any] = {
        "status": CRASHED,
        "tests_collected": 0,
        "tests_passed": 0,
        "tests_failed": 0,
        "failures": [],
        "coverage": None,
    }
    if result is None:
        return out
    guard = result.get("guard") or {}
    obs = guard.get("observations") or []
    messages = result.get("messages") or {}
    out["coverage"] = result.get("coverage")
    collected = [o for o in obs if o.get("kind") == "collected"]
    collect_errors = [o for o in obs if o.get("kind") == "collect_error"]
    items = collected[-1]["items"] if collected else []
    out["tests_collected"] = len(items)
    phases: dict[str, dict[str, dict]] = {}
    reports: dict[str, dict[str, str]] = {}
    for o in obs:
        if o.get("kind") == "phase":
            phases.setdefault(o["nodeid"], {}).setdefault(o["phase"], o)
        elif o.get("kind") == "report":
            # The first report per phase counts; a later one cannot overwrite a failure.
            reports.setdefault(o["nodeid"], {}).setdefault(o["phase"], o["outcome"])
    failures = []
    memory = False
    passed = 0
    for item in items:
        seen = phases.get(item["nodeid"], {})
        problem = None
        for phase in PHASES:
            o = seen.get(phase)
            if o is None:
                problem = problem or f"{phase} did not run"
                continue
            if (o["item"], o["obj"], o["code"]) != (item["item"], item["obj"], item["code"]) or o[
                "overridden"
            ]:
                problem = problem or f"test was replaced after collection ({phase})"
            elif not o["ok"]:
                memory = memory or o.get("exc_type") == "MemoryError"
                detail = messages.get(item["nodeid"]) or o.get("message") or ""
                problem = problem or f"{o['exc_type']} in {phase}: {detail}".rstrip(": ")
            elif reports.get(item["nodeid"], {}).get(phase) != "passed":
                outcome = reports.get(item["nodeid"], {}).get(phase, "no report")
                detail = messages.get(item["nodeid"]) or ""
                problem = problem or f"{phase} {outcome}: {detail}".rstrip(": ")
        if problem is None:
            passed += 1
        else:
            failures.append({"test": item["nodeid"], "message": problem[:600]})
    out["tests_passed"] = passed
    out["tests_failed"] = len(items) - passed
    out["failures"] = failures[:MAX_FAILURES]
    tampering = list(guard.get("tampered") or []) + [
        f"denied {d}" for d in guard.get("denied") or []
    ]
    if result.get("harness_error"):
        tampering.append(f"harness stopped: {result['harness_error']}")
    if collect_errors:
        out["status"] = ERROR
        out["failures"] = [
            {"test": e["nodeid"] or "<collection>", "message": e["message"]} for e in collect_errors
        ][:MAX_FAILURES] + out["failures"]
    elif tampering:
        out["status"] = ERROR
        out["failures"] = [{"test": "<sandbox>", "message": "; ".join(tampering)[:600]}] + out[
            "failures"
        ]
    elif not items:
        out["status"] = NO_TESTS
    elif memory:
        out["status"] = MEMORY
    elif passed == len(items):
        out["status"] = PASSED
    else:
        out["status"] = FAILED
    out["failures"] = out["failures"][:MAX_FAILURES]
    return out


def job_result(
    job: dict,
    payload: dict | None,
    channel_error: str | None,
    wait_status: int | None,
    timed_out: bool,
    duration: float,
) -> dict:
    """The result the host gets for one job: the harness's payload (or why there is none),
    with its status, the call outcomes it is owed, its id and duration."""
    kind = job.get("kind")
    ended = ended_by(wait_status)
    cpu_killed = (
        ended in ("killed by SIGXCPU", "killed by SIGKILL") and payload is None and not timed_out
    )
    if kind == "pytest":
        out = pytest_verdict(payload)
    else:
        out = dict(payload or {})
        out.pop("guard", None)
        out.setdefault("status", CRASHED)
    if channel_error:
        out["status"] = ERROR
        out.setdefault("failures", []).insert(0, {"test": "<sandbox>", "message": channel_error})
    elif timed_out or (cpu_killed and ended == "killed by SIGXCPU"):
        out["status"] = TIMEOUT
    elif payload is None:
        out["status"] = CRASHED
        reason = ended or "exited without reporting a result"
        if kind == "pytest":
            out["failures"] = [{"test": "<sandbox>", "message": reason}]
        else:
            out["error"] = reason
    if kind == "call":
        n = len(job.get("inputs_py") or job.get("inputs") or [])
        outcomes = list(out.get("outcomes") or [])[:n]
        missing = {
            "ok": False,
            "value_json": None,
            "value_repr": None,
            "exception_type": "Timeout",
        }
        missing["exception_message"] = "not run: the job was stopped"
        missing["duration_s"] = 0.0
        if out["status"] != TIMEOUT:
            missing["exception_type"] = "Crashed"
        out["outcomes"] = outcomes + [dict(missing) for _ in range(n - len(outcomes))]
    out["id"] = job.get("id")
    out["duration_s"] = round(duration, 6)
    return out
