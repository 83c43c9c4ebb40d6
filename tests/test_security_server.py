"""Issue 9 against a real gateway (``python -m gateway serve``) and the local Twilio REST server:
toll fraud, one stream per CallSid, forwarded headers, body limits, slow clients, idle streams,
failed-key floods and malformed Media Streams messages. Each test failed on the code before the fix.

Loopback aliases stand for other clients: 127.0.0.2 floods bad keys (so the lock-out hits only it),
127.0.0.3 is the configured trusted proxy.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import socket
import time
import xml.etree.ElementTree as ET

import httpx
import pytest
from twilio.request_validator import RequestValidator

from gateway.caller import SimulatedCaller, Turn, transcribe_bot
from testkit.server import GatewayServer, fixture
from testkit.fake_twilio import FakeTwilio

ACCOUNT = "AC" + "1" * 32
TOKEN = "test-auth-token-0123456789"
FROM = "+14155550199"
FROM_2 = "+14155550198"
KEY = "good-key-1"
RECEIPT_SECS = 2.0
MEDIA_SECS = 2.0
SILENCE = base64.b64encode(b"\xff" * 160).decode()

pytestmark = pytest.mark.e2e  # real gateway processes (with their models) and a fake Twilio


@pytest.fixture(scope="module")
def fake_twilio():
    fake = FakeTwilio(ACCOUNT, TOKEN)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def server(fake_twilio):
    gw = GatewayServer(env={
        "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": FROM,
        "OUTBOUND_FROM_NUMBERS": FROM_2, "OUTBOUND_ALLOWED_COUNTRIES": "US,GB",
        "TWILIO_API_BASE_URL": fake_twilio.base_url, "GATEWAY_API_KEYS": KEY,
        "OUTBOUND_RATE_LIMIT": "100/minute", "AUTH_FAILURE_RATE_LIMIT": "5/minute",
        "FORWARDED_ALLOW_IPS": "127.0.0.3", "REQUEST_RECEIPT_TIMEOUT_SECS": str(RECEIPT_SECS),
        "STREAM_MEDIA_TIMEOUT_SECS": str(MEDIA_SECS), "LOG_LEVEL": "INFO",
    })
    yield gw
    gw.stop()


def sign(url: str, params: dict[str, str]) -> str:
    return RequestValidator(TOKEN).compute_signature(url, params)


def client_from(address: str) -> httpx.Client:
    return httpx.Client(transport=httpx.HTTPTransport(local_address=address))


def call_api(server, body, key: str | None = KEY):
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return httpx.post(f"{server.base}/call", json=body, headers=headers)


def sid(char: str) -> str:
    return "CA" + char * 32


def voice_form(call_sid: str) -> dict[str, str]:
    return {"CallSid": call_sid, "AccountSid": ACCOUNT, "From": "+14155550100", "To": FROM,
            "CallStatus": "ringing", "Direction": "inbound"}


def twiml_params(server, call_sid: str, query: str = "") -> dict[str, str]:
    url = f"{server.base}/twilio/voice{query}"
    form = voice_form(call_sid)
    r = httpx.post(url, data=form, headers={"X-Twilio-Signature": sign(url, form)})
    assert r.status_code == 200, r.text
    stream = ET.fromstring(r.text).find("./Connect/Stream")
    return {p.get("name"): p.get("value") for p in stream.findall("Parameter")}


# --- 1. toll fraud ----------------------------------------------------------------------------

@pytest.mark.parametrize("body", [
    {"to": "+447012345678", "from": "+442079460000"},   # UK personal number, client-chosen UK caller ID
    {"to": "+2348012345678", "from": "+2348012345679"},  # NG -> NG
    {"to": "+18765551234", "from": "+18765551235"},      # JM -> JM
    {"to": "+5351234567", "from": "+5351234568"},        # CU -> CU
    {"to": "+447012345678"},                             # UK 070 personal (GB is allowed)
    {"to": "+445612345678"},                             # UK 056 VoIP
    {"to": "+881234567890"},                             # satellite
    {"to": FROM},                                        # our own caller ID
    {"to": FROM_2},
    {"to": "+１４１５５５５０１００"},                     # full-width digits
    {"to": "+14155550100;ext=12"},
    {"to": "+14155550100 x12"},
    {"to": "+14155550100w123"},
    {"to": "+14155550100,,12"},
    {"to": "+14155550100\u0000"},
    {"to": "+1415555\u00000100"},
])
def test_toll_fraud_attempts_dial_nothing(server, fake_twilio, body):
    before = len(fake_twilio.creates())
    r = call_api(server, body)
    assert r.status_code in (403, 422), r.text
    assert len(fake_twilio.creates()) == before


@pytest.fixture(scope="module")
def default_allowlist_server(fake_twilio):
    """``OUTBOUND_ALLOWED_COUNTRIES`` unset: the allowlist is the configured caller ID's country."""
    gw = GatewayServer(env={
        "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": FROM,
        "TWILIO_API_BASE_URL": fake_twilio.base_url, "GATEWAY_API_KEYS": KEY, "LOG_LEVEL": "INFO",
    })
    yield gw
    gw.stop()


