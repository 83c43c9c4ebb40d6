"""End to end: SIGTERM to a real ``python -m gateway serve`` with a simulated Twilio call in progress.

- The call finishes normally, readiness is 503 at once, a new webhook is refused, the process exits 0.
- A call longer than ``DRAIN_TIMEOUT_SECS`` hears the goodbye and is ended by the gateway, then exit 0.
"""

from __future__ import annotations

import asyncio
import signal
import xml.etree.ElementTree as ET

import httpx
import pytest

from gateway.caller import SimulatedCaller, Turn, format_transcript, transcribe_bot
from testkit.server import GatewayServer, fixture

pytestmark = pytest.mark.e2e


async def _sigterm_once_the_call_is_up(server: GatewayServer, http: httpx.AsyncClient) -> dict:
    """Wait until the gateway has a call in progress, send SIGTERM, and report what it answers then."""
    for _ in range(300):
        if (await http.get(f"{server.base}/health")).json()["active_calls"] == 1:
            break
        await asyncio.sleep(0.1)
    else:
        raise AssertionError("the call never started")
    server.proc.send_signal(signal.SIGTERM)
    for _ in range(50):  # the signal is handled between two 0.1 s ticks
        ready = await http.get(f"{server.base}/health/ready")
        if ready.status_code == 503:
            break
        await asyncio.sleep(0.05)
    webhook = await http.post(f"{server.base}/twilio/voice",
                              data={"CallSid": "CA" + "9" * 32, "From": "+14155550100", "To": "+14155550199"})
    live = await http.get(f"{server.base}/health/live")
    return {"ready": ready, "webhook": webhook, "live": live, "alive": server.alive()}


async def _call_and_sigterm(server: GatewayServer, caller: SimulatedCaller):
    async with httpx.AsyncClient(timeout=5) as http:
        call = asyncio.create_task(caller.run())
        seen = await _sigterm_once_the_call_is_up(server, http)
        return await call, seen


def _exit_code(server: GatewayServer, timeout: float = 30) -> int:
    try:
        return server.proc.wait(timeout)
    finally:
        server.stop()


def _assert_draining_answers(seen: dict) -> None:
    assert seen["ready"].status_code == 503 and seen["ready"].json()["status"] == "draining"
    assert seen["live"].status_code == 200
    twiml = ET.fromstring(seen["webhook"].text)
    assert twiml.find("./Connect") is None and twiml.find("./Hangup") is not None
    assert seen["alive"], "the gateway must keep running while a call is in progress"


def test_sigterm_lets_the_call_in_progress_finish_then_exits_0(listener):
    server = GatewayServer(env={"DRAIN_TIMEOUT_SECS": "120"})
    caller = SimulatedCaller(server.ws_url, [Turn(fixture("en_route_only")), Turn(fixture("en_goodbye"))])
    result, seen = asyncio.run(_call_and_sigterm(server, caller))
    code = _exit_code(server)
    transcribe_bot(result, listener, ["en"])
    print(format_transcript(result))
    _assert_draining_answers(seen)
    said = " ".join(u.text for u in result.bot).lower()
    assert "where are you flying from" in said or "london" in said, said  # the route turn was answered
    assert result.closed_by_gateway, "the call should end on its own goodbye, not be cut"
    assert "hangup" in [d["name"] for _, k, d in result.events if k == "mark_played"]
    log = server.log()
    assert "drained: no call in progress" in log and "drain timeout" not in log
    assert code == 0, log[-2000:]


def test_a_call_longer_than_the_drain_timeout_hears_goodbye_then_exit_0(listener):
    server = GatewayServer(env={"DRAIN_TIMEOUT_SECS": "3"})
    # One turn, then the caller stays on the line (up to 60 s) without saying goodbye.
    caller = SimulatedCaller(server.ws_url, [Turn(fixture("en_route_only"))], hangup_after_s=60)
    result, seen = asyncio.run(_call_and_sigterm(server, caller))
    code = _exit_code(server)
    transcribe_bot(result, listener, ["en"])
    print(format_transcript(result))
    _assert_draining_answers(seen)
    assert result.closed_by_gateway, "the gateway should have ended the call after the drain timeout"
    assert result.duration < 50
    last = result.bot[-1].text.lower()
    assert "goodbye" in last or "bye" in last, last
    assert "hangup" in [d["name"] for _, k, d in result.events if k == "mark_played"]
    log = server.log()
    assert "drain timeout (3 s): saying goodbye on 1 call(s)" in log
    assert code == 0, log[-2000:]
