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

The model's 24 kHz replies are decimated to the call's 8 kHz **here**, by :class:`LowDelayDecimator`
(a 145-tap Kaiser-windowed-sinc FIR low-pass, -60 dB from 4 kHz, then every third sample; 1.5 ms
group delay, nothing held back), so the output transport receives audio at its own rate and skips
its resampler. That one is Pipecat's stream resampler at soxr ``VHQ`` (not configurable from the
transport params) and holds the first 160–200 ms of a reply before releasing any audio (measured
with 20–200 ms deltas; soxr ``HQ``/``MQ`` still hold 80 ms): it was most of the 55–95 ms the
bench measured from the first audio delta to the first ``media`` to Twilio.

It also survives a dropped Realtime socket (Pipecat's service would stop receiving and leave the
caller in silence): when the connection closes while the call runs, it reconnects at once (up to
:data:`RECONNECT_ATTEMPTS` times), replays the conversation from the context as Pipecat does for a
new session, and asks the model to apologise briefly and carry on. If it cannot reconnect (e.g. the
key was revoked: the session closes after an ``error`` event and the upgrade is refused with 401)
it plays the pre-rendered apology of :mod:`processors.vendor_apology` in the call's language and
asks for the call to end after it (a ``HangupRequestFrame``), so the caller is never left in dead air.
"""

from __future__ import annotations

from collections.abc import Callable

import asyncio

import numpy as np
import soxr
from loguru import logger
from pipecat.frames.frames import Frame, TTSAudioRawFrame, TTSStoppedFrame
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.openai.realtime import events
from pipecat.services.openai.realtime.llm import OPENAI_SAMPLE_RATE, OpenAIRealtimeLLMService

from processors.call_marks import HangupRequestFrame
from processors.vendor_apology import apology_frames

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


class LowDelayDecimator:
    """Streaming PCM16 mono decimator by an integer factor with no block buffering.

    A linear-phase FIR low-pass (Kaiser-windowed sinc, ``taps`` taps, cut-off ``cutoff_hz``) keeps
    the filter history between chunks; every ``in_hz // out_hz``-th filtered sample is kept, so each
    chunk comes out at once (its length / factor, ±1 sample) and the only delay is the filter's
    ``(taps - 1) / 2`` input samples (145 taps at 24 kHz: 3 ms). Defaults: 24 kHz → 8 kHz with the
    stop band (≥ 60 dB down) from 4 kHz, the 8 kHz Nyquist frequency, and the pass band to ~3.4 kHz,
    the telephone band.

    Raises:
        ValueError: ``in_hz`` is not a multiple of ``out_hz``.
    """

    def __init__(self, in_hz: int = 24000, out_hz: int = 8000, *, taps: int = 145, cutoff_hz: float = 3700.0,
                 kaiser_beta: float = 5.65) -> None:
        if in_hz % out_hz:
            raise ValueError(f"LowDelayDecimator needs in_hz a multiple of out_hz, got {in_hz} -> {out_hz}")
        self.in_hz, self.out_hz, self._factor = in_hz, out_hz, in_hz // out_hz
        n = np.arange(taps) - (taps - 1) / 2
        h = np.sinc(2 * cutoff_hz / in_hz * n) * np.kaiser(taps, kaiser_beta)
        self._h = (h / h.sum()).astype(np.float32)
        self.reset()

    def reset(self) -> None:
        """Forget the history (start of a new stream)."""
        self._history = np.zeros(len(self._h) - 1, dtype=np.float32)
        self._phase = 0  # index in the next chunk of its first kept sample
        self._odd = b""
        self._fed = False

    def process(self, pcm: bytes) -> bytes:
        """``pcm`` (PCM16 mono at ``in_hz``) → PCM16 mono at ``out_hz`` (may be empty for tiny chunks)."""
        pcm = self._odd + pcm
        if len(pcm) % 2:
            pcm, self._odd = pcm[:-1], pcm[-1:]
        else:
            self._odd = b""
        x = np.frombuffer(pcm, dtype=np.int16).astype(np.float32)
        if not len(x):
            return b""
        self._fed = True
        buf = np.concatenate([self._history, x])
        y = np.convolve(buf, self._h, mode="valid")[self._phase::self._factor]  # len(y) == len(x) before slicing
        self._phase = (self._phase - len(x)) % self._factor
        self._history = buf[len(x):]
        return np.clip(np.rint(y), -32768, 32767).astype(np.int16).tobytes()

    def flush(self) -> bytes:
        """The last ``(taps - 1) / 2`` input samples still inside the filter (nothing when nothing
        was fed since the last reset), then :meth:`reset`."""
        tail = self.process(bytes(2 * ((len(self._h) - 1) // 2))) if self._fed else b""
        self.reset()
        return tail


class HeardTruncationRealtimeLLMService(OpenAIRealtimeLLMService):
    """``OpenAIRealtimeLLMService`` truncating interrupted replies to the heard audio.

    Args:
        heard_ms: ``() -> int`` — ms of the current reply the caller has heard.
        **kwargs: passed to ``OpenAIRealtimeLLMService``.
    """

    def __init__(self, *, heard_ms: Callable[[], int], output_hz: int = 8000,
                 language: Callable[[], str | None] = lambda: None, **kwargs):
        super().__init__(**kwargs)
        self._heard_ms = heard_ms
        self._language = language
        self._resampler = QuickStreamResampler()  # caller audio 8 -> 24 kHz without batching delay
        self._decimator = LowDelayDecimator(OPENAI_SAMPLE_RATE, output_hz)  # replies 24 -> 8 kHz, no hold
        self.truncations: list[tuple[str, int]] = []
        self.reconnects = 0

    async def push_frame(self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM):
        """Replies' 24 kHz audio leaves at the call's rate (:class:`LowDelayDecimator`), the filter's
        tail before the reply's ``TTSStoppedFrame``."""
        if direction == FrameDirection.DOWNSTREAM:
            if isinstance(frame, TTSAudioRawFrame) and frame.sample_rate == self._decimator.in_hz \
                    and frame.num_channels == 1:
                audio = self._decimator.process(frame.audio)
                if not audio:
                    return
                frame = TTSAudioRawFrame(audio=audio, sample_rate=self._decimator.out_hz, num_channels=1,
                                         context_id=frame.context_id)
            elif isinstance(frame, TTSStoppedFrame):
                tail = self._decimator.flush()
                if tail:
                    await super().push_frame(TTSAudioRawFrame(audio=tail, sample_rate=self._decimator.out_hz,
                                                              num_channels=1, context_id=frame.context_id))
        await super().push_frame(frame, direction)

    async def _handle_interruption(self):
        self._decimator.reset()  # the cut-off reply's tail must not play after the interruption
        await super()._handle_interruption()

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
        # The voice is the vendor: say the pre-rendered apology, then hang up after its mark.
        language = self._language()
        logger.error(f"{self}: could not reconnect to Realtime; apologising ({language}) and ending the call")
        try:
            for frame in apology_frames(language, self._decimator.out_hz):
                await self.push_frame(frame)
        except Exception as e:  # a missing clip must not keep the call up in silence
            logger.error(f"{self}: no apology clip: {e}")
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
