"""Language switching through the real call processors, one scripted turn at a time.

The processors of a ``local`` call (``pipelines/local.py: build``), wired in the same order, minus the
audio edges (transport, Whisper, Piper)::

    LanguageSwitchProcessor → DTMFCommandsProcessor → user aggregator → [brain_in]
        → LocalBrainService (rule dialogue)
        → FlightToolProcessor (timetable provider) → [tts_in] → assistant aggregator

``brain_in`` and ``tts_in`` are observation points: they record, in one ordered log, every frame
that reaches the brain and every frame that reaches the place the TTS sits. Each caller turn is what
``processors/whisper_stt.py`` emits for a VAD segment — a ``TranscriptionFrame`` whose ``result``
carries ``language``/``language_probability``/``language_source`` — between the
``UserStartedSpeakingFrame``/``UserStoppedSpeakingFrame`` the turn strategy announces (here the
script announces them and the aggregator runs Pipecat's ``ExternalUserTurnStrategies``, which adopt
them: no VAD or Smart Turn model is needed). The next turn
is sent only once the previous one is fully answered (tool call and its spoken result included),
as a caller waits for the bot; every turn is then checked: the language decision, the order of the
settings frames against the answer, the search arguments and the language of what would be spoken.

The probabilities are those Whisper base gives the fixtures through the phone path (README,
"Languages"): ``es_rome_date`` 0.83–0.90, English fixtures ≥ 0.9. How often real audio reaches them
is measured by ``bench/language_calls.py --calls N``, not here.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from pipecat.adapters.llm.schemas.tools_schema import ToolsSchema
from pipecat.frames.frames import (
    DataFrame,
    EndFrame,
    Frame,
    FunctionCallInProgressFrame,
    FunctionCallResultFrame,
    FunctionCallsStartedFrame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    LLMUpdateSettingsFrame,
    TranscriptionFrame,
    TTSSpeakFrame,
    TTSUpdateSettingsFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.pipeline.worker import PipelineParams, PipelineWorker
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.transcriptions.language import Language
from pipecat.turns.user_turn_strategies import ExternalUserTurnStrategies
from pipecat.utils.time import time_now_iso8601
from pipecat.workers.runner import WorkerRunner

from flights.chain import ProviderChain
from flights.timetable import TimetableProvider
from processors.call_language import CallLanguage
from processors.call_marks import HangupRequestFrame
from processors.call_tools import CallTools
from dialogue.policy import FlightDialogue
from processors.dtmf_commands import DTMFCommandsProcessor
from processors.flight_tool import SEARCH_FLIGHTS, FlightToolProcessor
from processors.language_fusion import TextLanguageDetector
from processors.language_switch import LanguageSwitchProcessor, starting_language
from processors.local_brain import LocalBrainService, LocalBrainSettings

#: A turn that never gets a complete answer fails the test instead of hanging it (not a speed goal:
#: a turn here takes well under a second).
TURN_GUARD_SECS = 30.0

SPANISH_WORDS = re.compile(r"\b(vuelos?|sale|llega|euros|dólares|de la (mañana|tarde|noche)|hay|encontré)\b", re.I)
ENGLISH_WORDS = re.compile(r"\b(flights?|leaves|arrives|dollars|found|there (is|are))\b", re.I)


@pytest.fixture(autouse=True, scope="module")
def _text_detector_built():
    """Build lingua's detector once before the calls, as the gateway does at start-up
    (``pipelines.shell.load_resources``), so no turn waits for it."""
    TextLanguageDetector.confidences("warm up")


class Tap(FrameProcessor):
    """Observation point: appends every downstream frame to a shared log as ``(point, frame)``."""

    def __init__(self, point: str, log: list[tuple[str, Frame]], changed: asyncio.Event):
        super().__init__(name=f"tap-{point}")
        self._point = point
        self._log = log
        self._changed = changed

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if direction == FrameDirection.DOWNSTREAM:
            self._log.append((self._point, frame))
            self._changed.set()
        await self.push_frame(frame, direction)


@dataclass
class TurnMarker(DataFrame):
    """Queued once a turn's context reached the brain: frames are processed in order, so when it
    reaches ``tts_in`` everything the brain pushed for that context is ahead of it."""

    turn: int = 0


@dataclass
class TurnFrames:
    """What one caller turn caused, in arrival order."""

    log: list[tuple[str, Frame]] = field(default_factory=list)

    def at(self, point: str) -> list[Frame]:
        return [f for p, f in self.log if p == point]

    def index(self, point: str, kind: type, pred=lambda f: True) -> int:
        """Position in the turn's log of the first ``kind`` frame at ``point`` (``-1``: none)."""
        return next((i for i, (p, f) in enumerate(self.log) if p == point and isinstance(f, kind) and pred(f)), -1)

    def responses(self) -> list[str]:
        """The brain's responses as the TTS receives them: one string per Start…End."""
        out, current = [], None
        for f in self.at("tts_in"):
            if isinstance(f, LLMFullResponseStartFrame):
                current = []
            elif isinstance(f, LLMTextFrame) and current is not None:
                current.append(f.text)
            elif isinstance(f, LLMFullResponseEndFrame) and current is not None:
                out.append("".join(current))
                current = None
        return out

    def spoken(self) -> list[str]:
        """Everything the TTS would speak, in order: the responses and the tool's filler."""
        out, current = [], None
        for f in self.at("tts_in"):
            if isinstance(f, TTSSpeakFrame):
                out.append(f.text)
            elif isinstance(f, LLMFullResponseStartFrame):
                current = []
            elif isinstance(f, LLMTextFrame) and current is not None:
                current.append(f.text)
            elif isinstance(f, LLMFullResponseEndFrame) and current is not None:
                out.append("".join(current))
                current = None
        return out

    def settings(self, point: str) -> list[str]:
        """Languages of the settings frames reaching ``point`` (``llm:es``, ``tts:es``)."""
        out = []
        for f in self.at(point):
            if isinstance(f, LLMUpdateSettingsFrame):
                out.append(f"llm:{f.delta.language}")
            elif isinstance(f, TTSUpdateSettingsFrame):
                out.append(f"tts:{f.delta.language}")
        return out

    def tool_calls(self) -> list[dict]:
        return [dict(f.arguments) for f in self.at("tts_in") if isinstance(f, FunctionCallInProgressFrame)]

    def tool_results(self) -> list[dict]:
        return [f.result for f in self.at("tts_in") if isinstance(f, FunctionCallResultFrame)]

    def answered(self, marker: TurnMarker) -> bool:
        """The brain is done with the turn: ``marker`` (queued behind the turn's context) passed it,
        and when it started a tool call, the call's result came back and was spoken — or, for
        ``end_call`` (no answer follows it), the hang-up request came."""
        frames = self.at("tts_in")
        if marker not in frames:
            return False
        if not any(isinstance(f, FunctionCallsStartedFrame) for f in frames):
            return True
        results = [i for i, f in enumerate(frames) if isinstance(f, FunctionCallResultFrame)]
        ends = [i for i, f in enumerate(frames) if isinstance(f, LLMFullResponseEndFrame)]
        hung_up = any(isinstance(f, HangupRequestFrame) for f in frames)
        return bool(results and (hung_up or (ends and ends[-1] > results[-1])))


