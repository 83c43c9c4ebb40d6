"""Call behaviour that does not depend on the brain: ``end_call`` as a tool, the call's language state."""

from __future__ import annotations

from pipecat.frames.frames import (
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    LLMContextFrame,
    LLMTextFrame,
    OutputTransportMessageFrame,
    TTSSpeakFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.tests.utils import SleepFrame, run_test

from flights.search import FlightSearch
from processors.call_language import CallLanguage
from processors.call_marks import CallMarksProcessor
from processors.call_tools import END_CALL, CallTools
from dialogue.policy import FlightDialogue
from processors.flight_tool import FlightToolProcessor
from processors.local_brain import LocalBrainService
from dialogue.phrases import phrase


async def test_the_rule_brain_hangs_up_through_the_end_call_tool_after_its_goodbye():
    brain = LocalBrainService(dialogue=FlightDialogue())
    tools = CallTools()
    tools.register(brain)
    marks = CallMarksProcessor("MZ1")
    context = LLMContext(messages=[{"role": "user", "content": "No thanks, goodbye."}])
    down, _ = await run_test(Pipeline([brain, marks]),
                             frames_to_send=[LLMContextFrame(context=context), SleepFrame(0.3)])
    kinds = [type(f).__name__ for f in down if isinstance(
        f, (LLMTextFrame, FunctionCallInProgressFrame, OutputTransportMessageFrame, FunctionCallResultFrame))]
    # goodbye words, then the end_call call, then the hangup mark behind them; nothing said after
    assert kinds[0] == "LLMTextFrame" and "FunctionCallInProgressFrame" in kinds
    calls = [f for f in down if isinstance(f, FunctionCallInProgressFrame)]
    assert [c.function_name for c in calls] == ["end_call"]
    last_text = max(i for i, f in enumerate(down) if isinstance(f, LLMTextFrame))
    mark = next(i for i, f in enumerate(down) if isinstance(f, OutputTransportMessageFrame))
    assert mark > last_text and down[mark].message["mark"]["name"] == "hangup"
    assert marks.hangup_requested == "goodbye" and tools.hangups == ["goodbye"]
    result = next(f for f in down if isinstance(f, FunctionCallResultFrame))
    assert result.result == {"status": "ending"} and result.properties.run_llm is False


def test_end_call_schema_is_an_llm_tool():
    assert END_CALL.name == "end_call" and END_CALL.required == []
    assert "reason" in END_CALL.properties


async def test_filler_speaks_the_call_language_through_the_profile_frame():
    language = CallLanguage(current="en", source="default")
    tool = FlightToolProcessor(FlightSearch(), language=language)
    language.switch("es", "confident")
    frame = FunctionCallInProgressFrame(function_name="search_flights", tool_call_id="c1",
                                        arguments={"origin": "MAD", "destination": "FCO"})
    down, _ = await run_test(tool, frames_to_send=[frame])
    filler = [f.text for f in down if isinstance(f, TTSSpeakFrame)]
    assert len(filler) == 1 and "Madrid" in filler[0]
    assert filler[0] == FlightToolProcessor(FlightSearch(), language="es").filler(
        {"origin": "MAD", "destination": "FCO"})
    silent = FlightToolProcessor(FlightSearch(), language=language, filler_frame=None)
    down, _ = await run_test(silent, frames_to_send=[frame])
    assert not [f for f in down if isinstance(f, TTSSpeakFrame)]


def test_language_state_switches_once_and_rejects_unsupported_codes():
    import pytest

    seen = []
    state = CallLanguage(current="EN-us", source="caller_country")
    state.on_change(lambda old, new: seen.append((old, new)))
    assert state.current == "en" and state.weak
    assert state.switch("es", "confident") and not state.switch("es-ES")
    assert seen == [("en", "es")] and state.switches == [("en", "es", "confident")] and not state.weak
    with pytest.raises(ValueError, match="unsupported"):
        state.switch("zz")


async def test_the_brain_speaks_the_call_language_after_a_switch():
    language = CallLanguage(current="en")
    brain = LocalBrainService(dialogue=FlightDialogue(language="en"), language=language)
    language.switch("es", "confident")
    context = LLMContext(messages=[{"role": "user", "content": "Quiero volar de Madrid a Roma."}])
    down, _ = await run_test(brain, frames_to_send=[LLMContextFrame(context=context)])
    assert brain.dialogue.language == "es"
    spoken = "".join(f.text for f in down if isinstance(f, LLMTextFrame))
    assert spoken.startswith(phrase("es", "language_switched"))
