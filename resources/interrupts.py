"""Ctrl-C and SIGTERM stop a long resource call at once, not at the end of its step.

During a run Dagster captures interrupts and acts on them only between steps, so a step
blocked in a long LLM or sandbox batch would first finish the batch (measured: a SIGTERM
to `make demo-case2code` took effect a minute later, when the batch was done). Blocking
resource calls run under `interruptible()`: an interrupt, or one captured just before the
call, raises Dagster's own DagsterExecutionInterruptedError there and then, so the run ends
as interrupted. What was already answered is kept: the LLM cache writer commits in a
`finally`, and a re-run serves it. Outside a run, and off the main thread, it does nothing.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from dagster import raise_execution_interrupts


def interruptible() -> AbstractContextManager[None]:
    """Context in which SIGINT/SIGTERM raise DagsterExecutionInterruptedError immediately
    (dagster's public `raise_execution_interrupts`)."""
    return raise_execution_interrupts()
