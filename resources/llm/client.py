"""Engine-independent batch driver: expand requests into samples, serve what the cache has,
hand the rest to an engine, and record every outcome (answer or reason) as it arrives."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from resources import progress
from resources.llm.cache import AnswerCache, CachedAnswer, CacheWriter, SampleParams
from resources.llm.types import BatchResult, BatchStats, Completion, LLMRequest

# Finish reasons that mean the text is not a whole answer: recorded as failures.
REJECTED_FINISH_REASONS = frozenset({"length", "content_filter", "abort"})
# Of those, the ones the model gave as its answer to exactly this request: cached like any
# answer, so that a re-run serves the same recorded failure instead of paying for it again
# (raise max_tokens to ask anew: it is part of the key). "abort" is vLLM dropping a request,
# not an answer: never cached.
CACHED_REJECTIONS = frozenset({"length", "content_filter"})
# The failure reason of an answer cut off at max_tokens.
TRUNCATED = "finish_reason=length"


def rejection(finish_reason: str | None) -> str | None:
    """The failure reason an answer with this finish reason is recorded under, if any."""
    return f"finish_reason={finish_reason}" if finish_reason in REJECTED_FINISH_REASONS else None


T = TypeVar("T")


@dataclass(frozen=True)
class SamplingDefaults:
    """The resource-level sampling settings a request falls back to."""

    model: str
    temperature: float
    top_p: float
    max_tokens: int
    seed: int


@dataclass(frozen=True)
class Unit:
    """One sample to produce: the unit of caching, sending and accounting."""

    position: int  # index into the flat completions list
    key: str
    params: SampleParams
    cache_key: str


@dataclass(frozen=True)
class Answer:
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int
    model: str
    reasoning: str | None = None
    # Server-side time split, when the server reports it (llama.cpp's `timings`): where a
    # CPU model's time goes, prompt prefill or token generation. Not cached: a cache hit costs none.
    prefill_s: float = 0.0
    decode_s: float = 0.0
    reused_prompt_tokens: int = 0  # prompt tokens served from the server's prefix cache


class Engine(Protocol):
    """Produces answers for units not in the cache, reporting each through the recorder."""

    def run(self, units: Sequence[Unit], recorder: BatchRecorder) -> None: ...


def expand(requests: Sequence[LLMRequest], defaults: SamplingDefaults) -> list[Unit]:
    """Requests → units in request order then sample index (the order completions come back in)."""
    units: list[Unit] = []
    for request in requests:
        for index in range(request.n):
            params = SampleParams(
                model=defaults.model,
                messages=request.messages,
                temperature=defaults.temperature
                if request.temperature is None
                else request.temperature,
                top_p=defaults.top_p if request.top_p is None else request.top_p,
                max_tokens=defaults.max_tokens
                if request.max_tokens is None
                else request.max_tokens,
                stop=request.stop,
                sample_index=index,
                seed=defaults.seed,
                repetition_penalty=request.repetition_penalty,
                prompt=request.prompt,
            )
            units.append(Unit(len(units), request.key, params, params.cache_key()))
    return units


def windows(requests: Iterable[LLMRequest], samples: int) -> Iterator[list[LLMRequest]]:
    """Consecutive runs of requests holding about `samples` samples each (a request is never
    split): a batch of any size is asked a window at a time, so its prompts, units and
    completions never all sit in memory together."""
    window: list[LLMRequest] = []
    held = 0
    for request in requests:
        window.append(request)
        held += request.n
        if held >= samples:
            yield window
            window, held = [], 0
    if window:
        yield window


def total_samples(requests: Iterable[LLMRequest]) -> int | None:
    """Samples in the batch when that is known without building it (progress shows done/total)."""
    if isinstance(requests, Sequence):
        return sum(r.n for r in requests)
    known = getattr(requests, "samples", None)
    return known if isinstance(known, int) else None


class BatchProgress:
    """A batch's running counts and its progress lines, across all of its windows."""

    def __init__(
        self,
        stats: BatchStats,
        log: logging.Logger | None,
        total: int | None = None,
        progress_every_s: float = 5.0,
    ) -> None:
        self.stats = stats
        self.total = total
        self.lock = threading.Lock()
        self._log = log
        self._every = progress_every_s
        self._started = time.monotonic()
        self._last_log = self._started
        self.done = 0
        self.done_cached = 0

    def report(self, finished: bool = False) -> None:
        """Tell progress listeners (a live screen) where the batch stands."""
        if not progress.listening():
            return
        with self.lock:
            event = progress.Progress(
                "llm",
                self.done,
                self.total if self.total is not None else self.done,
                time.monotonic() - self._started,
                cache_hits=self.stats.cache_hits,
                failed=self.stats.failed,
                prompt_tokens=self.stats.prompt_tokens,
                completion_tokens=self.stats.completion_tokens,
                finished=finished,
            )
        progress.report(event)

    def tick(self) -> None:
        """Log a progress line if the last one is older than the interval.

        Called on every outcome, and by engines on a timer so slow answers still show progress.
        """
        if self._log is None:
            return
        now = time.monotonic()
        with self.lock:
            if now - self._last_log < self._every:
                return
            self._last_log = now
            line = self.progress_line(now)
        self._log.info(line)

    def progress_line(self, now: float | None = None) -> str:
        elapsed = max((now or time.monotonic()) - self._started, 1e-9)
        fresh = self.done - self.done_cached
        of = f"/{self.total}" if self.total is not None else ""
        return (
            f"llm: {self.done}{of} samples done, {fresh / elapsed:.1f} req/s, "
            f"{self.stats.prompt_tokens / elapsed:.0f} prompt tok/s, "
            f"{self.stats.completion_tokens / elapsed:.0f} completion tok/s, "
            f"{self.stats.cache_hits} cache hits, {self.stats.retries} retries, {self.stats.failed} failed"
        )


