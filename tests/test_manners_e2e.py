"""Manners end to end (issue 13 acceptance d–g): a real gateway, the simulated caller, the fake Twilio.

Two calls on one server (short re-prompt timings, recording on, a transfer number) cover four
checks: a silent caller is re-prompted twice, then hung up through REST (d); "I'd like to talk to a
person" makes the gateway update the live call with TwiML that dials ``TRANSFER_NUMBER`` (e); each
call leaves a stereo WAV with both sides (f); ``GET /calls/{sid}`` shows the turns, the search and
the ending, 404 for an unknown SID and 401 without a key (g). One short call on the default server
(recording off) leaves no WAV (f).
"""

from __future__ import annotations

import asyncio
import time
import wave
import xml.etree.ElementTree as ET
from urllib.parse import parse_qs, urlparse

import httpx
import numpy as np
import pytest

from gateway.caller import SimulatedCaller, Turn, format_transcript, transcribe_bot
from tests.conftest import ROOT, GatewayServer, fixture
from testkit.fake_twilio import FakeTwilio

pytestmark = pytest.mark.e2e

ACCOUNT = "AC" + "9" * 32
TOKEN = "manners-e2e-token"
TRANSFER_NUMBER = "+14155550142"
CALLER = "+15551230077"
KEY = "manners-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture(scope="module")
def fake_twilio():
    fake = FakeTwilio(ACCOUNT, TOKEN)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def recordings(tmp_path_factory):
    return tmp_path_factory.mktemp("recordings")


@pytest.fixture(scope="module")
def mannered(fake_twilio, recordings):
    server = GatewayServer(env={
        "TWILIO_ACCOUNT_SID": ACCOUNT, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_BASE_URL": fake_twilio.base_url,
        # the simulated caller opens unsigned streams; REST (hang-up, transfer) still uses the credentials
        "INSECURE_SKIP_TWILIO_SIGNATURE": "true",
        "GATEWAY_API_KEYS": KEY, "TRANSFER_NUMBER": TRANSFER_NUMBER,
        "IDLE_REPROMPT_SECS": "2", "IDLE_MAX_REPROMPTS": "2",
        "RECORD_CALLS": "true", "RECORDINGS_DIR": str(recordings), "LOG_LEVEL": "INFO",
    })
    yield server
    server.stop()


def _call(url: str, listener, turns: list[Turn], fake: FakeTwilio | None = None, **kwargs):
    caller = SimulatedCaller(url, turns, parameters={"From": CALLER, "To": "+15559870000"}, **kwargs)
    if fake is not None:
        fake.add_call(caller.result.call_sid, to="+15559870000", from_=CALLER)
    result = asyncio.run(caller.run())
    transcribe_bot(result, listener, ["en"])
    print(format_transcript(result))
    return result


def _updates(fake: FakeTwilio, sid: str, timeout: float = 10.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [u for u in fake.updates() if sid in u.path]
        if found:
            return found
        time.sleep(0.1)
    return []


def _channels(path) -> tuple[np.ndarray, np.ndarray, int, int]:
    with wave.open(str(path)) as w:
        rate, channels = w.getframerate(), w.getnchannels()
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16).reshape(-1, channels).astype(float)
    return pcm[:, 0], pcm[:, -1], rate, channels


def _rms_dbfs(x: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean((x / 32768.0) ** 2)) + 1e-12)


def test_silent_caller_is_reprompted_twice_then_hung_up(mannered, fake_twilio, listener, recordings):
    result = _call(mannered.ws_url, listener, [], fake_twilio, hangup_after_s=45)
    said = [u.text.lower() for u in result.bot]
    assert any("recorded" in s for s in said[:2]), said  # the greeting says the call is recorded
    assert sum("still there" in s for s in said) == 2, said
    assert "goodbye" in said[-1] or "bye" in said[-1], said
    assert result.closed_by_gateway
    hangup_played = next(t for t, k, d in result.events if k == "mark_played" and d["name"] == "hangup")
    (update,) = _updates(fake_twilio, result.call_sid)
    assert update.param("Status") == "completed" and update.at >= result.wall_t0 + hangup_played - 0.05

    record = mannered.ended_call_record(result.call_sid, KEY)
    assert record["ending"] == "idle" and record["idle_reprompts"] == 2
    assert record["from"] == "*" * (len(CALLER) - 4) + CALLER[-4:] and "transcript" not in record
    assert (recordings / f"{result.call_sid}.wav").exists()


def test_asking_for_a_person_transfers_the_live_call(mannered, fake_twilio, listener, recordings):
    result = _call(mannered.ws_url, listener,
                   [Turn(fixture("en_greeting_request")), Turn(fixture("en_transfer_request"))], fake_twilio)
    assert "transferring" in " ".join(u.text.lower() for u in result.bot)
    assert result.closed_by_gateway
    updates = _updates(fake_twilio, result.call_sid)
    twiml = [u.param("Twiml") for u in updates if u.param("Twiml")]
    assert len(twiml) == 1 and not [u for u in updates if u.param("Status") == "completed"]  # no hang-up
    dial = ET.fromstring(twiml[0]).find("Dial")
    number = dial.find("Number")
    assert number.text == TRANSFER_NUMBER and dial.get("callerId") == CALLER
    whisper = parse_qs(urlparse(number.get("url")).query)["text"][0]
    assert "Boston" in whisper and "Chicago" in whisper

    # the recording: stereo 8 kHz, the caller's speech on the left, the bot on the right
    left, right, rate, channels = _channels(recordings / f"{result.call_sid}.wav")
    assert (rate, channels) == (8000, 2)
    assert len(left) / rate >= result.turns[-1]["speech_end"] - 1.0  # the whole call, to the last turn
    assert _rms_dbfs(left) > -60 and _rms_dbfs(right) > -60

    # the call's record
    r = httpx.get(f"{mannered.base}/calls/{result.call_sid}", headers=AUTH)
    assert r.status_code == 200, r.text
    record = r.json()
    assert record["ending"] == "transfer" and record["transfer"] == "transferred"
    assert record["direction"] == "inbound" and record["ended_at"] > record["started_at"]
    assert len(record["turns"]) >= 2 and all(t["latency_ms"] > 0 for t in record["turns"] if t["latency_ms"])
    (search,) = record["searches"]
    assert search["origin"] == "BOS" and search["results"] > 0 and search["fallback"] is False
    assert record["recording"].endswith(f"{result.call_sid}.wav")
    assert record["languages"]["start"] == "en" and record["interruptions"] == {"real": 0, "false": 0}

    assert httpx.get(f"{mannered.base}/calls/CA{'0' * 32}", headers=AUTH).status_code == 404
    assert httpx.get(f"{mannered.base}/calls/{result.call_sid}").status_code == 401


def test_without_record_calls_no_audio_is_written(gateway, listener):
    result = _call(gateway.ws_url, listener, [Turn(fixture("en_goodbye"))])
    said = " ".join(u.text.lower() for u in result.bot)
    assert "flight desk" in said and "recorded" not in said  # the greeting, without the notice
    assert result.turns  # the caller spoke: there was caller audio to write
    # RECORDINGS_DIR's default, relative to the server's working directory
    assert not (ROOT / "recordings" / f"{result.call_sid}.wav").exists()
    assert "recording written" not in gateway.log()
