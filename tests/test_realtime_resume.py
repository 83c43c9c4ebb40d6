"""Issue 13, item 1, for the ``realtime`` profile: a backchannel or a cough (no words) over the bot's
answer costs the caller nothing; a real interruption is answered. Real gateway, simulated Twilio caller, the local OpenAI
Realtime server (:mod:`testkit.fake_openai_realtime`: its voice is a tone of 55 ms per character,
its VAD hears the fixture's audio and reports the fixture's words).

Both orders the API can send a turn's events in are run: the transcription before the answer, and
(``transcription_delay_secs``) the answer's audio first, the transcription 0.6 s later."""

from __future__ import annotations

import pytest

from gateway.caller import Turn
from processors.realtime_llm import SAY_INSTRUCTIONS, unheard_part
from processors.resume import sentences
from testkit.fake_vendor_base import speech_ms_for
from tests.conftest import fixture
from tests.test_cloud_e2e import place_call, realtime_fake, realtime_gateway, said  # noqa: F401 (fixture)

KEY = "realtime-resume-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}
LIST = ("I found three flights. The first leaves at 7:05 and costs 145 dollars. "
        "The second leaves at 9:40 and costs 160 dollars. The third leaves at 18:15 and costs 98 dollars.")


# --- which words a resume asks for -------------------------------------------------------------------


def test_unheard_part_starts_at_the_sentence_the_caller_was_in():
    rate = len(LIST) / 6000  # 6 s of audio for the whole reply
    s0, s1, s2, s3 = sentences(LIST)
    assert s1.startswith("The first") and s3.startswith("The third")
    assert unheard_part(LIST, 0, rate) == LIST
    # cut inside the first sentence: all of it again
    assert unheard_part(LIST, int(len(s0) / 2 / rate), rate) == LIST
    # cut inside the second: from the second, the first not again
    in_s1 = int((len(s0) + 1 + len(s1) / 2) / rate)
    assert unheard_part(LIST, in_s1, rate) == " ".join([s1, s2, s3])
    # cut just after the second ended: from the third
    after_s1 = int((len(s0) + 1 + len(s1) + 1) / rate) + 1
    assert unheard_part(LIST, after_s1, rate) == " ".join([s2, s3])
    # inside the last one, and after all of it
    assert unheard_part(LIST, 5900, rate) == s3
    assert unheard_part(LIST, 6000, rate) == ""


# --- end to end ----------------------------------------------------------------------------------------


def audio_after(result, t: float) -> float:
    """Seconds of bot audio the caller heard after ``t``."""
    return sum(len(u.pcm) / 2 / 8000 for u in result.bot if u.start > t)


def over_the_answer(fake, stem: str, words: tuple[str, str], delay: float, request: str = "en_greeting_request"):
    fake.transcription_delay_secs = delay
    fake.transcripts.push(said(request, words[1]))
    fake.transcripts.push(words)
    # the caller stays silent for 12 s after the answer: no idle re-prompt may add to what is heard
    server = realtime_gateway(fake, GATEWAY_API_KEYS=KEY, IDLE_REPROMPT_SECS="30")
    try:
        # the filler ("Let me check flights from Boston to Chicago.", 2.4 s) and half of the list (6 s)
        # heard, then the caller's sound over the list
        result = place_call(server, Turn(fixture(request)),
                            Turn(fixture(stem), barge_in_heard_ms=2400 + 3000), hangup_after_s=12)
        assert server.alive()
        result.record = server.ended_call_record(result.call_sid, KEY)  # details are written at the call's end
    finally:
        server.stop()
    barge = result.turns[1]
    clears = [t for t in result.times("clear") if t >= barge["speech_start"]]
    assert clears, "the caller's sound did not cut the bot off: nothing was tested"
    return result, clears[0]


def sent(fake, kind: str) -> list[dict]:
    return [r.message for r in list(fake.sent) if r.message.get("type") == kind]


