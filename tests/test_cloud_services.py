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
from tests.fake_vendor_base import tone_pcm16

SEARCH = FlightSearch()


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
    from tests.fake_openai_realtime import FakeRealtime

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
