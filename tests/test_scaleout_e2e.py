"""Scale-out, end to end: one real ``redis-server`` and two gateway processes (replicas A and B, on
different ports) sharing it, the local Twilio REST server, and one simulated call that covers the
issue-11 acceptance in a single run (CPU is scarce):

- ``POST /call`` on A with a context; Twilio's webhook lands on B, whose TwiML carries the context;
- a key's rate limit is shared (2/minute: A, B, then A again → 429);
- the stream opens on A with the token B issued; the call completes (the gateway ends it after the
  goodbye) while ``GET /calls`` on either lists it with its status and the token replayed on either
  is refused;
- Redis is killed mid-call: the call still finishes, B's next webhook gets the busy TwiML and its
  ``/health`` and ``/health/ready`` say ``state_unavailable``; Redis back → B accepts calls again.

And: a gateway whose ``REDIS_URL`` does not answer fails at start-up naming ``REDIS_URL``.
"""

from __future__ import annotations

import asyncio
import json
import time
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import httpx
import pytest
from twilio.request_validator import RequestValidator

from gateway.caller import SimulatedCaller, Turn
from testkit.server import GatewayServer, fixture
from testkit.fake_twilio import FakeTwilio
from testkit.redis_server import RedisServer, free_port

pytestmark = pytest.mark.e2e

ACCOUNT = "AC" + "2" * 32
TOKEN = "scaleout-auth-token-0123456789"
FROM = "+14155550199"
KEY = "scaleout-key-1"
CONTEXT = "Returning the caller's question about a window seat to Chicago."
#: HTTP client timeout (s): a replica building a call's pipeline on two busy cores answers slowly.
HTTP_SECS = 30


def sign(url: str, params: dict[str, str]) -> str:
    return RequestValidator(TOKEN).compute_signature(url, params)


def webhook(server: GatewayServer, call_sid: str, query: str = "") -> httpx.Response:
    url = f"{server.base}/twilio/voice{query}"
    form = {"CallSid": call_sid, "AccountSid": ACCOUNT, "From": "+14155550100", "To": FROM,
            "CallStatus": "in-progress", "Direction": "outbound-api"}
    return httpx.post(url, data=form, headers={"X-Twilio-Signature": sign(url, form)}, timeout=HTTP_SECS)


def stream_params(twiml: str) -> dict[str, str] | None:
    stream = ET.fromstring(twiml).find("./Connect/Stream")
    if stream is None:
        return None
    return {p.get("name"): p.get("value") for p in stream.findall("Parameter")}


def place_call(server: GatewayServer, context: str | None = None) -> httpx.Response:
    body = {"to": "+14155550100", **({"context": context} if context else {})}
    return httpx.post(f"{server.base}/call", json=body, headers={"Authorization": f"Bearer {KEY}"}, timeout=HTTP_SECS)


def listed(server: GatewayServer) -> dict:
    r = httpx.get(f"{server.base}/calls", headers={"Authorization": f"Bearer {KEY}"}, timeout=HTTP_SECS)
    assert r.status_code == 200, r.text
    return r.json()


