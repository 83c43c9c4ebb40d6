"""End-of-turn strategy that does not cut a caller off after "Hi there." (Smart Turn + a short hold).

With segmented STT, a caller who pauses inside one request ("Hi there. … I need a flight …") gets the
first segment transcribed and finalized before they resume; Smart Turn v3 rates "Hi there." complete,
so the stock strategy ends the turn, the bot answers the greeting, and the rest of the request then
interrupts the bot (DESIGN.md: 7 of 15 stock calls). :class:`HoldShortTurnStopStrategy` keeps Smart
Turn's verdict but, when everything transcribed so far in the turn is *not substantive* (a greeting,
a filler, an acknowledgement — decided by a pluggable predicate), waits ``hold_secs`` more before
ending the turn. Any speech in that window (VAD start) cancels the hold and the turn goes on, so
"Hi there. … I need a flight …" is one turn, answered once. Substantive turns end exactly as before:
no added latency where it matters.

It also waits for *every* segment of the turn to be transcribed: the stock strategy ends the turn on
the first finalized transcript after Smart Turn's verdict, even while a later segment is still in the
STT queue; that late transcript then starts a new turn and interrupts the bot. Here each VAD stop
counts as a pending segment until the STT's :class:`~processors.whisper_stt.SegmentTranscribedFrame`
for it arrives (bounded by ``max_stt_wait_secs`` in case a segment is never reported).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from loguru import logger
from pipecat.frames.frames import Frame, TranscriptionFrame, VADUserStoppedSpeakingFrame
from pipecat.turns.user_stop.turn_analyzer_user_turn_stop_strategy import (
    TurnAnalyzerUserTurnStopStrategy,
)


class HoldShortTurnStopStrategy(TurnAnalyzerUserTurnStopStrategy):
    """Smart-Turn stop strategy with a hold for non-substantive turns.

    Args:
        is_substantive: ``(turn_text) -> bool``; False for text that is only a greeting/filler.
        hold_secs: extra silence (s) required before ending a non-substantive turn.
        max_stt_wait_secs: stop waiting for an unreported segment after this long (s).
        **kwargs: passed to :class:`TurnAnalyzerUserTurnStopStrategy` (``turn_analyzer``…).
    """

    def __init__(self, *, is_substantive: Callable[[str], bool], hold_secs: float = 0.9,
                 max_stt_wait_secs: float = 6.0, **kwargs):
        super().__init__(**kwargs)
        self._max_stt_wait = max_stt_wait_secs
        self._segments_sent = 0
        self._segments_done = 0
        self._last_segment_sent_at = 0.0
        self._is_substantive = is_substantive
        self._hold_secs = hold_secs
        self._turn_text = ""
        self._hold_task: asyncio.Task | None = None
        self._hold_done = False
        self.holds = 0

    @property
    def pending_segments(self) -> int:
        """Segments VAD has closed that the STT has not reported yet."""
        return max(0, self._segments_sent - self._segments_done)

    async def process_frame(self, frame: Frame):
        """Count segments in and out of the STT, then do the Smart Turn bookkeeping."""
        from processors.whisper_stt import SegmentTranscribedFrame

        if isinstance(frame, VADUserStoppedSpeakingFrame):
            self._segments_sent += 1
            self._last_segment_sent_at = time.monotonic()
        result = await super().process_frame(frame)
        if isinstance(frame, SegmentTranscribedFrame):
            self._segments_done += 1
            if self.pending_segments == 0:
                await self._maybe_trigger_user_turn_stopped()
        return result

    def _waiting_for_stt(self) -> bool:
        return bool(self.pending_segments) and time.monotonic() - self._last_segment_sent_at < self._max_stt_wait

    async def _maybe_trigger_user_turn_stopped(self):
        if self._waiting_for_stt():
            return  # a later segment of this turn is still being transcribed
        await super()._maybe_trigger_user_turn_stopped()

    async def _reset(self):
        self._turn_text = ""
        await super()._reset()

    async def _discard_pending_end_of_turn(self):
        await super()._discard_pending_end_of_turn()
        await self._cancel_hold()

    async def _cancel_hold(self):
        if self._hold_task:
            await self.task_manager.cancel_task(self._hold_task)
            self._hold_task = None
        self._hold_done = False

    async def _handle_transcription(self, frame: TranscriptionFrame):
        self._turn_text = f"{self._turn_text} {frame.text}".strip()
        await super()._handle_transcription(frame)

    async def trigger_user_turn_stopped(self, **kwargs):
        """End the turn now, or after the hold when the turn so far is not substantive."""
        if self._waiting_for_stt():
            return  # re-checked when the STT reports the pending segment
        if self._hold_done or self._hold_secs <= 0 or self._is_substantive(self._turn_text):
            self._hold_done = False
            await super().trigger_user_turn_stopped(**kwargs)
            return
        if self._hold_task:
            return
        self.holds += 1
        logger.debug(f"{self}: holding a non-substantive turn for {self._hold_secs:.2f}s")
        self._hold_task = self.task_manager.create_task(self._hold(kwargs), f"{self}::hold")

    async def _hold(self, kwargs):
        try:
            await asyncio.sleep(self._hold_secs)
        except asyncio.CancelledError:
            return
        self._hold_task = None
        self._hold_done = True
        await self.trigger_user_turn_stopped(**kwargs)

    async def cleanup(self):
        """Cancel a pending hold."""
        await self._cancel_hold()
        await super().cleanup()
