"""Load-based admission: event-loop lag sampling and the decision to take a new call.

A call in progress needs the event loop (20 ms media frames each way) and the STT's decode workers.
When either is already saturated, one more call makes every call worse, so the voice webhook asks
:func:`admission_refusal` before connecting a stream, and new calls hear the busy message while the
calls in progress keep their latency (issue 14).

- :class:`LoopLagMonitor` sleeps ``interval_secs`` in a loop and records how late it wakes
  (``gateway_event_loop_lag_seconds`` histogram); :meth:`LoopLagMonitor.recent_secs` is the 90th
  percentile over the last ``window_secs`` (also ``gateway_event_loop_lag_recent_seconds``),
  leaving out the first ``settle_secs`` after :meth:`LoopLagMonitor.start`: a replica that has
  just loaded its models has its own start-up stalls (first requests, page faults of fresh
  memory), which are no call load, and its first caller must not hear the busy message for them.
  About once a second it also sets ``gateway_asyncio_tasks``.
- the STT queue wait comes from :func:`processors.stt_queue.recent_wait_secs`.
- :func:`prestart_default_executor` starts the loop's default executor's threads at boot
  (``asyncio.to_thread``: heap releases, model loads, file writes), so a busy minute does not add
  threads mid-run: a fixed thread count is what the soak checks for leaks.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from collections import deque

from loguru import logger

from gateway import metrics


def _p90(values: list[float]) -> float:
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(0.9 * len(values)))]


class LoopLagMonitor:
    """Samples the running loop's timer lag; start with :meth:`start`, stop with :meth:`stop`.

    Args:
        interval_secs: sleep between samples (s).
        window_secs: how far back :meth:`recent_secs` looks (s).
        settle_secs: samples this soon after :meth:`start` (s) are left out of :meth:`recent_secs`
            (they still go to the histogram).
    """

    def __init__(self, interval_secs: float = 0.05, window_secs: float = 5.0, settle_secs: float = 2.0):
        self.interval_secs = interval_secs
        self.window_secs = window_secs
        self.settle_secs = settle_secs
        self._started_at: float | None = None
        self._samples: deque[tuple[float, float]] = deque()  # (monotonic time, lag s)
        self._task: asyncio.Task | None = None

    def observe(self, lag_secs: float, now: float | None = None) -> None:
        """Record one lag sample (s) taken at ``now`` (``time.monotonic()``)."""
        now = time.monotonic() if now is None else now
        lag_secs = max(0.0, lag_secs)
        self._samples.append((now, lag_secs))
        while self._samples and self._samples[0][0] < now - self.window_secs:
            self._samples.popleft()
        metrics.EVENT_LOOP_LAG.observe(lag_secs)
        metrics.EVENT_LOOP_LAG_RECENT.set(self.recent_secs(now))

    def recent_secs(self, now: float | None = None) -> float:
        """90th percentile of the lag samples within the window and past the settle time (s); 0
        without samples."""
        now = time.monotonic() if now is None else now
        since = now - self.window_secs
        if self._started_at is not None:
            since = max(since, self._started_at + self.settle_secs)
        return _p90([lag for t, lag in self._samples if t >= since])

    async def _run(self) -> None:
        last_count = 0.0
        while True:
            expected = time.monotonic() + self.interval_secs
            await asyncio.sleep(self.interval_secs)
            now = time.monotonic()
            self.observe(now - expected, now)
            if now - last_count >= 1.0:
                metrics.ASYNCIO_TASKS.set(len(asyncio.all_tasks()))
                last_count = now

    def start(self) -> None:
        """Start sampling on the running loop (idempotent on that loop; an app whose lifespan runs
        again on another loop, as test clients do, gets a new sampler there)."""
        loop = asyncio.get_running_loop()
        if self._task is None or self._task.done() or self._task.get_loop() is not loop:
            self._started_at = time.monotonic()
            self._task = loop.create_task(self._run(), name="loop-lag-monitor")

    async def stop(self) -> None:
        """Stop sampling. A sampler left on another loop is cancelled there, not awaited here."""
        task, self._task = self._task, None
        if task is None:
            return
        if task.get_loop() is asyncio.get_running_loop():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        elif not task.get_loop().is_closed():
            task.get_loop().call_soon_threadsafe(task.cancel)


def default_executor_workers() -> int:
    """How many threads asyncio's default executor may run: ``concurrent.futures.ThreadPoolExecutor``'s
    default, ``min(32, cpus + 4)`` (https://docs.python.org/3/library/concurrent.futures.html#threadpoolexecutor;
    ``os.process_cpu_count()`` from Python 3.13, ``os.cpu_count()`` before). 6 on two cores."""
    cpus = getattr(os, "process_cpu_count", os.cpu_count)() or 1
    return min(32, cpus + 4)


async def prestart_default_executor(workers: int | None = None, timeout_secs: float = 2.0) -> int:
    """Start every thread of the running loop's default executor now, not lazily mid-run.

    A ``ThreadPoolExecutor`` adds a thread only when a job arrives and none is idle, so its threads
    appear one by one, the first time that many ``to_thread`` jobs coincide, hours into a run. Here
    ``workers`` jobs (default :func:`default_executor_workers`) each wait at one
    ``threading.Barrier`` until all have started, which makes the executor start that many threads
    (or reuse idle ones); they are then idle for the process's life. Returns how many met at the
    barrier: ``workers``, or 0 when the executor runs fewer threads (the barrier breaks after
    ``timeout_secs``, logged, nothing else happens).
    """
    loop = asyncio.get_running_loop()
    workers = workers or default_executor_workers()
    barrier = threading.Barrier(workers)

    def meet() -> bool:
        try:
            barrier.wait(timeout_secs)
            return True
        except threading.BrokenBarrierError:
            return False

    met = sum(await asyncio.gather(*(loop.run_in_executor(None, meet) for _ in range(workers))))
    if met < workers:
        logger.warning(f"default executor: {workers} threads did not all start within {timeout_secs} s")
    return met


def admission_refusal(*, active_calls: int, max_calls: int, loop_lag_secs: float, max_loop_lag_secs: float,
                      stt_wait_secs: float, max_stt_wait_secs: float) -> str | None:
    """Why a new call must be refused, or ``None`` to take it.

    Returns ``"capacity"`` (``active_calls >= max_calls``), ``"loop_lag"`` (recent event-loop lag
    above ``max_loop_lag_secs``) or ``"stt_wait"`` (recent STT queue wait above
    ``max_stt_wait_secs``). A threshold of 0 disables its check. Units: seconds.
    """
    if active_calls >= max_calls:
        return "capacity"
    if max_loop_lag_secs > 0 and loop_lag_secs > max_loop_lag_secs:
        return "loop_lag"
    if max_stt_wait_secs > 0 and stt_wait_secs > max_stt_wait_secs:
        return "stt_wait"
    return None