async def replay(server: GatewayServer, call_sid: str, params: dict[str, str]) -> tuple[int | None, str | None]:
    """Open a second stream for ``call_sid`` with ``params`` (its token); the gateway's close frame."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    stream_sid = "MZ" + "e" * 32
    async with connect(server.ws_url, additional_headers={"X-Twilio-Signature": sign(server.ws_url, {})}) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        await ws.send(json.dumps({"event": "start", "streamSid": stream_sid, "start": {
            "accountSid": ACCOUNT, "callSid": call_sid, "streamSid": stream_sid, "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": params}}))
        try:
            async with asyncio.timeout(10):
                while True:
                    await ws.recv()
        except ConnectionClosed as e:
            return (e.rcvd.code, e.rcvd.reason) if e.rcvd else (None, None)


async def until(check, secs: float = 15.0):
    """Poll ``check()`` (blocking HTTP, run in a thread) until it returns something truthy."""
    deadline = time.monotonic() + secs
    while time.monotonic() < deadline:
        value = await asyncio.to_thread(check)
        if value:
            return value
        await asyncio.sleep(0.2)
    return None


def ready(server: GatewayServer) -> tuple[int, str]:
    r = httpx.get(f"{server.base}/health/ready", timeout=HTTP_SECS)
    return r.status_code, r.json()["status"]


@pytest.fixture(scope="module")
def cluster():
    redis = RedisServer()
    twilio = FakeTwilio(ACCOUNT, TOKEN)
    env = {"REDIS_URL": redis.url, "REDIS_HEALTH_INTERVAL_SECS": "0.5", "TWILIO_ACCOUNT_SID": ACCOUNT,
           "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": FROM, "OUTBOUND_ALLOWED_COUNTRIES": "US",
           "TWILIO_API_BASE_URL": twilio.base_url, "GATEWAY_API_KEYS": KEY, "OUTBOUND_RATE_LIMIT": "2/minute",
           "KEY_ID_SECRET": "scaleout-key-id-secret",
           "LOG_LEVEL": "INFO"}
    a = GatewayServer(env=env)
    try:
        b = GatewayServer(env=env)
    except Exception:
        a.stop()
        raise
    yield redis, twilio, a, b
    a.stop()
    b.stop()
    twilio.stop()
    redis.stop()


def test_two_replicas_share_a_call_and_ride_out_a_redis_outage(cluster):
    redis, twilio, a, b = cluster
    assert httpx.get(f"{a.base}/health", timeout=HTTP_SECS).json()["call_state"] == {"backend": "redis", "healthy": True}

    # POST /call on A; the context travels through Redis to B's webhook.
    placed = place_call(a, CONTEXT)
    assert placed.status_code == 201, placed.text
    call_sid = placed.json()["call_sid"]
    url = urlsplit(twilio.creates()[-1].param("Url"))
    twiml = webhook(b, call_sid, "?" + url.query)
    params = stream_params(twiml.text)
    assert params is not None, twiml.text
    assert params["context"] == CONTEXT and params["direction"] == "outbound" and params["token"]
    assert webhook(a, call_sid, "?" + url.query).text.count("context") == 0  # taken once, by B

    # One key's limit across replicas: A, B, then A is over 2/minute.
    assert place_call(b).status_code == 201
    assert place_call(a).status_code == 429

    caller = SimulatedCaller(a.ws_url, [Turn(fixture("en_goodbye"))], parameters=params, call_sid=call_sid,
                             headers={"X-Twilio-Signature": sign(a.ws_url, {})}, hangup_after_s=20)

    async def go():
        call = asyncio.create_task(caller.run())
        assert await until(lambda: httpx.get(f"{a.base}/health", timeout=HTTP_SECS).json()["active_calls"] == 1, secs=60), "stream never started"
        seen = [listed(s) for s in (a, b)]
        replays = [await replay(s, call_sid, params) for s in (b, a)]
        redis.stop()  # mid-call
        refused_status = await until(lambda: ready(b)[0] == 503 and ready(b))
        health_b = (await asyncio.to_thread(httpx.get, f"{b.base}/health", timeout=HTTP_SECS)).json()
        busy = await asyncio.to_thread(webhook, b, "CA" + "7" * 32)
        result = await call
        return seen, replays, refused_status, health_b, busy, result

    seen, replays, refused_status, health_b, busy, result = asyncio.run(go())

    for listing in seen:  # GET /calls on either replica
        [row] = [c for c in listing["active"] if c["call_sid"] == call_sid]
        assert row["direction"] == "outbound" and row["status"] in ("queued", "in-progress"), row
    for code, reason in replays:  # the token replayed on either replica
        assert code == 1008 and "already used" in reason, (code, reason)

    assert refused_status == (503, "state_unavailable")
    assert health_b["status"] == "state_unavailable" and health_b["call_state"]["healthy"] is False
    assert stream_params(busy.text) is None and "lines are busy" in busy.text, busy.text

    # The call in progress finished normally: the gateway ended it after the goodbye played.
    assert result.closed_by_gateway
    assert "hangup" in [d["name"] for _, k, d in result.events if k == "mark_played"]
    # (the gateway writes the call's end just after it closes the socket the caller waited on)
    assert asyncio.run(until(lambda: "call end not recorded in the shared state" in a.log(), secs=5)), a.log()[-2000:]
    assert a.alive() and b.alive()

    redis.start()  # same port, empty: B takes calls again by itself
    assert asyncio.run(until(lambda: ready(b) == (200, "ready"))), "B did not recover"
    assert stream_params(webhook(b, "CA" + "8" * 32).text) is not None


def test_start_up_fails_naming_redis_url_when_redis_does_not_answer():
    with pytest.raises(RuntimeError, match="REDIS_URL"):
        GatewayServer(env={"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
