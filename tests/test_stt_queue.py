"""The process-wide STT decode queue: bounded workers, shortest segment first, no starvation."""

from __future__ import annotations

import asyncio
import threading

import pytest

from processors.stt_queue import DecodeQueue, recent_wait_secs


class Gate:
    """A job that blocks its worker until released, recording how many jobs run at once."""

    def __init__(self):
        self.release = threading.Event()
        self.lock = threading.Lock()
        self.running = 0
        self.most = 0

    def job(self, value):
        def run():
            with self.lock:
                self.running += 1
                self.most = max(self.most, self.running)
            self.release.wait(5)
            with self.lock:
                self.running -= 1
            return value
        return run


async def _until(cond):
    for _ in range(500):
        if cond():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")


async def test_never_more_jobs_in_flight_than_workers_and_results_come_back():
    q = DecodeQueue(workers=2)
    gate = Gate()
    tasks = [asyncio.create_task(q.run(gate.job(i), cost_secs=1.0)) for i in range(6)]
    await _until(lambda: q.in_flight == 2)
    assert q.depth == 4
    gate.release.set()
    assert await asyncio.gather(*tasks) == list(range(6))
    assert gate.most == 2
    assert q.depth == 0 and q.in_flight == 0
    q.close()


async def test_waiting_jobs_start_shortest_first():
    clock = [100.0]
    q = DecodeQueue(workers=1, clock=lambda: clock[0])
    gate = Gate()
    blocker = asyncio.create_task(q.run(gate.job("blocker"), cost_secs=0.1))
    await _until(lambda: q.in_flight == 1)
    costs = {"long": 6.0, "short": 0.8, "medium": 2.5}
    tasks = [asyncio.create_task(q.run(gate.job(name), cost_secs=c)) for name, c in costs.items()]
    await _until(lambda: q.depth == 3)
    gate.release.set()
    await asyncio.gather(blocker, *tasks)
    # job sequence numbers: blocker 0, long 1, short 2, medium 3
    assert q.started_order == [0, 2, 3, 1]
    q.close()


async def test_a_long_segment_is_not_passed_by_one_submitted_more_than_its_length_later():
    clock = [100.0]
    q = DecodeQueue(workers=1, clock=lambda: clock[0])
    gate = Gate()
    blocker = asyncio.create_task(q.run(gate.job("blocker"), cost_secs=0.1))
    await _until(lambda: q.in_flight == 1)
    long = asyncio.create_task(q.run(gate.job("long"), cost_secs=3.0))  # key 103.0
    await _until(lambda: q.depth == 1)
    clock[0] = 104.0
    short = asyncio.create_task(q.run(gate.job("short"), cost_secs=0.5))  # key 104.5
    await _until(lambda: q.depth == 2)
    assert q.recent_wait_secs() == pytest.approx(4.0)  # the long one has waited 4 s so far
    assert recent_wait_secs() >= 4.0
    gate.release.set()
    await asyncio.gather(blocker, long, short)
    assert q.started_order == [0, 1, 2]
    q.close()


async def test_a_cancelled_waiting_job_never_runs_and_an_error_reaches_its_caller():
    q = DecodeQueue(workers=1)
    gate = Gate()
    ran = []
    blocker = asyncio.create_task(q.run(gate.job("blocker"), cost_secs=0.1))
    await _until(lambda: q.in_flight == 1)
    doomed = asyncio.create_task(q.run(lambda: ran.append("doomed"), cost_secs=0.1))
    await _until(lambda: q.depth == 1)
    doomed.cancel()

    def boom():
        raise ValueError("model failed")

    failing = asyncio.create_task(q.run(boom, cost_secs=0.2))
    gate.release.set()
    await blocker
    with pytest.raises(ValueError, match="model failed"):
        await failing
    assert doomed.cancelled() and ran == []
    q.close()
    with pytest.raises(RuntimeError):
        await q.run(lambda: None, cost_secs=0.1)
