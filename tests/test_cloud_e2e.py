"""End to end, per cloud profile: a real gateway (``python -m gateway serve``) with ``PROFILE=realtime``
or ``PROFILE=cascade``, its vendor URLs pointed at the local vendor-protocol servers of this
directory, and simulated Twilio calls (:mod:`gateway.caller`) speaking the WAV fixtures.

The fakes' speech recognizers hear the fixtures' audio (by energy) and report the fixture's words
(the manifest text) as the scripted transcript; their voices are tones. So the dialogue is
asserted through what the vendors received and answered, and the caller's side through the
Media Streams messages it got (audio timing, ``clear``, marks, the hang-up).
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import httpx
import pytest

from dialogue.phrases import phrase
from gateway.caller import SimulatedCaller, Turn, fixture_texts
from tests.conftest import GatewayServer, fixture

pytestmark = pytest.mark.e2e

TEXTS = fixture_texts()
SPANISH_LINE = phrase("es", "system_prompt_language")  # the prompt is in the caller's language


def said(name: str, language: str = "en") -> tuple[str, str]:
    """The scripted transcript of fixture ``name``: its words, in ``language``."""
    return TEXTS[name], language


def place_call(server: GatewayServer, *turns: Turn, **kwargs):
    return asyncio.run(SimulatedCaller(server.ws_url, list(turns), **kwargs).run())


def played_marks(result, before: float) -> list[str]:
    return [d["name"] for t, k, d in result.events if k == "mark_played" and t <= before]


# --- realtime ---------------------------------------------------------------------------------------


@pytest.fixture
def realtime_fake():
    from testkit.fake_openai_realtime import FakeRealtime

    fake = FakeRealtime()
    yield fake
    fake.close()


def realtime_gateway(fake, **env) -> GatewayServer:
    return GatewayServer({"PROFILE": "realtime", "OPENAI_API_KEY": fake.api_key,
                          "OPENAI_REALTIME_URL": fake.url, "OPENAI_REALTIME_MODEL": "gpt-realtime",
                          "FLIGHT_PROVIDERS": "timetable", **env})


def test_realtime_call_search_barge_in_spanish_and_goodbye(realtime_fake):
    fake = realtime_fake
    for entry in (said("en_greeting_request"), said("en_barge_in"), said("es_route", "es"), said("en_goodbye")):
        fake.transcripts.push(entry)
    server = realtime_gateway(fake)
    try:
        health = httpx.get(f"{server.base}/health").json()
        assert health["status"] == "ok" and health["profile"] == "realtime"
        assert health["resources"]["vendors"]["openai_realtime"]["ok"] is True
        result = place_call(server, Turn(fixture("en_greeting_request")),
                            Turn(fixture("en_barge_in"), barge_in_ms=4500),
                            Turn(fixture("es_route")), Turn(fixture("en_goodbye")), hangup_after_s=15)
        assert server.alive()
    finally:
        server.stop()
    print("transcripts sent:", [r.message["transcript"] for r in fake.sent if r.message["type"] ==
                                 "conversation.item.input_audio_transcription.completed"])
    print("replies:", fake.replies, "\ntruncations:", fake.truncations, "\ncalls:", fake.function_calls,
          "\nclosed by gateway:", result.closed_by_gateway, "\nclears:", result.times("clear"),
          "\nturns:", [(t["speech_start"], t["speech_end"]) for t in result.turns])

    # Session: the model, the key, our instructions and tools, 24 kHz PCM, transcription on, server VAD.
    assert fake.upgrades[0]["model"] == "gpt-realtime"
    first = next(u for u in fake.session_updates if u.get("tools"))  # once the call's context is set up
    assert "flight desk" in first["instructions"] and "Answer in English" in first["instructions"]
    assert sorted(t["name"] for t in first["tools"]) == ["end_call", "search_flights", "transfer_call"]
    assert first["audio"]["input"]["format"] == {"type": "audio/pcm", "rate": 24000}
    assert first["audio"]["input"]["turn_detection"]["type"] == "server_vad"
    assert first["audio"]["input"]["transcription"]

    # search_flights round trip: the tool output carried the figures, the model read them out.
    searches = [c for c in fake.function_calls if c["name"] == "search_flights"]
    assert searches[0]["arguments"]["origin"] == "BOS"
    outputs = [json.loads(e["item"]["output"]) for e in fake.events("conversation.item.create")
               if e["item"]["type"] == "function_call_output" and "speech" in (e["item"]["output"] or "")]
    assert "145 dollars" in outputs[0]["speech"]
    spoken = [getattr(d, "text", "") for d in fake.replies if d is not None]
    assert any("145 dollars" in t for t in spoken)

    # Barge-in: clear sent, and the truncation carries what the caller had heard (marks echoed),
    # not what the vendor had sent.
    barge = result.turns[1]
    clears = [t for t in result.times("clear") if t > barge["speech_start"]]
    assert clears and clears[0] - barge["speech_start"] < 1.5
    assert fake.truncations, "no conversation.item.truncate"
    cut = fake.truncations[0]
    assert 0 < cut["audio_end_ms"] < cut["audio_sent_ms"]
    heard = [int(n.rsplit("-", 1)[1]) for n in played_marks(result, clears[0]) if n.startswith("played-")]
    assert heard and abs(cut["audio_end_ms"] - heard[-1]) <= 300, (cut, heard[-5:])

    # Spanish: the session instructions were updated; a later reply is in Spanish.
    assert any(SPANISH_LINE in (u.get("instructions") or "") for u in fake.session_updates[1:])
    assert any(t.startswith("[es]") for t in spoken), spoken

    # Goodbye → end_call → hang-up after the goodbye played.
    assert [c["name"] for c in fake.function_calls][-1] == "end_call"
    assert result.closed_by_gateway
    assert "hangup" in played_marks(result, result.times("closed")[0])


# --- cascade ----------------------------------------------------------------------------------------


@pytest.fixture
def cascade_fakes():
    from testkit.fake_cartesia import FakeCartesia
    from testkit.fake_deepgram import FakeDeepgram
    from testkit.fake_openai_llm import FakeChatCompletions

    fakes = FakeDeepgram(), FakeChatCompletions(), FakeCartesia()
    yield fakes
    for fake in fakes:
        fake.close()


def cascade_gateway(fakes, **env) -> GatewayServer:
    deepgram, chat, cartesia = fakes
    return GatewayServer({"PROFILE": "cascade", "DEEPGRAM_API_KEY": deepgram.api_key,
                          "DEEPGRAM_BASE_URL": deepgram.base_url, "LLM_API_KEY": chat.api_key,
                          "LLM_BASE_URL": chat.base_url, "LLM_MODEL": "test-model",
                          "CARTESIA_API_KEY": cartesia.api_key, "CARTESIA_URL": cartesia.url,
                          "CARTESIA_VOICES": "en=voice-en,es=voice-es", "FLIGHT_PROVIDERS": "timetable", **env})


def test_cascade_call_search_barge_in_spanish_and_goodbye(cascade_fakes):
    deepgram, chat, cartesia = cascade_fakes
    for entry in (said("en_greeting_request"), said("en_barge_in"), said("es_route", "es"), said("en_goodbye")):
        deepgram.transcripts.push(entry)
    server = cascade_gateway(cascade_fakes)
    try:
        health = httpx.get(f"{server.base}/health").json()
        assert health["status"] == "ok" and health["profile"] == "cascade"
        assert all(v["ok"] for v in health["resources"]["vendors"].values()), health["resources"]
        result = place_call(server, Turn(fixture("en_greeting_request")),
                            Turn(fixture("en_barge_in"), barge_in_ms=6000),  # into the read-out results
                            Turn(fixture("es_route")), Turn(fixture("en_goodbye")), hangup_after_s=15)
        assert server.alive()
    finally:
        server.stop()
    print("llm replies:", chat.replies, "\ncartesia:", list(zip(cartesia.languages(), cartesia.transcripts())),
          "\ncancels:", cartesia.cancels, "\nclears:", result.times("clear"))

    # Deepgram: multilingual nova-3 on 8 kHz linear16, Finalize at the end of speech.
    query = deepgram.queries[-1]["query"]
    assert query["language"] == "multi" and query["model"] == "nova-3" and query["sample_rate"] == "8000"
    assert any(c.message.get("type") == "Finalize" for c in deepgram.controls)

    # LLM: our prompt and tools; the search result went back as a tool message and was read out.
    first = chat.requests[0].message
    assert first["model"] == "test-model" and "flight desk" in first["messages"][0]["content"]
    assert sorted(t["function"]["name"] for t in first["tools"]) == ["end_call", "search_flights", "transfer_call"]
    tool_results = [json.loads(m["content"]) for r in chat.requests for m in r.message["messages"]
                    if m.get("role") == "tool" and "speech" in (m.get("content") or "")]
    assert "145 dollars" in tool_results[0]["speech"]
    # Cartesia spoke the filler while searching, then the figures from the tool result.
    spoken = cartesia.transcripts()
    assert any("Let me check" in t for t in spoken), spoken
    assert any("145 dollars" in t for t in spoken), spoken

    # Barge-in: clear within 1.5 s of the caller's onset, and no more of the interrupted reply
    # reaches the caller while they speak. (Cartesia had already sent this reply's audio, so there
    # is no context left to cancel; the cancel itself is tested in test_cloud_services.py.)
    barge = result.turns[1]
    clears = [t for t in result.times("clear") if t > barge["speech_start"]]
    assert clears and clears[0] - barge["speech_start"] < 1.5
    late = [t for t in result.times("media_in") if clears[0] < t < barge["speech_end"]]
    assert not late, f"{len(late)} media messages after clear"

    # Spanish: Cartesia asked for es with the Spanish voice; the LLM's instruction switched.
    requests = [r.message for r in cartesia.requests if r.message.get("transcript")]
    assert any(r["language"] == "es" and r["voice"]["id"] == "voice-es" for r in requests)
    assert any(SPANISH_LINE in r.message["messages"][0]["content"] for r in chat.requests)

    # Goodbye → end_call → the call ends after the goodbye was played.
    assert [getattr(d, "name", "") for d in chat.replies if d is not None][-1] == "end_call"
    assert result.closed_by_gateway
    closed = result.times("closed")[0]
    assert "hangup" in played_marks(result, closed)
    last_audio = result.bot[-1].end
    hangup_at = next(t for t, k, d in result.events if k == "mark_played" and d["name"] == "hangup")
    assert hangup_at >= last_audio - 0.1, "hung up before the goodbye was heard"


# --- vendor faults ------------------------------------------------------------------------------------


def act_when(condition, action, delay_s: float = 0.0, log: list | None = None) -> threading.Thread:
    """Run ``action()`` ``delay_s`` after ``condition()`` first holds (within 60 s); the wall time
    it ran at goes to ``log``."""
    def run():
        deadline = time.time() + 60
        while not condition() and time.time() < deadline:
            time.sleep(0.02)
        time.sleep(delay_s)
        if log is not None:
            log.append(time.time())
        action()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def drop_when(condition, fake, delay_s: float, log: list) -> threading.Thread:
    """Drop the fake's sockets ``delay_s`` after ``condition()`` first holds; record the wall time."""
    return act_when(condition, fake.drop_connections, delay_s, log)


