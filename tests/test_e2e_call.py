"""End to end: a real uvicorn gateway on 127.0.0.1, simulated Twilio calls with the WAV fixtures, and
the bot's audio transcribed back with Whisper to assert on what the caller actually heard."""

from __future__ import annotations

import asyncio
import json
import re
import time

import httpx
import pytest

from dialogue.policy import FlightDialogue
from dialogue.understanding import is_substantive
from gateway.caller import SimulatedCaller, Turn, fixture_texts, format_transcript, transcribe_bot
from testkit.server import fixture
from tests.conftest import E2E_API_KEY

pytestmark = pytest.mark.e2e

TIME_SPOKEN = re.compile(r"\b\d{1,2}(:\d{2})?\s*(a\.?m\.?|p\.?m\.?)|\b\d{1,2}:\d{2}\b", re.I)


def call(gateway, listener, *turns: Turn, **kwargs):
    result = asyncio.run(SimulatedCaller(gateway.ws_url, list(turns), **kwargs).run())
    transcribe_bot(result, listener, ["en"])
    print(format_transcript(result))
    return result


def bot_text(result) -> str:
    return " ".join(u.text for u in result.bot).lower()


def test_full_call_speaks_a_flight_and_goodbye_ends_the_call(gateway, listener):
    result = call(gateway, listener, Turn(fixture("en_greeting_request")), Turn(fixture("en_goodbye")))
    said = bot_text(result)
    assert "chicago" in said
    assert TIME_SPOKEN.search(said), said
    assert "goodbye" in said or "bye" in said
    # The gateway ended the call itself, after Twilio reported the goodbye played (mark echo).
    assert result.closed_by_gateway
    played = [d["name"] for _, k, d in result.events if k == "mark_played"]
    assert "hangup" in played
    assert result.times("mark_played")[-1] <= result.times("closed")[0]
    # The bot never interrupts itself: a `clear` only comes while the caller is speaking. On a
    # fast machine the bot may answer "That's all," in the pause after the comma, and the rest of
    # the caller's sentence is then a real barge-in over that answer.
    spoken = [(t["speech_start"], t["speech_end"]) for t in result.turns]
    assert all(any(start <= c <= end + 0.5 for start, end in spoken) for c in result.times("clear"))
    # The ended call's freed heap pages went back to the OS (a trim in a worker thread, just after
    # the stream closed: waited for, up to 5 s).
    assert _heap_trims(gateway, wait_s=5.0) >= 1


def _heap_trims(gateway, wait_s: float) -> float:
    deadline = time.monotonic() + wait_s
    while True:
        m = re.search(r"^gateway_heap_trim_seconds_count (\S+)$", httpx.get(f"{gateway.base}/metrics").text, re.M)
        if (m and float(m.group(1)) >= 1) or time.monotonic() > deadline:
            return float(m.group(1)) if m else 0.0
        time.sleep(0.1)


def call_record(gateway, call_sid: str, wait_s: float = 5.0) -> dict:
    """``GET /calls/{call_sid}`` once the gateway has written the ended call's record (it does so
    just after the stream closes; 404 until then)."""
    deadline = time.monotonic() + wait_s
    while True:
        r = httpx.get(f"{gateway.base}/calls/{call_sid}", headers={"Authorization": f"Bearer {E2E_API_KEY}"})
        if r.status_code != 404 or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert r.status_code == 200, r.text
    return r.json()


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z0-9']+", text.lower()))


def test_missing_date_is_asked_for(gateway, listener):
    result = call(gateway, listener, Turn(fixture("en_route_only")), Turn(fixture("en_date_only")))
    first_reply = " ".join(u.text for u in result.bot if u.start > result.turns[0]["speech_end"]
                           and u.start < result.turns[1]["sent_at"]).lower()
    heard = [t["text"] for t in call_record(gateway, result.call_sid)["transcript"] if t["role"] == "caller"]
    # The whole utterance reached the brain as one turn ("I want to fly from New York to London.").
    spoken = words(fixture_texts()["en_route_only"])
    assert len(spoken & words(heard[0])) >= 0.6 * len(spoken), heard
    # What the caller heard is the dialogue's answer to what the gateway heard. Whisper sometimes
    # mishears a word of this robotic voice ("for me, York" for "from New York", ~5 % of segment
    # offsets): recognition is measured in bench/recognition.py, not asserted here.
    dialogue = FlightDialogue("en")
    dialogue.greeting()
    answer = dialogue.handle_user(heard[0]).say
    assert len(words(answer) & words(first_reply)) >= 0.6 * len(words(answer)), (answer, first_reply)
    assert "london" in bot_text(result)
    if dialogue.slots.origin and dialogue.slots.destination:  # the route was heard: only the date is asked
        assert re.search(r"\b(when|date|day|leave)\b", first_reply), first_reply  # "What day would you like to leave?"
        # ... and the date answer gets flights read out
        assert TIME_SPOKEN.search(bot_text(result)), bot_text(result)