class ScriptedCall:
    """One call's processors in a running PipelineWorker, driven turn by turn (``async with``)."""

    def __init__(self, *, from_number: str = "+15551230000", to_number: str = "+15559870000",
                 language: str | None = None):
        self.language, self.source = starting_language(language, to_number, from_number, {})
        self.log: list[tuple[str, Frame]] = []
        self._changed = asyncio.Event()
        # One language state per call, shared as the shell shares it (pipelines/shell.py).
        self.state = CallLanguage(current=self.language, source=self.source)
        self.switch = LanguageSwitchProcessor(
            state=self.state,
            llm_settings=lambda code: LocalBrainSettings(language=code), call_sid="CAscripted",
        )
        self.dialogue = FlightDialogue(language=self.language)
        self.brain = LocalBrainService(dialogue=self.dialogue, language=self.state)
        self.search = ProviderChain([TimetableProvider()])
        self.tool = FlightToolProcessor(self.search, language=self.state)
        self.tool.register(self.brain)
        call_tools = CallTools()
        call_tools.register(self.brain)  # end_call, as the shell registers it
        context = LLMContext(messages=[], tools=ToolsSchema(standard_tools=[SEARCH_FLIGHTS, *call_tools.schemas]))
        user_aggregator, assistant_aggregator = LLMContextAggregatorPair(
            context, user_params=LLMUserAggregatorParams(user_turn_strategies=ExternalUserTurnStrategies()),
        )
        self.worker = PipelineWorker(
            Pipeline([
                self.switch, DTMFCommandsProcessor(), user_aggregator,
                Tap("brain_in", self.log, self._changed), self.brain, self.tool,
                Tap("tts_in", self.log, self._changed), assistant_aggregator,
            ]),
            params=PipelineParams(audio_in_sample_rate=16000, audio_out_sample_rate=8000),
            cancel_on_idle_timeout=False, enable_rtvi=False,
        )
        self._runner = WorkerRunner(handle_sigint=False)
        self._task: asyncio.Task | None = None
        self.greeting = TurnFrames()
        self._turns = 0

    async def __aenter__(self) -> ScriptedCall:
        started = asyncio.Event()

        @self.worker.event_handler("on_pipeline_started")
        async def _started(worker, frame):
            started.set()

        await self._runner.add_workers(self.worker)
        self._task = asyncio.create_task(self._runner.run())
        await asyncio.wait_for(started.wait(), TURN_GUARD_SECS)
        # The bot speaks first, as pipelines/local.py queues it.
        start = len(self.log)
        await self.worker.queue_frame(TTSSpeakFrame(self.brain.greeting()))
        await self._until(lambda: TurnFrames(self.log[start:]).spoken(), "greeting")
        self.greeting = TurnFrames(self.log[start:])
        return self

    async def __aexit__(self, *exc) -> None:
        await self.worker.queue_frame(EndFrame())
        await asyncio.wait_for(self._task, TURN_GUARD_SECS)

    async def _until(self, condition, what: str) -> None:
        async def wait():
            while not condition():
                self._changed.clear()
                await self._changed.wait()

        try:
            await asyncio.wait_for(wait(), TURN_GUARD_SECS)
        except TimeoutError:
            raise AssertionError(f"{what}: no complete answer; frames {[(p, type(f).__name__) for p, f in self.log]}")

    async def say(self, text: str, language: str, probability: float) -> TurnFrames:
        """One caller turn as Whisper reports it; returns the frames it caused once fully answered."""
        start = len(self.log)
        transcript = TranscriptionFrame(
            text, "caller", time_now_iso8601(), Language(language),
            result={"language": language, "language_probability": probability, "no_speech_prob": 0.02,
                    "language_source": "detected"},
        )
        await self.worker.queue_frames([UserStartedSpeakingFrame(), transcript, UserStoppedSpeakingFrame()])
        await self._until(lambda: TurnFrames(self.log[start:]).index("brain_in", LLMContextFrame) >= 0,
                          f"{text!r} (context)")
        self._turns += 1
        marker = TurnMarker(turn=self._turns)
        await self.worker.queue_frame(marker)
        await self._until(lambda: TurnFrames(self.log[start:]).answered(marker), repr(text))
        return TurnFrames(self.log[start:])