def cascade_request_call(fakes, fault=None, *, when=None, delay_s: float = 0.0, log: list | None = None,
                         hangup_after_s: float = 14):
    """One request call ("…from Boston to Chicago…") on a fresh cascade gateway; ``fault()`` runs
    ``delay_s`` after ``when()`` holds (default: once the LLM has greeted), its wall time in ``log``.
    Returns the result and the seconds from the end of the request to the next bot audio (``None``:
    none came, or the call ended before the caller spoke)."""
    deepgram, chat, _ = fakes
    deepgram.transcripts.push(said("en_greeting_request"))
    server = cascade_gateway(fakes)
    try:
        if fault is not None:
            act_when(when or (lambda: bool(chat.replies)), fault, delay_s, log)
        result = place_call(server, Turn(fixture("en_greeting_request")), hangup_after_s=hangup_after_s)
        assert server.alive()
    finally:
        server.stop()
    if not result.turns:  # the call ended before the caller spoke (a fault during the greeting)
        return result, None
    request_end = result.turns[0]["speech_end"]
    first = result.first_audio_after(request_end)
    return result, None if first is None else first - request_end


def test_realtime_socket_drop_reconnects_apologises_and_the_call_goes_on(realtime_fake):
    fake = realtime_fake
    fake.transcripts.push(said("en_greeting_request"))
    server = realtime_gateway(fake)
    dropped: list[float] = []
    try:
        drop_when(lambda: len(fake.replies) >= 1, fake, 0.5, dropped)  # during the greeting
        result = place_call(server, Turn(fixture("en_greeting_request")), hangup_after_s=12)
        assert server.alive()
    finally:
        server.stop()
    texts = [getattr(d, "text", "") for d in fake.replies if d is not None]
    print(texts)
    assert dropped and fake.connections >= 3  # start-up check, the call, the reconnect
    assert any("line dropped" in t for t in texts), texts
    assert any("145 dollars" in t for t in texts), "the call did not go on after the reconnect"
    drop_at = dropped[0] - result.wall_t0
    next_audio = result.first_audio_after(drop_at)
    assert next_audio is not None and next_audio - drop_at < 3.0, (drop_at, next_audio)


