"""``end_call`` for LLM brains: the model says goodbye, calls the tool, the call ends once heard.

:class:`EndCallProcessor` holds the schema (:data:`END_CALL`) and the handler
(:meth:`EndCallProcessor.register` on the LLM service) and sits **after whatever speaks** (the TTS,
or a speech-to-speech LLM) and before :class:`~processors.call_marks.CallMarksProcessor`. When the
tool is called it pushes :class:`~processors.call_marks.HangupRequestFrame` right behind the end of
the goodbye's speech (the next ``TTSStoppedFrame``), so the ``hangup`` mark is queued after the
goodbye's audio and the gateway hangs up once Twilio has played it. If no speech is in progress
and none starts within :data:`SPEECH_WAIT_SECS`, the hang-up is requested at once (a model that
called the tool without saying goodbye still ends the call).
"""

from __future__ import annotations

import asyncio

from loguru import logger
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.frames.frames import CancelFrame, EndFrame, Frame, TTSStartedFrame, TTSStoppedFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.llm_service import FunctionCallParams, FunctionCallResultProperties

from processors.call_marks import HangupRequestFrame

TOOL_NAME = "end_call"
SPEECH_WAIT_SECS = 3.0

END_CALL = FunctionSchema(
    name=TOOL_NAME,
    description="End the phone call. Call it right after you have said goodbye to the caller.",
    properties={},
    required=[],
)


class EndCallProcessor(FrameProcessor):
    """See the module docstring."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._speaking = False
        self._requested = False
        self._timer: asyncio.Task | None = None

    def register(self, llm) -> None:
        """Register the ``end_call`` handler on ``llm`` (the result does not start another reply)."""
        llm.register_function(TOOL_NAME, self._handle, cancel_on_interruption=False)

    async def _handle(self, params: FunctionCallParams) -> None:
        logger.info("end_call requested by the model")
        self._requested = True
        if not self._speaking:
            self._timer = self.create_task(self._wait_for_speech(), name="end_call_wait")
        await params.result_callback({"status": "ok"}, properties=FunctionCallResultProperties(run_llm=False))

    async def _wait_for_speech(self) -> None:
        await asyncio.sleep(SPEECH_WAIT_SECS)
        if self._requested and not self._speaking:
            await self._hang_up()

    async def _hang_up(self) -> None:
        self._requested = False
        await self.push_frame(HangupRequestFrame(reason="goodbye"))

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, TTSStartedFrame):
            self._speaking = True
        elif isinstance(frame, TTSStoppedFrame):
            self._speaking = False
            if self._requested:
                await self._hang_up()
        elif isinstance(frame, (EndFrame, CancelFrame)) and self._timer:
            await self.cancel_task(self._timer)
            self._timer = None

    async def cleanup(self):
        await super().cleanup()
        if self._timer:
            await self.cancel_task(self._timer)
            self._timer = None
