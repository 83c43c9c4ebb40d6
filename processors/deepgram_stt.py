"""Deepgram live STT whose transcripts carry per-word language evidence for the language switch.

With ``language=multi`` Nova-3 labels every word with its language and lists the transcript's
languages in ``alternatives[0].languages``, most words first
(https://developers.deepgram.com/docs/multilingual-code-switching). Pipecat 1.14's
``DeepgramSTTService`` keeps only ``languages[0]`` as ``TranscriptionFrame.language`` and no
probability, so :class:`~processors.language_switch.LanguageSwitchProcessor` would fall back to
guessing from the text. :class:`MultilingualDeepgramSTTService` replaces the frame's ``result``
with the evidence the switch reads (the same keys the Whisper service sets):

``{"language": "es", "language_probability": 0.75, "language_source": "deepgram_words",
"words": 4, "deepgram": <ListenV1Results>}`` — the probability is the share of the transcript's
words labelled with its most common language, so "quiero volar a Madrid" (4/4 Spanish) is 1.0 and
a half-English, half-Spanish turn is 0.5 (ambiguous: the switch rule ignores it).

It also says "no words" at once: when the final ``Results`` Deepgram sends for the ``Finalize`` at
the end of speech (``from_finalize: true``, https://developers.deepgram.com/docs/finalize) is empty
and no final transcript came since the caller started speaking (a cough, a noise burst), it pushes
a :class:`~processors.resume.NoWordsFrame`, so the resume after a false interruption does not wait
for the user turn's stop timeout (5 s). Deepgram does not promise that answer: the ``from_finalize``
response "typically" comes "when there is a noticeable amount of audio buffered", so a wordless
sound may get none, and the resume then waited ~5 s. So when the caller stops speaking with no
words (final or interim) heard since the start, :data:`NO_WORDS_AFTER_FINALIZE_SECS` after the
``Finalize`` without a final ``Results`` also mean "no words" (at most one ``NoWordsFrame`` per
utterance).

And it comes back from a dropped socket at once, losing nothing the caller said. Pipecat's handler
waits at least 4 s (``exponential_backoff_time``) before it reconnects and sends the audio of that
gap nowhere, so a drop while the caller waits for an answer meant 4+ s of dead air and a lost turn.
Here the first audio frame that finds the connection gone reconnects at once, in line: the frames
behind it wait in the service's input queue, in order, and none is lost. The new socket first gets the caller audio Deepgram had not yet answered with a final transcript (everything after
the end of the last final ``Results``, by its ``start + duration`` in stream seconds; at most
:data:`UNCONFIRMED_AUDIO_SECS`), then a ``Finalize`` if the caller had already stopped speaking. If that takes longer than :data:`STALL_SPEECH_SECS` while the caller waits,
the caller hears ``stall_speech()`` (e.g. "one moment"); after :data:`GIVE_UP_SECS` the service
reports itself unusable (``push_error(force_treat_as_permanent=True)``), which the call turns into a
spoken apology and a hang-up. At most :data:`FAST_RECONNECTS` fast reconnects per call; later drops
are left to Pipecat's backoff and give-up rule.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from deepgram.listen.v1.types import ListenV1Finalize, ListenV1Results
from loguru import logger
from pipecat.frames.frames import (
    Frame,
    InterimTranscriptionFrame,
    TranscriptionFrame,
    VADUserStartedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.deepgram.stt import DeepgramSTTService

from flights.languages import normalize_language
from processors.resume import NoWordsFrame


def word_language_evidence(result: Any) -> dict[str, Any] | None:
    """``{"language", "language_probability", "words"}`` from a Deepgram ``Results`` message's
    per-word ``language`` labels, or ``None`` when no word carries one (not ``language=multi``)."""
    try:
        words = result.channel.alternatives[0].words or []
    except (AttributeError, IndexError):
        return None
    labels = [normalize_language(getattr(w, "language", None) or "") for w in words]
    labels = [lang for lang in labels if lang]
    if not labels:
        return None
    language, count = Counter(labels).most_common(1)[0]
    return {"language": language, "language_probability": count / len(words), "words": len(words)}


#: Caller audio kept until Deepgram answers it with a final transcript, re-sent after a drop (s).
UNCONFIRMED_AUDIO_SECS = 20.0
#: A reconnect still running after this long, while the caller waits for an answer, is announced.
STALL_SPEECH_SECS = 1.0
#: A reconnect still running after this long gives up: the call apologises and ends.
GIVE_UP_SECS = 4.0
#: Fast reconnects per call; after that Pipecat's own backoff (4 s and more) and give-up apply.
FAST_RECONNECTS = 3
#: A ``Finalize`` sent after an utterance with no words that gets no final ``Results`` within this
#: long (s) is "no words": Deepgram's finalize answer plus a margin
#: (https://developers.deepgram.com/docs/finalize).
NO_WORDS_AFTER_FINALIZE_SECS = 0.7


class MultilingualDeepgramSTTService(DeepgramSTTService):
    """``DeepgramSTTService`` whose final ``TranscriptionFrame.result`` is the language evidence of
    the module docstring (interim frames are left alone), and that reconnects at once after a drop.

    Args:
        stall_speech: ``() -> Frame`` pushed downstream when a reconnect outlasts
            :data:`STALL_SPEECH_SECS` while the caller waits for an answer (e.g. a ``TTSSpeakFrame``
            saying "one moment" in the call's language); ``None``: say nothing.
        *args, **kwargs: ``DeepgramSTTService``'s.
    """

    def __init__(self, *args, stall_speech: Callable[[], Frame] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._words_since_speech_start = False
        self._stall_speech = stall_speech
        self._was_connected = False
        self._awaiting_final = False  # the caller stopped speaking; no final transcript yet
        # (end of the chunk in the current socket's stream, s; chunk): sent, no final Results yet
        self._unconfirmed: deque[tuple[float, bytes]] = deque()
        self._unconfirmed_bytes = 0
        self._stream_secs = 0.0  # audio sent on the current socket, s (Deepgram's ``start`` clock)
        self._resend: list[bytes] = []
        self._in_utterance = False
        self.fast_reconnects = 0
        self._no_words_sent = False  # this utterance's NoWordsFrame went out
        self._interim_words = False  # an interim transcript with words came since speech started
        self._no_words_timer: asyncio.Task | None = None

    def _build_connect_kwargs(self) -> dict:
        """Pipecat's connect options plus ``filler_words=true``, so a caller's "mhmm", "uh-huh" or
        "um" reaches the transcript (https://developers.deepgram.com/docs/filler-words). Nova-3
        drops them by default, and a hum over the bot's answer would then be a barge-in with no
        words, told apart from a real one only by silence. With them it is a backchannel
        (``dialogue.understanding.is_backchannel``) and the answer goes on. The SDK's ``connect``
        has no ``filler_words`` argument, so it goes as an additional query parameter."""
        kwargs = super()._build_connect_kwargs()
        options = dict(kwargs.get("request_options") or {})
        query = dict(options.get("additional_query_parameters") or {})
        query.setdefault("filler_words", "true")
        options["additional_query_parameters"] = query
        kwargs["request_options"] = options
        return kwargs

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        if isinstance(frame, VADUserStartedSpeakingFrame):
            self._words_since_speech_start = False
            self._no_words_sent = self._interim_words = False
            self._in_utterance = True
            self._awaiting_final = False
            await self._cancel_no_words_timer()
        elif isinstance(frame, VADUserStoppedSpeakingFrame):
            self._awaiting_final = True
        await super().process_frame(frame, direction)
        if (isinstance(frame, VADUserStoppedSpeakingFrame) and self._connection is not None
                and not self._words_since_speech_start and not self._interim_words and not self._no_words_sent):
            await self._cancel_no_words_timer()
            self._no_words_timer = self.create_task(self._no_words_unless_answered(), f"{self}::no_words")

    async def _no_words_unless_answered(self) -> None:
        """The ``Finalize`` just sent found no words and got no final answer in time: no words."""
        await asyncio.sleep(NO_WORDS_AFTER_FINALIZE_SECS)
        self._no_words_timer = None
        if (self._awaiting_final and not self._words_since_speech_start and not self._interim_words
                and not self._no_words_sent):
            logger.debug(f"{self}: no final Results {NO_WORDS_AFTER_FINALIZE_SECS} s after Finalize: no words")
            self._no_words_sent = True
            await self.push_frame(NoWordsFrame())

    async def _cancel_no_words_timer(self) -> None:
        timer, self._no_words_timer = self._no_words_timer, None
        if timer is not None and timer is not asyncio.current_task():
            await self.cancel_task(timer)

    async def run_stt(self, audio: bytes):
        """Send ``audio`` (16-bit PCM at the pipeline's input rate) and keep it until answered."""
        if self._connection is not None:
            self._was_connected = True
        elif self._was_connected and not self._reconnecting and self.fast_reconnects < FAST_RECONNECTS:
            # In line: later frames wait in this processor's queue, in order, while it reconnects.
            self.fast_reconnects += 1
            await self._reconnect_now()
            if not self.is_usable:
                yield None
                return
        self._keep_unconfirmed(audio)
        async for frame in super().run_stt(audio):
            yield frame

    def _keep_unconfirmed(self, audio: bytes) -> None:
        self._stream_secs += len(audio) / (2 * (self.sample_rate or 8000))
        self._unconfirmed.append((self._stream_secs, audio))
        self._unconfirmed_bytes += len(audio)
        while self._unconfirmed_bytes > UNCONFIRMED_AUDIO_SECS * 2 * (self.sample_rate or 8000):
            self._unconfirmed_bytes -= len(self._unconfirmed.popleft()[1])

    def _answered_until(self, end_secs: float) -> None:
        """A final ``Results`` covered the stream up to ``end_secs``: that audio needs no re-send."""
        while self._unconfirmed and self._unconfirmed[0][0] <= end_secs + 1e-6:
            self._unconfirmed_bytes -= len(self._unconfirmed.popleft()[1])

    async def _reconnect_now(self) -> None:
        lost_at = time.monotonic()
        logger.warning(f"{self}: Deepgram connection lost; reconnecting now "
                       f"({self.fast_reconnects}/{FAST_RECONNECTS}), "
                       f"re-sending {self._unconfirmed_bytes} bytes not yet transcribed")
        self._resend = [chunk for _, chunk in self._unconfirmed]  # for _do_reconnect, on the new socket
        stall = self.create_task(self._announce_stall(), f"{self}::stall") if self._stall_speech else None
        try:
            await asyncio.wait_for(self._reconnect_and_finalize(), GIVE_UP_SECS)
        except asyncio.TimeoutError:
            self._reconnecting = False
            self._reconnect_audio_buffer.clear()
            await self.push_error(error_msg=f"Deepgram did not come back within {GIVE_UP_SECS:.0f} s",
                                  force_treat_as_permanent=True)
            return
        finally:
            self._resend = []  # a reconnect of Pipecat's own (a settings change) re-sends nothing
            if stall is not None:
                await self.cancel_task(stall)
        logger.info(f"{self}: Deepgram back after {1000 * (time.monotonic() - lost_at):.0f} ms")

    async def _reconnect_and_finalize(self) -> None:
        await self._reconnect()  # Pipecat's guard around _do_reconnect (it reports a failure)
        if self._connection is not None and self._awaiting_final:
            self.request_finalize()
            await self._connection.send_finalize(ListenV1Finalize(type="Finalize"))

    async def _do_reconnect(self):
        await super()._do_reconnect()
        # The new socket's stream starts at 0 s with what the dropped one never answered.
        self._unconfirmed.clear()
        self._unconfirmed_bytes = 0
        self._stream_secs = 0.0
        for chunk in self._resend:
            self._keep_unconfirmed(chunk)
            await self._connection.send_media(chunk)

    async def _announce_stall(self) -> None:
        await asyncio.sleep(STALL_SPEECH_SECS)
        if self._awaiting_final or self._in_utterance:
            await self.push_frame(self._stall_speech())

    async def cleanup(self):
        await self._cancel_no_words_timer()
        await super().cleanup()

    async def _on_message(self, message):
        # Pipecat's handler drops empty finals; an empty one answering our Finalize means no words.
        await super()._on_message(message)
        if isinstance(message, ListenV1Results) and message.is_final:
            self._answered_until(float(message.start or 0.0) + float(message.duration or 0.0))
            from_finalize = bool(getattr(message, "from_finalize", False))
            if from_finalize or getattr(message, "speech_final", False):
                self._in_utterance = self._awaiting_final = False
            if (from_finalize and message.channel and message.channel.alternatives
                    and not message.channel.alternatives[0].transcript and not self._words_since_speech_start
                    and not self._no_words_sent):
                self._no_words_sent = True
                await self._cancel_no_words_timer()
                await self.push_frame(NoWordsFrame())

    async def push_frame(self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM):
        if isinstance(frame, TranscriptionFrame):
            self._words_since_speech_start = True
        elif isinstance(frame, InterimTranscriptionFrame) and frame.text.strip():
            self._interim_words = True  # words are coming: the timer waits for them
        if isinstance(frame, TranscriptionFrame) and frame.result is not None and not isinstance(frame.result, dict):
            evidence = word_language_evidence(frame.result)
            if evidence is not None:
                frame.result = {**evidence, "language_source": "deepgram_words", "deepgram": frame.result}
        await super().push_frame(frame, direction)
