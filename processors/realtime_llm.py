"""OpenAI Realtime for phone calls: truncation of an interrupted reply to what the caller heard.

:class:`HeardTruncationRealtimeLLMService` is Pipecat 1.14's ``OpenAIRealtimeLLMService`` with one
change: on barge-in, ``conversation.item.truncate`` carries ``audio_end_ms`` = the audio of the
reply the caller actually **heard**, from Twilio's mark echoes (:class:`~processors.played_audio.
PlayedAudioMarks`), instead of Pipecat's estimate (wall time since the first audio delta, capped
at the audio received). Over a phone line that estimate counts audio still queued in our
transport and in Twilio's buffer, so the model would believe it said words the caller never
heard (https://platform.openai.com/docs/api-reference/realtime-client-events/conversation/item/truncate:
"truncate ... to the point where the user interrupted").

Caller audio is upsampled 8 → 24 kHz with :class:`QuickStreamResampler` (soxr "quick" cubic,
no look-ahead) instead of Pipecat's default stream resampler, which holds audio back in ~140 ms
batches (measured: 0 samples out for the first seven 20 ms frames, then 137 ms at once) and so
delayed every caller frame on its way to the model by ~90 ms (``bench/cloud_overhead.py``).
Upsampling already band-limited 8 kHz telephone audio needs no steep filter.

It also survives a dropped Realtime socket (Pipecat's service would stop receiving and leave the
caller in silence): when the connection closes while the call runs, it reconnects at once (up to
:data:`RECONNECT_ATTEMPTS` times), replays the conversation from the context as Pipecat does for a
new session, and asks the model to apologise briefly and carry on. If it cannot reconnect it asks
for the call to end (a ``HangupRequestFrame``), so the caller is never left in dead air.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncio

import numpy as np
import soxr
from loguru import logger
from pipecat.frames.frames import TTSStoppedFrame
from pipecat.services.openai.realtime import events
from pipecat.services.openai.realtime.llm import OpenAIRealtimeLLMService

from processors.call_marks import HangupRequestFrame

RECONNECT_ATTEMPTS = 2
#: What the model is told after a reconnect (a system item), so the caller hears an apology.
RECONNECTED_NOTE = ("The phone connection to you dropped for a moment and was restored. Apologise in one "
                    "short sentence and ask the caller to repeat what they said last.")


class QuickStreamResampler:
    """Streaming PCM16 mono resampler with no output delay (soxr ``QQ``), Pipecat's resampler API."""

    def __init__(self) -> None:
        self._stream: soxr.ResampleStream | None = None
        self._rates: tuple[int, int] | None = None

    async def resample(self, audio: bytes, in_rate: int, out_rate: int) -> bytes:
        """``audio`` (PCM16 mono at ``in_rate`` Hz) → PCM16 mono at ``out_rate`` Hz."""
        if in_rate == out_rate:
            return audio
        if self._rates != (in_rate, out_rate):
            self._stream = soxr.ResampleStream(in_rate, out_rate, 1, dtype="int16", quality="QQ")
            self._rates = (in_rate, out_rate)
        samples = np.frombuffer(audio, dtype=np.int16)
        return self._stream.resample_chunk(samples).tobytes()


class HeardTruncationRealtimeLLMService(OpenAIRealtimeLLMService):
    """``OpenAIRealtimeLLMService`` truncating interrupted replies to the heard audio.

    Args:
        heard_ms: ``() -> int`` — ms of the current reply the caller has heard.
        **kwargs: passed to ``OpenAIRealtimeLLMService``.
    """

    def __init__(self, *, heard_ms: Callable[[], int], **kwargs):
        super().__init__(**kwargs)
        self._heard_ms = heard_ms
        self._resampler = QuickStreamResampler()  # caller audio 8 -> 24 kHz without batching delay
        self.truncations: list[tuple[str, int]] = []
        self.reconnects = 0

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

    async def _receive_task_handler(self):
        try:
            await super()._receive_task_handler()
        except Exception as e:  # ConnectionClosedError and the like
            logger.warning(f"{self}: Realtime connection lost: {e}")
        if self._disconnecting or self._websocket is None:
            return  # closed by us (end of call, reconnect)
        # The server closed the socket under a running call: recover in a task of our own
        # (reconnecting from inside the receive task would cancel itself).
        self.create_task(self._recover(), name="realtime_recover")

    async def _recover(self) -> None:
        self.reconnects += 1
        if self._current_audio_response is not None:
            self._current_audio_response = None
            await self.push_frame(TTSStoppedFrame())
        for attempt in range(1, RECONNECT_ATTEMPTS + 1):
            await self._disconnect()
            self._llm_needs_conversation_setup = True
            await self._connect()
            if self._websocket is not None:
                logger.info(f"{self}: reconnected to Realtime (attempt {attempt})")
                await self._wait_session_ready()
                await self._create_response_after_reconnect()
                return
            await asyncio.sleep(0.3 * attempt)
        logger.error(f"{self}: could not reconnect to Realtime; ending the call")
        await self.push_frame(HangupRequestFrame(reason="vendor unavailable"))

    async def _wait_session_ready(self, timeout: float = 3.0) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._api_session_ready and loop.time() < deadline:
            await asyncio.sleep(0.02)

    async def _create_response_after_reconnect(self) -> None:
        # Set the session up from the context (instructions, tools, the conversation so far), then
        # tell the model what happened and let it speak.
        if self._context is None:
            return
        self._response_active = False
        await self._create_response_setup_only()
        await self._send_message_item(RECONNECTED_NOTE, role="system")
        await self._create_response()

    async def _create_response_setup_only(self) -> None:
        if not self._llm_needs_conversation_setup or self._context is None:
            return
        adapter = self.get_llm_adapter()
        params = await adapter.get_llm_invocation_params(self._context)
        for item in params["messages"]:
            evt = events.ConversationItemCreateEvent(item=item)
            self._messages_added_manually[evt.item.id] = True
            await self.send_client_event(evt)
        await self._send_session_update()
        self._llm_needs_conversation_setup = False
