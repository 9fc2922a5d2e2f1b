"""Retry timing and the circuit breaker: how hard to push on an endpoint that is struggling."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

# A server asking for more than this is treated as asking for this; a batch should not stall for hours.
MAX_RETRY_AFTER_S = 120.0


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with full jitter; a server's Retry-After wins when it gives one."""

    max_retries: int = 6
    base_s: float = 0.5
    max_s: float = 30.0

    def delay(
        self,
        retry_number: int,
        retry_after_s: float | None = None,
        rng: random.Random | None = None,
    ) -> float:
        """Seconds to wait before retry number `retry_number` (1-based)."""
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), MAX_RETRY_AFTER_S)
        ceiling = min(self.max_s, self.base_s * (2 ** (retry_number - 1)))
        # Full jitter spreads retries of many concurrent requests so they do not arrive as one wave.
        return (rng or random).uniform(ceiling / 2, ceiling)


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds from `retry-after-ms` or `Retry-After` (delta-seconds or an HTTP date), if present."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if "retry-after-ms" in lowered:
        try:
            return float(lowered["retry-after-ms"]) / 1000.0
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class CircuitBreaker:
    """Opens after `threshold` consecutive connection failures; any HTTP answer closes the count.

    Once open it stays open for the rest of the batch, so a dead endpoint costs
    `threshold` failed connections rather than requests x retries.
    """

    def __init__(self, threshold: int) -> None:
        self.threshold = threshold
        self.consecutive = 0
        self.is_open = False

    def record_connection_failure(self) -> None:
        self.consecutive += 1
        if self.threshold > 0 and self.consecutive >= self.threshold:
            self.is_open = True

    def record_response(self) -> None:
        self.consecutive = 0