def test_realtime_key_revoked_mid_call_apologises_then_hangs_up(realtime_fake):
    from processors.vendor_apology import clip_pcm

    fake = realtime_fake
    fake.transcripts.push(said("en_greeting_request"))
    server = realtime_gateway(fake)
    revoked: list[float] = []
    try:
        act_when(lambda: bool(fake.replies), fake.revoke_key, 0.5, revoked)  # during the greeting
        result = place_call(server, Turn(fixture("en_greeting_request")), hangup_after_s=20)
        assert server.alive()
        health = httpx.get(f"{server.base}/health")
    finally:
        server.stop()
    assert revoked and fake.rejected >= 1  # the reconnect was refused with 401
    at = revoked[0] - result.wall_t0
    first = result.first_audio_after(at + 0.3)  # past what was already queued for the greeting
    assert first is not None and first - at < 3.0, (at, first)
    # the apology clip is what the caller then hears, in full, before the gateway hangs up
    apology_s = len(clip_pcm("en")) / 2 / 8000
    # (what the caller's playback played: the gateway sends audio a little ahead of real time)
    played = [u for u in result.bot if u.end > first]
    assert played and played[-1].end - first >= apology_s - 0.3, (first, played[-1].end, apology_s)
    assert result.silence_in_playback(first, played[-1].end) < 0.5
    # the gateway hung up on the hang-up mark, i.e. after Twilio played the apology
    assert "hangup" in played_marks(result, result.times("closed")[0])
    assert health.status_code == 200


