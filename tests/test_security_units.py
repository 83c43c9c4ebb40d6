"""Issue 9, unit level (no server): the serializer edge, the start handshake, outbound checks,
forwarded-header trust and the stream registry. Each case here was a hole on the old code."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import pytest
from pipecat.frames.frames import InputAudioRawFrame
from pipecat.serializers.twilio import TwilioFrameSerializer

from gateway.calls import CallRegistry
from gateway.outbound import OutboundRefused, CallRequest, check_destination, choose_caller_id, key_id
from gateway.settings import Settings
from gateway.twilio import HandshakeError, parse_start, public_request_url
from processors.twilio_serializer import MAX_MESSAGE_BYTES, GatewayTwilioSerializer

STREAM = "MZ" + "a" * 32
CALL = "CA" + "b" * 32
SILENCE = base64.b64encode(b"\xff" * 160).decode()


def media(stream_sid: str = STREAM, payload=SILENCE) -> str:
    return json.dumps({"event": "media", "streamSid": stream_sid,
                       "media": {"track": "inbound", "chunk": "1", "timestamp": "20", "payload": payload}})


async def serializer():
    s = GatewayTwilioSerializer(STREAM, CALL, params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
    await s.setup(SimpleNamespace(audio_in_sample_rate=16000, audio_out_sample_rate=8000))
    return s


DEEP_LIST = "[" * 1000 + "]" * 1000
DEEP_IN_MEDIA = '{"event": "media", "media": {"payload": "AAAA", "x": ' + "[" * 1000 + "]" * 1000 + "}}"
BAD_MESSAGES = {
    "event is a list": json.dumps({"event": ["media"]}),
    "event is an object": json.dumps({"event": {}}),
    "event is a number": json.dumps({"event": 1, "media": {"payload": SILENCE}}),
    "1,000-deep list": DEEP_LIST,
    "1,000-deep inside media": DEEP_IN_MEDIA,
    "100 KB streamSid": media("MZ" + "a" * 100_000),
    "malformed streamSid": media("MZ" + "a" * 31),
    "another stream's streamSid": media("MZ" + "c" * 32),
    "message over the size cap": media(payload=base64.b64encode(b"\xff" * MAX_MESSAGE_BYTES).decode()),
    "payload is a list": json.dumps({"event": "media", "media": {"payload": [SILENCE]}}),
    "media is a list": json.dumps({"event": "media", "media": [1]}),
    "mark name is a number": json.dumps({"event": "mark", "mark": {"name": 7}}),
    "mark is a string": json.dumps({"event": "mark", "mark": "hangup"}),
    "dtmf digit is a list": json.dumps({"event": "dtmf", "dtmf": {"digit": ["1"]}}),
    "dtmf digit is long": json.dumps({"event": "dtmf", "dtmf": {"digit": "12"}}),
    "stop is a string": json.dumps({"event": "stop", "stop": "now"}),
    "stop callSid malformed": json.dumps({"event": "stop", "stop": {"callSid": "CA1"}}),
    "lone surrogate": '{"event": "\\ud800"}',
    "invalid UTF-8 bytes": b'{"event": "media\xff"}',
}


@pytest.mark.parametrize("name", list(BAD_MESSAGES))
async def test_every_bad_shape_is_dropped_and_counted(name):
    s = await serializer()
    assert await s.deserialize(BAD_MESSAGES[name]) is None
    assert s.bad_messages == 1
    assert s.media_messages == 0
    # The stream still works: the next real media message becomes audio.
    frames = [await s.deserialize(media()) for _ in range(12)]  # the resampler releases audio in batches
    assert any(isinstance(f, InputAudioRawFrame) for f in frames)


async def test_stop_with_a_twilio_call_sid_still_reaches_the_call():
    seen = []

    async def on_event(event, message):
        seen.append(event)

    s = GatewayTwilioSerializer(STREAM, CALL, on_event=on_event,
                                params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
    await s.deserialize(json.dumps({"event": "stop", "streamSid": STREAM,
                                    "stop": {"accountSid": "AC" + "0" * 32, "callSid": CALL}}))
    assert seen == ["stop"] and s.bad_messages == 0


def start(**over):
    body = {"accountSid": "AC" + "0" * 32, "streamSid": STREAM, "callSid": CALL, "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"From": "+15551230000", "language": "es"}}
    body.update(over)
    return {"event": "start", "streamSid": STREAM, "start": body}


@pytest.mark.parametrize("over", [
    {"mediaFormat": "audio/x-mulaw"},
    {"mediaFormat": ["audio/x-mulaw"]},
    {"mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": "8000"}},
    {"mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": [8000]}},
    {"mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000.5}},
    {"streamSid": "MZ" + "a" * 100_000},
    {"callSid": "CA1"},
    {"callSid": ["CA" + "b" * 32]},
    {"customParameters": {"language": ["es"]}},
])
def test_wrong_typed_start_is_a_handshake_error(over):
    with pytest.raises(HandshakeError):
        parse_start(start(**over), "en")


@pytest.mark.parametrize("language, expected", [("es", "es"), ("PT-br", "pt"), ("es\x00", "en"),
                                                ("xx", "en"), ("e" * 500, "en")])
def test_start_language_is_one_of_the_supported(language, expected):
    msg = start(customParameters={"language": language})
    call = parse_start(msg, "en").call
    assert call.language == expected and call.parameters["language"] == expected


# --- outbound -------------------------------------------------------------------------------

FROM = "+14155550199"


@pytest.mark.parametrize("to, why", [
    ("+447012345678", "personal"),          # UK 070 personal number
    ("+445612345678", "VoIP"),              # UK 056
    ("+448712345678", "shared-cost"),       # UK 087x... (phonenumbers: shared cost / premium)
    ("+19005551234", "premium"),
    ("+881234567890", "non-geographic"),    # Iridium / satellite
    ("+870772123456", "non-geographic"),    # Inmarsat
    ("+88213456789", "non-geographic"),     # international networks
    ("+80012345678", "non-geographic"),     # international freephone
    (FROM, "own caller ID"),
])
def test_fraud_prone_destinations_are_refused(to, why):
    with pytest.raises(OutboundRefused) as e:
        check_destination(to, FROM, {"US", "GB"}, [FROM])
    assert e.value.status == 403, e.value.message


@pytest.mark.parametrize("to", [
    "+１４１５５５５０１００",           # full-width digits
    "+١٤١٥٥٥٥٠١٠٠",                 # Arabic-Indic digits
    "+14155550100;ext=12", "+14155550100 x12", "+14155550100#12",
    "+14155550100w123", "+14155550100p1", "+14155550100,,12",
    "+14155550100\n", "+1415\x005550100", "+1 415 555 0100", "+1(415)5550100", "14155550100",
])
def test_to_must_be_plain_ascii_e164(to):
    with pytest.raises(OutboundRefused) as e:
        check_destination(to, FROM, {"US"}, [FROM])
    assert e.value.status == 422


def test_allowlist_defaults_to_the_configured_caller_ids_country():
    assert check_destination("+14155550100", FROM, None, [FROM]) == ("+14155550100", FROM)
    with pytest.raises(OutboundRefused) as e:
        check_destination("+2348012345678", FROM, None, [FROM])
    assert e.value.status == 403


def test_caller_id_is_only_a_configured_one():
    assert choose_caller_id(None, [FROM, "+14155550198"]) == FROM
    assert choose_caller_id("+14155550198", [FROM, "+14155550198"]) == "+14155550198"
    for chosen in ("+442079460000", "+2348012345679"):
        with pytest.raises(OutboundRefused) as e:
            choose_caller_id(chosen, [FROM])
        assert e.value.status == 403
    with pytest.raises(OutboundRefused) as e:
        choose_caller_id(None, [])
    assert e.value.status == 503


def test_settings_list_every_configured_caller_id():
    s = Settings(_env_file=None, twilio_from_number=FROM, outbound_from_numbers="+14155550198, +14155550199")
    assert s.from_numbers() == [FROM, "+14155550198"]


def test_language_must_be_supported():
    assert CallRequest(to=FROM, language="ES").language == "es"
    with pytest.raises(ValueError):
        CallRequest(to=FROM, language="xx")


def test_key_id_needs_the_server_secret():
    import hashlib

    assert key_id(b"secret-1", "weak") != key_id(b"secret-2", "weak")
    assert key_id(b"secret-1", "weak")[:8] != hashlib.sha256(b"weak").hexdigest()[:8]


# --- forwarded headers ----------------------------------------------------------------------

FORWARDED = {"x-forwarded-host": "evil.example.com", "x-forwarded-proto": "http"}


def test_forwarded_headers_are_ignored_from_untrusted_peers():
    s = Settings(_env_file=None, public_host="gw.example.com")
    assert public_request_url(s, "/twilio/voice", FORWARDED, peer="203.0.113.9") == "https://gw.example.com/twilio/voice"
    s = Settings(_env_file=None, public_host="gw.example.com", forwarded_allow_ips="10.0.0.0/8")
    assert public_request_url(s, "/twilio/voice", FORWARDED, peer="203.0.113.9") == "https://gw.example.com/twilio/voice"


def test_forwarded_headers_from_a_trusted_proxy():
    s = Settings(_env_file=None, public_host="gw.example.com", forwarded_allow_ips="10.0.0.0/8, 192.0.2.1")
    assert public_request_url(s, "/v", FORWARDED, peer="10.1.2.3") == "http://evil.example.com/v"
    assert public_request_url(s, "/v", {"x-forwarded-proto": "javascript"}, peer="192.0.2.1") == "https://gw.example.com/v"
    assert public_request_url(s, "/v", {"x-forwarded-host": "a b/c"}, peer="192.0.2.1") == "https://gw.example.com/v"
    assert public_request_url(s, "/s", FORWARDED, websocket=True, peer="10.1.2.3") == "wss://evil.example.com/s"


# --- registry -------------------------------------------------------------------------------

def test_one_live_stream_per_call_sid_and_atomic_capacity():
    registry = CallRegistry()
    assert registry.claim(CALL, max_calls=2) is None
    assert registry.claim(CALL, max_calls=2) == "duplicate"
    assert registry.claim("CA" + "c" * 32, max_calls=2) is None
    assert registry.claim("CA" + "d" * 32, max_calls=2) == "capacity"
    assert len(registry.active) == 2
    registry.release(CALL)
    assert registry.claim(CALL, max_calls=2) is None


# --- logging --------------------------------------------------------------------------------

def test_pipecat_close_error_on_an_ordinary_hang_up_is_logged_as_info():
    from loguru import logger

    from gateway.cli import _setup_logging

    _setup_logging("INFO")
    seen = []
    sink = logger.add(lambda m: seen.append((m.record["level"].name, m.record["message"])), level="INFO")
    pipecat_module = {"logger": logger, "__name__": "pipecat.transports.websocket.fastapi"}
    try:
        # Pipecat's own words when the caller already closed the socket (empty WebSocketDisconnect text),
        # and when a close really fails.
        exec("logger.error('<FastAPIWebsocketClient> exception while closing the websocket: ')", pipecat_module)
        exec("logger.error('<FastAPIWebsocketClient> exception while closing the websocket: boom')", pipecat_module)
    finally:
        logger.remove(sink)
    assert seen[0] == ("INFO", "the caller had already closed the socket (ordinary hang-up)")
    assert seen[1][0] == "ERROR"
