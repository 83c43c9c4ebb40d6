"""Pipecat's own cloud service clients against the local vendor-protocol servers.

These prove the fakes speak what the real client code sends and expects (and so that the profiles'
service configuration works): each test runs the unmodified Pipecat 1.14 service in a small
pipeline and asserts on both sides — the frames the service produced and what the server received.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import (
    ErrorFrame,
    FunctionCallResultFrame,
    InputAudioRawFrame,
    InterruptionFrame,
    LLMContextFrame,
    LLMRunFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    TTSSpeakFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import LLMContextAggregatorPair
from pipecat.tests.utils import SleepFrame, run_test

from flights.search import FlightSearch
from processors.flight_tool import SEARCH_FLIGHTS, FlightToolProcessor
from testkit.fake_vendor_base import tone_pcm16

SEARCH = FlightSearch()


@pytest.fixture(autouse=True, scope="module")
def timetable_loaded():
    """Parse the shipped timetable before any pipeline runs (as the gateway does at start-up), so
    the first search is not timed out by the CSV load on a busy machine."""
    from flights.timetable import TimetableProvider

    _ = TimetableProvider().timetable


def speech_frames(rate: int, speech_ms: int = 600, silence_ms: int = 800) -> list:
    """A tone "utterance" then silence, in 20 ms InputAudioRawFrames, paced with SleepFrames."""
    frames: list = []
    pcm = tone_pcm16(speech_ms, rate) + b"\x00\x00" * (rate * silence_ms // 1000)
    step = rate * 2 * 20 // 1000
    for off in range(0, len(pcm), step):
        frames.append(InputAudioRawFrame(audio=pcm[off:off + step], sample_rate=rate, num_channels=1))
        if (off // step) % 10 == 9:
            frames.append(SleepFrame(sleep=0.05))
    return frames


# --- OpenAI Realtime ----------------------------------------------------------------------------


@pytest.fixture
def realtime():
    from testkit.fake_openai_realtime import FakeRealtime

    server = FakeRealtime(transcripts=["I need a flight from Boston to Chicago on March fifth."])
    yield server
    server.close()


def realtime_service(server, **kwargs):
    from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService

    return OpenAIRealtimeLLMService(
        api_key=server.api_key, base_url=server.url,
        settings=OpenAIRealtimeLLMService.Settings(model="gpt-realtime", system_instruction="Answer in English."),
        **kwargs,
    )


async def test_realtime_greets_hears_a_request_and_round_trips_search_flights(realtime):
    llm = realtime_service(realtime)
    tool = FlightToolProcessor(SEARCH)
    tool.register(llm)
    context = LLMContext(messages=[], tools=ToolsSchema(standard_tools=[SEARCH_FLIGHTS]))
    user, assistant = LLMContextAggregatorPair(context)
    frames = [LLMRunFrame(), SleepFrame(sleep=1.5), *speech_frames(16000), SleepFrame(sleep=4.0)]
    down, up = await run_test(Pipeline([user, llm, assistant]), frames_to_send=frames)

    assert realtime.upgrades[0]["model"] == "gpt-realtime"
    assert realtime.upgrades[0]["authorization"] == f"Bearer {realtime.api_key}"
    update = realtime.session_updates[-1]
    assert update["instructions"] == "Answer in English."
    assert [t["name"] for t in update["tools"]] == ["search_flights"]
    # 24 kHz PCM went up; the scripted transcript came back as the user's words.
    assert realtime.audio_bytes > 24000 * 2 * 0.5
    assert realtime.transcripts.popped[0][0].startswith("I need a flight")
    # The function call ran our handler; its output went back as function_call_output.
    assert realtime.function_calls[0]["name"] == "search_flights"
    outputs = [e["item"] for e in realtime.events("conversation.item.create")
               if e["item"]["type"] == "function_call_output"]
    assert outputs and json.loads(outputs[0]["output"])["status"] == "ok"
    assert outputs[0]["call_id"] == realtime.function_calls[0]["call_id"]
    # The model's next reply read the tool's figures out, as 24 kHz audio and a transcript that
    # the assistant aggregator wrote into the context.
    audio = [f for f in down if isinstance(f, TTSAudioRawFrame)]
    assert audio and audio[0].sample_rate == 24000
    said = [m.get("content") for m in context.get_messages() if m.get("role") == "assistant"]
    assert any("145 dollars" in (t or "") for t in said), said
    assert realtime.replies[0].text.startswith("Hello, flight desk")


async def test_realtime_rejected_key_is_an_error_frame(realtime):
    realtime.reject_status = 401
    llm = realtime_service(realtime)
    down, up = await run_test(llm, frames_to_send=[SleepFrame(sleep=0.3)], expected_down_frames=None)
    errors = [f for f in up if isinstance(f, ErrorFrame)]
    assert errors and "401" in errors[0].error
    assert realtime.rejected == 1 and realtime.connections == 0


# --- Deepgram live STT ----------------------------------------------------------------------------


@pytest.fixture
def deepgram():
    from testkit.fake_deepgram import FakeDeepgram

    server = FakeDeepgram(transcripts=[("Quiero volar de Madrid a Barcelona.", "es")])
    yield server
    server.close()


def deepgram_service(server, **kwargs):
    from processors.deepgram_stt import MultilingualDeepgramSTTService

    return MultilingualDeepgramSTTService(
        api_key=server.api_key, base_url=server.base_url,
        settings=MultilingualDeepgramSTTService.Settings(model="nova-3", language="multi"), **kwargs,
    )


async def test_deepgram_multi_finalize_gives_a_transcript_with_word_language_evidence(deepgram):
    stt = deepgram_service(deepgram)
    frames = [VADUserStartedSpeakingFrame(), *speech_frames(16000, silence_ms=300),
              VADUserStoppedSpeakingFrame(), SleepFrame(sleep=0.5)]
    down, _ = await run_test(stt, frames_to_send=frames, pipeline_params=None)
    query = deepgram.queries[0]
    assert query["path"] == "/v1/listen" and query["authorization"] == f"Token {deepgram.api_key}"
    assert query["query"]["language"] == "multi" and query["query"]["model"] == "nova-3"
    assert query["query"]["encoding"] == "linear16" and query["query"]["sample_rate"] == "16000"
    assert query["query"]["filler_words"] == "true"  # a caller's "mhmm" is a word, a backchannel
    assert any(c.message == {"type": "Finalize"} for c in deepgram.controls)
    finals = [f for f in down if isinstance(f, TranscriptionFrame)]
    assert [f.text for f in finals] == ["Quiero volar de Madrid a Barcelona."]
    assert str(finals[0].language) == "es"
    assert finals[0].result["language"] == "es" and finals[0].result["language_probability"] == 1.0
    assert finals[0].result["language_source"] == "deepgram_words"
    final_sent = [r.message for r in deepgram.results if r.message.get("is_final")]
    assert final_sent[0]["from_finalize"] is True


async def test_deepgram_rejected_key_is_a_permanent_error(deepgram):
    deepgram.reject_status = 401
    stt = deepgram_service(deepgram)
    _, up = await run_test(stt, frames_to_send=[SleepFrame(sleep=0.3)])
    errors = [f for f in up if isinstance(f, ErrorFrame)]
    assert errors and "401" in errors[0].error
    assert deepgram.connections == 0


# --- OpenAI-compatible chat completions ----------------------------------------------------------


@pytest.fixture
def chat():
    from testkit.fake_openai_llm import FakeChatCompletions

    server = FakeChatCompletions()
    yield server
    server.close()


def llm_service(server, **kwargs):
    from pipecat.services.openai.llm import OpenAILLMService

    return OpenAILLMService(api_key=server.api_key, base_url=server.base_url,
                            settings=OpenAILLMService.Settings(model="gpt-4o-mini",
                                                               system_instruction="Answer in English."),
                            **kwargs)


async def test_chat_completions_stream_a_tool_call_and_read_the_result_out(chat):
    llm = llm_service(chat)
    tool = FlightToolProcessor(SEARCH)
    tool.register(llm)
    context = LLMContext(messages=[{"role": "user", "content": "From Boston to Chicago on March fifth."}],
                         tools=ToolsSchema(standard_tools=[SEARCH_FLIGHTS]))
    _, assistant = LLMContextAggregatorPair(context)
    down, _ = await run_test(Pipeline([llm, assistant]),
                             frames_to_send=[LLMContextFrame(context=context), SleepFrame(sleep=3.0)])
    first, second = chat.requests[0].message, chat.requests[1].message
    assert first["model"] == "gpt-4o-mini" and first["stream"] is True
    assert first["stream_options"] == {"include_usage": True}
    assert first["messages"][0] == {"role": "system", "content": "Answer in English."}
    assert [t["function"]["name"] for t in first["tools"]] == ["search_flights"]
    # The tool result went back as a tool message answering the streamed call id.
    call = next(m for m in second["messages"] if m.get("tool_calls"))
    result = next(m for m in second["messages"] if m.get("role") == "tool")
    assert result["tool_call_id"] == call["tool_calls"][0]["id"]
    assert json.loads(result["content"])["status"] == "ok"
    said = [m.get("content") for m in context.get_messages() if m.get("role") == "assistant" and m.get("content")]
    assert any("145 dollars" in t for t in said), said


async def test_chat_completions_rejected_key_is_an_error_frame(chat):
    chat.reject_status = 401
    llm = llm_service(chat)
    context = LLMContext(messages=[{"role": "user", "content": "Hello"}])
    _, up = await run_test(llm, frames_to_send=[LLMContextFrame(context=context), SleepFrame(sleep=0.5)])
    errors = [f for f in up if isinstance(f, ErrorFrame)]
    assert errors and ("401" in errors[0].error or "invalid_api_key" in errors[0].error), errors


async def test_chat_llm_rate_limit_is_a_prompt_transient_error_not_a_silent_sdk_retry(chat):
    """429 with ``retry-after: 6``: the cascade's service reports it at once (one request, no wait),
    as a non-permanent error the call can answer by asking again."""
    from processors.chat_llm import ChatLLMService

    chat.refuse_next_requests = 1
    llm = ChatLLMService(api_key=chat.api_key, base_url=chat.base_url,
                         settings=ChatLLMService.Settings(model="gpt-4o-mini"))
    context = LLMContext(messages=[{"role": "user", "content": "Hello"}])
    _, up = await run_test(llm, frames_to_send=[LLMContextFrame(context=context), SleepFrame(sleep=1.0)])
    errors = [f for f in up if isinstance(f, ErrorFrame)]
    assert errors and "429" in errors[0].error, errors
    assert errors[0].category is not None and not errors[0].category.is_permanent and llm.is_usable
    assert len(chat.refused_at) == 1 and not chat.requests  # the SDK did not try again


async def test_chat_llm_hung_stream_is_a_transient_error_after_the_read_timeout(chat):
    """No byte for 6 s: the cascade's service gives up after its 4 s read timeout (the SDK's
    default waits 600 s), with a non-permanent error the call answers by asking again."""
    from processors.chat_llm import ChatLLMService

    chat.first_byte_delay_secs = 6.0
    llm = ChatLLMService(api_key=chat.api_key, base_url=chat.base_url,
                         settings=ChatLLMService.Settings(model="gpt-4o-mini"))
    context = LLMContext(messages=[{"role": "user", "content": "Hello"}])
    # the run ends after 5 s, before the server's first byte: an error by then is the timeout's
    _, up = await run_test(llm, frames_to_send=[LLMContextFrame(context=context), SleepFrame(sleep=5.0)])
    errors = [f for f in up if isinstance(f, ErrorFrame)]
    assert len(errors) == 1 and "timed out" in errors[0].error, errors
    assert not errors[0].category.is_permanent and llm.is_usable
    assert len(chat.requests) == 1  # not re-sent by the SDK


@pytest.mark.parametrize("finish", ["content_filter", "length", "stop"])
async def test_chat_llm_reply_with_no_text_and_no_tool_call_is_a_transient_error(chat, finish):
    from processors.chat_llm import ChatLLMService

    chat.empty_next_replies, chat.empty_finish_reason = 1, finish
    llm = ChatLLMService(api_key=chat.api_key, base_url=chat.base_url,
                         settings=ChatLLMService.Settings(model="gpt-4o-mini"))
    context = LLMContext(messages=[{"role": "user", "content": "Hello"}])
    _, up = await run_test(llm, frames_to_send=[LLMContextFrame(context=context), SleepFrame(sleep=0.5)])
    errors = [f for f in up if isinstance(f, ErrorFrame)]
    assert len(errors) == 1 and "no text" in errors[0].error, errors
    assert not errors[0].category.is_permanent and llm.is_usable


# --- Cartesia TTS -----------------------------------------------------------------------------------


@pytest.fixture
def cartesia():
    from testkit.fake_cartesia import FakeCartesia

    server = FakeCartesia()
    yield server
    server.close()


def cartesia_service(server, **kwargs):
    from pipecat.services.cartesia.tts import CartesiaTTSService

    return CartesiaTTSService(api_key=server.api_key, url=server.url,
                              settings=CartesiaTTSService.Settings(model="sonic-3", voice="voice-en",
                                                                   language="en"), **kwargs)


async def test_cartesia_streams_chunks_timestamps_and_follows_a_language_switch(cartesia):
    from pipecat.frames.frames import TTSUpdateSettingsFrame
    from pipecat.services.settings import TTSSettings

    tts = cartesia_service(cartesia)
    down, _ = await run_test(tts, frames_to_send=[
        TTSSpeakFrame("Hello there."), SleepFrame(sleep=1.0),
        TTSUpdateSettingsFrame(delta=TTSSettings(language="es", voice="voice-es")),
        TTSSpeakFrame("Hola."), SleepFrame(sleep=1.0),
    ])
    headers = cartesia.headers[0]
    assert headers["X-API-Key"] == cartesia.api_key and headers["Cartesia-Version"]
    assert cartesia.transcripts()[:2] == ["Hello there.", "Hola."]
    first = next(r.message for r in cartesia.requests if r.message.get("transcript"))
    assert first["voice"] == {"mode": "id", "id": "voice-en"} and first["model_id"] == "sonic-3"
    assert first["output_format"]["encoding"] == "pcm_s16le"
    assert cartesia.languages()[:2] == ["en", "es"]
    assert [r.message["voice"]["id"] for r in cartesia.requests if r.message.get("transcript")][1] == "voice-es"
    assert any(isinstance(f, TTSAudioRawFrame) for f in down)
    assert [f.text for f in down if isinstance(f, TTSTextFrame)][:2] == ["Hello", "there."]
    assert sum(isinstance(f, TTSStoppedFrame) for f in down) >= 2


async def test_cartesia_interruption_cancels_the_context(cartesia):
    tts = cartesia_service(cartesia)
    await run_test(tts, frames_to_send=[
        TTSSpeakFrame("A long sentence that keeps the voice busy for quite a while, on purpose."),
        SleepFrame(sleep=0.3), InterruptionFrame(), SleepFrame(sleep=0.3)])
    spoken_ctx = next(r.message["context_id"] for r in cartesia.requests if r.message.get("transcript"))
    assert cartesia.cancels == [spoken_ctx]


async def test_deepgram_empty_finalize_with_no_words_since_speech_start_is_no_words():
    from processors.resume import NoWordsFrame
    from testkit.fake_deepgram import FakeDeepgram

    server = FakeDeepgram(transcripts=[("", "en"), ("Hola.", "es")])  # a cough, then words
    try:
        stt = deepgram_service(server)
        utterance = [VADUserStartedSpeakingFrame(), *speech_frames(16000, silence_ms=300),
                     VADUserStoppedSpeakingFrame(), SleepFrame(sleep=0.5)]
        down, _ = await run_test(stt, frames_to_send=[*utterance, *utterance], pipeline_params=None)
    finally:
        server.close()
    kinds = [type(f).__name__ for f in down if isinstance(f, (NoWordsFrame, TranscriptionFrame))]
    assert kinds == ["NoWordsFrame", "TranscriptionFrame"]


async def test_deepgram_unanswered_finalize_with_no_words_is_no_words_within_a_second():
    """Deepgram answers a ``Finalize`` only "typically" (https://developers.deepgram.com/docs/finalize):
    this one finds no words and gets no answer at all; "no words" still comes, before the next
    utterance 1.0 s later (the timer is 0.7 s), not after the turn's 5 s stop timeout."""
    from processors.resume import NoWordsFrame
    from testkit.fake_deepgram import FakeDeepgram

    server = FakeDeepgram(transcripts=[("", "en"), ("Hola.", "es")])  # a cough, then words
    server.answer_wordless_finalize = False
    try:
        stt = deepgram_service(server)
        cough = [VADUserStartedSpeakingFrame(), *speech_frames(16000, silence_ms=300),
                 VADUserStoppedSpeakingFrame(), SleepFrame(sleep=1.0)]
        words = [VADUserStartedSpeakingFrame(), *speech_frames(16000, silence_ms=300),
                 VADUserStoppedSpeakingFrame(), SleepFrame(sleep=1.0)]
        down, _ = await run_test(stt, frames_to_send=[*cough, *words], pipeline_params=None)
    finally:
        server.close()
    kinds = [type(f).__name__ for f in down if isinstance(f, (NoWordsFrame, TranscriptionFrame))]
    assert kinds == ["NoWordsFrame", "TranscriptionFrame"], kinds
    assert not any(r.message.get("from_finalize") and not r.message["channel"]["alternatives"][0]["transcript"]
                   for r in server.results)  # the fake really left the wordless Finalize unanswered


async def test_the_fake_deepgram_keeps_one_utterance_cut_by_a_finalize_in_a_pause_as_one():
    # The client's VAD may end the turn in a short pause inside an utterance ("That's all, thank you.
    # | Goodbye."); Deepgram would not have endpointed there. The speech after it continues that
    # utterance and must not take the next scripted transcript (a cascade e2e test failed 1 run in
    # 4–8 that way: its barge-in then found no words left).
    from testkit.fake_deepgram import FakeDeepgram

    server = FakeDeepgram(transcripts=["That's all, thank you. Goodbye.", "Thanks, bye."])
    try:
        stt = deepgram_service(server)
        first = [VADUserStartedSpeakingFrame(), *speech_frames(16000, speech_ms=400, silence_ms=150),
                 VADUserStoppedSpeakingFrame(),
                 VADUserStartedSpeakingFrame(), *speech_frames(16000, speech_ms=400, silence_ms=300),
                 VADUserStoppedSpeakingFrame(), *speech_frames(16000, speech_ms=0, silence_ms=1000)]
        then = [VADUserStartedSpeakingFrame(), *speech_frames(16000, silence_ms=300),
                VADUserStoppedSpeakingFrame(), SleepFrame(sleep=0.5)]
        down, _ = await run_test(stt, frames_to_send=[*first, *then], pipeline_params=None)
    finally:
        server.close()
    finals = [r.message["channel"]["alternatives"][0]["transcript"] for r in server.results
              if r.message.get("is_final")]
    assert finals == ["That's all, thank you. Goodbye.", "", "Thanks, bye."], finals  # what the fake sent
    said = [f.text for f in down if isinstance(f, TranscriptionFrame)]
    assert said == ["That's all, thank you. Goodbye.", "Thanks, bye."], said
