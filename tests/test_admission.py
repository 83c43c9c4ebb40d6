"""Load-based admission: the guard's decision, the loop-lag window, the busy TwiML and the gauges."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.load import LoopLagMonitor, admission_refusal, default_executor_workers, prestart_default_executor
from gateway.settings import Settings

CALL = "CA" + "4" * 32
LIMITS = dict(max_calls=8, max_loop_lag_secs=0.15, max_stt_wait_secs=1.5)


@pytest.mark.parametrize("active, lag, wait, expected", [
    (3, 0.01, 0.2, None),
    (8, 0.01, 0.2, "capacity"),
    (3, 0.30, 0.2, "loop_lag"),
    (3, 0.01, 2.0, "stt_wait"),
    (8, 0.30, 2.0, "capacity"),
])
def test_admission_decision(active, lag, wait, expected):
    assert admission_refusal(active_calls=active, loop_lag_secs=lag, stt_wait_secs=wait, **LIMITS) == expected


def test_a_zero_threshold_turns_its_check_off():
    assert admission_refusal(active_calls=1, max_calls=8, loop_lag_secs=9.0, max_loop_lag_secs=0,
                             stt_wait_secs=9.0, max_stt_wait_secs=0) is None


def test_recent_lag_is_the_p90_of_the_window_and_old_samples_fall_out():
    mon = LoopLagMonitor(window_secs=5.0)
    for i in range(18):
        mon.observe(0.002, now=100.0 + i * 0.1)
    mon.observe(0.400, now=102.0)
    mon.observe(0.300, now=102.1)
    assert mon.recent_secs(now=102.1) == pytest.approx(0.300)  # 2 of 20 samples are high
    assert mon.recent_secs(now=106.0) == pytest.approx(0.400)  # only the spikes are still in the window
    assert mon.recent_secs(now=200.0) == 0.0


async def test_stalls_right_after_start_up_are_not_load():
    # A replica that just loaded its models stalls on its first requests; its first caller must not
    # hear the busy message for that. Past the settle time, a stall counts as usual.
    mon = LoopLagMonitor(interval_secs=10.0, settle_secs=2.0)
    mon.start()
    started = mon._started_at
    mon.observe(0.500, now=started + 0.3)
    assert mon.recent_secs(now=started + 0.4) == 0.0
    mon.observe(0.400, now=started + 2.5)
    assert mon.recent_secs(now=started + 2.6) == pytest.approx(0.400)
    await mon.stop()


async def test_the_monitor_samples_the_running_loop():
    mon = LoopLagMonitor(interval_secs=0.01)
    mon.start()
    for _ in range(200):
        await asyncio.sleep(0.01)
        if len(mon._samples) >= 3:
            break
    await mon.stop()
    assert len(mon._samples) >= 3 and all(lag >= 0 for _, lag in mon._samples)


class _LoadedResources:
    """What the voice webhook needs of loaded resources (it only asks whether they are loaded);
    the admission guard runs before any model is used, so the fast run loads none."""

    def describe(self):
        return {}

    def flights(self):
        return {}


def test_a_lagging_loop_makes_new_calls_hear_the_busy_message_and_is_exported():
    settings = Settings(_env_file=None, public_host="gw.example.com", admission_max_loop_lag_ms=100)
    app = create_app(settings, _LoadedResources())
    with TestClient(app) as client:
        form = {"CallSid": CALL, "From": "+15551230000", "To": "+15559870000"}
        assert "<Stream" in client.post("/twilio/voice", data=form).text
        app.state.loop_lag.settle_secs = 0.0  # this replica has long been up (the settle has its own test)
        for _ in range(10):
            app.state.loop_lag.observe(0.5)
        r = client.post("/twilio/voice", data=form)
        assert "<Stream" not in r.text and "lines are busy" in r.text
        text = client.get("/metrics").text
    assert 'gateway_calls_refused_total{reason="loop_lag"}' in text
    for name in ("gateway_active_calls", "gateway_event_loop_lag_seconds_bucket",
                 "gateway_event_loop_lag_recent_seconds", "gateway_stt_queue_depth",
                 "gateway_stt_decodes_in_flight", "gateway_stt_queue_wait_seconds_bucket",
                 "gateway_stt_queue_wait_recent_seconds", "gateway_asyncio_tasks"):
        assert name in text


def test_the_default_executor_runs_all_its_threads_from_boot_and_adds_none_under_load():
    """The soak counts the gateway's threads for leaks; asyncio's executor starting a thread lazily
    mid-run read as one (16 -> 17). After the prestart, a burst of more blocking jobs than workers
    finds every thread already there."""
    workers = default_executor_workers()

    def executor_threads() -> int:  # this loop's executor's only: other tests' idle ones may exit meanwhile
        return sum(t.name.startswith("prestart-test_") for t in threading.enumerate())

    async def run() -> tuple[int, int, int, int]:
        # the executor asyncio would make (ThreadPoolExecutor's default size), named to be counted
        asyncio.get_running_loop().set_default_executor(ThreadPoolExecutor(thread_name_prefix="prestart-test"))
        before = executor_threads()
        met = await prestart_default_executor()
        started = executor_threads()
        await asyncio.gather(*(asyncio.to_thread(time.sleep, 0.05) for _ in range(2 * workers)))
        return before, met, started, executor_threads()

    before, met, started, after_burst = asyncio.run(run())
    assert met == workers
    assert before == 0 and started == workers
    assert after_burst == started


def test_a_prestart_the_executor_cannot_fill_gives_up_after_its_timeout():
    async def run() -> int:
        loop = asyncio.get_running_loop()
        loop.set_default_executor(ThreadPoolExecutor(max_workers=1, thread_name_prefix="small"))
        return await prestart_default_executor(workers=3, timeout_secs=0.2)

    t0 = time.monotonic()
    assert asyncio.run(run()) == 0
    assert time.monotonic() - t0 < 5
