"""The turn-stop strategy waits for a turn's late transcripts with an STT that is not our Whisper.

The STT here is a stand-in for a cloud STT (a plain Pipecat ``STTService``): it emits nothing but
``TranscriptionFrame``s, each some time after the VAD stop of its segment, and announces its latency
budget (``ttfs_p99_latency``) like every Pipecat STT. The strategy runs inside the real user
aggregator, driven by VAD frames, with a turn analyzer that rates every stop complete (as Smart Turn
does for "Hi there.") — the case where the stock strategy ends the turn too early.
"""

from __future__ import annotations

import asyncio
import time

from pipecat.audio.turn.base_turn_analyzer import BaseTurnAnalyzer, BaseTurnParams, EndOfTurnState
from pipecat.frames.frames import (
    Frame,
    LLMContextFrame,
    TranscriptionFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.aggregators.llm_response_universal import (
    LLMContextAggregatorPair,
    LLMUserAggregatorParams,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.stt_service import STTService
from pipecat.tests.utils import SleepFrame, run_test
from pipecat.turns.user_start import VADUserTurnStartStrategy
from pipecat.turns.user_turn_strategies import UserTurnStrategies
from pipecat.utils.time import time_now_iso8601

from processors.resume import NoWordsFrame
from processors.turn_hold import HoldShortTurnStopStrategy

STOP_SECS = 0.2


class LateSTT(STTService):
    """Each VAD stop gets the next scripted ``(text or None, delay s)``: its transcript, that late
    (``""``: a :class:`NoWordsFrame`, as our Whisper says "nothing here")."""

    def __init__(self, script: list[tuple[str | None, float]], events: list, ttfs_p99_latency: float):
        super().__init__(ttfs_p99_latency=ttfs_p99_latency)
        self._script = list(script)
        self._events = events

    async def run_stt(self, audio: bytes):
        yield None  # audio is not transcribed here; transcripts follow the script

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, VADUserStoppedSpeakingFrame) and self._script:
            text, delay = self._script.pop(0)
            self.create_task(self._later(text, delay))

    async def _later(self, text: str | None, delay: float):
        await asyncio.sleep(delay)
        if text == "":
            self._events.append(("no_transcript", None))
            await self.push_frame(NoWordsFrame())
        elif text:
            self._events.append(("transcript", text))
            await self.push_frame(TranscriptionFrame(text, "caller", time_now_iso8601(), finalized=True))


class FixedVerdictAnalyzer(BaseTurnAnalyzer):
    """A turn analyzer that gives the same verdict at every VAD stop and never times out
    (``COMPLETE``: every stop ends the turn; ``INCOMPLETE``: Smart Turn on "Thanks, bye.", at worst)."""

    def __init__(self, verdict: EndOfTurnState = EndOfTurnState.COMPLETE):
        super().__init__()
        self._verdict = verdict

    @property
    def speech_triggered(self) -> bool:
        return False

    @property
    def params(self) -> BaseTurnParams:
        return BaseTurnParams()

    def append_audio(self, buffer: bytes, is_speech: bool) -> EndOfTurnState:
        return EndOfTurnState.INCOMPLETE

    async def analyze_end_of_turn(self):
        return self._verdict, None

    def clear(self):
        pass


def pipeline(script, events, ttfs_p99_latency, verdict=EndOfTurnState.COMPLETE, **strategy_kwargs):
    strategy_kwargs = {"is_substantive": lambda _: True, "hold_secs": 0.0, **strategy_kwargs}
    strategy = HoldShortTurnStopStrategy(turn_analyzer=FixedVerdictAnalyzer(verdict), **strategy_kwargs)
    user, _assistant = LLMContextAggregatorPair(
        LLMContext(messages=[]),
        user_params=LLMUserAggregatorParams(
            user_turn_strategies=UserTurnStrategies(start=[VADUserTurnStartStrategy()], stop=[strategy])
        ),
    )

    @user.event_handler("on_user_turn_stopped")
    async def _stopped(_aggregator, _strategy, message):
        events.append(("turn_end", message.content))
        events.append(("turn_end_at", time.monotonic()))

    return Pipeline([LateSTT(script, events, ttfs_p99_latency), user]), strategy


def _no_times(events: list) -> list:
    return [e for e in events if e[0] != "turn_end_at"]


def speech(secs: float) -> list[Frame]:
    return [VADUserStartedSpeakingFrame(start_secs=0.15), SleepFrame(secs), VADUserStoppedSpeakingFrame(stop_secs=STOP_SECS)]


async def test_a_late_second_transcript_ends_the_turn_when_it_arrives_not_before():
    """ "Hi there." … "I need a flight": the first transcript lands after the second VAD stop."""
    events: list = []
    # STT budget 2 s: the turn must end on the second transcript (0.6 s after its stop), well
    # before the budget would release it, and long before a 5-6 s wait for a frame that never comes.
    pipe, strategy = pipeline([("Hi there.", 0.5), ("I need a flight to Boston tomorrow.", 0.6)], events, 2.0)
    down, _ = await run_test(
        pipe,
        frames_to_send=[*speech(0.3), SleepFrame(0.05), *speech(0.3), SleepFrame(1.2)],
    )
    assert _no_times(events) == [
        ("transcript", "Hi there."),
        ("transcript", "I need a flight to Boston tomorrow."),
        ("turn_end", "Hi there. I need a flight to Boston tomorrow."),
    ]
    assert sum(isinstance(f, UserStoppedSpeakingFrame) for f in down) == 1
    contexts = [f for f in down if isinstance(f, LLMContextFrame)]
    assert len(contexts) == 1  # answered once, with the whole request
    assert strategy.pending_segments == 0


async def _hi_there_pause_then_request(voice_onset) -> list:
    """ "Hi there.", a pause, then the request. The hold counts from the end of speech, the VAD stop
    frame's ``timestamp - stop_secs``; these frames are made before the run, so that is t0 - 0.2 s,
    and a 0.8 s hold runs out at t0 + 0.6 s, 0.2 s before the request's VAD start (t0 + 0.8 s).
    ``voice_onset`` says whether the VAD hears the caller's voice at ``t`` s after t0 (the
    request's first voiced windows come before Silero confirms a start)."""
    events: list = []
    t0 = time.monotonic()
    pipe, _ = pipeline([("Hi there.", 0.05), ("I need a flight to Boston tomorrow.", 0.1)], events, 2.0,
                       is_substantive=lambda text: text != "Hi there.", hold_secs=0.8,
                       voice_onset=None if voice_onset is None else (lambda: voice_onset(time.monotonic() - t0)))
    await run_test(pipe, frames_to_send=[*speech(0.3), SleepFrame(0.5), *speech(0.4), SleepFrame(1.0)])
    return [e for e in events if e[0] == "turn_end"]


async def test_a_hold_that_runs_out_as_the_caller_resumes_waits_for_the_start():
    assert await _hi_there_pause_then_request(lambda t: t >= 0.45) == [
        ("turn_end", "Hi there. I need a flight to Boston tomorrow.")]


async def test_without_the_onset_the_same_hold_ends_the_turn_after_the_greeting():
    turns = await _hi_there_pause_then_request(None)
    assert turns[0] == ("turn_end", "Hi there.") and len(turns) == 2


async def test_a_segment_without_transcript_waits_only_the_stt_budget_and_a_later_transcript_starts_no_turn():
    events: list = []
    # Speech, then a noise segment the STT has nothing for (its empty result arrives, as nothing,
    # after the 0.5 s budget): the turn ends on the budget, and the late "uh" opens no new turn.
    pipe, strategy = pipeline([("I need a flight to Boston tomorrow.", 0.2), ("uh", 1.2)], events, 0.5)
    down, _ = await run_test(
        pipe,
        frames_to_send=[*speech(0.3), SleepFrame(0.05), *speech(0.1), SleepFrame(1.6)],
    )
    assert _no_times(events)[:2] == [
        ("transcript", "I need a flight to Boston tomorrow."),
        ("turn_end", "I need a flight to Boston tomorrow."),
    ]
    assert _no_times(events)[2] == ("transcript", "uh")
    assert sum(isinstance(f, UserStartedSpeakingFrame) for f in down) == 1  # one turn; "uh" opened none
    assert sum(isinstance(f, UserStoppedSpeakingFrame) for f in down) == 1


async def test_a_turn_whose_only_segment_has_no_transcript_ends_when_the_stt_says_so():
    """Noise: the STT declares the segment empty 0.2 s after its stop; the turn ends then (empty,
    no caller text), not after the 3 s budget nor Pipecat's 5 s user-turn timeout."""
    events: list = []
    pipe, strategy = pipeline([("", 0.2)], events, 3.0)
    down, _ = await run_test(pipe, frames_to_send=[*speech(0.3), SleepFrame(1.0)])
    assert _no_times(events) == [("no_transcript", None), ("turn_end", "")]
    assert strategy.empty_turns == 1
    assert strategy.pending_segments == 0
    assert sum(isinstance(f, UserStoppedSpeakingFrame) for f in down) == 1


async def test_an_empty_segment_does_not_end_a_turn_whose_other_segment_is_still_transcribing():
    """Speech then noise: the noise is declared empty first, but the speech's transcript is still
    due; the turn ends on that transcript, with its text."""
    events: list = []
    pipe, strategy = pipeline([("I need a flight to Boston tomorrow.", 0.8), ("", 0.1)], events, 3.0)
    down, _ = await run_test(
        pipe, frames_to_send=[*speech(0.3), SleepFrame(0.05), *speech(0.1), SleepFrame(1.2)])
    assert _no_times(events) == [
        ("no_transcript", None),
        ("transcript", "I need a flight to Boston tomorrow."),
        ("turn_end", "I need a flight to Boston tomorrow."),
    ]
    assert strategy.empty_turns == 0
    assert sum(isinstance(f, LLMContextFrame) for f in down) == 1


WHOLE = "I want to fly from New York to London."


def _is_whole(text: str) -> bool:
    from dialogue.understanding import is_whole_request
    return is_whole_request(text, "en")


async def test_a_whole_request_smart_turn_rates_incomplete_ends_after_the_hold_not_its_timeout():
    """Smart Turn says "incomplete" (and, here, never times out): the whole request ends the turn
    once the caller has been silent for the hold. The VAD frames are made before the run, so the
    end of speech is t0 - 0.2 s and the 0.8 s hold runs out at t0 + 0.6 s; the transcript is in at
    t0 + 0.35 s, so the turn must not end before the hold."""
    events: list = []
    t0 = time.monotonic()
    pipe, strategy = pipeline([(WHOLE, 0.05)], events, 2.0, verdict=EndOfTurnState.INCOMPLETE,
                              hold_secs=0.8, is_whole=_is_whole)
    await run_test(pipe, frames_to_send=[*speech(0.3), SleepFrame(1.0)])
    assert _no_times(events) == [("transcript", WHOLE), ("turn_end", WHOLE)]
    ended = dict(e for e in events if e[0] == "turn_end_at")["turn_end_at"] - t0
    assert 0.55 <= ended <= 0.9
    assert strategy.whole_completions == 1


async def test_without_is_whole_the_same_turn_waits_for_smart_turn():
    events: list = []
    t0 = time.monotonic()
    pipe, _ = pipeline([(WHOLE, 0.05)], events, 2.0, verdict=EndOfTurnState.INCOMPLETE, hold_secs=0.8)
    await run_test(pipe, frames_to_send=[*speech(0.3), SleepFrame(1.0)])
    ended = [e[1] - t0 for e in events if e[0] == "turn_end_at"]
    assert not ended or ended[0] >= 1.25  # not before the run's end: the analyzer never completes


async def test_a_route_end_alone_is_not_whole_and_the_caller_resuming_keeps_one_turn():
    """ "From New York…" is not whole (no wait cut short); "…to London next Friday" after a pause
    makes one turn with both parts, which is whole."""
    events: list = []
    pipe, strategy = pipeline([("I want to fly from New York", 0.05), ("to London next Friday.", 0.05)], events,
                              2.0, verdict=EndOfTurnState.INCOMPLETE, hold_secs=0.8, is_whole=_is_whole)
    await run_test(pipe, frames_to_send=[*speech(0.3), SleepFrame(0.6), *speech(0.3), SleepFrame(1.0)])
    assert [e for e in _no_times(events) if e[0] == "turn_end"] == [
        ("turn_end", "I want to fly from New York to London next Friday.")]
    assert strategy.whole_completions == 1


async def test_speech_during_the_wait_cancels_it():
    """A whole request, then the caller goes on before the hold has passed: the wait started by the
    first transcript must not end the turn while they speak."""
    events: list = []
    pipe, _ = pipeline([(WHOLE, 0.05), ("In business class.", 0.05)], events, 2.0,
                       verdict=EndOfTurnState.INCOMPLETE, hold_secs=0.8, is_whole=_is_whole)
    await run_test(pipe, frames_to_send=[*speech(0.3), SleepFrame(0.1), *speech(0.6), SleepFrame(1.0)])
    assert [e for e in _no_times(events) if e[0] == "turn_end"] == [("turn_end", f"{WHOLE} In business class.")]
