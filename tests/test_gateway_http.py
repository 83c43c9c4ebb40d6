"""HTTP edges: TwiML from the voice webhook, health and metrics (FastAPI app in-process).

Two apps: ``client`` has the local profile's resources loaded (models: ``e2e``); ``starting`` is the
app before its resources have loaded (its lifespan, which loads them, is not entered), as the gateway
is during its first seconds — what it answers then needs no model.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest
from fastapi.testclient import TestClient

from gateway.app import create_app
from gateway.settings import MissingSettingError, Settings
from gateway.twilio import HandshakeError, parse_start

# Twilio SIDs: two letters and 32 hex digits (https://www.twilio.com/docs/glossary/what-is-a-sid).
CALL, STREAM, ACCOUNT = "CA" + "1" * 32, "MZ" + "2" * 32, "AC" + "3" * 32


@pytest.fixture
def starting():
    settings = Settings(_env_file=None, public_host="gw.example.com", default_language="en")
    return TestClient(create_app(settings))  # not entered: no lifespan, resources still None


@pytest.fixture
def client(local_resources):
    resources = local_resources
    settings = Settings(_env_file=None, public_host="gw.example.com", default_language="en")
    with TestClient(create_app(settings, resources)) as c:
        yield c


@pytest.mark.e2e
def test_voice_webhook_returns_connect_stream_twiml(client):
    r = client.post("/twilio/voice", data={"CallSid": CALL, "From": "+34911234567", "To": "+15550001111",
                                           "Direction": "inbound"})
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/xml")
    root = ET.fromstring(r.text)
    stream = root.find("./Connect/Stream")
    assert stream is not None and stream.get("url") == "wss://gw.example.com/twilio/stream"
    params = {p.get("name"): p.get("value") for p in stream.findall("Parameter")}
    assert params["From"] == "+34911234567" and params["To"] == "+15550001111"
    assert params["language"] == "en"


@pytest.mark.e2e
def test_voice_webhook_language_hint(client):
    r = client.post("/twilio/voice?language=es", data={"CallSid": CALL, "From": "+1", "To": "+2"})
    params = {p.get("name"): p.get("value") for p in ET.fromstring(r.text).iter("Parameter")}
    assert params["language"] == "es"


@pytest.mark.e2e
def test_health_reports_profile_calls_and_sample_data(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["profile"] == "local"
    assert body["active_calls"] == 0 and body["models_ready"] is True
    assert "sample" in body["flights"]["data"]


def test_metrics_exposition(starting):
    r = starting.get("/metrics")
    assert r.status_code == 200 and "gateway_active_calls" in r.text


def test_while_starting_health_is_503_and_calls_are_refused_politely(starting):
    health = starting.get("/health")
    assert health.status_code == 503
    assert health.json()["status"] == "starting" and health.json()["models_ready"] is False
    r = starting.post("/twilio/voice", data={"CallSid": "CA" + "2" * 32, "From": "+15550001111", "To": "+15550002222"})
    assert r.status_code == 200
    root = ET.fromstring(r.text)
    assert root.find("Connect") is None and root.find("Hangup") is not None
    assert "starting" in root.find("Say").text


def test_while_starting_a_media_stream_is_closed_try_again_later(starting):
    from starlette.websockets import WebSocketDisconnect

    with pytest.raises(WebSocketDisconnect) as closed:
        with starting.websocket_connect("/twilio/stream") as ws:
            ws.receive_text()
    assert closed.value.code == 1013 and closed.value.reason == "starting"


def test_missing_profile_key_fails_at_start_naming_the_variable(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingSettingError, match="OPENAI_API_KEY"):
        create_app(Settings(_env_file=None, profile="realtime"))


def test_parse_start_reads_twilio_start_message():
    msg = {"event": "start", "sequenceNumber": "1", "streamSid": STREAM, "start": {
        "accountSid": ACCOUNT, "streamSid": STREAM, "callSid": CALL, "tracks": ["inbound"],
        "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
        "customParameters": {"From": "+15551234567", "To": "+15557654321", "language": "fr"}}}
    start = parse_start(msg, "en")
    assert (start.call.call_sid, start.call.stream_sid, start.call.language) == (CALL, STREAM, "fr")
    assert start.call.from_number == "+15551234567"
    with pytest.raises(HandshakeError):
        parse_start({"event": "start", "start": {"streamSid": STREAM}}, "en")
    with pytest.raises(HandshakeError):
        parse_start({"event": "start", "start": {"streamSid": STREAM, "callSid": CALL,
                                                 "mediaFormat": {"encoding": "audio/l16", "sampleRate": 16000}}}, "en")