class BatchRecorder:
    """Collects one window's outcomes, hands successes to the cache writer as they arrive,
    and counts them in the batch's progress.

    Thread-safe, so engines may report from an event loop thread or worker threads.
    """

    def __init__(
        self, units: Sequence[Unit], writer: CacheWriter | None, batch: BatchProgress
    ) -> None:
        self._slots: list[Completion | None] = [None] * len(units)
        self._writer = writer
        self.batch = batch
        self.stats = batch.stats
        self._lock = batch.lock
        # position of a unit being sent -> units with the same cache key that share its outcome
        self.followers: dict[int, list[Unit]] = {}

    def cached(self, unit: Unit, hit: CachedAnswer) -> None:
        reason = rejection(hit.finish_reason)
        with self._lock:
            self.stats.cache_hits += 1
            if reason is not None:
                self.stats.failed += 1
                self.stats.failure_reasons[reason] += 1
            self._slots[unit.position] = Completion(
                unit.key,
                unit.params.sample_index,
                hit.text,
                hit.finish_reason,
                reason,
                hit.prompt_tokens,
                hit.completion_tokens,
                True,
                hit.model,
                hit.reasoning,
            )
            self.batch.done += 1
            self.batch.done_cached += 1

    def attempt(self, retry: bool) -> None:
        """Count one request sent to the engine (retries included)."""
        with self._lock:
            self.stats.sent += 1
            if retry:
                self.stats.retries += 1

    def answer(self, unit: Unit, answer: Answer) -> None:
        """An answer arrived: cache it, and accept it or record why it is not acceptable."""
        reason = rejection(answer.finish_reason)
        if self._writer is not None and (
            reason is None or answer.finish_reason in CACHED_REJECTIONS
        ):
            self._writer.submit(
                unit.cache_key,
                CachedAnswer(
                    answer.text,
                    answer.finish_reason,
                    answer.prompt_tokens,
                    answer.completion_tokens,
                    answer.model,
                    answer.reasoning,
                ),
            )
        self._finish(unit, answer, reason)

    def fail(self, unit: Unit, reason: str, detail: str | None = None) -> None:
        """No answer: `reason` is the category counted in stats, `detail` the text on the completion."""
        self._finish(unit, None, reason, detail)

    def _finish(
        self, unit: Unit, answer: Answer | None, reason: str | None, detail: str | None = None
    ) -> None:
        with self._lock:
            if self._slots[unit.position] is not None:
                return
            if answer is not None:
                self.stats.prompt_tokens += answer.prompt_tokens
                self.stats.completion_tokens += answer.completion_tokens
                self.stats.prefill_s += answer.prefill_s
                self.stats.decode_s += answer.decode_s
                self.stats.reused_prompt_tokens += answer.reused_prompt_tokens
            completion = Completion(
                key=unit.key,
                sample_index=unit.params.sample_index,
                text=answer.text if answer else None,
                finish_reason=answer.finish_reason if answer else None,
                error=None if reason is None else (detail or reason),
                prompt_tokens=answer.prompt_tokens if answer else 0,
                completion_tokens=answer.completion_tokens if answer else 0,
                cached=False,
                model=answer.model if answer else unit.params.model,
                reasoning=answer.reasoning if answer else None,
            )
            self._slots[unit.position] = completion
            for follower in self.followers.get(unit.position, ()):
                # Same cache key in the same batch: served by this answer, as a cache hit would be.
                self._slots[follower.position] = replace(
                    completion, key=follower.key, cached=completion.ok
                )
            for filled in [unit, *self.followers.get(unit.position, ())]:
                self.batch.done += 1
                if reason is not None:
                    self.stats.failed += 1
                    self.stats.failure_reasons[reason] += 1
                elif filled is not unit:
                    self.stats.cache_hits += 1
        self.batch.report()
        self.batch.tick()

    def tick(self) -> None:
        """Engines call this on a timer: a progress line even while every answer is slow."""
        self.batch.tick()

    def completions(self) -> list[Completion]:
        """Every slot filled; any unit an engine never reported is recorded, not dropped."""
        with self._lock:
            missing = [i for i, slot in enumerate(self._slots) if slot is None]
        if missing:
            raise RuntimeError(f"engine left {len(missing)} samples unreported")
        return [slot for slot in self._slots if slot is not None]


