"""Processors driven with Pipecat's own test utility (run_test): frames in, frames out."""

from __future__ import annotations

from datetime import date, timedelta

from pipecat.frames.frames import (
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    OutputTransportMessageFrame,
    TTSSpeakFrame,
    TTSStoppedFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.tests.utils import SleepFrame, run_test

from flights.search import FlightSearch
from flights.timetable import TimetableProvider
from processors.call_language import CallLanguage
from processors.call_marks import CallMarksProcessor, HangupRequestFrame
from dialogue.policy import FlightDialogue
from processors.flight_tool import FlightToolProcessor
from processors.local_brain import LocalBrainService

SEARCH = FlightSearch()
# The timetable is parsed once per process at start-up in production (flights.warm_up); parsed here
# too, so a search inside a test takes milliseconds, not the one-off ~1 s of parsing the CSV.
_ = TimetableProvider().timetable


async def test_marks_follow_each_reply_and_the_hangup_request():
    marks = CallMarksProcessor("MZ1")
    down, _ = await run_test(
        marks,
        frames_to_send=[TTSStoppedFrame(), HangupRequestFrame(reason="goodbye")],
        expected_down_frames=[TTSStoppedFrame, OutputTransportMessageFrame, OutputTransportMessageFrame],
    )
    assert down[1].message == {"event": "mark", "streamSid": "MZ1", "mark": {"name": "reply-1"}}
    assert down[2].message["mark"]["name"] == "hangup"
    assert marks.hangup_requested == "goodbye"


async def test_brain_answers_a_greeting_with_llm_text_frames():
    brain = LocalBrainService(dialogue=FlightDialogue())
    context = LLMContext(messages=[{"role": "user", "content": "Hello there."}])
    down, _ = await run_test(brain, frames_to_send=[LLMContextFrame(context=context)])
    texts = [f.text for f in down if isinstance(f, LLMTextFrame)]
    response = [f for f in down if isinstance(f, (LLMFullResponseStartFrame, LLMTextFrame, LLMFullResponseEndFrame))]
    assert isinstance(response[0], LLMFullResponseStartFrame) and isinstance(response[-1], LLMFullResponseEndFrame)
    spoken = "".join(texts)
    assert " " in spoken and texts[0].endswith(" ")  # words carry their inter-word spaces
    assert "where" in spoken.lower()


async def test_complete_request_calls_search_flights_and_speaks_a_filler():
    dialogue = FlightDialogue()
    brain = LocalBrainService(dialogue=dialogue)
    tool = FlightToolProcessor(SEARCH)
    tool.register(brain)
    when = (date.today() + timedelta(days=1)).isoformat()
    context = LLMContext(messages=[{"role": "user", "content": "From Boston to Chicago tomorrow."}])
    down, _ = await run_test(
        Pipeline([brain, tool]),
        frames_to_send=[LLMContextFrame(context=context), SleepFrame(sleep=1.0)],
    )
    calls = [f for f in down if isinstance(f, FunctionCallInProgressFrame)]
    assert calls and calls[0].function_name == "search_flights"
    assert calls[0].arguments["origin"] == "BOS" and calls[0].arguments["departure_date"] == when
    filler = [f.text for f in down if isinstance(f, TTSSpeakFrame)]
    assert filler and "Boston" in filler[0] and "Chicago" in filler[0]
    results = [f for f in down if isinstance(f, FunctionCallResultFrame)]
    assert results and results[0].result["status"] == "ok"
    assert "Chicago" in results[0].result["speech"]


async def test_tool_follows_the_call_language_and_rejects_bad_arguments():
    language = CallLanguage(current="en")
    tool = FlightToolProcessor(SEARCH, language=language)
    language.switch("es", "test")
    assert tool.language == "es"
    bad = await tool.run({"origin": "BOS", "destination": "BOS", "departure_date": "2030-01-01"})
    assert bad["status"] == "invalid"
    worse = await tool.run({"origin": "BOS", "destination": "ORD", "departure_date": "not a date"})
    assert worse["status"] == "invalid"


async def test_keypad_zero_repeats_the_last_answer():
    from pipecat.audio.dtmf.types import KeypadEntry
    from pipecat.frames.frames import InputDTMFFrame, LLMMessagesAppendFrame

    from processors.dtmf_commands import DTMFCommandsProcessor

    down, _ = await run_test(DTMFCommandsProcessor(), frames_to_send=[InputDTMFFrame(KeypadEntry("0")),
                                                                     InputDTMFFrame(KeypadEntry("5"))])
    appended = [f for f in down if isinstance(f, LLMMessagesAppendFrame)]
    assert len(appended) == 1 and appended[0].run_llm
    assert sum(isinstance(f, InputDTMFFrame) for f in down) == 2
    # The brain answers the keypad message with its last answer, word for word.
    dialogue = FlightDialogue()
    brain = LocalBrainService(dialogue=dialogue)
    greeting = dialogue.greeting()
    context = LLMContext(messages=[{"role": "assistant", "content": greeting}] + appended[0].messages)
    out, _ = await run_test(brain, frames_to_send=[LLMContextFrame(context=context)])
    spoken = "".join(f.text for f in out if isinstance(f, LLMTextFrame))
    assert spoken == greeting


async def test_fallback_and_rejected_searches_are_spoken_plainly():
    from dialogue.phrases import phrase

    d = FlightDialogue()
    d.handle_user("from Boston to Chicago tomorrow")
    said = d.handle_tool_result({"status": "ok", "speech": "I found 3 flights.", "live": False,
                                 "fallback": True}).say
    assert said.startswith(phrase("en", "live_unavailable"))
    d.handle_user("now from Miami to Atlanta tomorrow")
    rejected = d.handle_tool_result({"status": "invalid", "message": "INVALID FORMAT"}).say
    assert rejected == phrase("en", "rephrase") and d.slots.origin is None
