"""Keep a hang-up request behind the goodbye of a TTS that streams its audio from a vendor.

The ``end_call`` handler pushes :class:`~processors.call_marks.HangupRequestFrame` from the LLM
behind the goodbye's text. A local TTS turns text into audio in order, but a WebSocket TTS
(Cartesia) sends the text away and its audio comes back later, so the request can pass the TTS
*before* the goodbye's audio; the ``hangup`` mark would then be queued ahead of it and the caller
hung up mid-goodbye (seen in ``tests/test_cloud_e2e.py``: the mark echoed 0.14 s before the last
goodbye audio). :class:`HangupAfterSpeechProcessor`, placed right after such a TTS, holds the
request until the reply being spoken ends (``TTSStoppedFrame``); if no speech is in progress, it
waits up to :data:`START_WAIT_SECS` for the goodbye to start, then lets the request go.
"""

from __future__ import annotations

import asyncio

from pipecat.frames.frames import CancelFrame, EndFrame, Frame, TTSStartedFrame, TTSStoppedFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from processors.call_marks import HangupRequestFrame

START_WAIT_SECS = 1.5


class HangupAfterSpeechProcessor(FrameProcessor):
    """See the module docstring."""

    def __init__(self, *, start_wait_secs: float = START_WAIT_SECS, **kwargs):
        super().__init__(**kwargs)
        self._wait = start_wait_secs
        self._speaking = False
        self._held: HangupRequestFrame | None = None
        self._timer: asyncio.Task | None = None

    async def _release(self) -> None:
        held, self._held = self._held, None
        if self._timer is not None and self._timer is not asyncio.current_task():
            await self.cancel_task(self._timer)
        self._timer = None
        if held is not None:
            await self.push_frame(held)

    async def _release_if_silent(self) -> None:
        await asyncio.sleep(self._wait)
        if not self._speaking:
            await self._release()

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        if isinstance(frame, HangupRequestFrame) and direction == FrameDirection.DOWNSTREAM:
            self._held = frame
            if not self._speaking and self._timer is None:
                self._timer = self.create_task(self._release_if_silent(), name="hangup_wait")
            return
        await self.push_frame(frame, direction)
        if direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, TTSStartedFrame):
            self._speaking = True
        elif isinstance(frame, TTSStoppedFrame):
            self._speaking = False
            if self._held is not None:
                await self._release()
        elif isinstance(frame, (EndFrame, CancelFrame)) and self._timer is not None:
            await self.cancel_task(self._timer)
            self._timer = None

    async def cleanup(self):
        await super().cleanup()
        if self._timer is not None:
            await self.cancel_task(self._timer)
            self._timer = None
