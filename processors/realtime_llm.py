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
An ``error`` event keeps the session (the API documents most as recoverable; Pipecat leaves its
receive loop on any): only a stream of them (:data:`MAX_ERROR_EVENTS`), too many reconnects
(:data:`MAX_RECONNECTS`), a response that fails twice (``response.done`` ``status: "failed"``, asked
again once) or an upgrade refused at the call's start and twice more end the call that way. The
gateway's own words (``TTSSpeakFrame``: idle re-prompts, the drain goodbye) are said by the model
(:data:`SAY_INSTRUCTIONS`), a hang-up behind them held until they were.

**A backchannel or a noise does not cost the caller the answer** (issue 13). The server's VAD cuts
the reply at the caller's first sound (``speech_started``: ``clear`` at once, truncation to what was
heard), and the API answers the caller's turn by itself (``create_response``) while the turn's
transcription arrives on its own, before or after that answer's first audio. So the answer to a
turn that cut the bot off is **held** (its frames kept back, at most :data:`VERDICT_HOLD_SECS`)
until the transcription says what the caller said:

- **no words, or only a backchannel** ("mm-hmm", "okay, yeah", "ajá", "d'accord", "genau"…:
  :func:`dialogue.understanding.is_backchannel` in the call's language) → the held answer is
  dropped and the response cancelled (``response.cancel``), the caller's item and the cancelled
  answer's items are deleted (``conversation.item.delete``), so the model never saw the
  backchannel, and a new ``response.create`` whose ``instructions`` give the words of the cut reply
  from the first sentence the caller did not hear in full (:func:`unheard_part`, from the heard
  audio Twilio's marks reported) makes the model say them. The backchannel goes to the user
  aggregator as Pipecat's ``UserBackchannelFrame`` (kept out of the context);
- **anything else** is a real interruption: the held answer plays at once.

Event references: https://platform.openai.com/docs/api-reference/realtime-client-events
(``response.create`` ``response.instructions``, ``response.cancel``, ``conversation.item.delete``)
and https://platform.openai.com/docs/guides/realtime-conversations (server VAD's
``create_response`` / ``interrupt_response``).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import soxr
from loguru import logger
from pipecat.frames.frames import (
    Frame,
    StartFrame,
    TTSSpeakFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
    TTSStoppedFrame,
    TTSTextFrame,
    UserBackchannelFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.openai.realtime import events
from pipecat.services.openai.realtime.llm import OPENAI_SAMPLE_RATE, OpenAIRealtimeLLMService
from pipecat.utils.time import time_now_iso8601

from dialogue.understanding import is_backchannel
from processors.call_marks import HangupRequestFrame, HeldHangup
from processors.resume import sentences
from processors.vendor_apology import apology_frames

RECONNECT_ATTEMPTS = 2
#: Reconnects one call may make within :data:`FAULT_WINDOW_SECS`; past them the service is taken for
#: failed (apology clip, hang-up): a server that drops every new session must not be dialled forever.
MAX_RECONNECTS = 3
#: ``error`` events one call takes within :data:`FAULT_WINDOW_SECS` before the service is taken for
#: failed. The API documents most errors as recoverable, the session staying open
#: (https://platform.openai.com/docs/api-reference/realtime-server-events/error): one is logged, the
#: session kept.
MAX_ERROR_EVENTS = 5
#: Failed responses (``response.done`` with ``status: "failed"``) within the window: the first is
#: asked again at once, a second is apologised for and the call ended.
MAX_FAILED_RESPONSES = 1
FAULT_WINDOW_SECS = 60.0
#: ``status_details.error`` codes of a failed response that asking again cannot mend.
FATAL_RESPONSE_CODES = frozenset({"insufficient_quota", "invalid_api_key", "account_deactivated",
                                  "billing_hard_limit_reached", "session_expired"})
#: Longest a hang-up waits behind words the gateway asked the model to say (s).
HELD_HANGUP_SECS = 15.0
#: The per-response instructions that make the model say the gateway's own words (an idle
#: re-prompt, the drain goodbye, "no agent is available"): ``TTSSpeakFrame`` text, which no TTS
#: speaks in a speech-to-speech pipeline.
SAY_INSTRUCTIONS = ("Say exactly these words, in the language they are written in, and nothing else; "
                    "then stop: «{text}»")
#: Longest the answer to a turn that cut the bot off is held for that turn's transcription (s); past
#: it the answer plays (taken for a real interruption).
VERDICT_HOLD_SECS = 1.0
#: After a false interruption, how long the API's own answer to it is waited for (to cancel it)
#: before the resume is asked for anyway (s).
AUTO_ANSWER_WAIT_SECS = 1.0
#: Speaking rate assumed for a cut reply whose audio had not all arrived (characters per second):
#: on the slow side, so the resume starts at or before the sentence the caller was in.
FALLBACK_CHARS_PER_S = 12.0
#: The per-response instructions of a resume: the words left, in the call's language.
RESUME_INSTRUCTIONS = (
    "While you were speaking the caller only made a listening sound or a noise; it was not a request. "
    "Do not answer it, greet, apologise or start over. Go on with your previous answer where the caller "
    "stopped hearing it: say exactly these words, in the same language, and then stop: «{rest}»")
RESUME_INSTRUCTIONS_OPEN = (
    "While you were speaking the caller only made a listening sound or a noise; it was not a request. "
    "Do not answer it, greet, apologise or start over. Go on with your previous answer where the caller "
    "stopped hearing it, starting with exactly these words: «{rest}»")
#: What a response says (held or dropped as one).
_ANSWER_FRAMES = (LLMFullResponseStartFrame, LLMFullResponseEndFrame, TTSStartedFrame, TTSStoppedFrame,
                  TTSAudioRawFrame, TTSTextFrame, LLMTextFrame)
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


def unheard_part(reply: str, heard_ms: int, chars_per_ms: float) -> str:
    """The words of ``reply`` from the first sentence the caller did not hear in full.

    Args:
        reply: the reply's transcript (``response.output_audio_transcript.delta``s, joined).
        heard_ms: audio of the reply the caller heard (ms, from Twilio's mark echoes).
        chars_per_ms: the reply's speaking rate (characters of ``reply`` per ms of its audio).

    Returns:
        Whole sentences from the one the caller was in when cut off (``""``: all heard).
    """
    heard_chars = max(0, heard_ms) * max(0.0, chars_per_ms)
    parts = sentences(reply)
    end = -1
    for i, sentence in enumerate(parts):
        end += 1 + len(sentence)  # one space between sentences
        if end > heard_chars:
            return " ".join(parts[i:])
    return ""


@dataclass
class _BargeIn:
    """A reply cut off by the caller, until the caller's words say whether they meant it."""

    reply: str  # the cut reply's transcript as received
    heard_ms: int
    chars_per_ms: float
    complete: bool  # the reply's response had finished: ``reply`` is all of it
    at: float = field(default_factory=time.monotonic)
    user_item: str | None = None  # the caller's item of the turn that cut the reply
    answer: str | None = None  # the response the API made to that turn
    answer_items: list[str] = field(default_factory=list)
    answer_done: bool = False
    false: bool = False  # verdict: no words or only a backchannel
    releasing: bool = False
    held: list[tuple[Frame, FrameDirection]] = field(default_factory=list)


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
        self.false_interruptions = 0
        self.real_interruptions = 0
        self._reply_text: dict[str, str] = {}  # assistant item -> transcript so far
        self._completed: set[str] = set()  # responses that finished
        self._barge: _BargeIn | None = None
        self._quiet_events: set[str] = set()  # client events whose error is expected, not fatal
        self._says: list[str] = []  # gateway words waiting for the model to say them
        self._saying = False  # a response saying them runs
        self._hangup = HeldHangup(self, self.push_frame)  # behind those words
        self._error_event = None  # the error event that ended Pipecat's receive loop, if one did
        self._faults: dict[str, list[float]] = {"reconnect": [], "error": [], "failed": []}
        self._gave_up = False
        self.error_events = 0
        self.failed_responses = 0

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Pipecat's handling, plus: a ``TTSSpeakFrame`` (the gateway's own words) is said by the model;
        a ``HangupRequestFrame`` behind such words waits until they were said; a session that could
        not be opened at the call's start is opened again (or apologised for)."""
        if direction == FrameDirection.DOWNSTREAM and isinstance(frame, TTSSpeakFrame):
            await super(OpenAIRealtimeLLMService, self).process_frame(frame, direction)
            await self._say(frame.text)
            return
        if direction == FrameDirection.DOWNSTREAM and isinstance(frame, HangupRequestFrame) \
                and (self._saying or self._says):
            await super(OpenAIRealtimeLLMService, self).process_frame(frame, direction)
            self._hangup.hold(frame, self._release_hangup_later(), name="realtime_hangup_wait")
            return
        await super().process_frame(frame, direction)
        if isinstance(frame, StartFrame) and self._websocket is None and not self._gave_up:
            # Pipecat's setup() logged the refused upgrade and left the call without a session (no
            # receive task, so nothing would ever recover it): try again, or apologise and hang up.
            self.create_task(self._connect_or_give_up(), name="realtime_connect_retry")

    async def _connect_or_give_up(self) -> None:
        for attempt in range(1, RECONNECT_ATTEMPTS + 1):
            await asyncio.sleep(0.3 * attempt)
            await self._connect()
            if self._websocket is not None:
                logger.info(f"{self}: connected to Realtime at attempt {attempt + 1}")
                return  # the greeting asked for meanwhile runs once the session is ready (Pipecat)
        await self._give_up("could not connect to Realtime")

    async def _say(self, text: str) -> None:
        """Have the model say ``text`` as written (a ``response.create`` whose instructions quote it),
        after the running response if one runs."""
        if not text.strip():
            return
        self._says.append(text)
        if not self._response_active and not self._saying and self._barge is None:
            await self._next_say()

    async def _next_say(self) -> None:
        if not self._says or self._websocket is None:
            self._says.clear()
            await self._hangup.release()
            return
        text = self._says.pop(0)
        logger.info(f"{self}: saying the gateway's words ({len(text.split())} words)")
        self._saying = True
        self._response_active = True
        await self.push_frame(LLMFullResponseStartFrame())
        await self.send_client_event(events.ResponseCreateEvent(response=events.ResponseProperties(
            output_modalities=self._get_enabled_modalities(), instructions=SAY_INSTRUCTIONS.format(text=text))))

    async def _release_hangup_later(self) -> None:
        await asyncio.sleep(HELD_HANGUP_SECS)
        logger.warning(f"{self}: the words before a hang-up were not said in {HELD_HANGUP_SECS:.0f}s: hanging up")
        await self._hangup.release()

    async def cleanup(self):
        await super().cleanup()
        await self._hangup.cancel()

    def _fault(self, kind: str, limit: int) -> bool:
        """Count one ``kind`` of fault; ``True`` once more than ``limit`` fell in the window."""
        now = time.monotonic()
        seen = [t for t in self._faults[kind] if now - t < FAULT_WINDOW_SECS] + [now]
        self._faults[kind] = seen
        return len(seen) > limit

    async def _give_up(self, why: str) -> None:
        """The voice is the vendor: say the pre-rendered apology in the call's language, then ask
        for the call to end after it (once per call)."""
        if self._gave_up:
            return
        self._gave_up = True
        language = self._language()
        logger.error(f"{self}: {why}; apologising ({language}) and ending the call")
        self._says.clear()
        if self._current_audio_response is not None:
            self._current_audio_response = None
            await self.push_frame(TTSStoppedFrame())
        try:
            for frame in apology_frames(language, self._decimator.out_hz):
                await self.push_frame(frame)
        except Exception as e:  # a missing clip must not keep the call up in silence
            logger.error(f"{self}: no apology clip: {e}")
        await self._hangup.cancel()  # its own hang-up follows the apology
        await self.push_frame(HangupRequestFrame(reason="vendor unavailable"))

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
                    await self._emit(TTSAudioRawFrame(audio=tail, sample_rate=self._decimator.out_hz,
                                                      num_channels=1, context_id=frame.context_id), direction)
        await self._emit(frame, direction)

    async def _emit(self, frame: Frame, direction: FrameDirection) -> None:
        # The answer to a turn that cut the bot off waits for that turn's words (see the module doc).
        b = self._barge
        if b is not None and b.user_item is not None and direction == FrameDirection.DOWNSTREAM \
                and isinstance(frame, _ANSWER_FRAMES):
            if b.false:
                return  # the answer to a backchannel: never heard
            b.held.append((frame, direction))
            if len(b.held) == 1 and not b.releasing:
                self.create_task(self._release_after(b, VERDICT_HOLD_SECS), name="realtime_verdict_hold")
            return
        await super().push_frame(frame, direction)

    async def _release_after(self, b: _BargeIn, secs: float) -> None:
        await asyncio.sleep(secs)
        if self._barge is b and not b.false and not b.releasing:
            logger.info(f"{self}: no transcription {secs:.1f}s into the answer to a barge-in: it plays")
            self.real_interruptions += 1
            await self._release(b)

    async def _release(self, b: _BargeIn) -> None:
        """Play what was held, in order (frames arriving meanwhile join the queue), then stop holding."""
        b.releasing = True
        while b.held:
            frame, direction = b.held.pop(0)
            await super().push_frame(frame, direction)
        if self._barge is b:
            self._barge = None

    def interruption_counts(self) -> dict[str, int]:
        """``{"real": n, "false": n}``: barge-ins by the verdict on the caller's words (for the call
        record; the user aggregator's turn ends before the Realtime transcription arrives)."""
        return {"real": self.real_interruptions, "false": self.false_interruptions}

    async def _send_quiet(self, event: events.ClientEvent) -> None:
        """Send ``event``; an ``error`` the server answers it with is logged, not fatal (an item
        already gone, a response already finished)."""
        self._quiet_events.add(event.event_id)
        try:
            await self.send_client_event(event)
        except Exception as e:
            logger.warning(f"{self}: {event.type} failed: {e}")

    async def _maybe_handle_evt_retrieve_conversation_item_error(self, evt: events.ErrorEvent):
        if evt.error.event_id and evt.error.event_id in self._quiet_events:
            logger.debug(f"{self}: {evt.error.code}: {evt.error.message}")
            return True
        return await super()._maybe_handle_evt_retrieve_conversation_item_error(evt)

    # --- a barge-in, its words, and the resume ---

    async def _handle_evt_audio_transcript_delta(self, evt):
        if evt.item_id not in self._reply_text:
            self._reply_text = {evt.item_id: ""}  # only the newest reply can be cut
        self._reply_text[evt.item_id] += evt.delta or ""
        await super()._handle_evt_audio_transcript_delta(evt)

    async def _handle_evt_audio_delta(self, evt):
        b = self._barge
        if b is not None and b.false and evt.response_id == b.answer:
            return  # the cancelled answer to a backchannel, still arriving
        await super()._handle_evt_audio_delta(evt)

    async def _handle_evt_speech_started(self, evt):
        b, self._barge = self._barge, None
        current = self._current_audio_response
        if b is not None and not b.releasing and current is not None and current.response_id == b.answer:
            # The caller speaks again over a held answer: none of it was heard, and none will be.
            b.held.clear()
            self._decimator.reset()
            self._current_audio_response = None
            self.truncations.append((current.item_id, 0))
            await self._send_quiet(events.ConversationItemTruncateEvent(
                item_id=current.item_id, content_index=current.content_index, audio_end_ms=0))
        await super()._handle_evt_speech_started(evt)

    async def _handle_evt_conversation_item_added(self, evt):
        b = self._barge
        if b is not None and b.user_item is None and evt.item.role == "user":
            b.user_item = evt.item.id
        await super()._handle_evt_conversation_item_added(evt)

    async def _handle_evt_response_created(self, evt):
        b = self._barge
        if b is not None and b.user_item is not None and b.answer is None:
            b.answer = evt.response.id
            if b.false:  # the verdict came first: this answer to a backchannel must not play
                await self._send_quiet(events.ResponseCancelEvent())
        await super()._handle_evt_response_created(evt)

    async def _handle_evt_response_done(self, evt):
        if evt.response.status == "completed":
            self._completed.add(evt.response.id)
        b = self._barge
        if b is not None and evt.response.id == b.answer:
            b.answer_done = True
            b.answer_items = [item.id for item in evt.response.output or [] if item.id]
            if b.false:
                self._response_active = False
                self._current_assistant_response = None
                if self._current_audio_response is not None and self._current_audio_response.response_id == b.answer:
                    self._current_audio_response = None
                await self.stop_processing_metrics()
                await self._resume(b)
                return
        await super()._handle_evt_response_done(evt)
        if evt.response.status == "failed":
            await self._response_failed(evt)
            return
        if self._saying:
            self._saying = False
            if not self._says:
                await self._hangup.release()
        if self._says and not self._response_active and self._barge is None:
            await self._next_say()

    async def _response_failed(self, evt) -> None:
        """A response ended ``failed`` (``status_details.error``, e.g. ``server_error``): Pipecat only
        logs it, and the caller would wait in silence. Ask again once; a second failure within
        :data:`FAULT_WINDOW_SECS`, or a code asking again cannot mend (:data:`FATAL_RESPONSE_CODES`),
        is apologised for and the call ended.
        https://platform.openai.com/docs/api-reference/realtime-server-events/response/done"""
        self.failed_responses += 1
        details = evt.response.status_details
        error = (details.get("error") if isinstance(details, dict) else getattr(details, "error", None)) or {}
        code = (error.get("code") or error.get("type")) if isinstance(error, dict) else None
        self._saying = False
        if code in FATAL_RESPONSE_CODES or self._fault("failed", MAX_FAILED_RESPONSES):
            await self._give_up(f"Realtime response failed ({code})")
            return
        logger.warning(f"{self}: Realtime response failed ({code}): asking again")
        if self._says:
            await self._next_say()
        elif self._context is not None:
            await self._create_response()

    async def handle_evt_input_audio_transcription_completed(self, evt):
        b = self._barge
        if b is None or b.false or evt.item_id != b.user_item:
            await super().handle_evt_input_audio_transcription_completed(evt)
            return
        text = evt.transcript or ""
        no_words = not any(ch.isalnum() for ch in text)
        if not no_words and not is_backchannel(text, self._language() or "en"):
            logger.info(f"{self}: real interruption ({len(text.split())} words): its answer plays")
            self.real_interruptions += 1
            await self._release(b)
            await super().handle_evt_input_audio_transcription_completed(evt)
            return
        b.false = True
        self.false_interruptions += 1
        logger.info(f"{self}: false interruption ({'no words' if no_words else 'backchannel'}), "
                    f"{time.monotonic() - b.at:.2f}s after the barge-in")
        if b.held:
            b.held.clear()
            self._decimator.reset()
        if self._current_audio_response is not None and self._current_audio_response.response_id == b.answer:
            self._current_audio_response = None
        self._current_assistant_response = None
        await self._call_event_handler("on_conversation_item_updated", evt.item_id, None)
        if not no_words:  # Pipecat's frame for an acknowledgement kept out of the context
            await self.push_frame(UserBackchannelFrame(text=text, user_id="", timestamp=time_now_iso8601()),
                                  FrameDirection.UPSTREAM)
        await self._send_quiet(events.ConversationItemDeleteEvent(item_id=evt.item_id))
        if b.answer is None:  # the API has not answered yet: cancel its answer when it comes
            self.create_task(self._resume_unless_answered(b), name="realtime_resume_wait")
        elif b.answer_done:  # answered in full while held
            await self._resume(b)
        else:
            await self._send_quiet(events.ResponseCancelEvent())  # its response.done resumes

    async def _resume_unless_answered(self, b: _BargeIn) -> None:
        await asyncio.sleep(AUTO_ANSWER_WAIT_SECS)
        if self._barge is b and b.answer is None:
            await self._resume(b)

    async def _resume(self, b: _BargeIn) -> None:
        """Delete the dropped answer's items; ask the model for the words of the cut reply not heard."""
        if self._barge is not b:
            return
        self._barge = None
        for item_id in b.answer_items:
            await self._send_quiet(events.ConversationItemDeleteEvent(item_id=item_id))
        rest = unheard_part(b.reply, b.heard_ms, b.chars_per_ms)
        if not rest:
            logger.info(f"{self}: false interruption after the whole reply was heard: nothing to resume")
            return
        if self._response_active:
            logger.info(f"{self}: a response is running: no resume")
            return
        logger.info(f"{self}: resuming with {len(rest.split())} words, "
                    f"{time.monotonic() - b.at:.2f}s after the barge-in")
        template = RESUME_INSTRUCTIONS if b.complete else RESUME_INSTRUCTIONS_OPEN
        self._response_active = True
        await self.push_frame(LLMFullResponseStartFrame())
        await self.start_processing_metrics()
        await self.start_ttfb_metrics()
        await self.send_client_event(events.ResponseCreateEvent(response=events.ResponseProperties(
            output_modalities=self._get_enabled_modalities(), instructions=template.format(rest=rest))))

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
        reply = self._reply_text.get(current.item_id, "")
        complete = current.response_id in self._completed
        if reply and received_ms:  # a barge-in: its words decide whether the reply goes on
            rate = len(reply) / received_ms if complete else FALLBACK_CHARS_PER_S / 1000
            self._barge = _BargeIn(reply=reply, heard_ms=heard, chars_per_ms=rate, complete=complete)
        self.truncations.append((current.item_id, heard))
        logger.debug(f"{self}: truncating {current.item_id} at {heard} ms heard ({received_ms} ms received)")
        try:
            await self.send_client_event(events.ConversationItemTruncateEvent(
                item_id=current.item_id, content_index=current.content_index, audio_end_ms=heard))
        except Exception as e:  # as in Pipecat: a failed truncation must not end the session
            logger.warning(f"{self}: audio truncation failed (non-fatal): {e}")

    async def _handle_evt_error(self, evt):
        self._error_event = evt
        self.error_events += 1
        await super()._handle_evt_error(evt)

    async def _receive_task_handler(self):
        while True:
            self._error_event = None
            try:
                await super()._receive_task_handler()
            except Exception as e:  # ConnectionClosedError and the like
                logger.warning(f"{self}: Realtime connection lost: {e}")
                break
            if self._error_event is None or self._disconnecting or self._websocket is None:
                break
            # Pipecat leaves its loop on any error event; the API documents most errors as
            # recoverable, the session staying open: keep reading it (a server that closes the
            # socket after the error ends the loop above). A stream of errors is a failed service.
            error = getattr(self._error_event, "error", None)
            if self._fault("error", MAX_ERROR_EVENTS):
                self.create_task(self._give_up("Realtime keeps answering with errors"), name="realtime_give_up")
                return
            logger.warning(f"{self}: Realtime error event ({getattr(error, 'code', None)}: "
                           f"{getattr(error, 'message', None)}): the session goes on")
        if self._disconnecting or self._websocket is None or self._gave_up:
            return  # closed by us (end of call, reconnect)
        # The server closed the socket under a running call: recover in a task of our own
        # (reconnecting from inside the receive task would cancel itself).
        self.create_task(self._recover(), name="realtime_recover")

    async def _recover(self) -> None:
        self.reconnects += 1
        if self._fault("reconnect", MAX_RECONNECTS):
            await self._give_up(f"Realtime dropped {MAX_RECONNECTS + 1} sessions within {FAULT_WINDOW_SECS:.0f}s")
            return
        self._saying = False
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
        await self._give_up("could not reconnect to Realtime")

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