def test_realtime_rejected_key_is_named_by_health(realtime_fake):
    realtime_fake.reject_status = 401
    server = realtime_gateway(realtime_fake)
    try:
        health = httpx.get(f"{server.base}/health").json()
    finally:
        server.stop()
    assert health["status"] == "degraded"
    assert health["resources"]["vendors"]["openai_realtime"]["status"] == 401
    assert any("OPENAI_API_KEY" in p for p in health["resources"]["problems"]), health
    assert realtime_fake.api_key not in json.dumps(health)


def test_cascade_rejected_keys_are_named_by_health(cascade_fakes):
    deepgram, chat, cartesia = cascade_fakes
    deepgram.reject_status = 401
    cartesia.reject_status = 401
    server = cascade_gateway(cascade_fakes)
    try:
        health = httpx.get(f"{server.base}/health").json()
    finally:
        server.stop()
    problems = " ".join(health["resources"]["problems"])
    assert health["status"] == "degraded"
    assert "DEEPGRAM_API_KEY" in problems and "CARTESIA_API_KEY" in problems and "LLM_API_KEY" not in problems
    assert health["resources"]["vendors"]["llm"]["ok"] is True


def test_realtime_slow_first_byte_still_answers(realtime_fake):
    fake = realtime_fake
    fake.first_byte_delay_secs = 1.5
    fake.transcripts.push(said("en_greeting_request"))
    server = realtime_gateway(fake)
    try:
        result = place_call(server, Turn(fixture("en_greeting_request")), hangup_after_s=14)
    finally:
        server.stop()
    texts = [getattr(d, "text", "") for d in fake.replies if d is not None]
    assert any("145 dollars" in t for t in texts)
    request_end = result.turns[0]["speech_end"]
    first = result.first_audio_after(request_end)
    assert first is not None and first - request_end >= 1.5  # the vendor's delay, passed on, no failure


def test_cascade_slow_first_byte_still_answers(cascade_fakes):
    """Every chat completion's first byte is held 1.5 s and Cartesia's 0.5 s: slower, not broken."""
    _, chat, cartesia = cascade_fakes
    chat.first_byte_delay_secs, cartesia.first_byte_delay_secs = 1.5, 0.5
    _, wait = cascade_request_call(cascade_fakes)
    assert any("145 dollars" in t for t in cartesia.transcripts())
    assert wait is not None and wait >= 1.5  # the vendors' delay, passed on, no failure


