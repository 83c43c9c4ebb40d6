"""A barge-in that holds nothing for the brain (a cough, a hum) must not cost the caller the answer
it cancelled before any of it was said.

- A running flight search: Pipecat cancels a function call registered with ``cancel_on_interruption``
  when an interruption reaches the LLM service. Before the retry, a cough during a slow live search
  left the caller in silence until the idle re-prompt. Amadeus here is the local fake speaking its
  wire format, slowed down so the barge-in lands while the search runs; the brain is the real rule
  brain.
- An LLM still thinking: the interruption cancels its answer; the context still ends with the
  caller's request, so it is asked again (:class:`processors.resume.AnswerAgain`). The LLM is
  Pipecat's ``OpenAILLMService`` against the local OpenAI-compatible fake, slowed to its first byte.
"""

from __future__ import annotations

import json

import pytest
from pipecat.frames.frames import (
    Frame,
    LLMContextFrame,
    LLMRunFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.tests.utils import SleepFrame, run_test
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.utils.time import time_now_iso8601

from dialogue.policy import FlightDialogue
from flights.amadeus_provider import AmadeusProvider
from flights.search import FlightSearch
from flights.timetable import TimetableProvider
from processors.flight_tool import FlightToolProcessor
from processors.local_brain import LocalBrainService
from processors.resume import AnswerAgain
from testkit.fake_openai_llm import FakeChatCompletions
from testkit.fake_vendors import FakeAmadeus

pytestmark = pytest.mark.e2e  # real-time: seconds of a slow search, not for make test-fast

SEARCH_SECS = 3.0  # how long the fake Amadeus takes to answer
BARGE_IN_SECS = 1.0  # when the caller makes a sound, after the request reached the brain


def aggregators(context: LLMContext):
    """The user/assistant aggregators as the shell sets them for a resuming profile: a VAD start is a
    barge-in, and an empty turn gets no "please repeat" (the resume and the retries answer it)."""
    return LLMContextAggregatorPair(context, user_params=LLMUserAggregatorParams(
        user_turn_strategies=UserTurnStrategies(start=[VADUserTurnStartStrategy()]),
        user_turn_stop_timeout=0.3, empty_user_turn=None))


def request_then_barge_in(context: LLMContext, at_secs: float, during_turn, settle_secs: float,
                          first: Frame | None = None) -> list:
    """The request reaches the brain (``first``, by default the context); ``at_secs`` later the
    caller makes a sound holding ``during_turn`` (frames, e.g. a transcript; none: a cough); then
    ``settle_secs`` of quiet."""
    return [
        first or LLMContextFrame(context=context),
        SleepFrame(at_secs),
        VADUserStartedSpeakingFrame(start_secs=0.15), SleepFrame(0.2),
        *during_turn,
        VADUserStoppedSpeakingFrame(stop_secs=0.2),
        SleepFrame(settle_secs),
    ]


async def call_with_a_barge_in_during_the_search(*during_turn):
    """The caller's request, then a barge-in 1 s into the search whose turn holds ``during_turn``."""
    # Warm the parsers up first, so the brain has surely started the search when the barge-in comes.
    FlightDialogue(language="en").handle_user("From Boston to Chicago on Friday.")
    async with FakeAmadeus() as amadeus:
        amadeus.delay = SEARCH_SECS
        provider = AmadeusProvider("test-id", "test-secret", host="127.0.0.1", port=amadeus.port,
                                   ssl=False, timeout=5.0)
        try:
            tool = FlightToolProcessor(FlightSearch([provider, TimetableProvider()]), language="en")
            brain = LocalBrainService(dialogue=FlightDialogue(language="en"))
            tool.register(brain)
            context = LLMContext(messages=[{"role": "user", "content": "From Boston to Chicago on Friday."}])
            user, assistant = aggregators(context)
            user.add_event_handler("on_user_turn_stopped", tool.on_user_turn_stopped)
            down, _ = await run_test(Pipeline([user, brain, tool, assistant]), frames_to_send=request_then_barge_in(
                context, BARGE_IN_SECS, during_turn, SEARCH_SECS + 2.5))
        finally:
            provider.close()
        return down, tool, amadeus, context


def searches_asked(context: LLMContext) -> list[dict]:
    """The ``search_flights`` arguments of every tool call in the context, in order."""
    return [json.loads(call["function"]["arguments"]) for m in context.get_messages()
            for call in m.get("tool_calls") or [] if call["function"]["name"] == "search_flights"]


def said(context: LLMContext) -> str:
    """What the brain answered (the assistant aggregator keeps the brain's text in the context)."""
    return " ".join(m["content"] for m in context.get_messages()
                    if m.get("role") == "assistant" and isinstance(m.get("content"), str))


async def test_a_word_less_barge_in_during_the_search_searches_again_without_a_second_filler():
    down, tool, amadeus, context = await call_with_a_barge_in_during_the_search()
    assert tool.retries == 1
    assert tool.searches == 2 and len(tool.history) == 1  # the cancelled search, then the retry
    assert amadeus.offer_requests >= 1
    assert "dollars" in said(context)  # the results were read out after all
    assert len([f for f in down if isinstance(f, TTSSpeakFrame)]) == 1  # one filler
    first, again = searches_asked(context)
    assert again == first
    assert [m["content"] for m in context.get_messages() if m.get("role") == "tool"][0] == "CANCELLED"


async def test_a_barge_in_with_words_during_the_search_leaves_it_to_the_brain():
    words = TranscriptionFrame("Actually, Saturday.", "caller", time_now_iso8601(), finalized=True)
    down, tool, amadeus, context = await call_with_a_barge_in_during_the_search(words)
    assert tool.retries == 0
    # The brain searched again itself, for the new day.
    first, again = searches_asked(context)
    assert (first["destination"], again["destination"]) == ("CHI", "CHI")
    assert first["departure_date"] != again["departure_date"]
    assert "dollars" in said(context)


async def llm_call_with_a_barge_in_while_it_thinks(*during_turn, greeting: bool = False, greets: bool = False):
    """The caller's "Hello?" (or, with ``greeting``, the LLM's own greeting: an empty context and an
    ``LLMRunFrame``, as the cascade profile starts) to an LLM that takes 1.5 s to its first byte; a
    barge-in 0.5 s in. ``greets`` is :class:`AnswerAgain`'s."""
    from pipecat.services.openai.llm import OpenAILLMService

    chat = FakeChatCompletions()
    chat.first_byte_delay_secs = 1.5
    try:
        llm = OpenAILLMService(api_key=chat.api_key, base_url=chat.base_url, settings=OpenAILLMService.Settings(
            model="gpt-4o-mini", system_instruction="You are a flight desk. Answer in English."))
        context = LLMContext(messages=[] if greeting else [{"role": "user", "content": "Hello? Is this the flight desk?"}])
        user, assistant = aggregators(context)
        again = AnswerAgain(context, user, greets=greets)
        user.add_event_handler("on_user_turn_stopped", again.on_user_turn_stopped)
        await run_test(Pipeline([user, llm, assistant]), frames_to_send=request_then_barge_in(
            context, 0.5, during_turn, 3.5, first=LLMRunFrame() if greeting else None))
        return chat, again, context
    finally:
        chat.close()


async def test_a_word_less_barge_in_before_the_llm_greeted_asks_for_the_greeting_again():
    chat, again, context = await llm_call_with_a_barge_in_while_it_thinks(greeting=True, greets=True)
    assert again.times == 1 and len(chat.requests) == 2
    assert said(context)  # the caller was greeted after all


async def test_without_an_llm_greeting_an_empty_context_is_not_asked_again():
    # The local profile greets with its own TTSSpeakFrame: an empty context there is no request.
    chat, again, context = await llm_call_with_a_barge_in_while_it_thinks(greeting=True, greets=False)
    assert again.times == 0 and len(chat.requests) == 1
    assert not said(context)


async def test_a_word_less_barge_in_while_the_llm_thinks_asks_it_again():
    chat, again, context = await llm_call_with_a_barge_in_while_it_thinks()
    assert again.times == 1 and len(chat.requests) == 2
    assert said(context)  # the caller got an answer after all


async def test_a_barge_in_with_words_while_the_llm_thinks_is_a_new_turn_not_a_repeat():
    words = TranscriptionFrame("Wait.", "caller", time_now_iso8601(), finalized=True)
    chat, again, context = await llm_call_with_a_barge_in_while_it_thinks(words)
    assert again.times == 0
    assert "go ahead" in said(context).lower()  # the answer to "Wait.", from the new turn