def _settings_before_answer(turn: TurnFrames, language: str) -> None:
    """The switch's settings frames reach the brain and the TTS before anything of the answer."""
    llm_at = turn.index("brain_in", LLMUpdateSettingsFrame, lambda f: f.delta.language == language)
    context_at = turn.index("brain_in", LLMContextFrame)
    tts_at = turn.index("tts_in", TTSUpdateSettingsFrame, lambda f: f.delta.language == language)
    first_speech = min(i for i in (turn.index("tts_in", LLMFullResponseStartFrame), turn.index("tts_in", TTSSpeakFrame))
                       if i >= 0)
    assert 0 <= llm_at < context_at, f"LLM settings {language} at {llm_at}, turn context at {context_at}"
    assert 0 <= tts_at < first_speech, f"TTS settings {language} at {tts_at}, first speech at {first_speech}"


def _lists_flights(text: str, language: str) -> None:
    words = SPANISH_WORDS if language == "es" else ENGLISH_WORDS
    other = ENGLISH_WORDS if language == "es" else SPANISH_WORDS
    assert words.search(text), f"not a {language} flight list: {text!r}"
    assert not other.search(text), f"{language} answer has words of the other language: {text!r}"
    assert re.search(r"\d", text), f"no times or prices: {text!r}"


async def test_switch_to_spanish_mid_booking_keeps_the_origin_and_comes_back_to_english():
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    async with ScriptedCall(language="en") as call:
        assert call.greeting.spoken() and "flight desk" in call.greeting.spoken()[0].lower()

        # 1. English, origin only: no switch, the destination is asked for in English.
        turn = await call.say("I want to fly from Boston.", "en", 0.97)
        assert turn.settings("brain_in") == [] and turn.settings("tts_in") == []
        assert turn.tool_calls() == []
        (reply,) = turn.responses()
        assert "Boston" in reply and "where" in reply.lower(), reply

        # 2. Spanish, one confident turn (p 0.86 >= 0.8, 10 words): switch before the answer.
        turn = await call.say("Hola, quiero ir a Roma el quince de abril, por favor.", "es", 0.86)
        assert call.switch.switches == [("en", "es", "confident")]
        assert turn.settings("brain_in") == ["llm:es", "tts:es"]
        assert turn.settings("tts_in") == ["llm:es", "tts:es"]
        _settings_before_answer(turn, "es")
        assert call.brain._settings.language == "es" and call.tool.language == "es"
        responses = turn.responses()
        assert "español" in responses[0].lower(), responses           # the acknowledgement comes first
        (args,) = turn.tool_calls()
        assert (args["origin"], args["destination"]) == ("BOS", "ROM")  # the English origin is kept
        assert args["departure_date"].endswith("-04-15")
        filler = [f.text for f in turn.at("tts_in") if isinstance(f, TTSSpeakFrame)]
        assert len(filler) == 1 and "Roma" in filler[0] and "Boston" in filler[0], filler
        (result,) = turn.tool_results()
        assert result["status"] == "ok" and result["provider"] == "timetable" and result["count"] >= 1
        answer = responses[-1]
        assert result["speech"] in answer and "Roma" in answer, answer   # the tool's Spanish speech
        _lists_flights(answer, "es")

        # 3. Back to English with a new search: the switch frames go out again, before the answer.
        turn = await call.say("Now search from Miami to Atlanta tomorrow.", "en", 0.97)
        assert call.switch.switches[-1] == ("es", "en", "confident")
        assert turn.settings("tts_in") == ["llm:en", "tts:en"]
        _settings_before_answer(turn, "en")
        responses = turn.responses()
        assert "english" in responses[0].lower(), responses
        (args,) = turn.tool_calls()
        assert (args["origin"], args["destination"], args["departure_date"]) == ("MIA", "ATL", tomorrow)
        (result,) = turn.tool_results()
        assert result["status"] == "ok" and result["speech"] in responses[-1]
        assert "Miami" in responses[-1] and "Atlanta" in responses[-1], responses[-1]
        _lists_flights(responses[-1], "en")

        # 4. Goodbye: no switch, an English goodbye and the hang-up request behind it.
        turn = await call.say("That's all, thank you. Goodbye.", "en", 0.98)
        assert turn.settings("tts_in") == [] and len(call.switch.switches) == 2
        assert "bye" in turn.responses()[-1].lower()
        hangup = turn.index("tts_in", HangupRequestFrame)
        assert hangup > turn.index("tts_in", LLMFullResponseEndFrame) >= 0


