"""Offline TTS: Piper for English, espeak-ng for the other languages, switchable mid-call.

The voice follows the call's :class:`~processors.call_language.CallLanguage` when one is given (read
for each sentence), else the TTS ``language`` setting (``TTSUpdateSettingsFrame(delta=TTSSettings(language="es"))``). English uses a Piper voice shared by
every call (ONNX Runtime sessions are thread-safe; see :mod:`pipelines.models`); other languages run
``espeak-ng --stdout`` (Debian package ``espeak-ng``) as a subprocess per sentence.

Output: 16-bit mono PCM ``TTSAudioRawFrame``s at the pipeline output rate (Piper 22 050 Hz and
espeak-ng 22 050 Hz sources are resampled by the base class).

Sentences already synthesized are played from a process-wide LRU cache (:data:`SENTENCE_AUDIO`,
bounded to ``TTS_SENTENCE_CACHE_MB`` of source audio (:func:`configure_sentence_cache`), keyed by
engine, voice, rate and text):
every call hears the same greeting, recording notice and re-prompts, and synthesizing them again
for each call was most of the CPU a new call cost (25 calls starting at once queued 25 Piper runs
of the same greeting). Only a sentence synthesized to its end is kept. A sentence that is being
synthesized when another call says it is synthesized once and streamed to both.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from typing import Any

from cachetools import LRUCache
from loguru import logger
from pipecat.frames.frames import ErrorFrame, Frame
from pipecat.services.settings import TTSSettings
from pipecat.services.tts_service import TTSService
from pipecat.transcriptions.language import Language
from pipecat.utils.tracing.service_decorators import traced_tts

from flights.languages import normalize_language
from processors.call_language import CallLanguage
from processors.metrics import SENTENCE_CACHE_SIZE

#: espeak-ng voice per ISO 639-1 code (``espeak-ng --voices`` lists them).
ESPEAK_VOICES: dict[str, str] = {
    "es": "es",
    "fr": "fr-fr",
    "de": "de",
    "it": "it",
    "pt": "pt",
    "en": "en-us",
}


#: Source audio (Piper/espeak-ng PCM, WAV header included) kept for repeated sentences by default, bytes.
SENTENCE_CACHE_BYTES = 48 * 2**20


def _chunks_bytes(chunks) -> int:
    return max(1, sum(len(c) for c in chunks))


#: ``(engine, voice, rate, text) -> chunks`` of every call in this process (LRU by bytes).
SENTENCE_AUDIO: LRUCache[tuple, tuple[bytes, ...]] = LRUCache(maxsize=SENTENCE_CACHE_BYTES, getsizeof=_chunks_bytes)


def configure_sentence_cache(max_bytes: int) -> None:
    """Bound the process's sentence cache to ``max_bytes`` of source audio (0 = keep nothing).

    A new bound empties the cache (``TTS_SENTENCE_CACHE_MB``, read when the profile loads); the
    same bound keeps it. A sentence larger than 1/16 of the bound is never kept.
    """
    global SENTENCE_AUDIO
    if max_bytes != SENTENCE_AUDIO.maxsize:
        SENTENCE_AUDIO = LRUCache(maxsize=max_bytes, getsizeof=_chunks_bytes)
        SENTENCE_CACHE_SIZE.set(0)


class _Synthesis:
    """One sentence being synthesized, streamed to every call that says it meanwhile.

    The synthesis runs in its own task and appends source-audio chunks to :attr:`chunks`; each
    reader (:meth:`read`) yields them in order as they come. When the last reader leaves before the
    end (every caller barged in), the task is cancelled and nothing is kept.
    """

    def __init__(self, key: tuple, synthesize: Callable[[], AsyncIterator[bytes]]):
        self.key = key
        self.chunks: list[bytes] = []
        self.done = False
        self.error: BaseException | None = None
        self.readers = 0
        self._changed = asyncio.Condition()
        self._task = asyncio.get_running_loop().create_task(self._run(synthesize))

    async def _run(self, synthesize: Callable[[], AsyncIterator[bytes]]) -> None:
        try:
            async for chunk in synthesize():
                self.chunks.append(chunk)
                async with self._changed:
                    self._changed.notify_all()
            chunks = self.chunks
            if chunks and SENTENCE_AUDIO.getsizeof(chunks) <= SENTENCE_AUDIO.maxsize // 16:  # no one sentence hogs it
                SENTENCE_AUDIO[self.key] = tuple(chunks)
                SENTENCE_CACHE_SIZE.set(SENTENCE_AUDIO.currsize)
        except Exception as e:  # every reader raises it (a cancellation is no Exception: it ends the task)
            self.error = e
        finally:
            self.done = True
            self._land()
            async with self._changed:
                self._changed.notify_all()

    async def read(self) -> AsyncIterator[bytes]:
        """The sentence's chunks from the first; raises what the synthesis raised."""
        self.readers += 1
        sent = 0
        try:
            while True:
                async with self._changed:
                    await self._changed.wait_for(lambda: sent < len(self.chunks) or self.done)
                while sent < len(self.chunks):
                    sent += 1
                    yield self.chunks[sent - 1]
                if self.done:
                    if self.error is not None:
                        raise self.error
                    return
        finally:
            self.readers -= 1
            if self.readers == 0 and not self.done:  # no one is listening any more
                self._land()
                self._task.cancel()

    def _land(self) -> None:
        """No longer the synthesis of :attr:`key` that new readers join."""
        if _IN_FLIGHT.get(self.key) is self:
            del _IN_FLIGHT[self.key]