# Samples asked per window. Large enough that the tail of a window (its last answers, while
# fewer than `concurrency` are in flight) is a small share of it; small enough that a window's
# prompts and answers are a few MiB.
WINDOW_SAMPLES = 2048


def run_batch(
    requests: Iterable[LLMRequest],
    defaults: SamplingDefaults,
    engine_factory: Any,
    cache: AnswerCache | None,
    log: logging.Logger | None = None,
    *,
    sink: Callable[[list[Completion]], None] | None = None,
    window: int = WINDOW_SAMPLES,
) -> BatchResult:
    """Drive one batch, a window of requests at a time. `engine_factory()` is only called
    when something is not cached, so a fully cached re-run never starts a model or opens a
    connection. Each window's completions go to `sink` when one is given (the result then
    holds none: memory stays one window's worth), otherwise into the result."""
    started = time.monotonic()
    stats = BatchStats()
    batch = BatchProgress(stats, log, total_samples(requests))
    engine = _OnDemand(engine_factory)
    kept: list[Completion] = []
    asked = False
    for number, window_requests in enumerate(windows(requests, window)):
        units = expand(window_requests, defaults)
        stats.requests += len(window_requests)
        stats.samples += len(units)
        writer = CacheWriter(cache) if cache is not None else None
        recorder = BatchRecorder(units, writer, batch)
        try:
            asked |= _serve_and_send(units, cache, recorder, engine, log if number == 0 else None)
        finally:
            if writer is not None:
                writer.close()  # committed before the next window looks in the cache
        (sink or kept.extend)(recorder.completions())
    stats.elapsed_s = time.monotonic() - started
    batch.report(finished=True)
    if log is not None and asked:
        log.info(batch.progress_line())
    return BatchResult(kept, stats)


