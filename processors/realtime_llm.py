"""OpenAI Realtime for phone calls: truncation of an interrupted reply to what the caller heard.

:class:`HeardTruncationRealtimeLLMService` is Pipecat 1.14's ``OpenAIRealtimeLLMService`` with one
change: on barge-in, ``conversation.item.truncate`` carries ``audio_end_ms`` = the audio of the
reply the caller actually **heard**, from Twilio's mark echoes (:class:`~processors.played_audio.
PlayedAudioMarks`), instead of Pipecat's estimate (wall time since the first audio delta, capped
at the audio received). Over a phone line that estimate counts audio still queued in our
transport and in Twilio's buffer, so the model would believe it said words the caller never
heard (https://platform.openai.com/docs/api-reference/realtime-client-events/conversation/item/truncate:
"truncate ... to the point where the user interrupted").
"""

from __future__ import annotations

from collections.abc import Callable

from loguru import logger
from pipecat.services.openai.realtime import events
from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService


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
