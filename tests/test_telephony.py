"""Outbound calls and the locked front door, against a real gateway and a Twilio-compatible server.

Signatures are computed with twilio's own RequestValidator; the REST side is testkit/fake_twilio.py.
"""

from __future__ import annotations

import asyncio
import json
import time
import xml.etree.ElementTree as ET

import httpx
import pytest
from twilio.request_validator import RequestValidator

from gateway.caller import SimulatedCaller, Turn
from testkit.server import GatewayServer, fixture
from testkit.fake_twilio import INVALID_TO, FakeTwilio

#: Every test here talks to a real gateway server (models loaded), one plays a real-time call.
pytestmark = pytest.mark.e2e

ACCOUNT = "AC" + "1" * 32
TOKEN = "test-auth-token-0123456789"
FROM = "+14155550199"
KEYS = "good-key-1,rotated-key-2,rate-key-3"


@pytest.fixture(scope="module")
def fake_twilio():
    fake = FakeTwilio(ACCOUNT, TOKEN)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def secured(fake_twilio):
    server = GatewayServer(env={
        "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": FROM,
        "TWILIO_API_BASE_URL": fake_twilio.base_url, "GATEWAY_API_KEYS": KEYS,
        "OUTBOUND_RATE_LIMIT": "3/minute", "LOG_LEVEL": "INFO",
    })
    yield server
    server.stop()


def sign(url: str, params: dict[str, str]) -> str:
    return RequestValidator(TOKEN).compute_signature(url, params)


def post_signed(server, path: str, form: dict[str, str], signature: str | None = "auto", url: str | None = None):
    headers = {}
    if signature == "auto":
        headers["X-Twilio-Signature"] = sign(url or f"{server.base}{path}", form)
    elif signature is not None:
        headers["X-Twilio-Signature"] = signature
    return httpx.post(f"{server.base}{path}", data=form, headers=headers)


VOICE_FORM = {"CallSid": "CA" + "2" * 32, "AccountSid": ACCOUNT, "From": "+14155550100", "To": FROM,
              "CallStatus": "ringing", "Direction": "inbound"}


# --- signatures ---------------------------------------------------------------------------------

def test_signed_voice_webhook_is_accepted(secured):
    r = post_signed(secured, "/twilio/voice", VOICE_FORM)
    assert r.status_code == 200 and "<Stream" in r.text


@pytest.mark.parametrize("case", ["tampered", "wrong_url", "missing"])
def test_bad_signatures_are_refused(secured, case):
    form = dict(VOICE_FORM)
    if case == "tampered":
        sig = sign(f"{secured.base}/twilio/voice", form)
        form["From"] = "+19005550000"
        r = post_signed(secured, "/twilio/voice", form, signature=sig)
    elif case == "wrong_url":
        r = post_signed(secured, "/twilio/voice", form, url="https://evil.example.com/twilio/voice")
    else:
        r = post_signed(secured, "/twilio/voice", form, signature=None)
    assert r.status_code == 403
    status = post_signed(secured, "/twilio/status", {"CallSid": "CA1", "CallStatus": "completed"},
                         signature=None if case == "missing" else "bm90IGEgc2lnbmF0dXJl")
    assert status.status_code == 403


def _ws_refused(url: str, headers: dict[str, str]) -> int | None:
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus

    async def go():
        try:
            async with connect(url, additional_headers=headers):
                return None
        except InvalidStatus as e:
            return e.response.status_code

    return asyncio.run(go())


@pytest.mark.parametrize("case", ["missing", "wrong_url", "bad"])
def test_websocket_upgrade_needs_a_valid_signature(secured, case):
    headers = {"missing": {}, "wrong_url": {"X-Twilio-Signature": sign("wss://evil.example.com/twilio/stream", {})},
               "bad": {"X-Twilio-Signature": "AAAA"}}[case]
    assert _ws_refused(secured.ws_url, headers) == 403