class _OnDemand:
    """The engine, made on the first window that has something to send, then reused."""

    def __init__(self, factory: Callable[[], Engine]) -> None:
        self._factory = factory
        self._engine: Engine | None = None

    def __call__(self) -> Engine:
        if self._engine is None:
            self._engine = self._factory()
        return self._engine


def _serve_and_send(
    units: Sequence[Unit],
    cache: AnswerCache | None,
    recorder: BatchRecorder,
    engine_factory: Any,
    log: logging.Logger | None,
) -> bool:
    """Fill what the cache has, ask once per distinct cache key, and send the rest to the engine.

    Returns whether anything was not cached."""
    hits = cache.get_many(u.cache_key for u in units) if cache is not None else {}
    pending: list[Unit] = []
    for unit in units:
        hit = hits.get(unit.cache_key)
        if hit is not None:
            recorder.cached(unit, hit)
        else:
            pending.append(unit)
    recorder.batch.report()
    if log is not None:
        total = recorder.batch.total
        more = (
            f" ({total} in all, asked {len(units)} at a time)"
            if total and total > len(units)
            else ""
        )
        log.info(
            f"llm: {len(units)} samples for {recorder.stats.requests} requests,"
            f" {len(units) - len(pending)} cached{more}"
        )
    leaders: dict[str, Unit] = {}
    to_send: list[Unit] = []
    for unit in pending:
        leader = leaders.setdefault(unit.cache_key, unit)
        if leader is unit:
            to_send.append(unit)
        else:  # an identical sample earlier in this batch: ask once
            recorder.followers.setdefault(leader.position, []).append(unit)
    if to_send:
        engine: Engine = engine_factory()
        try:
            engine.run(to_send, recorder)
        except BaseException as exc:
            # Record whatever the engine did not finish, then let the error propagate.
            for unit in to_send:
                recorder.fail(
                    unit, "engine_error", f"engine_error: {type(exc).__name__}: {exc}"[:300]
                )
            raise
        for unit in to_send:  # an engine bug must not silently drop rows
            recorder.fail(unit, "unreported")
    return bool(pending)


def _run_in_new_loop(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run, on uvloop when it is installed (it comes with dagster-webserver): at
    hundreds of requests per second the event loop's own overhead is a visible share of CPU."""
    try:
        import uvloop
    except ImportError:
        factory = None
    else:
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return _run_passing_on_interrupts(runner, coro)


INTERRUPTS = (signal.SIGINT, signal.SIGTERM)


def _run_passing_on_interrupts(runner: asyncio.Runner, coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro`; on SIGINT or SIGTERM cancel it, then hand the signal to the Python handler
    that was installed (Dagster's, resources.interrupts', or the default Ctrl-C one).

    An event loop runs Python signal handlers inside its own callbacks, and uvloop logs and
    drops what they raise: a handler meant to stop the run would only print a traceback."""
    if threading.current_thread() is not threading.main_thread():
        return runner.run(coro)
    received: list[int] = []
    previous = {sig: signal.getsignal(sig) for sig in INTERRUPTS}
    watched = [sig for sig, handler in previous.items() if handler is not signal.SIG_IGN]

    async def main() -> T:
        loop, task = asyncio.get_running_loop(), asyncio.current_task()
        for sig in watched:
            loop.add_signal_handler(sig, lambda sig=sig: (received.append(sig), task.cancel()))
        try:
            return await coro
        finally:
            for sig in watched:
                loop.remove_signal_handler(sig)
                if previous[sig] is not None:  # None: a handler installed from C, left as is
                    signal.signal(sig, previous[sig])

    try:
        return runner.run(main())
    except asyncio.CancelledError:
        if not received:
            raise
        handler = previous[received[0]]
        if callable(handler):
            handler(received[0], None)  # raises where the caller wants the interrupt
        elif handler == signal.SIG_DFL:
            signal.raise_signal(received[0])
        raise KeyboardInterrupt(f"signal {received[0]}") from None


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run `coro` to completion from sync code, even when this thread already runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _run_in_new_loop(coro)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = _run_in_new_loop(coro)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="assay-llm-batch")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]
