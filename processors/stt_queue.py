"""One bounded, shortest-job-first work queue for the STT decodes of every call in the process.

Without it each call's segment went to ``asyncio.to_thread`` (the loop's default executor, up to
``cpu + 4`` threads): on 2 cores six decodes could run at once, each slower than alone, and a long
utterance held the short ones behind it. :class:`DecodeQueue` runs at most ``workers`` jobs at a
time (default: the number of cores) on its own threads and starts the waiting job with the smallest
key ``submitted_at + cost_secs`` (seconds; ``cost_secs`` = the segment's audio length): among
segments that arrive together the shortest goes first, and a long segment is never passed by one
submitted more than its own length after it, so nothing starves.

Gauges (:mod:`processors.metrics`): ``gateway_stt_queue_depth``, ``gateway_stt_decodes_in_flight``,
``gateway_stt_queue_wait_seconds`` (histogram) and ``gateway_stt_queue_wait_recent_seconds`` (p90 over
the last ``window_secs``, what the admission guard reads through :func:`recent_wait_secs`).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import os
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

from processors import metrics

T = TypeVar("T")

_QUEUES: weakref.WeakSet[DecodeQueue] = weakref.WeakSet()


def decode_workers(workers: int | None = None) -> int:
    """Decodes that run at once: ``workers``, or one per core when ``None`` or 0."""
    return workers or os.cpu_count() or 1


class DecodeQueue:
    """Bounded shortest-job-first executor; see the module docstring.

    Args:
        workers: decodes run at once (threads); ``None`` or 0 = ``os.cpu_count()``.
        window_secs: how far back :meth:`recent_wait_secs` looks (s).
        clock: monotonic clock (s), replaceable in tests.
    """

    def __init__(self, workers: int | None = None, window_secs: float = 10.0,
                 clock: Callable[[], float] = time.monotonic):
        self.workers = decode_workers(workers)
        self.window_secs = window_secs
        self._clock = clock
        self._heap: list[tuple[float, int, Any]] = []
        self._seq = itertools.count()
        self._cond = threading.Condition()
        self._threads: list[threading.Thread] = []
        self._in_flight = 0
        self._waits: deque[tuple[float, float]] = deque()  # (time started, wait s)
        self._closed = False
        self.started_order: list[int] = []  # job sequence numbers in start order (last 1000)
        _QUEUES.add(self)

    # --- figures -------------------------------------------------------------------------
    @property
    def depth(self) -> int:
        """Jobs waiting for a worker."""
        return len(self._heap)

    @property
    def in_flight(self) -> int:
        """Jobs running now (never more than ``workers``)."""
        return self._in_flight

    def recent_wait_secs(self) -> float:
        """90th percentile of the queue waits of jobs started in the last ``window_secs`` (s).

        A job still waiting counts with its wait so far, so a stuck queue shows at once.
        """
        now = self._clock()
        with self._cond:
            waits = [w for t, w in self._waits if t >= now - self.window_secs]
            waits += [now - job[2].submitted for job in self._heap]
        if not waits:
            return 0.0
        waits.sort()
        return waits[min(len(waits) - 1, int(0.9 * len(waits)))]

    # --- running -------------------------------------------------------------------------
    async def run(self, fn: Callable[[], T], cost_secs: float) -> T:
        """Run ``fn()`` on a worker when its turn comes; returns its result or raises its error.

        ``cost_secs`` ranks the job (the segment's audio length, s). Cancelling the awaiting task
        before the job starts removes it from the queue; once started it runs to its end.

        Raises:
            RuntimeError: the queue was closed.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        job = _Job(fn, loop, future, self._clock())
        with self._cond:
            if self._closed:
                raise RuntimeError("decode queue closed")
            seq = next(self._seq)
            job.seq = seq
            heapq.heappush(self._heap, (job.submitted + max(0.0, cost_secs), seq, job))
            self._ensure_workers()
            self._publish()
            self._cond.notify()
        try:
            return await future
        except asyncio.CancelledError:
            job.cancelled = True
            raise

    def _ensure_workers(self) -> None:
        while len(self._threads) < self.workers:
            t = threading.Thread(target=self._worker, name=f"stt-decode-{len(self._threads)}", daemon=True)
            self._threads.append(t)
            t.start()

    def _publish(self) -> None:
        metrics.STT_QUEUE_DEPTH.set(sum(q.depth for q in _QUEUES))
        metrics.STT_IN_FLIGHT.set(sum(q.in_flight for q in _QUEUES))

    def _worker(self) -> None:
        while True:
            with self._cond:
                while not self._heap and not self._closed:
                    self._cond.wait()
                if self._closed and not self._heap:
                    return
                _, seq, job = heapq.heappop(self._heap)
                if job.cancelled or job.future.cancelled():
                    self._publish()
                    continue
                now = self._clock()
                wait = now - job.submitted
                self._waits.append((now, wait))
                while self._waits and self._waits[0][0] < now - self.window_secs:
                    self._waits.popleft()
                self.started_order.append(seq)
                del self.started_order[:-1000]
                self._in_flight += 1
                self._publish()
            metrics.STT_QUEUE_WAIT.observe(wait)
            metrics.STT_QUEUE_WAIT_RECENT.set(self.recent_wait_secs())
            try:
                result, error = job.fn(), None
            except BaseException as e:  # handed to the awaiting task
                result, error = None, e
            with self._cond:
                self._in_flight -= 1
                self._publish()
            job.loop.call_soon_threadsafe(_settle, job.future, result, error)

    def close(self) -> None:
        """Stop the workers once the queued jobs are done (new :meth:`run` calls raise)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


class _Job:
    __slots__ = ("fn", "loop", "future", "submitted", "seq", "cancelled")

    def __init__(self, fn, loop, future, submitted):
        self.fn, self.loop, self.future, self.submitted = fn, loop, future, submitted
        self.seq = -1
        self.cancelled = False


def _settle(future: asyncio.Future, result: Any, error: BaseException | None) -> None:
    if future.cancelled():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)


def recent_wait_secs() -> float:
    """The largest :meth:`DecodeQueue.recent_wait_secs` of the process's queues (s); 0 without any."""
    return max((q.recent_wait_secs() for q in list(_QUEUES)), default=0.0)