def test_cascade_deepgram_drop_reconnects_and_the_next_turn_is_heard(cascade_fakes):
    deepgram, _, cartesia = cascade_fakes
    dropped: list[float] = []
    cascade_request_call(cascade_fakes, deepgram.drop_connections, delay_s=0.3, log=dropped,  # in the greeting
                         hangup_after_s=12)
    assert dropped and deepgram.connections >= 3  # start-up check, the call, the reconnect
    assert any("145 dollars" in t for t in cartesia.transcripts())


def test_cascade_deepgram_drop_while_the_caller_waits_loses_no_words_and_answers_at_once(cascade_fakes):
    """The socket drops at the caller's ``Finalize``: the request is re-sent on a new socket, not lost."""
    deepgram, _, cartesia = cascade_fakes
    deepgram.drop_on_finalize = 1
    _, wait = cascade_request_call(cascade_fakes)
    assert deepgram.drops and deepgram.connections >= 3  # start-up check, the call, the reconnect
    assert [t for t, _ in deepgram.transcripts.popped] == [said("en_greeting_request")[0]]  # heard once
    assert any("145 dollars" in t for t in cartesia.transcripts())
    assert wait is not None and wait < 3.0, wait  # no dead air over 3 s


def test_cascade_deepgram_gone_while_the_caller_waits_says_one_moment_then_apologises(cascade_fakes):
    """The socket drops at ``Finalize`` and every reconnect is refused (503): "one moment" within
    1.5 s, then the apology and the hang-up, never dead air over 3 s."""
    deepgram, _, cartesia = cascade_fakes
    deepgram.drop_on_finalize, deepgram.reject_after_drop = 1, 503
    result, _ = cascade_request_call(cascade_fakes, hangup_after_s=20)
    assert deepgram.drops and deepgram.rejected >= 1
    spoken = " ".join(t.strip() for t in cartesia.transcripts())
    assert phrase("en", "stt_reconnecting").split(".")[0] in spoken, spoken
    assert phrase("en", "vendor_unavailable").split(".")[0] in spoken, spoken
    drop_at = deepgram.drops[0] - result.wall_t0
    first = result.first_audio_after(drop_at)
    assert first is not None and first - drop_at < 1.5, (drop_at, first)
    closed = result.times("closed")[0]
    assert result.silence_in_playback(drop_at, closed) < 3.0
    assert result.closed_by_gateway and "hangup" in played_marks(result, closed)


def test_cascade_llm_stream_cut_mid_answer_is_not_dead_air(cascade_fakes):
    """The chat completion for the caller's request is cut after its first chunk (no ``[DONE]``)."""
    _, chat, cartesia = cascade_fakes
    _, wait = cascade_request_call(cascade_fakes, lambda: setattr(chat, "drop_next_streams", 1))
    print("llm replies:", chat.replies, "\ncartesia:", cartesia.transcripts())
    assert wait is not None and wait < 3.0, wait  # asked again at once
    assert any("145 dollars" in t for t in cartesia.transcripts())


def test_cascade_llm_rate_limited_twice_asks_again_at_once_then_apologises(cascade_fakes):
    """The completion for the caller's request and its retry are answered 429 with ``retry-after: 6``:
    no waiting out ``retry-after`` in silence (the SDK's own retries), but one retry at once, then
    the spoken apology, within 3 s."""
    _, chat, cartesia = cascade_fakes
    chat.refuse_retry_after_secs = 6
    _, wait = cascade_request_call(cascade_fakes, lambda: setattr(chat, "refuse_next_requests", 2))
    print("refused at:", chat.refused_at, "\ncartesia:", cartesia.transcripts())
    assert len(chat.refused_at) == 2 and chat.refused_at[1] - chat.refused_at[0] < 1.0, chat.refused_at
    spoken = " ".join(t.strip() for t in cartesia.transcripts())
    assert phrase("en", "llm_reply_failed").split(".")[0] in spoken, spoken
    assert wait is not None and wait < 3.0, wait