def test_pause_mid_request_is_one_turn_answered_once(gateway, listener):
    result = call(gateway, listener, Turn(fixture("en_pause_mid_request")))
    replies = [u for u in result.bot if u.start > result.turns[0]["sent_at"]]
    said = " ".join(u.text for u in replies).lower()
    assert "chicago" in said
    heard = [t["text"] for t in call_record(gateway, result.call_sid)["transcript"] if t["role"] == "caller"]
    print("heard:", heard)
    if len(heard) > 1:
        # Whisper heard the greeting segment as something else (a CI run: "Hide there.", an unknown
        # place): a substantive turn is rightly not held, and the resumed request barges in. The
        # hold itself is checked with scripted transcripts in tests/test_turn_stop.py.
        assert is_substantive(heard[0], "en"), heard
        return
    assert not result.times("clear"), "the bot interrupted itself"
    # Answered once: one filler for the search, no separate answer to "Hi there."
    assert said.count("let me check") <= 1
    assert not re.search(r"where would you like|where are you flying", said), said


def test_barge_in_sends_clear_and_stops_the_reply(gateway, listener):
    result = call(gateway, listener, Turn(fixture("en_greeting_request")),
                  Turn(fixture("en_barge_in"), barge_in_ms=1200))
    barge = result.turns[1]
    clears = [t for t in result.times("clear") if t > barge["speech_start"]]
    assert clears, "no clear after the caller barged in"
    # (How soon after the onset: "barge-in onset -> clear" in bench/turn_latency.py.)
    # No more audio of the interrupted reply: nothing arrives in the 0.3 s after the clear. (A new
    # reply can come sooner than the end of the caller's sound: "Wait, stop." may reach the brain
    # as "Wait." first, answered before "stop."; but never within 0.3 s of the onset's clear,
    # since it needs the VAD's stop and a decode.)
    late = [t for t in result.times("media_in") if clears[0] < t < clears[0] + 0.3]
    assert not late, f"{len(late)} media messages within 0.3 s after clear"


def test_malformed_websocket_input_never_crashes_the_server(gateway):
    from websockets.asyncio.client import connect

    async def abuse():
        async with connect(gateway.ws_url) as ws:
            await ws.send("not json")
            await ws.send(json.dumps({"event": "media", "media": {"payload": "AAAA"}}))  # media before start
            await ws.send(json.dumps({"event": "connected", "protocol": "Call"}))
            await ws.send(json.dumps({"event": "start", "start": {
                "streamSid": "MZ" + "1" * 32, "callSid": "CA" + "1" * 32, "accountSid": "AC" + "1" * 32,
                "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                "customParameters": {}}}))
            for bad in ["{{{", "[]", json.dumps({"event": "media", "media": {"payload": "%%%bad%%%"}}),
                        json.dumps({"event": "bogus"}), json.dumps({"event": "media", "media": 5}),
                        b"\x00\xff binary"]:
                await ws.send(bad)
            # The call is alive: the bot's greeting audio still arrives.
            got_media = False
            for _ in range(200):
                msg = json.loads(await asyncio.wait_for(ws.recv(), 10))
                if msg.get("event") == "media":
                    got_media = True
                    break
            await ws.send(json.dumps({"event": "stop", "stop": {"callSid": "CA" + "1" * 32}}))
            return got_media

    async def no_start():
        async with connect(gateway.ws_url) as ws:
            await ws.send(json.dumps({"event": "start", "start": {"streamSid": "MZ1"}}))  # no callSid
            try:
                await asyncio.wait_for(ws.recv(), 5)
            except Exception as e:  # closed by the gateway with a policy-violation code
                return getattr(e, "rcvd", None) and e.rcvd.code
        return None

    dropped_before = _dropped_messages(gateway)
    assert asyncio.run(abuse())
    assert asyncio.run(no_start()) == 1008
    assert gateway.alive()
    health = _idle_health(gateway)
    assert health["status"] == "ok"
    # This call's malformed text messages after `start` (five; counted when the call ended) were
    # dropped and counted, and the call went on: read from the metrics, not the shared server log.
    assert _dropped_messages(gateway) - dropped_before >= 5


def _idle_health(gateway) -> dict:
    """/health once no call is active (the calls above have ended and been counted)."""
    for _ in range(100):
        health = httpx.get(f"{gateway.base}/health").json()
        if health["active_calls"] == 0:
            return health
        time.sleep(0.1)
    raise AssertionError(f"calls still active: {health}")


def _dropped_messages(gateway) -> float:
    text = httpx.get(f"{gateway.base}/metrics").text
    m = re.search(r"^gateway_stream_bad_messages_total (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0