@pytest.mark.parametrize("from_number, source", [("+34612345678", "caller_country"), ("+15551230000", "default")])
async def test_spanish_from_the_start(from_number, source):
    """A Spanish caller: from a +34 number the call starts in Spanish (a weak prior, confirmed by the
    first turn, so no switch); from a number without a prior it starts in English and the first
    Spanish turn overrides the weak start, before its answer."""
    async with ScriptedCall(from_number=from_number) as call:
        assert call.source == source
        greeting = call.greeting.spoken()[0]
        assert ("vuelos" in greeting) == (source == "caller_country"), greeting

        turn = await call.say("Quiero volar de Madrid a Barcelona el próximo viernes.", "es", 0.88)
        if source == "caller_country":
            assert call.switch.switches == [] and turn.settings("tts_in") == []
        else:
            assert call.switch.switches == [("en", "es", "weak start overridden")]
            _settings_before_answer(turn, "es")
        assert call.switch.language == "es" and call.tool.language == "es"
        (args,) = turn.tool_calls()
        assert (args["origin"], args["destination"]) == ("MAD", "BCN")
        assert date.fromisoformat(args["departure_date"]).weekday() == 4  # a Friday
        spoken = turn.spoken()
        assert any("Madrid" in s and "Barcelona" in s for s in spoken[:-1]), spoken  # the Spanish filler
        assert turn.tool_results()[0]["status"] == "ok"
        _lists_flights(turn.responses()[-1], "es")

        # A short English aside ("OK, thanks.") is under 3 words: ignored, the call stays Spanish.
        turn = await call.say("OK, thanks.", "en", 0.95)
        assert turn.settings("tts_in") == [] and call.switch.language == "es"
