"""faster-whisper STT on a model shared by every call, keeping Whisper's detected language.

Pipecat's ``WhisperSTTService`` loads its model inside ``__init__`` (per call, blocking the event
loop) and discards the language Whisper detects (DESIGN.md). :class:`SharedWhisperSTTService`
borrows a process-wide ``faster_whisper.WhisperModel`` (see :mod:`pipelines.models`) and emits each
``TranscriptionFrame`` with ``language`` set to the detected ISO 639-1 code and
``result={"language": code, "language_probability": p, "no_speech_prob": max_p, "language_source": s,
"temperature": t}`` where ``s`` is ``detected``, ``forced``, ``model`` (English-only model) or
``recent`` (see ``_detect``) or ``redecoded`` (see "Second decode") and ``t`` the highest decoding
temperature a segment needed (0.0 unless a temperature fallback ran).

Second decode: when the first decode's fused language (:func:`processors.language_fusion.fuse`:
the detector, the text's language and the dialogue's parse) is not the language Whisper decoded
in and the detector gives it at least :data:`MIN_SECOND_ACOUSTIC`, or when the detection was unsure (under :data:`UNSURE_DETECTION`) and the call is conducted in
another language, the segment is decoded once more in that other language (the encoder output is
cached, so this costs a decoder pass) and the hypothesis with the better
:func:`processors.language_fusion.decode_score` is kept. Time-bounded: never when the first
decode took longer than ``second_decode_budget_secs``; and never for a segment Whisper rated no
speech (noise is not decoded again until it yields words).

Input: one VAD segment of 16-bit mono PCM at the pipeline input rate (16 000 Hz; Whisper needs 16 kHz).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, Callable, Sequence
from typing import Any

import numpy as np
from loguru import logger
from pipecat.frames.frames import ErrorFrame, Frame, TranscriptionFrame
from pipecat.services.whisper.stt import WhisperSTTService
from pipecat.transcriptions.language import Language
from pipecat.utils.time import time_now_iso8601

from processors.language_fusion import MIN_TEXT_WORDS, TextLanguageDetector, decode_score, fuse
from processors.resume import NoWordsFrame
from processors.stt_queue import DecodeQueue


#: Segments shorter than this (s of audio) do not decide their own language unless confident.
SHORT_SEGMENT_SECS = 1.5
#: How long a confident segment's language is remembered for short ones (s).
RECENT_LANGUAGE_SECS = 15.0
#: Default text tokens per second of segment audio a decode may produce (held-out set: 20 cut only
#: looping decodes; 12 also changed 3 real transcripts).
MAX_TOKENS_PER_SEC = 20.0
#: Tokens allowed on top of ``max_tokens_per_sec`` × segment seconds.
TOKEN_ALLOWANCE = 16
#: A detection below this probability is unsure: the call's own language gets a second decode.
UNSURE_DETECTION = 0.5
#: The fused language gets a second decode only with at least this detector probability.
MIN_SECOND_ACOUSTIC = 0.1
#: No second decode when the first took longer than this (s): under load the turn comes first.
SECOND_DECODE_BUDGET_SECS = 0.8
#: Never more new tokens than this: with an ``initial_prompt`` (up to 223 tokens) and the start
#: sequence, prompt + new tokens stay under Whisper's 448 (faster-whisper raises otherwise).
MAX_NEW_TOKENS = 200


class SharedWhisperSTTService(WhisperSTTService):
    """WhisperSTTService over a preloaded model; see the module docstring.

    Args:
        model: a loaded ``faster_whisper.WhisperModel`` (shared, thread-safe).
        model_name: its name for metrics/logs (``base`` or ``tiny.en``).
        language: ISO 639-1 code to force, or ``None`` to let Whisper detect it per segment.
        allowed_languages: when detecting, restrict the choice to these codes (others fall back to
            the most probable allowed one); ``None`` allows every Whisper language.
        beam_size: 1 = greedy decoding (fastest on CPU).
        no_speech_prob: segments whose no-speech probability is at or above this are dropped
            (0.6–0.7 keeps Spanish/German utterances that 0.4 drops).
        temperatures: faster-whisper's ``temperature`` schedule. It decodes at the first; when the
            result's average log-probability is below −1.0 or its compression ratio above 2.4 it
            decodes the whole window again at the next (each step above 0 samples ``best_of`` = 5
            hypotheses), so faster-whisper's default ``(0.0, 0.2, …, 1.0)`` can cost six decodes
            per segment. Default ``(0.0,)``: greedy only, never a fallback (README, "Recognition
            per language": held-out slots right 31 vs 33 of 240, STT per turn p95 1.2-1.8 s vs 21 s).
            https://github.com/SYSTRAN/faster-whisper/blob/v1.2.1/faster_whisper/transcribe.py
        max_tokens_per_sec: at most this many text tokens per second of segment audio, plus
            :data:`TOKEN_ALLOWANCE` (at most :data:`MAX_NEW_TOKENS`), become faster-whisper's
            ``max_new_tokens``: a greedy decode caught in a loop ("red-red-red-…") stops there instead of at
            the model's 448-token limit. ``None``: no bound beyond the model's.
        decode_queue: the process's :class:`processors.stt_queue.DecodeQueue` (bounded,
            shortest segment first); ``None`` decodes on the loop's default executor.
        vocabulary: called per segment with the ISO 639-1 code being decoded; the text it returns
            (e.g. :class:`processors.stt_vocabulary.ExpectedVocabulary`: the cities, weekdays and
            months the dialogue expects) is faster-whisper's ``initial_prompt``; ``None``: no prompt.
        call_language: ``() -> str``: the ISO 639-1 code the call is conducted in now (e.g.
            ``lambda: language.current`` of the call's ``CallLanguage``); an unsure detection in
            another language gets a second decode in it. ``None``: only the fused-language decode.
        second_decode_budget_secs: no second decode when the first took longer (s); ``None``
            never decodes twice.
        no_repeat_ngram_size: faster-whisper's ``no_repeat_ngram_size`` (CTranslate2's
            ``generate`` option: no n-gram of this many tokens twice in one decode), the guard
            against a greedy decode caught in a loop ("enero, febrero, enero, febrero, …",
            "Saturday, Saturday, …"), which wastes the token budget and the caller's time on words
            that fill no slot. 0 = off.
        **kwargs: passed to ``SegmentedSTTService`` (e.g. ``ttfs_p99_latency``).
    """

    def __init__(
        self,
        *,
        model: Any,
        model_name: str = "base",
        language: str | None = None,
        allowed_languages: list[str] | None = None,
        beam_size: int = 1,
        no_speech_prob: float = 0.65,
        decode_queue: DecodeQueue | None = None,
        vocabulary: Callable[[str], str | None] | None = None,
        temperatures: Sequence[float] = (0.0,),
        max_tokens_per_sec: float | None = MAX_TOKENS_PER_SEC,
        call_language: Callable[[], str | None] | None = None,
        second_decode_budget_secs: float | None = SECOND_DECODE_BUDGET_SECS,
        no_repeat_ngram_size: int = 0,
        **kwargs,
    ):
        if not temperatures:
            raise ValueError("temperatures: at least one decoding temperature is needed")
        self._shared_model = model
        self._decode_queue = decode_queue
        self._vocabulary = vocabulary
        self._beam_size = beam_size
        self._temperatures = [float(t) for t in temperatures]
        self._max_tokens_per_sec = max_tokens_per_sec
        self._allowed = list(allowed_languages) if allowed_languages else None
        self._call_language = call_language
        self._second_budget = second_decode_budget_secs
        self._no_repeat_ngram_size = int(no_repeat_ngram_size)
        #: segments decoded twice, and how many of them kept the second hypothesis
        self.second_decodes = 0
        self.second_decodes_kept = 0
        super().__init__(
            settings=WhisperSTTService.Settings(
                model=model_name,
                language=Language(language) if language else None,
                no_speech_prob=no_speech_prob,
            ),
            device="cpu",
            **kwargs,
        )
        self.last_latency_secs: float | None = None
        self._recent_language: tuple[str, float] | None = None

    def _load(self):
        """Borrow the shared model instead of loading one (the parent loads per instance)."""
        self._model = self._shared_model

    def _detect(self, audio: np.ndarray) -> tuple[str | None, float]:
        lang, prob, _ = self._detect_with_source(audio)
        return lang, prob

    def _detect_with_source(self, audio: np.ndarray) -> tuple[str | None, float, str]:
        lang, prob, source, _ = self._detect_full(audio)
        return lang, prob, source

    def _detect_full(self, audio: np.ndarray) -> tuple[str | None, float, str, dict[str, float]]:
        """Most probable allowed language and its probability.

        Language identification on a short segment (under :data:`SHORT_SEGMENT_SECS` of audio) is
        unreliable — a lone "abril," came out as English p≈0.74 — so when such a segment is not
        confidently (≥ 0.8) in another language, it is transcribed in the language this call's
        last fairly confident (≥ 0.7) segment had (within :data:`RECENT_LANGUAGE_SECS`); the probability reported
        is the detector's for that language, which stays low, so a language switch never rests on it.

        Detection runs on the same padded features ``transcribe`` will encode (all frames but the
        last, as faster-whisper's segment loop takes them), so an encoder-caching model
        (:mod:`pipelines.models`) encodes the window once for both steps.
        """
        model = self._model
        if not getattr(model, "model", None) or not model.model.is_multilingual:
            return "en", 1.0, "model", {"en": 1.0}
        features = model.feature_extractor(audio)
        _, _, all_probs = model.detect_language(features=features[..., :-1])
        probs = {code: float(prob) for code, prob in all_probs
                 if self._allowed is None or code in self._allowed}
        if not probs:
            return None, 0.0, "detected", probs
        code, prob = max(probs.items(), key=lambda kv: kv[1])
        now = time.monotonic()
        speech_secs = len(audio) / 16000 - self._trailing_silence_secs
        recent = self._recent_language
        if (prob < 0.8 and recent and recent[0] != code and speech_secs < SHORT_SEGMENT_SECS
                and now - recent[1] < RECENT_LANGUAGE_SECS):
            return recent[0], probs.get(recent[0], 0.0), "recent", probs
        if prob >= 0.7:
            self._recent_language = (code, now)
        return code, prob, "detected", probs

    def _second_language(self, lang: str, prob: float, text: str, probs: dict[str, float]) -> str | None:
        """The language to decode a detected segment in once more, or ``None`` (module docstring)."""
        if len(text.split()) >= MIN_TEXT_WORDS:
            fused = fuse(text, lang, prob, text_confidences=TextLanguageDetector.confidences(text))
            # only a language the detector did not rule out: told to decode in a language the
            # speech is not in, Whisper writes fluent text in it ("stop." → "Il a été fait.")
            if fused.language and fused.language != lang and probs.get(fused.language, 0.0) >= MIN_SECOND_ACOUSTIC:
                return fused.language
        current = self._call_language() if self._call_language is not None else None
        if prob < UNSURE_DETECTION and current and current != lang and (
                self._allowed is None or current in self._allowed):
            return current
        return None

    async def run_stt(self, audio: bytes) -> AsyncGenerator[Frame, None]:
        """Transcribe one segment; yields a ``TranscriptionFrame``, or for non-speech (or a failed
        decode, after an ``ErrorFrame``) a :class:`processors.resume.NoWordsFrame`."""
        if not self._model:
            yield ErrorFrame("Whisper model not available")
            return
        await self.start_processing_metrics()
        audio_float = np.frombuffer(audio, dtype=np.int16).astype(np.float32) / 32768.0
        forced = self._settings.language
        forced_code = str(forced.value if isinstance(forced, Language) else forced) if forced else None
        threshold = self._settings.no_speech_prob
        model = self._model

        max_new_tokens = None
        if self._max_tokens_per_sec is not None:
            max_new_tokens = min(MAX_NEW_TOKENS, TOKEN_ALLOWANCE
                                 + int(self._max_tokens_per_sec * len(audio_float) / 16000))

        def decode(lang: str | None) -> tuple[str, str | None, float, float]:
            """(text, language, worst no-speech probability, highest temperature) of one decode."""
            prompt = self._vocabulary(lang) if self._vocabulary is not None and lang else None
            segments, info = model.transcribe(
                audio_float,
                language=lang,
                initial_prompt=prompt,
                beam_size=self._beam_size,
                temperature=self._temperatures,
                max_new_tokens=max_new_tokens,
                no_repeat_ngram_size=self._no_repeat_ngram_size,
                condition_on_previous_text=False,
                vad_filter=False,
            )
            kept, worst, hottest = [], 0.0, 0.0
            for seg in segments:
                worst = max(worst, seg.no_speech_prob)
                hottest = max(hottest, seg.temperature or 0.0)
                if threshold is None or seg.no_speech_prob < threshold:
                    kept.append(seg.text.strip())
            return " ".join(t for t in kept if t), lang or info.language, worst, hottest

        def transcribe() -> tuple[str, str | None, float, float, str, float]:
            lang, prob, source, probs = (forced_code, 1.0, "forced", {})
            if lang is None:
                lang, prob, source, probs = self._detect_full(audio_float)
            first_started = time.perf_counter()
            text, lang, worst, hottest = decode(lang)
            second = None
            # Whisper rating the segment no speech (a cough, line noise) is a verdict, not a
            # misheard language: decoding the noise again could only make words up.
            no_speech = not text and threshold is not None and worst >= threshold
            if (source == "detected" and lang and not no_speech and self._second_budget is not None
                    and time.perf_counter() - first_started <= self._second_budget):
                second = self._second_language(lang, prob, text, probs)
            if second is None:
                return text, lang, prob, worst, source, hottest
            self.second_decodes += 1
            text2, _, worst2, hottest2 = decode(second)
            scores = {}
            for code, words in ((lang, text), (second, text2)):
                scores[code] = decode_score(words, code, probs, TextLanguageDetector.confidences(words))
            logger.debug(f"{self}: second decode in {second} (detected {lang} p={prob:.2f}): "
                         f"scores {lang} {scores[lang]:.2f}, {second} {scores[second]:.2f}")
            if scores[second] > scores[lang]:
                self.second_decodes_kept += 1
                return text2, second, probs.get(second, 0.0), worst2, "redecoded", max(hottest, hottest2)
            return text, lang, prob, worst, source, hottest

        started = time.perf_counter()
        try:
            if self._decode_queue is not None:
                result = await self._decode_queue.run(transcribe, cost_secs=len(audio_float) / 16000)
            else:
                result = await asyncio.to_thread(transcribe)
            text, lang, prob, no_speech, source, temperature = result
        except Exception as e:  # a model failure is one lost utterance, not a dead call
            logger.exception(f"{self}: transcription failed: {e}")
            await self.stop_processing_metrics()
            yield ErrorFrame(f"transcription failed: {e}")
            yield NoWordsFrame()
            return
        self.last_latency_secs = time.perf_counter() - started
        await self.stop_processing_metrics()
        if not text:
            logger.debug(f"{self}: no speech in segment (no_speech_prob {no_speech:.2f})")
            yield NoWordsFrame()  # the turn need not wait for this segment any longer (processors.turn_hold)
            return
        logger.debug(f"{self}: transcribed {len(text)} chars, {lang} p={prob:.2f} at t={temperature:.1f} "
                     f"in {self.last_latency_secs:.2f}s")
        language = None
        if lang:
            try:
                language = Language(lang)
            except ValueError:
                language = None
        yield TranscriptionFrame(
            text,
            self._user_id,
            time_now_iso8601(),
            language,
            result={"language": lang, "language_probability": prob, "no_speech_prob": no_speech,
                    "language_source": source, "temperature": temperature},
        )