def _twiml(server, call_sid: str, extra: dict[str, str] | None = None, path="/twilio/voice"):
    form = dict(VOICE_FORM, CallSid=call_sid, **(extra or {}))
    r = post_signed(server, path, form)
    assert r.status_code == 200, r.text
    stream = ET.fromstring(r.text).find("./Connect/Stream")
    return stream.get("url"), {p.get("name"): p.get("value") for p in stream.findall("Parameter")}


def _start_stream(server, call_sid: str, params: dict[str, str]) -> str:
    """Open the stream like Twilio and return how it ended: 'accepted' or the close reason."""
    from websockets.asyncio.client import connect

    async def go():
        headers = {"X-Twilio-Signature": sign(server.ws_url, {})}
        async with connect(server.ws_url, additional_headers=headers) as ws:
            await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
            await ws.send(json.dumps({"event": "start", "start": {
                "accountSid": ACCOUNT, "callSid": call_sid, "streamSid": "MZ" + "3" * 32,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                "customParameters": params}}))
            try:
                while True:
                    msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                    if msg.get("event") == "media":
                        await ws.send(json.dumps({"event": "stop", "stop": {"callSid": call_sid}}))
                        return "accepted"
            except Exception as e:
                return getattr(getattr(e, "rcvd", None), "reason", str(e))

    return asyncio.run(go())


def test_stream_token_is_bound_to_the_call_and_single_use(secured):
    sid_a, sid_b = "CA" + "a" * 32, "CA" + "b" * 32
    _, params_a = _twiml(secured, sid_a)
    assert params_a["token"]
    assert "not issued for this call" in _start_stream(secured, sid_b, params_a)  # foreign token
    assert _start_stream(secured, sid_a, params_a) == "accepted"
    assert "already used" in _start_stream(secured, sid_a, params_a)  # replay


# --- outbound -----------------------------------------------------------------------------------

def call_api(server, body, key="good-key-1", raw: bytes | None = None):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    if raw is not None:
        return httpx.post(f"{server.base}/call", content=raw, headers={**headers, "Content-Type": "application/json"})
    return httpx.post(f"{server.base}/call", json=body, headers=headers)


@pytest.mark.parametrize("key, body, status", [
    (None, {"to": "+14155550100"}, 401),
    ("wrong-key", {"to": "+14155550100"}, 401),
    ("good-key-1", {"to": "+34911234567"}, 403),           # Spain: not the from-number's country
    ("good-key-1", {"to": "+19005551234"}, 403),           # premium rate
    ("good-key-1", {"to": "4155550100"}, 422),             # not E.164
    ("good-key-1", {"to": "+1415555"}, 422),               # invalid number
    ("good-key-1", {"to": "+14155550100", "extra": 1}, 422),
])
def test_abuse_is_refused_and_nothing_is_dialled(secured, fake_twilio, key, body, status):
    before = len(fake_twilio.creates())
    assert call_api(secured, body, key=key).status_code == status
    assert len(fake_twilio.creates()) == before


def test_oversized_body_and_rate_limit(secured, fake_twilio):
    before = len(fake_twilio.creates())
    assert call_api(secured, None, raw=b'{"to": "+14155550100", "context": "' + b"x" * 40000 + b'"}').status_code == 413
    codes = [call_api(secured, {"to": "+14155550100"}, key="rate-key-3").status_code for _ in range(4)]
    assert codes == [201, 201, 201, 429]
    assert len(fake_twilio.creates()) == before + 3


def test_twilio_errors_keep_their_code(secured):
    r = call_api(secured, {"to": INVALID_TO}, key="rotated-key-2")
    assert r.status_code == 400
    assert r.json()["twilio_code"] == 21211 and "not a valid phone number" in r.json()["message"]


