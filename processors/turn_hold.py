"""End-of-turn strategy that does not cut a caller off after "Hi there." (Smart Turn + a short hold),
and that waits for a turn's late transcripts with any STT.

With segmented STT, a caller who pauses inside one request ("Hi there. … I need a flight …") gets the
first segment transcribed and finalized before they resume; Smart Turn v3 rates "Hi there." complete,
so the stock strategy ends the turn, the bot answers the greeting, and the rest of the request then
interrupts the bot (DESIGN.md: 7 of 15 stock calls). :class:`HoldShortTurnStopStrategy` keeps Smart
Turn's verdict but, when everything transcribed so far in the turn is *not substantive* (a greeting,
a filler, an acknowledgement — decided by a pluggable predicate), waits until ``hold_secs`` after the end of speech before
ending the turn. Any speech in that window (VAD start) cancels the hold and the turn goes on, so
"Hi there. … I need a flight …" is one turn, answered once. Substantive turns end exactly as before:
no added latency where it matters.

**Late transcripts.** The stock strategy ends the turn on the first finalized transcript after Smart
Turn's verdict, even while a later segment of the turn is still being transcribed; that late
transcript then joins the next turn, and the bot has answered half a request. Here every VAD stop
opens a *pending segment*, and each ``TranscriptionFrame`` that arrives while segments are pending
closes the oldest one (transcripts arriving with none pending — a streaming STT's finals during
speech — close nothing). The turn does not end while a segment is pending. A segment that never
gets a transcript (noise, a cough: the STT has nothing to say) stops counting once the STT's own
latency budget has passed since its speech ended: the ``ttfs_p99_latency`` every Pipecat STT
announces in its ``STTMetadataFrame`` (or ``max_stt_wait_secs``); should its transcript come after
all (a loaded machine), it closes that expired segment, not the next one still pending. Only standard Pipecat frames are
used, so this works the same with Whisper, Deepgram or any other ``STTService``; an STT that knows
a segment had nothing to transcribe (our Whisper, Deepgram's empty ``Finalize`` answer) says so at once with a
:class:`~processors.resume.NoWordsFrame`, which closes the segment like a transcript would.

**Empty turns.** A turn every segment of which the STT declared empty (``NoWordsFrame`` or a backchannel: noise, a cough, a "Wait,
stop." Whisper dropped) ends as soon as the last is declared and the caller is silent —
Pipecat's own strategy would wait for text that never comes until the aggregator's 5 s
``user_turn_stop_timeout``. The ended turn is empty, so Pipecat's ``EmptyUserTurnConfig`` decides
what happens (by default: re-prompt only if the turn interrupted the bot). A segment that merely ran
past its deadline does not count as empty (its transcript may still come), so without the frame the
stock behaviour stays.

**Short whole answers.** Smart Turn v3 often rates a short turn without a verb "incomplete" ("Thanks,
bye.", "Yes.", "Chicago.", "Tuesday."), and the stock strategy then waits for Smart Turn's own
silence timeout (3 s) — the 3.1–3.5 s answers to closings and corrections. With ``is_complete``
(e.g. :func:`dialogue.understanding.is_short_complete`), a turn whose transcript is such a whole
answer ends as soon as the caller has stopped and the transcript is in, whatever Smart Turn said.

**Whole requests.** Smart Turn also rates some whole requests "incomplete" from their sound ("I
want to fly from New York to London." in about one call in thirty of ``bench/capacity.py``: 3.3 s
answers). With ``is_whole`` (e.g. :func:`dialogue.understanding.is_whole_request`: the turn names
both ends of a route, or one end and a day), such a turn waits only ``hold_secs`` of silence after
the end of speech, not Smart Turn's own timeout; any speech in that time cancels the wait and the
turn goes on. A caller who pauses longer inside a request says the rest over the answer, which
the barge-in handles.

**No words.** A ``NoWordsFrame`` (the STT found no speech in a segment) or a ``UserBackchannelFrame``
(a backchannel taken out of the turn, :mod:`processors.resume`) closes its pending segment at once,
so a cough does not hold a turn open for the whole STT budget.

The bot never interrupts itself as long as turns *start* on VAD only (``VADUserTurnStartStrategy``):
a transcript that still arrives after its turn ended cannot open a new turn.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable

from loguru import logger
from pipecat.frames.frames import Frame, TranscriptionFrame, UserBackchannelFrame, VADUserStoppedSpeakingFrame
from pipecat.turns.user_stop.turn_analyzer_user_turn_stop_strategy import (
    TurnAnalyzerUserTurnStopStrategy,
)

from processors.resume import NoWordsFrame


#: A hold that ends while the VAD hears a voice onset re-checks this often (s) ...
ONSET_RECHECK_SECS = 0.04
#: ... for at most this long (s): longer than Silero's ``start_secs`` plus a few 32 ms windows.
ONSET_MAX_WAIT_SECS = 0.5


class HoldShortTurnStopStrategy(TurnAnalyzerUserTurnStopStrategy):
    """Smart-Turn stop strategy with a hold for non-substantive turns and a wait for late transcripts.

    Args:
        is_substantive: ``(turn_text) -> bool``; False for text that is only a greeting/filler.
        hold_secs: silence (s) after the caller's speech ended required before ending a
            non-substantive turn (counted from the end of speech, not from the verdict).
        max_stt_wait_secs: how long after a segment's speech ended (s) it may still get its
            transcript; ``None`` takes the STT's announced ``ttfs_p99_latency``.
        is_complete: ``(turn_text) -> bool``; True for a short turn that is a whole answer by itself
            (ends the turn even when Smart Turn says "incomplete"). ``None``: Smart Turn decides.
        complete_after_hold: ``(turn_text) -> bool``; True for a non-substantive turn that is whole
            once the hold has passed with no more speech ("Wait.": the caller usually goes on, but
            if not, Smart Turn's "incomplete" is not waited out either). ``None``: Smart Turn decides.
        is_whole: ``(turn_text) -> bool``; True for a substantive turn that is a whole request by
            itself: when Smart Turn says "incomplete", the turn ends after ``hold_secs`` of silence
            instead of Smart Turn's timeout. ``None``: Smart Turn decides.
        voice_onset: ``() -> bool``; True while the VAD hears voice it has not yet reported as a
            speech start (Silero's ``STARTING`` state, under ``start_secs``) or already hears
            speech whose start frame is still on its way. A hold that runs out then waits
            (:data:`ONSET_RECHECK_SECS` at a time, up to :data:`ONSET_MAX_WAIT_SECS`): the caller
            is resuming, and the answer would be cut off by the ``clear`` a moment later.
        **kwargs: passed to :class:`TurnAnalyzerUserTurnStopStrategy` (``turn_analyzer``…).
    """

    def __init__(self, *, is_substantive: Callable[[str], bool], hold_secs: float = 0.9,
                 max_stt_wait_secs: float | None = None, is_complete: Callable[[str], bool] | None = None,
                 voice_onset: Callable[[], bool] | None = None,
                 complete_after_hold: Callable[[str], bool] | None = None,
                 is_whole: Callable[[str], bool] | None = None, **kwargs):
        super().__init__(**kwargs)
        self._is_whole = is_whole
        self._whole_task: asyncio.Task | None = None
        self.whole_completions = 0
        self._voice_onset = voice_onset
        self._complete_after_hold = complete_after_hold
        self.onset_waits = 0
        self._is_complete = is_complete
        self.short_completions = 0
        self._speech_end = 0.0  # time.time() the caller last stopped speaking (VAD stop - stop_secs)
        self._max_stt_wait = max_stt_wait_secs
        # wall-clock deadlines (time.time(), like VAD frame timestamps) of the pending segments, oldest first
        self._pending: deque[float] = deque()
        # segments whose deadline passed without a transcript: a late one is theirs, not the next's
        self._expired = 0
        self._stt_wait_task: asyncio.Task | None = None
        self._is_substantive = is_substantive
        self._hold_secs = hold_secs
        self._turn_text = ""
        self._hold_task: asyncio.Task | None = None
        self._hold_done = False
        self._turn_segments = 0  # VAD segments of this turn
        self._turn_empty = 0  # of them, those the STT said had no transcript
        self.holds = 0
        self.empty_turns = 0

    @property
    def pending_segments(self) -> int:
        """Segments VAD has closed that still wait for their transcript (within their deadline)."""
        self._prune()
        return len(self._pending)

    def _stt_wait_secs(self) -> float:
        return self._max_stt_wait if self._max_stt_wait is not None else self._stt_timeout

    def _prune(self) -> None:
        now = time.time()
        while self._pending and self._pending[0] <= now:
            self._pending.popleft()
            self._expired += 1

    async def process_frame(self, frame: Frame):
        """Track pending segments, then do the Smart Turn bookkeeping."""
        if isinstance(frame, VADUserStoppedSpeakingFrame):
            self._speech_end = frame.timestamp - frame.stop_secs
            self._pending.append(frame.timestamp - frame.stop_secs + self._stt_wait_secs())
            self._turn_segments += 1
        elif isinstance(frame, (TranscriptionFrame, NoWordsFrame, UserBackchannelFrame)):
            self._prune()
            if self._expired:
                self._expired -= 1  # the late answer of a segment that stopped counting
            elif self._pending:
                self._pending.popleft()
            if not isinstance(frame, TranscriptionFrame):  # nothing for the brain in this segment
                self._turn_empty += 1
                result = await super().process_frame(frame)
                await self._maybe_trigger_user_turn_stopped()
                return result
        return await super().process_frame(frame)

    def _waiting_for_stt(self) -> bool:
        if not self.pending_segments:
            return False
        if self._stt_wait_task is None:  # re-check once the last pending segment's deadline passes
            delay = max(0.0, self._pending[-1] - time.time())
            self._stt_wait_task = self.task_manager.create_task(
                self._recheck_later(delay, "_stt_wait_task"), f"{self}::stt_wait")
        return True

    async def _recheck_later(self, delay: float, slot: str):
        """Sleep ``delay`` s, then empty the task attribute ``slot`` and re-check the turn's end."""
        try:
            await asyncio.sleep(delay)
        except asyncio.CancelledError:
            return
        setattr(self, slot, None)
        await self._maybe_trigger_user_turn_stopped()

    async def _cancel_task_in(self, slot: str):
        task = getattr(self, slot)
        if task:
            await self.task_manager.cancel_task(task)
            setattr(self, slot, None)

    async def _maybe_trigger_user_turn_stopped(self):
        if self._waiting_for_stt():
            return  # a segment of this turn is still being transcribed
        if (not self._turn_text and self._turn_segments and self._turn_empty >= self._turn_segments
                and not self._vad_user_speaking):
            self.empty_turns += 1
            logger.debug(f"{self}: every segment of this turn closed without a transcript: ending it")
            await self._cancel_hold()
            await super().trigger_user_turn_stopped()  # empty: Pipecat's EmptyUserTurnConfig decides
            return
        settled = (not self._turn_complete and self._vad_stopped and not self._vad_user_speaking
                   and bool(self._turn_text))  # the caller stopped, Smart Turn said "incomplete"
        if settled and self._complete_enough(self._turn_text):
            self._turn_complete = True  # a whole short answer: Smart Turn's "incomplete" is not waited out
            self.short_completions += 1
            logger.debug(f"{self}: short complete turn, not waiting for Smart Turn's timeout")
        elif settled and self._is_whole is not None and self._is_whole(self._turn_text):
            delay = self._hold_left()
            if delay <= 0:
                self._turn_complete = True  # a whole request, and the caller stayed silent for the hold
                self.whole_completions += 1
                logger.debug(f"{self}: whole request after {self._hold_secs:.2f}s of silence: not waiting for "
                             f"Smart Turn's timeout")
            elif self._whole_task is None:
                self._whole_task = self.task_manager.create_task(
                    self._recheck_later(delay, "_whole_task"), f"{self}::whole_wait")
        await super()._maybe_trigger_user_turn_stopped()

    def _complete_enough(self, text: str) -> bool:
        """Whether Smart Turn's "incomplete" need not be waited out: a whole short answer, or a
        turn that is whole once the hold has passed (a halt)."""
        return bool((self._is_complete is not None and self._is_complete(text))
                    or (self._complete_after_hold is not None and self._complete_after_hold(text)))

    async def _reset(self):
        self._turn_text = ""
        self._turn_segments = self._turn_empty = 0
        self._prune()
        self._expired = 0
        await super()._reset()

    async def _discard_pending_end_of_turn(self):
        await super()._discard_pending_end_of_turn()
        await self._cancel_hold()
        await self._cancel_task_in("_stt_wait_task")
        await self._cancel_task_in("_whole_task")

    def _hold_left(self) -> float:
        """Seconds until ``hold_secs`` of silence have passed since the caller's speech ended (the
        whole hold when no end of speech is known yet); negative once it has."""
        return self._speech_end + self._hold_secs - time.time() if self._speech_end else self._hold_secs

    async def _cancel_hold(self):
        await self._cancel_task_in("_hold_task")
        self._hold_done = False

    async def _handle_transcription(self, frame: TranscriptionFrame):
        self._turn_text = f"{self._turn_text} {frame.text}".strip()
        await super()._handle_transcription(frame)
        if not self._turn_complete:
            await self._maybe_trigger_user_turn_stopped()

    async def trigger_user_turn_stopped(self, **kwargs):
        """End the turn now, or after the hold when the turn so far is not substantive."""
        if self._waiting_for_stt():
            return  # re-checked when the pending transcript arrives or its deadline passes
        if (self._hold_done or self._hold_secs <= 0 or self._is_substantive(self._turn_text)
                or (self._is_complete is not None and self._is_complete(self._turn_text))):
            self._hold_done = False
            await super().trigger_user_turn_stopped(**kwargs)
            return
        if self._hold_task:
            return
        self.holds += 1
        # The hold counts from the end of the caller's speech, not from Smart Turn's verdict and
        # the transcript (which come 0.5 s or more later): the silence it asks for is the same,
        # the answer to a lone "Hello?" is not delayed by the STT's latency on top of it.
        delay = max(0.0, self._hold_left())
        logger.debug(f"{self}: holding a non-substantive turn for {delay:.2f}s")
        self._hold_task = self.task_manager.create_task(self._hold(kwargs, delay), f"{self}::hold")

    async def _hold(self, kwargs, delay: float):
        try:
            await asyncio.sleep(delay)
            waited = 0.0
            while self._voice_onset is not None and waited < ONSET_MAX_WAIT_SECS and self._voice_onset():
                if not waited:
                    self.onset_waits += 1
                    logger.debug(f"{self}: hold over while the caller starts speaking again: waiting")
                await asyncio.sleep(ONSET_RECHECK_SECS)
                waited += ONSET_RECHECK_SECS
        except asyncio.CancelledError:
            return
        self._hold_task = None
        self._hold_done = True
        await self.trigger_user_turn_stopped(**kwargs)

    async def cleanup(self):
        """Cancel a pending hold, STT wait and whole-request wait."""
        await self._cancel_hold()
        await self._cancel_task_in("_stt_wait_task")
        await self._cancel_task_in("_whole_task")
        await super().cleanup()