@pytest.mark.parametrize("body", [
    {"to": "+447012345678", "from": "+442079460000"},
    {"to": "+2348012345678", "from": "+2348012345679"},
    {"to": "+18765551234", "from": "+18765551235"},
    {"to": "+5351234567", "from": "+5351234568"},
    {"to": "+2348012345678"},
])
def test_allowlist_never_comes_from_the_request(default_allowlist_server, fake_twilio, body):
    before = len(fake_twilio.creates())
    assert call_api(default_allowlist_server, body).status_code == 403
    assert len(fake_twilio.creates()) == before
    assert call_api(default_allowlist_server, {"to": "+14155550100"}).status_code == 201


def test_configured_caller_ids_work(server, fake_twilio):
    r = call_api(server, {"to": "+14155550100", "from": FROM_2, "language": "es"})
    assert r.status_code == 201, r.text
    created = fake_twilio.creates()[-1]
    assert created.param("From") == FROM_2 and created.param("To") == "+14155550100"
    assert "language=es" in created.param("Url")
    # The log names the key by an HMAC id, not by a plain hash of the key.
    line = next(l for l in server.log().splitlines() if "outbound call placed" in l)
    assert hashlib.sha256(KEY.encode()).hexdigest()[:8] not in line
    assert re.search(r"key [0-9a-f]{12}\b", line)


def test_unsupported_language_is_refused(server, fake_twilio):
    before = len(fake_twilio.creates())
    assert call_api(server, {"to": "+14155550100", "language": "zz"}).status_code == 422
    assert len(fake_twilio.creates()) == before


# --- 7. failed-key floods ---------------------------------------------------------------------

def test_failed_key_floods_get_429(server, fake_twilio):
    before = len(fake_twilio.creates())
    with client_from("127.0.0.2") as attacker:
        codes = [attacker.post(f"{server.base}/call", json={"to": "+14155550100"},
                               headers={"Authorization": f"Bearer guess-{i}"}).status_code for i in range(8)]
        assert codes == [401] * 5 + [429] * 3
        # Once locked out, even a right guess learns nothing.
        assert attacker.post(f"{server.base}/call", json={"to": "+14155550100"},
                             headers={"Authorization": f"Bearer {KEY}"}).status_code == 429
    assert call_api(server, {"to": "+14155550100"}).status_code == 201  # other addresses unaffected
    assert len(fake_twilio.creates()) == before + 1


# --- 3. forwarded headers ---------------------------------------------------------------------

