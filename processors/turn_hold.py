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
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from loguru import logger
from pipecat.frames.frames import TranscriptionFrame
from pipecat.turns.user_stop.turn_analyzer_user_turn_stop_strategy import (
    TurnAnalyzerUserTurnStopStrategy,
)


class HoldShortTurnStopStrategy(TurnAnalyzerUserTurnStopStrategy):
    """Smart-Turn stop strategy with a hold for non-substantive turns.

    Args:
        is_substantive: ``(turn_text) -> bool``; False for text that is only a greeting/filler.
        hold_secs: extra silence (s) required before ending a non-substantive turn.
        **kwargs: passed to :class:`TurnAnalyzerUserTurnStopStrategy` (``turn_analyzer``…).
    """

    def __init__(self, *, is_substantive: Callable[[str], bool], hold_secs: float = 0.9, **kwargs):
        super().__init__(**kwargs)
        self._is_substantive = is_substantive
        self._hold_secs = hold_secs
        self._turn_text = ""
        self._hold_task: asyncio.Task | None = None
        self._hold_done = False
        self.holds = 0

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