def test_cascade_llm_slow_first_word_says_one_moment_then_answers(cascade_fakes):
    """Every completion after the greeting holds its first byte 2.5 s: the caller hears "one moment"
    instead of dead air, then the answer; no silence over 3 s."""
    _, chat, cartesia = cascade_fakes
    result, wait = cascade_request_call(cascade_fakes, lambda: setattr(chat, "first_byte_delay_secs", 2.5))
    spoken = cartesia.transcripts()
    print("cartesia:", spoken)
    assert any(phrase("en", "llm_waiting") in t for t in spoken), spoken
    assert any("145 dollars" in t for t in spoken), spoken
    assert wait is not None and wait < 3.0, wait
    request_end = result.turns[0]["speech_end"]
    assert result.silence_in_playback(request_end, result.bot[-1].end) < 3.0


def test_cascade_llm_empty_reply_is_asked_again_at_once(cascade_fakes):
    """The completion for the caller's request says nothing (role chunk, ``finish_reason:
    content_filter``, usage, ``[DONE]``): asked again at once, and the answer comes within 3 s."""
    _, chat, cartesia = cascade_fakes
    _, wait = cascade_request_call(cascade_fakes, lambda: setattr(chat, "empty_next_replies", 1))
    print("llm replies:", chat.replies, "\ncartesia:", cartesia.transcripts())
    assert chat.replies[1] is None and chat.replies[2] is not None  # the empty one, then the retry
    assert any("145 dollars" in t for t in cartesia.transcripts())
    assert wait is not None and wait < 3.0, wait


def test_cascade_cartesia_drop_mid_answer_is_not_dead_air(cascade_fakes):
    """Cartesia's socket closes (1011) while the answer is being read; the key still works."""
    _, _, cartesia = cascade_fakes
    dropped: list[float] = []
    result, _ = cascade_request_call(cascade_fakes, cartesia.drop_connections, log=dropped,
                                     when=lambda: any("145 dollars" in t for t in cartesia.transcripts()))
    print("cartesia:", cartesia.transcripts())
    drop_at = dropped[0] - result.wall_t0
    closed = result.times("closed")[0]
    assert result.silence_in_playback(drop_at, min(closed, drop_at + 8)) < 3.0


@pytest.mark.parametrize("with_context_id", [True, False], ids=["context_id", "no_context_id"])
def test_cascade_cartesia_error_event_resends_the_sentence_on_a_new_context(cascade_fakes, with_context_id):
    """Cartesia answers the read-out's first sentence with its ``error`` event (429
    ``concurrency_limited``, with or without ``context_id``): the sentence is sent again on a new
    context and heard; no dead air over 3 s, the call goes on."""
    _, _, cartesia = cascade_fakes
    cartesia.error_with_context_id = with_context_id
    result, wait = cascade_request_call(
        cascade_fakes, lambda: setattr(cartesia, "error_next_requests", 1),
        when=lambda: any("Let me check" in t for t in cartesia.transcripts()))  # the filler went out
    requests = [r.message for r in cartesia.requests if (r.message.get("transcript") or "").strip()]
    print("cartesia:", [(r["context_id"][:8], r["transcript"][:40]) for r in requests])
    assert len(cartesia.errors_sent) == 1
    failed = next(r for r in requests if r["transcript"].startswith("I found"))
    again = [r for r in requests if r["transcript"] == failed["transcript"] and r["context_id"] != failed["context_id"]]
    assert again, "the sentence Cartesia refused was not sent again"
    assert any("145 dollars" in r["transcript"] for r in requests)
    request_end = result.turns[0]["speech_end"]
    assert wait is not None and result.silence_in_playback(request_end, result.bot[-1].end) < 3.0
    assert "hangup" not in played_marks(result, result.duration + 1)


def test_cascade_cartesia_errors_on_every_request_play_the_apology_clip_then_hang_up(cascade_fakes):
    """From the filler on, Cartesia answers every request with its ``error`` event: one resend,
    then the TTS counts as failed: the pre-rendered apology clip, then the hang-up, no dead air
    over 3 s."""
    from processors.vendor_apology import clip_pcm

    _, _, cartesia = cascade_fakes
    result, wait = cascade_request_call(cascade_fakes, lambda: setattr(cartesia, "error_next_requests", 1000),
                                        when=lambda: any("Where would" in t for t in cartesia.transcripts()),
                                        hangup_after_s=20)
    print("errors:", len(cartesia.errors_sent), "requests:", cartesia.transcripts())
    assert cartesia.errors_sent and wait is not None  # the caller's request was heard, then the errors
    closed = result.times("closed")[0]
    assert result.closed_by_gateway and "hangup" in played_marks(result, closed)
    first_error = cartesia.errors_sent[0] - result.wall_t0
    assert result.silence_in_playback(first_error, closed) < 3.0
    played = [u for u in result.bot if u.end > first_error]
    apology_s = len(clip_pcm("en")) / 2 / 8000
    assert played and played[-1].end - played[-1].start >= apology_s - 0.3, (played, apology_s)


