"""End to end (issue 13, item 1): a backchannel or a cough over the flight list costs the caller
nothing; "wait, no, Tuesday" stops the bot and is answered. Real gateway, simulated Twilio caller,
what the caller heard transcribed with Whisper. The gap at the resume is measured in
``bench/resume_gap.py``, not asserted here."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import date

import pytest

from gateway.caller import SimulatedCaller, Turn, format_transcript, transcribe_bot
from tests.conftest import fixture
from tests.test_cloud_e2e import cascade_fakes, cascade_gateway, place_call, played_marks, said  # noqa: F401 (fixture)

pytestmark = pytest.mark.e2e

#: into the flight list: ~5.2 s into the list, after the filler ("Let me check flights from Boston to
#: Chicago.", ~2.6 s of Piper audio), counted in audio heard so that it does not matter whether a
#: gap separates the filler from the list (a fast search leaves none)
BARGE_HEARD_MS = 2600 + 5200


def over_the_list(gateway, listener, stem: str):
    turns = [Turn(fixture("en_greeting_request")), Turn(fixture(stem), barge_in_heard_ms=BARGE_HEARD_MS)]
    result = asyncio.run(SimulatedCaller(gateway.ws_url, turns, hangup_after_s=25, quiet_ms=1500).run())
    transcribe_bot(result, listener, ["en"])
    print(format_transcript(result))
    assert len(result.turns) == 2, "the bot never read the flight list, so nothing was spoken over it"
    return result


def answer_text(result) -> str:
    """Everything the bot said after the request, as heard (lower case)."""
    return " ".join(u.text for u in result.bot if u.start > result.turns[0]["speech_end"]).lower()


def assert_whole_answer_once(result) -> None:
    said = answer_text(result)
    assert said.count("i found") == 1, said  # no restart from the top
    for ordinal in ("second", "third"):
        assert said.count(f"the {ordinal}") == 1, (ordinal, said)  # each sentence, once
    assert re.search(r"anything else|another flight", said), said  # to the end
    assert "let me check" in said and said.count("let me check") == 1, said  # no second preamble


def test_a_backchannel_over_the_list_resumes_it(gateway, listener):
    result = over_the_list(gateway, listener, "en_backchannel_okay")
    barge = result.turns[1]
    clears = [t for t in result.times("clear") if t >= barge["speech_start"]]
    assert clears, "the backchannel did not cut the bot off: nothing to resume was tested"
    assert any(u.start > clears[0] for u in result.bot), "the bot never went on"
    assert_whole_answer_once(result)


def test_a_cough_over_the_list_costs_nothing(gateway, listener):
    # Silero may not even rate a cough as speech (then no clear is sent); either way the caller
    # hears the whole answer, once.
    result = over_the_list(gateway, listener, "en_cough")
    assert_whole_answer_once(result)


def test_wait_no_tuesday_stops_the_list_and_searches_tuesday(gateway, listener):
    before = gateway.log()
    result = over_the_list(gateway, listener, "en_wait_no_tuesday")
    barge = result.turns[1]
    assert [t for t in result.times("clear") if t >= barge["speech_start"]], "no clear on a real barge-in"
    new_log = gateway.log()[len(before):]
    searched = [date.fromisoformat(d) for d in re.findall(r"search_flights \w+->\w+ on (\d{4}-\d{2}-\d{2})", new_log)]
    assert len(searched) == 2, searched
    assert searched[1].weekday() == 1 and searched[1] != searched[0], searched  # Tuesday, the new date
    assert "false interruption" not in new_log


def test_wait_no_tuesday_over_the_goodbye_keeps_the_call_and_searches_tuesday(gateway, listener):
    # The caller speaks over the goodbye: the dialogue goes on where it was, the gateway withdraws
    # the hang-up the goodbye asked for (its 15 s fallback would otherwise end the call), and the
    # Tuesday is searched. The caller hangs up themselves, more than 15 s after the goodbye.
    before = gateway.log()
    turns = [Turn(fixture("en_greeting_request")), Turn(fixture("en_goodbye")),
             Turn(fixture("en_wait_no_tuesday"), barge_in_ms=400)]
    result = asyncio.run(SimulatedCaller(gateway.ws_url, turns, hangup_after_s=16, quiet_ms=1500).run())
    new_log = gateway.log()[len(before):]
    barge = result.turns[2]
    assert [t for t in result.times("clear") if t >= barge["speech_start"]], "the goodbye was not cut off"
    assert "hang-up withdrawn" in new_log
    searched = [date.fromisoformat(d) for d in re.findall(r"search_flights \w+->\w+ on (\d{4}-\d{2}-\d{2})", new_log)]
    assert len(searched) == 2 and searched[1].weekday() == 1, searched
    assert not result.closed_by_gateway, "the gateway ended the call the caller had reopened"


# --- the cascade profile (Deepgram + LLM + Cartesia fakes: words are scripted, voices are tones) ----

def cascade_call_barged_into(fakes, first: str, then: str, barge_in_ms: int):
    """A cascade call: ``first`` said, then ``then`` spoken ``barge_in_ms`` into the bot's reply
    (each fixture's words scripted for the Deepgram fake). Returns the call's result, the gateway
    log, the ``clear`` times after the barge-in's onset (at least one: asserted), the caller words
    the LLM was sent, and what Cartesia was asked to say after the first ``clear``."""
    deepgram, chat, cartesia = fakes
    for entry in (said(first), said(then)):
        deepgram.transcripts.push(entry)
    server = cascade_gateway(fakes)
    try:
        result = place_call(server, Turn(fixture(first)), Turn(fixture(then), barge_in_ms=barge_in_ms),
                            hangup_after_s=12)
        assert server.alive()
        log = server.log()
    finally:
        server.stop()
    clears = [t for t in result.times("clear") if t > result.turns[1]["speech_start"]]
    assert clears, f"{then} did not cut the bot off: nothing to resume was tested"
    users = [m.get("content") for r in chat.requests for m in r.message["messages"] if m.get("role") == "user"]
    after = [r.message["transcript"] for r in cartesia.requests
             if r.message.get("transcript") and r.at - result.wall_t0 > clears[0]]
    return result, log, clears, users, after


def test_cascade_a_backchannel_over_the_results_resumes_them_without_the_llm(cascade_fakes):
    deepgram, chat, cartesia = cascade_fakes
    result, log, clears, users, after = cascade_call_barged_into(cascade_fakes, "en_greeting_request",
                                                                 "en_backchannel_okay", 6000)
    barge = result.turns[1]
    # The LLM never heard the backchannel: no request carries it as the caller's words.
    assert not any("Okay, yeah" in (u or "") for u in users), users
    # After the clear Cartesia was asked for the rest of the read-out, from a sentence start, and
    # the caller heard audio again.
    assert after, (cartesia.transcripts(), log[-2000:])
    speech = next(json.loads(m["content"])["speech"] for r in chat.requests for m in r.message["messages"]
                  if m.get("role") == "tool" and "speech" in (m.get("content") or ""))
    assert all(t.strip() in speech for t in after), (after, speech)  # the answer's own sentences
    before = [r.message["transcript"].strip() for r in cartesia.requests
              if r.message.get("transcript") and r.at - result.wall_t0 <= clears[0]]
    assert after[0].strip() in before, (after, before)  # the cut sentence is said again, whole
    assert "false interruption (backchannel)" in log
    assert any(t > barge["speech_end"] for t in result.times("media_in")), "the bot never went on"


def test_cascade_a_closing_over_the_llms_goodbye_goes_on_with_it_and_the_call_ends(cascade_fakes):
    # "Thanks, bye." over the LLM's goodbye: no second goodbye from the LLM, the cut goodbye goes on
    # from its sentence, and its hang-up request with it, so the call ends once that has played.
    deepgram, chat, cartesia = cascade_fakes
    result, log, clears, users, after = cascade_call_barged_into(cascade_fakes, "en_goodbye", "en_thanks_bye", 300)
    assert not any("Thanks, bye" in (u or "") for u in users), users  # the LLM never heard it
    assert [getattr(d, "name", "") for d in chat.replies if d is not None].count("end_call") == 1, chat.replies
    assert after and all(t.strip() in "Thank you for calling. Goodbye!" for t in after), after
    assert "false interruption (closing over the goodbye)" in log
    assert result.closed_by_gateway, "the resumed goodbye did not end the call"
    assert "hangup" in played_marks(result, result.times("closed")[0])
