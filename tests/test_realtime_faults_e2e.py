"""End to end, the realtime profile against a Realtime server that misbehaves as the API documents it
may: recoverable ``error`` events, a response that ends ``failed``, an upgrade refused at the call's
start; and the gateway's own words (idle re-prompts), which no TTS speaks in a speech-to-speech
pipeline. A real gateway (``PROFILE=realtime``) and the local Realtime server
(:mod:`testkit.fake_openai_realtime`), simulated Twilio calls (:mod:`gateway.caller`).

Server events: https://platform.openai.com/docs/api-reference/realtime-server-events
"""

from __future__ import annotations

import pytest

from dialogue.phrases import phrase
from gateway.caller import Turn
from tests.conftest import fixture
from tests.test_cloud_e2e import act_when, place_call, played_marks, realtime_gateway, said

pytestmark = pytest.mark.e2e

ANSWER = "145 dollars"  # in the scripted model's answer to the request (testkit.fake_llm_script)


@pytest.fixture
def realtime_fake():
    from testkit.fake_openai_realtime import FakeRealtime

    fake = FakeRealtime()
    yield fake
    fake.close()


def _texts(fake) -> list[str]:
    return [getattr(d, "text", "") or "" for d in fake.replies if d is not None]


def _request_call(fake, hangup_after_s: float = 14, **env):
    """One request call on a fresh realtime gateway; the server and the call's result."""
    fake.transcripts.push(said("en_greeting_request"))
    server = realtime_gateway(fake, **env)
    try:
        result = place_call(server, Turn(fixture("en_greeting_request")), hangup_after_s=hangup_after_s)
        assert server.alive()
    finally:
        server.stop()
    return result


def test_an_error_event_keeps_the_session_and_the_request_is_answered(realtime_fake):
    # "Most errors are recoverable and the session will stay open": one server_error event used to
    # end the session (Pipecat leaves its receive loop), the gateway reconnected and the model said
    # "the line dropped, say that again" instead of answering
    fake = realtime_fake
    sent: list[float] = []
    act_when(lambda: bool(fake.replies), fake.send_error_event, 0.3, sent)  # during the greeting
    _request_call(fake)
    texts = _texts(fake)
    print(texts)
    assert sent
    assert fake.connections == 2, "start-up check and the call: no reconnect"
    assert not any("line dropped" in t for t in texts), texts
    assert any(ANSWER in t for t in texts), texts


def test_errors_on_every_session_update_do_not_loop(realtime_fake):
    # every session.update answered with an invalid_request_error: the gateway reconnected after
    # each (5,780 reconnections in 38 s), and the caller heard nothing
    fake = realtime_fake
    fake.error_on_session_update = True
    result = _request_call(fake)
    print(_texts(fake), fake.connections)
    assert fake.connections == 2
    assert result.first_audio_after(0.0) is not None, "the caller heard nothing"


def test_a_failed_response_is_asked_again(realtime_fake):
    # response.done with status "failed" (server_error): Pipecat only logs it; the caller waited in
    # silence (20 s, until hanging up)
    fake = realtime_fake
    fake.fail_responses = 1
    result = _request_call(fake)
    texts = _texts(fake)
    print(texts, fake.failed)
    assert len(fake.failed) == 1
    assert any(ANSWER in t for t in texts), texts
    assert not result.closed_by_gateway  # the call went on


def test_failed_responses_again_and_again_are_apologised_for_and_the_call_ended(realtime_fake):
    from processors.vendor_apology import clip_pcm

    fake = realtime_fake
    fake.fail_responses = 10
    result = _request_call(fake, hangup_after_s=25)
    print(_texts(fake), fake.failed)
    assert len(fake.failed) == 2  # asked again once, then no more
    assert result.closed_by_gateway
    closed = result.times("closed")[0]
    assert "hangup" in played_marks(result, closed)
    apology_s = len(clip_pcm("en")) / 2 / 8000
    last = [u for u in result.bot if u.end <= closed + 0.1][-1]
    assert last.end - last.start >= apology_s - 0.3, (last, apology_s)  # the apology clip, in full


def test_an_upgrade_refused_at_the_call_start_is_tried_again(realtime_fake):
    # the call's own upgrade refused (503) after the start-up check passed: no session, no receive
    # task, and the call stayed silent (43 s, no media at all)
    fake = realtime_fake
    upgrades = len(fake.upgrades)
    server = realtime_gateway(fake)
    try:
        fake.refuse_upgrades = 1  # the call's first attempt
        fake.transcripts.push(said("en_greeting_request"))
        result = place_call(server, Turn(fixture("en_greeting_request")), hangup_after_s=14)
        assert server.alive()
    finally:
        server.stop()
    texts = _texts(fake)
    print(texts, fake.upgrades[upgrades:])
    assert fake.rejected == 1
    assert result.first_audio_after(0.0) is not None and result.first_audio_after(0.0) < 3.0
    assert any(ANSWER in t for t in texts), texts


def test_a_service_that_cannot_be_reached_at_the_call_start_is_apologised_for(realtime_fake):
    fake = realtime_fake
    server = realtime_gateway(fake)
    try:
        fake.reject_status = 503  # after the start-up check: every upgrade of the call refused
        result = place_call(server, hangup_after_s=20)
        assert server.alive()
    finally:
        server.stop()
    assert fake.rejected >= 2
    first = result.first_audio_after(0.0)
    assert first is not None and first < 3.0, first  # the apology, not dead air
    assert result.closed_by_gateway and "hangup" in played_marks(result, result.times("closed")[0])


def test_a_silent_caller_hears_the_reprompts_and_the_goodbye(realtime_fake):
    # the idle re-prompts and goodbye are TTSSpeakFrames: no TTS speaks them in this pipeline, so
    # the caller heard nothing and was hung up on in silence
    fake = realtime_fake
    server = realtime_gateway(fake, IDLE_REPROMPT_SECS="2", IDLE_MAX_REPROMPTS="2")
    try:
        result = place_call(server, hangup_after_s=40)
        assert server.alive()
    finally:
        server.stop()
    texts = _texts(fake)
    print(texts)
    reprompt, goodbye = phrase("en", "idle_reprompt"), phrase("en", "idle_goodbye")
    assert sum(t.startswith(reprompt) for t in texts) == 2, texts
    assert texts[-1] == goodbye, texts
    assert len(result.bot) >= 4, result.bot  # the greeting, two re-prompts, the goodbye: heard
    closed = result.times("closed")[0]
    assert result.closed_by_gateway
    # the hang-up came after the caller heard the goodbye
    assert "hangup" in played_marks(result, closed) and result.bot[-1].end <= closed + 0.1
