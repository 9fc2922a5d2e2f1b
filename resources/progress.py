"""Progress of long batches (LLM samples, sandbox jobs), for whoever draws a live screen.

The resources log a progress line every few seconds; a live display wants every outcome
as it happens. Listeners subscribe in-process (the demo runner does, around its runs);
with none subscribed, reporting costs one list check.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Progress:
    """Where one batch stands. Token counts are for answers produced in this batch, not cached ones."""

    source: str  # "llm" or "sandbox"
    done: int
    total: int
    elapsed_s: float
    cache_hits: int = 0
    failed: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finished: bool = False


Listener = Callable[[Progress], None]
_listeners: list[Listener] = []
_lock = threading.Lock()


def subscribe(listener: Listener) -> Callable[[], None]:
    """Call `listener` with every progress report from now on; returns the unsubscribe function."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe


def listening() -> bool:
    return bool(_listeners)


def report(progress: Progress) -> None:
    """Hand `progress` to every listener; a failing listener never fails the batch."""
    with _lock:
        listeners = tuple(_listeners)  # a listener may unsubscribe while we call it
    for listener in listeners:
        try:
            listener(progress)
        except Exception:  # a display bug must not lose answers
            logging.getLogger(__name__).debug("progress listener failed", exc_info=True)