def test_forwarded_host_from_an_untrusted_peer_gets_403(server):
    form = voice_form(sid("e"))
    evil = "https://evil.example.com/twilio/voice"
    headers = {"X-Twilio-Signature": sign(evil, form), "X-Forwarded-Host": "evil.example.com",
               "X-Forwarded-Proto": "https"}
    assert httpx.post(f"{server.base}/twilio/voice", data=form, headers=headers).status_code == 403
    with client_from("127.0.0.3") as proxy:  # the configured proxy may say which host was asked
        assert proxy.post(f"{server.base}/twilio/voice", data=form, headers=headers).status_code == 200
        bad_scheme = dict(headers, **{"X-Forwarded-Proto": "gopher"},
                          **{"X-Twilio-Signature": sign("gopher://evil.example.com/twilio/voice", form)})
        assert proxy.post(f"{server.base}/twilio/voice", data=form, headers=bad_scheme).status_code == 403


# --- 5. body limits and slow clients ----------------------------------------------------------

def _rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return int(next(l for l in f if l.startswith("VmRSS")).split()[1])


@pytest.mark.parametrize("path, content_type", [("/call", "application/json"),
                                                ("/twilio/voice", "application/x-www-form-urlencoded")])
def test_chunked_body_over_the_limit_gets_413_before_it_is_read(server, path, content_type):
    rss_before = _rss_kb(server.proc.pid)
    chunk = b"x" * 65536
    sent = 0
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: {content_type}\r\n"
                  "Transfer-Encoding: chunked\r\n\r\n".encode())
        try:
            while sent < 200 * 2**20:
                s.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sent += len(chunk)
        except OSError:  # the gateway answered and closed: the rest is never read
            pass
        response = s.recv(4096)
    assert response.startswith(b"HTTP/1.1 413"), response[:80]
    assert sent < 32 * 2**20, f"{sent} bytes were accepted before the refusal"
    assert _rss_kb(server.proc.pid) - rss_before < 40_000  # kB: nothing was buffered


def _closed_within(sock: socket.socket, secs: float, trickle: bytes = b"") -> float | None:
    """Seconds until the gateway closes ``sock`` (sending ``trickle`` a byte every 0.2 s), or None."""
    t0 = time.monotonic()
    sock.setblocking(False)
    pending = bytearray(trickle)
    while time.monotonic() - t0 < secs:
        try:
            if not sock.recv(4096):
                return time.monotonic() - t0
        except BlockingIOError:
            pass
        except OSError:
            return time.monotonic() - t0
        if pending:
            try:
                sock.send(bytes(pending[:1]))
                del pending[:1]
            except OSError:
                return time.monotonic() - t0
        time.sleep(0.2)
    return None


@pytest.mark.parametrize("case", ["slow headers", "slow body", "idle connection"])
def test_slow_clients_are_closed_within_the_deadline(server, case):
    head = {"slow headers": b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\n",
            "slow body": b"POST /twilio/voice HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n\r\n",
            "idle connection": b""}[case]
    trickle = {"slow headers": b"X-Slow: " + b"a" * 100, "slow body": b"a" * 100, "idle connection": b""}[case]
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        if head:
            s.sendall(head)
        closed_after = _closed_within(s, RECEIPT_SECS + 8, trickle)
    assert closed_after is not None, f"{case}: still open after {RECEIPT_SECS + 8} s"
    assert closed_after < RECEIPT_SECS + 3