def test_outbound_call_end_to_end(secured, fake_twilio):
    r = call_api(secured, {"to": "+14155550100", "language": "en", "context": "rebooking BOS-ORD"})
    assert r.status_code == 201, r.text
    call_sid = r.json()["call_sid"]
    created = fake_twilio.creates()[-1]
    assert created.user == ACCOUNT
    assert created.param("To") == "+14155550100" and created.param("From") == FROM
    assert created.param("StatusCallback") == f"{secured.base}/twilio/status"
    assert {v for k, v in created.form if k == "StatusCallbackEvent"} == {"initiated", "ringing", "answered", "completed"}
    voice_url = created.param("Url")
    assert voice_url.startswith(f"{secured.base}/twilio/voice?") and "direction=outbound" in voice_url

    # Twilio's side: status callbacks, then fetch the TwiML (signed), then open the stream (signed).
    for status in ("initiated", "ringing"):
        assert post_signed(secured, "/twilio/status", {"CallSid": call_sid, "CallStatus": status,
                                                        "Direction": "outbound-api"}).status_code == 204
    form = dict(VOICE_FORM, CallSid=call_sid, Direction="outbound-api", From=FROM, To="+14155550100",
                CallStatus="in-progress")
    twiml = post_signed(secured, voice_url[len(secured.base):], form, url=voice_url)
    assert twiml.status_code == 200
    stream = ET.fromstring(twiml.text).find("./Connect/Stream")
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params["direction"] == "outbound" and params["context"] == "rebooking BOS-ORD"
    caller = SimulatedCaller(stream.get("url"), [Turn(fixture("en_greeting_request")), Turn(fixture("en_goodbye"))],
                             parameters=params, headers={"X-Twilio-Signature": sign(stream.get("url"), {})},
                             call_sid=call_sid)
    result = asyncio.run(caller.run())
    assert result.closed_by_gateway
    hangup_played = next(t for t, k, d in result.events if k == "mark_played" and d["name"] == "hangup")
    deadline = time.time() + 10
    while not fake_twilio.updates() and time.time() < deadline:
        time.sleep(0.1)
    update = next(u for u in fake_twilio.updates() if call_sid in u.path)
    assert update.param("Status") == "completed" and update.user == ACCOUNT
    assert update.at >= result.wall_t0 + hangup_played - 0.05  # hung up after the goodbye was played
    assert post_signed(secured, "/twilio/status", {"CallSid": call_sid, "CallStatus": "completed",
                                                    "CallDuration": "42", "Direction": "outbound-api"}).status_code == 204
    listing = httpx.get(f"{secured.base}/calls", headers={"Authorization": "Bearer rotated-key-2"}).json()
    mine = next(c for c in listing["recent"] if c["call_sid"] == call_sid)
    assert mine["direction"] == "outbound" and mine["status"] == "completed" and mine["duration_secs"] == 42
    assert set(mine["status_times"]) >= {"initiated", "ringing", "completed"}
    assert httpx.get(f"{secured.base}/calls").status_code == 401


def test_answering_machine_gets_a_message_and_hangup(secured):
    r = post_signed(secured, "/twilio/voice?direction=outbound&language=en",
                    dict(VOICE_FORM, AnsweredBy="machine_end_beep"),
                    url=f"{secured.base}/twilio/voice?direction=outbound&language=en")
    root = ET.fromstring(r.text)
    assert root.find("Say") is not None and root.find("Hangup") is not None and root.find("Connect") is None


def test_health_reports_signature_mode(secured):
    body = httpx.get(f"{secured.base}/health").json()
    assert body["twilio_signatures"] == "enforced" and body["outbound_calls"] is True


def test_caller_hangup_releases_the_call_at_once(secured):
    sid = "CA" + "c" * 32
    _, params = _twiml(secured, sid)
    stopped_at = time.time()
    assert _start_stream(secured, sid, params) == "accepted"  # sends `stop` after the first media
    while httpx.get(f"{secured.base}/health").json()["active_calls"] and time.time() - stopped_at < 5:
        time.sleep(0.05)
    assert httpx.get(f"{secured.base}/health").json()["active_calls"] == 0  # released within the 5 s polled
    listing = httpx.get(f"{secured.base}/calls", headers={"Authorization": "Bearer rotated-key-2"}).json()
    mine = next(c for c in listing["recent"] if c["call_sid"] == sid)
    assert mine["end_reason"].startswith("twilio stop")  # this call's own record, not the server log
