"""OpenAI Realtime for phone calls: truncation to what the caller heard, and its language switch.

:class:`HeardTruncationRealtimeLLMService` is Pipecat 1.14's ``OpenAIRealtimeLLMService`` with one
change: on barge-in, ``conversation.item.truncate`` carries ``audio_end_ms`` = the audio of the
reply the caller actually **heard**, from Twilio's mark echoes (:class:`~processors.played_audio.
PlayedAudioMarks`), instead of Pipecat's estimate (wall time since the first audio delta, capped
at the audio received). Over a phone line that estimate counts audio still queued in our
transport and in Twilio's buffer, so the model would believe it said words the caller never
heard (https://platform.openai.com/docs/api-reference/realtime-client-events/conversation/item/truncate:
"truncate ... to the point where the user interrupted").

:class:`RealtimeLanguageSwitch` is the project's language switch fed by the Realtime service's
input-audio transcriptions, which the service pushes **upstream** (the Realtime API gives no
language, so the transcript text is classified as for any STT without probabilities). Place it
between the user aggregator and the LLM: on a switch its ``LLMUpdateSettingsFrame`` (new
``system_instruction``) goes downstream into the service, which sends ``session.update``.
"""

from __future__ import annotations

from collections.abc import Callable

from loguru import logger
from pipecat.frames.frames import Frame, TranscriptionFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.openai.realtime import events
from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService

from processors.language_switch import LanguageSwitchProcessor, TurnEvidence


class HeardTruncationRealtimeLLMService(OpenAIRealtimeLLMService):
    """``OpenAIRealtimeLLMService`` truncating interrupted replies to the heard audio.

    Args:
        heard_ms: ``() -> int`` — ms of the current reply the caller has heard.
        **kwargs: passed to ``OpenAIRealtimeLLMService``.
    """

    def __init__(self, *, heard_ms: Callable[[], int], **kwargs):
        super().__init__(**kwargs)
        self._heard_ms = heard_ms
        self.truncations: list[tuple[str, int]] = []

    async def _truncate_current_audio_response(self):
        current = self._current_audio_response
        if not current:
            return
        self._current_audio_response = None
        received_ms = self._calculate_audio_duration_ms(current.total_size)
        heard = max(0, min(int(self._heard_ms()), received_ms))
        self.truncations.append((current.item_id, heard))
        logger.debug(f"{self}: truncating {current.item_id} at {heard} ms heard ({received_ms} ms received)")
        try:
            await self.send_client_event(events.ConversationItemTruncateEvent(
                item_id=current.item_id, content_index=current.content_index, audio_end_ms=heard))
        except Exception as e:  # as in Pipecat: a failed truncation must not end the session
            logger.warning(f"{self}: audio truncation failed (non-fatal): {e}")


class RealtimeLanguageSwitch(LanguageSwitchProcessor):
    """``LanguageSwitchProcessor`` deciding on the upstream transcriptions of a Realtime service."""

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        if not (isinstance(frame, TranscriptionFrame) and direction == FrameDirection.UPSTREAM):
            await super().process_frame(frame, direction)
            return
        await FrameProcessor.process_frame(self, frame, direction)
        try:
            # Await first: turn frames handled meanwhile may replace the segment list.
            segment = await self._segment_evidence(frame)
            self._segments.append(segment)
            ev = TurnEvidence.combine(self._segments)
            verdict = None if self._switched_this_turn else self.decider.evaluate(ev)
            if verdict is not None:
                await self._switch(verdict[0], verdict[1], ev)
            else:
                logger.debug(f"{self}: turn language {ev.language} p={ev.probability:.2f} ({ev.words} words), "
                             f"staying {self.decider.language}")
        except Exception as e:  # a detection problem must never lose the caller's words
            logger.exception(f"{self}: language decision failed: {e}")
        await self.push_frame(frame, direction)
        if not self._turn_frames_seen:
            self._end_turn()