def test_websocket_upgrade_with_a_huge_url_is_answered(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"GET /twilio/stream?x=" + b"a" * 8192 + b" HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                  b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                  b"Sec-WebSocket-Version: 13\r\n\r\n")
        assert s.recv(4096).startswith(b"HTTP/1.1 414")


def test_client_hanging_up_mid_request_is_logged_as_such(server):
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
        s.sendall(b"POST /twilio/status HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n"
                  b"Content-Type: application/x-www-form-urlencoded\r\n\r\nCallSid=CA")
        time.sleep(0.3)
    time.sleep(0.5)
    log = server.log()
    assert "client disconnected during POST /twilio/status" in log
    assert "Traceback" not in log and "ClientDisconnect" not in log


# --- Media Streams: raw clients ---------------------------------------------------------------

class RawStream:
    """A signed Media Streams client that sends what it is told (and 20 ms of silence on a clock)."""

    def __init__(self, server, call_sid: str, params: dict[str, str], stream_sid: str | None = None):
        self.server, self.call_sid, self.params = server, call_sid, params
        self.stream_sid = stream_sid or "MZ" + call_sid[2:]
        self.ws = None
        self._clock: asyncio.Task | None = None

    async def open(self, start_override: dict | None = None, media: bool = True):
        from websockets.asyncio.client import connect

        self.ws = await connect(self.server.ws_url,
                                additional_headers={"X-Twilio-Signature": sign(self.server.ws_url, {})})
        await self.ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        start = {"accountSid": ACCOUNT, "callSid": self.call_sid, "streamSid": self.stream_sid,
                 "tracks": ["inbound"], "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                 "customParameters": self.params}
        start.update(start_override or {})
        await self.ws.send(json.dumps({"event": "start", "streamSid": self.stream_sid, "start": start}))
        if media:
            self._clock = asyncio.create_task(self._silence())
        return self

    async def _silence(self):
        try:
            while True:
                await self.ws.send(json.dumps({"event": "media", "streamSid": self.stream_sid,
                                               "media": {"track": "inbound", "payload": SILENCE}}))
                await asyncio.sleep(0.02)
        except Exception:
            pass

    async def closed(self, timeout: float):
        """``(code, reason)`` of the gateway's close frame (``(None, None)`` if none), or ``"open"``."""
        from websockets.exceptions import ConnectionClosed

        try:
            async with asyncio.timeout(timeout):
                while True:
                    await self.ws.recv()
        except ConnectionClosed as e:
            return (e.rcvd.code, e.rcvd.reason) if e.rcvd else (None, None)
        except TimeoutError:
            return "open"

    async def close(self):
        if self._clock:
            self._clock.cancel()
        await self.ws.close()


def health(server) -> dict:
    return httpx.get(f"{server.base}/health").json()


def test_second_stream_for_a_live_call_sid_is_refused(server):
    call_sid = sid("f")
    first = twiml_params(server, call_sid)
    time.sleep(1.1)  # a webhook replayed a second later carries a fresh, valid token
    second = twiml_params(server, call_sid)
    assert first["token"] != second["token"]

    async def go():
        a = await RawStream(server, call_sid, first).open()
        await asyncio.sleep(1.0)
        b = await RawStream(server, call_sid, second).open()
        refused = await b.closed(5)
        active = health(server)["active_calls"]
        still_open = await a.closed(0.5)
        await a.close()
        return refused, active, still_open

    refused, active, still_open = asyncio.run(go())
    assert refused[0] == 1008 and "live stream" in refused[1]
    assert active == 1
    assert still_open == "open"


@pytest.mark.parametrize("override", [{"mediaFormat": "audio/x-mulaw"},
                                      {"mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": "8000"}}])
def test_wrong_typed_start_gets_a_1008_close_frame(server, override):
    call_sid = sid("9")

    async def go():
        s = await RawStream(server, call_sid, twiml_params(server, call_sid)).open(override, media=False)
        return await s.closed(5)

    code, reason = asyncio.run(go())
    assert code == 1008, (code, reason)
    assert server.alive()


def test_idle_stream_is_closed_within_its_timeout(server):
    call_sid = sid("8")

    async def go():
        s = await RawStream(server, call_sid, twiml_params(server, call_sid)).open(media=False)
        t0 = time.monotonic()
        await asyncio.sleep(0.5)
        active_during = health(server)["active_calls"]
        ended = await s.closed(MEDIA_SECS + 10)
        return active_during, ended, time.monotonic() - t0

    active_during, ended, after = asyncio.run(go())
    assert active_during == 1
    assert ended != "open", "the idle stream was still open"
    assert after < MEDIA_SECS + 5
    deadline = time.time() + 5
    while health(server)["active_calls"] and time.time() < deadline:
        time.sleep(0.1)
    assert health(server)["active_calls"] == 0
    assert "stream idle: no media" in server.log()


def test_ordinary_hang_up_is_not_an_error(server):
    call_sid = sid("5")

    async def go():
        s = await RawStream(server, call_sid, twiml_params(server, call_sid)).open()
        await asyncio.sleep(1.5)
        await s.ws.send(json.dumps({"event": "stop", "streamSid": s.stream_sid,
                                    "stop": {"accountSid": ACCOUNT, "callSid": call_sid}}))
        await s.close()  # like Twilio: stop, then the socket closes

    asyncio.run(go())
    deadline = time.time() + 5
    while "call ended: twilio stop" not in server.log() and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    lines = [l for l in server.log().splitlines() if "CA55555555" in l or "closing the websocket" in l
             or "closed the socket" in l]
    assert any("call ended: twilio stop" in l for l in lines), lines
    assert not any(" ERROR " in l for l in lines), lines


def test_voice_webhook_language_is_validated(server):
    params = twiml_params(server, sid("7"), "?language=es%00%01")
    assert params["language"] == "en"
    assert "\x00" not in server.log()


# --- 4. malformed messages mid-call, then a real utterance ----------------------------------

MID_CALL_GARBAGE = [
    json.dumps({"event": ["media"]}),
    json.dumps({"event": {}}),
    "[" * 1000 + "]" * 1000,
    '{"event": "media", "media": ' + "{" * 1000 + "}" * 1000 + "}",
    json.dumps({"event": "media", "streamSid": "MZ" + "a" * 100_000, "media": {"payload": SILENCE}}),
    json.dumps({"event": "media", "media": {"payload": ["x"]}}),
    json.dumps({"event": "mark", "mark": {"name": {"x": 1}}}),
    json.dumps({"event": "dtmf", "dtmf": {"digit": [1]}}),
    json.dumps({"event": "stop", "stop": "now"}),
    json.dumps({"event": "start", "start": {"mediaFormat": "x"}}),
    b"\xff\xfe\x00",
]


def bad_messages(server) -> float:
    text = httpx.get(f"{server.base}/metrics").text
    match = re.search(r"^gateway_stream_bad_messages_total ([0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


class GarbageCaller(SimulatedCaller):
    """A caller whose line sends every :data:`MID_CALL_GARBAGE` message just before the first turn."""

    async def _speak(self, turn):
        if not self.result.turns:
            for raw in MID_CALL_GARBAGE:
                await self._ws.send(raw)
            self._event("garbage_sent")
        await super()._speak(turn)


@pytest.mark.e2e
def test_malformed_messages_leave_the_call_answering(server, listener):
    call_sid = sid("6")
    params = twiml_params(server, call_sid)
    bad_before = bad_messages(server)
    caller = GarbageCaller(server.ws_url, [Turn(fixture("en_greeting_request"))], parameters=params,
                           headers={"X-Twilio-Signature": sign(server.ws_url, {})}, call_sid=call_sid,
                           hangup_after_s=15)
    result = asyncio.run(caller.run())
    transcribe_bot(result, listener, ["en"])
    garbage_at = result.times("garbage_sent")[0]
    answer = " ".join(u.text for u in result.bot if u.start > garbage_at).lower()
    assert "chicago" in answer, answer
    assert not result.closed_by_gateway  # the caller hung up; the gateway never dropped the call
    deadline = time.time() + 10  # counted when the call ends
    while bad_messages(server) == bad_before and time.time() < deadline:
        time.sleep(0.2)
    assert bad_messages(server) - bad_before == len(MID_CALL_GARBAGE)  # each counted once