#: Sentences being synthesized now, by cache key (see :class:`_Synthesis`).
_IN_FLIGHT: dict[tuple, _Synthesis] = {}


async def _through_cache(key: tuple, synthesize: Callable[[], AsyncIterator[bytes]]) -> AsyncIterator[bytes]:
    """The cached chunks of ``key``, else ``synthesize()``'s, kept once it has run to its end.

    Calls that say the same sentence while it is being synthesized share that one synthesis
    (a burst of new calls on a fresh process all say the greeting at once).
    """
    cached = SENTENCE_AUDIO.get(key)
    if cached is not None:
        for chunk in cached:
            yield chunk
        return
    synthesis = _IN_FLIGHT.get(key)
    if synthesis is None:
        synthesis = _IN_FLIGHT[key] = _Synthesis(key, synthesize)
    async for chunk in synthesis.read():
        yield chunk


class LocalTTSService(TTSService):
    """Piper (English) / espeak-ng (other languages) TTS; see the module docstring.

    Args:
        piper_voice: a loaded ``piper.PiperVoice`` (shared).
        language: the call's language state, or an ISO 639-1 code to start in (then the TTS
            ``language`` setting decides).
        length_scale: Piper speaking rate (>1 slower).
        espeak_rate_wpm: espeak-ng speed in words per minute.
        **kwargs: passed to :class:`TTSService`.

    Raises:
        FileNotFoundError: at synthesis time only, if espeak-ng is missing (reported as ErrorFrame).
    """

    def __init__(self, *, piper_voice: Any, language: CallLanguage | str = "en", length_scale: float = 1.0,
                 espeak_rate_wpm: int = 165, **kwargs):
        self._state = language if isinstance(language, CallLanguage) else None
        super().__init__(
            push_start_frame=True,
            push_stop_frames=True,
            settings=TTSSettings(model=None, voice="piper-joe",
                                 language=self._state.current if self._state else language),
            **kwargs,
        )
        self._piper = piper_voice
        self._length_scale = length_scale
        self._espeak_rate = espeak_rate_wpm

    def can_generate_metrics(self) -> bool:
        """TTFB and usage metrics are reported."""
        return True

    def language_to_service_language(self, language: Language) -> str | None:
        """ISO 639-1 base code (``es-ES`` → ``es``); English for an unsupported language."""
        return normalize_language(language) or "en"

    async def _update_settings(self, delta) -> dict[str, Any]:
        """Apply a settings delta; ``language`` picks the voice for the next sentence."""
        changed = await super()._update_settings(delta)
        if "language" in changed:
            logger.info(f"{self}: voice language now {self.current_language}")
        return changed

    @property
    def current_language(self) -> str:
        """The language the next sentence is spoken in (ISO 639-1)."""
        if self._state is not None:
            return self._state.current
        return normalize_language(self._settings.language) or "en"

    async def _piper_chunks(self, text: str) -> AsyncIterator[bytes]:
        from piper import SynthesisConfig

        config = SynthesisConfig(length_scale=self._length_scale)
        iterator = iter(self._piper.synthesize(text, syn_config=config))

        def next_chunk():
            try:
                return next(iterator).audio_int16_bytes
            except StopIteration:
                return None

        while (chunk := await asyncio.to_thread(next_chunk)) is not None:
            yield chunk

    async def _espeak_chunks(self, text: str, language: str) -> AsyncIterator[bytes]:
        exe = shutil.which("espeak-ng")
        if not exe:
            raise FileNotFoundError("espeak-ng is not installed (apt-get install espeak-ng)")
        voice = ESPEAK_VOICES.get(language, language)
        proc = await asyncio.create_subprocess_exec(
            exe, "-v", voice, "-s", str(self._espeak_rate), "--stdout", text,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        try:
            assert proc.stdout is not None
            while chunk := await proc.stdout.read(8192):
                yield chunk
        finally:
            if proc.returncode is None:
                try:
                    proc.kill()
                except ProcessLookupError:
                    pass
            await proc.wait()

    @traced_tts  # a "tts" span per sentence when the worker traces (Pipecat's own decorator)
    async def run_tts(self, text: str, context_id: str) -> AsyncGenerator[Frame, None]:
        """Synthesize one sentence; yields ``TTSAudioRawFrame``s (or an ``ErrorFrame``)."""
        language = self.current_language
        try:
            await self.start_tts_usage_metrics(text)
            if language == "en":
                key = ("piper", id(self._piper), self._length_scale, text)
                frames = self._stream_audio_frames_from_iterator(
                    _through_cache(key, lambda: self._piper_chunks(text)),
                    in_sample_rate=self._piper.config.sample_rate, context_id=context_id,
                )
            else:
                voice = ESPEAK_VOICES.get(language, language)
                key = ("espeak-ng", voice, self._espeak_rate, text)
                frames = self._stream_audio_frames_from_iterator(
                    _through_cache(key, lambda: self._espeak_chunks(text, language)),
                    strip_wav_header=True, context_id=context_id,
                )
            async for frame in frames:
                await self.stop_ttfb_metrics()
                yield frame
        except Exception as e:
            logger.error(f"{self}: synthesis failed ({language}): {e}")
            yield ErrorFrame(error=f"TTS failed: {e}")
        finally:
            await self.stop_ttfb_metrics()