def resumes(fake) -> list[str]:
    """The per-response instructions that asked for a resume (not the gateway's own words, e.g. an
    idle re-prompt once the caller stays silent)."""
    say = SAY_INSTRUCTIONS.split("«")[0]
    return [i for i in fake.response_instructions if not i.startswith(say)]


@pytest.mark.e2e
@pytest.mark.parametrize("delay", [0.0, 0.6], ids=["words-first", "answer-first"])
@pytest.mark.parametrize("request_stem,stem,language", [("en_greeting_request", "en_backchannel", "en"),
                                                        ("es_route", "es_backchannel", "es"),
                                                        ("en_greeting_request", "en_cough", "en")])
def test_a_backchannel_or_a_cough_over_the_answer_resumes_it_from_the_sentence_cut(realtime_fake, delay, request_stem, stem,
                                                                       language):
    fake = realtime_fake
    result, clear = over_the_answer(fake, stem, said(stem, language), delay, request=request_stem)
    speech = max((getattr(d, "text", "") for d in fake.replies if d is not None), key=len)  # the flight list
    print("answer:", speech, "\ntruncations:", fake.truncations, "\nresume:", fake.response_instructions,
          "\ndeleted:", fake.deleted, "\nafter the clear:", audio_after(result, clear))

    # Exactly one resume, asking for whole sentences of the cut answer from the one the caller was in.
    assert len(resumes(fake)) == 1, fake.response_instructions
    rest = resumes(fake)[0].split("«", 1)[1].rsplit("»", 1)[0]
    assert speech.endswith(rest) and rest != speech, (rest, speech)  # no start from the top
    assert rest in [" ".join(sentences(speech)[i:]) for i in range(len(sentences(speech)))]
    cut = next(t for t in fake.truncations if t["audio_sent_ms"] >= 1000)
    heard_chars = cut["audio_end_ms"] / speech_ms_for(speech) * len(speech)
    assert len(speech) - len(rest) <= heard_chars + 1, "words the caller never heard were skipped"

    # The backchannel never reached the model's conversation, and its answer never reached the caller.
    backchannel_item = next(e["item_id"] for e in sent(fake, "conversation.item.input_audio_transcription.completed")
                            if e["transcript"] == said(stem)[0])
    assert backchannel_item in fake.deleted
    cancelled = [e["response"] for e in sent(fake, "response.done") if e["response"]["status"] == "cancelled"]
    cut_items = {t["item_id"] for t in fake.truncations}
    answer_items = [i["id"] for r in cancelled for i in r["output"] if i["id"] not in cut_items]
    assert fake.events("response.cancel"), "the answer to the backchannel was not cancelled"
    assert set(answer_items) <= set(fake.deleted), (answer_items, fake.deleted)
    heard_after = audio_after(result, clear)
    assert abs(heard_after - speech_ms_for(rest) / 1000) < 0.5, (heard_after, rest)
    assert result.record["interruptions"] == {"real": 0, "false": 1}
    assert "Sorry, could you say that again?" not in [getattr(d, "text", "") for d in fake.replies][-1:]


@pytest.mark.e2e
@pytest.mark.parametrize("delay", [0.0, 0.6], ids=["words-first", "answer-first"])
def test_wait_no_tuesday_over_the_answer_is_answered_not_resumed(realtime_fake, delay):
    fake = realtime_fake
    result, clear = over_the_answer(fake, "en_wait_no_tuesday", said("en_wait_no_tuesday"), delay)
    assert resumes(fake) == [], fake.response_instructions
    assert fake.deleted == []
    answer = "Of course, go ahead."  # the scripted model's answer to "wait"
    heard_after = audio_after(result, clear)
    print("after the clear:", heard_after)
    assert abs(heard_after - speech_ms_for(answer) / 1000) < 0.5, heard_after
    assert result.record["interruptions"] == {"real": 1, "false": 0}