def test_cascade_wordless_sound_over_the_answer_with_an_unanswered_finalize_resumes_at_once(cascade_fakes):
    """A wordless sound over the read-out (a hum: the backchannel fixture, heard as no words);
    Deepgram leaves the ``Finalize`` that finds no words unanswered (its
    finalize docs promise the answer only "typically"): the answer resumes within 2 s of the
    sound's end, not after the turn's 5 s stop timeout."""
    deepgram, _, cartesia = cascade_fakes
    deepgram.answer_wordless_finalize = False
    deepgram.transcripts.push(said("en_greeting_request"))
    deepgram.transcripts.push(("", "en"))  # the sound: no words
    server = cascade_gateway(cascade_fakes)
    try:
        result = place_call(server, Turn(fixture("en_greeting_request")),
                            Turn(fixture("en_backchannel"), barge_in_ms=6000), hangup_after_s=10)
        assert server.alive()
    finally:
        server.stop()
    sound = result.turns[1]
    print("turns:", result.turns, "\nclears:", result.times("clear"), "\nbot:", [(u.start, u.end) for u in result.bot])
    assert [t for t in result.times("clear") if t > sound["speech_start"]], "the sound was no barge-in"
    assert any(c.message.get("type") == "Finalize" for c in deepgram.controls if c.at - result.wall_t0 > sound["speech_start"])
    first = result.first_audio_after(sound["speech_end"])
    assert first is not None and first - sound["speech_end"] < 2.0, (sound, first)  # was ~5.3 s


def test_cascade_deepgram_key_revoked_mid_call_apologises_through_cartesia_then_hangs_up(cascade_fakes):
    deepgram, _, cartesia = cascade_fakes
    revoked: list[float] = []
    result, _ = cascade_request_call(cascade_fakes, deepgram.revoke_key, delay_s=0.3, log=revoked,  # in the greeting
                                     hangup_after_s=20)
    assert revoked and deepgram.rejected >= 1
    spoken = " ".join(t.strip() for t in cartesia.transcripts())
    assert phrase("en", "vendor_unavailable").split(".")[0] in spoken, spoken  # Cartesia gets it by sentence
    at = revoked[0] - result.wall_t0
    closed = result.times("closed")[0]
    assert result.silence_in_playback(at, closed) < 3.0  # never dead air over 3 s
    assert "hangup" in played_marks(result, closed)


def test_cascade_llm_key_revoked_mid_call_apologises_through_cartesia_then_hangs_up(cascade_fakes):
    _, chat, cartesia = cascade_fakes
    # the next completion (the caller's request) is refused
    result, wait = cascade_request_call(cascade_fakes, lambda: setattr(chat, "reject_status", 401), hangup_after_s=20)
    assert chat.rejected >= 1
    spoken = " ".join(t.strip() for t in cartesia.transcripts())
    assert phrase("en", "vendor_unavailable").split(".")[0] in spoken, spoken
    assert wait is not None and wait < 3.0, wait
    assert "hangup" in played_marks(result, result.times("closed")[0])


def test_cascade_cartesia_key_revoked_mid_call_plays_the_apology_clip_then_hangs_up(cascade_fakes):
    from processors.vendor_apology import clip_pcm

    _, _, cartesia = cascade_fakes
    revoked: list[float] = []

    def revoke():
        cartesia.reject_status = 401
        cartesia.drop_connections()
    result, _ = cascade_request_call(cascade_fakes, revoke, delay_s=0.3, log=revoked, hangup_after_s=25)  # in the greeting
    assert revoked and cartesia.rejected >= 1
    closed = result.times("closed")[0]
    assert "hangup" in played_marks(result, closed)
    apology_s = len(clip_pcm("en")) / 2 / 8000
    after = revoked[0] - result.wall_t0 + 0.5
    played = [u for u in result.bot if u.end > after]  # the caller's playback, not message arrivals
    assert played and played[-1].end - max(played[0].start, after) >= apology_s - 0.3, \
        (after, [(u.start, u.end) for u in played], apology_s)
