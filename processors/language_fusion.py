"""Fused evidence for a turn's language: acoustic detection, the transcript's text, and the dialogue.

Pure (no Pipecat): :class:`~processors.language_switch.LanguageSwitchProcessor` calls :func:`fuse`
on every transcript segment of at least ``MIN_TEXT_WORDS`` words and decides on the result.

Three sources, each a score in [0, 1] per supported language ``L``:

- **acoustic** ``a(L)``: Whisper's language probability ``p`` for the language it detected (and
  decoded in), ``(1 - p) / 5`` for each other language (the STT reports only its top language);
  for an STT that gives no probability, the text score stands in (``a = t``);
- **text** ``t(L)``: ``lingua-language-detector``'s confidence for ``L`` on the transcript, the
  detector built once per process over the six supported languages (confidences sum to 1); left
  out (weights renormalised) when lingua is not installed;
- **dialogue** ``d(L)``: 1 when the dialogue can parse the turn in ``L`` alone
  (:func:`dialogue.understanding.fills_slot_in`: one of ``L``'s place markers introduces a sure
  place — "a Madrid", "nach Berlin" — or ``L``'s weekday/month names give a date), else 0.

Fused score: ``P(L) = (0.3·a(L) + 0.35·t(L) + 0.35·d(L)) / (sum of the weights present)``; the
turn's language is the ``L`` with the highest ``P``. What the switch rule makes of it
(:class:`~processors.language_switch.LanguageDecider`):

- ``P ≥ FUSED_CONFIDENT`` (0.65) switches in one turn. With the dialogue parsing the turn in ``L``
  this needs ``0.3·a + 0.35·t ≥ 0.3`` — plainly Spanish text (lingua t ≈ 0.7) naming a place
  switches even with an acoustic p of 0.25; without it, only certain acoustic *and* text reach it;
- acoustic ``a ≥ 0.8`` (the old confident rule) still switches alone when the fused language is the
  one Whisper detected — i.e. unless the text and the dialogue point elsewhere ("¿Podemos hablar
  en español?" names no place and still switches; English text Whisper labelled Spanish does not);
- otherwise ``P < 0.5`` is ambiguous (ignored). Without dialogue evidence ``P ≤ 0.3·a + 0.35``, so an
  acoustically unsure turn (a < 0.5) whose text merely looks Spanish — Whisper writes Spanish-looking
  words whenever it decodes in Spanish — never counts;
- **mixed**: a turn whose text gives the *current* language ``t ≥ MIXED_TEXT`` (0.25) as well is
  mixed ("I want to fly a Roma mañana") and never switches nor counts towards a streak.

The fused language may differ from the one Whisper decoded in (a wrong decode: text in the wrong
language). The STT then decodes the segment again in the fused language, and also in the call's own
language when the acoustic detection was unsure; :func:`decode_score` picks the hypothesis
(:class:`~processors.whisper_stt.SharedWhisperSTTService`, "second decode").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from dialogue.understanding import fills_slot_in, normalize
from flights.languages import SUPPORTED_LANGUAGES, normalize_language

WEIGHT_ACOUSTIC = 0.3
WEIGHT_TEXT = 0.35
WEIGHT_DIALOGUE = 0.35
FUSED_CONFIDENT = 0.65
"""A fused score at or above this switches in one turn."""
MIXED_TEXT = 0.25
"""A turn whose text gives the current language at least this confidence is mixed."""
MIN_TEXT_WORDS = 3
"""Shorter segments keep their acoustic evidence only (lingua and the parser need words)."""


class TextLanguageDetector:
    """``lingua-language-detector`` over the supported languages; built lazily, once per process."""

    _detector: Any = None
    _failed = False

    @classmethod
    def get(cls):
        """The shared detector, or ``None`` when lingua is not installed (logged once)."""
        if cls._detector is None and not cls._failed:
            try:
                from lingua import Language as L
                from lingua import LanguageDetectorBuilder

                langs = [L.ENGLISH, L.SPANISH, L.FRENCH, L.GERMAN, L.ITALIAN, L.PORTUGUESE]
                cls._detector = LanguageDetectorBuilder.from_languages(*langs).with_preloaded_language_models().build()
            except Exception as e:  # not installed: STT-reported language only
                cls._failed = True
                logger.warning(f"language detection from text unavailable (lingua): {e}")
        return cls._detector

    @classmethod
    def confidences(cls, text: str) -> dict[str, float] | None:
        """``{language: confidence}`` over the six languages (sums to 1), ``{}`` for no text,
        ``None`` when lingua is unavailable. Blocking (run it in a thread)."""
        detector = cls.get()
        if detector is None:
            return None
        if not (text or "").strip():
            return {}
        out: dict[str, float] = {}
        for value in detector.compute_language_confidence_values(text):
            code = normalize_language(value.language.iso_code_639_1.name)
            if code:
                out[code] = float(value.value)
        return out

    @classmethod
    def detect(cls, text: str) -> tuple[str | None, float]:
        """``(language, confidence)`` of ``text`` among the supported languages (blocking)."""
        values = cls.confidences(text)
        if not values:
            return None, 0.0
        code = max(values, key=values.get)
        return code, values[code]


@dataclass(frozen=True)
class FusedLanguage:
    """:func:`fuse`'s answer for one segment."""

    language: str | None
    """The supported language with the highest fused score (``None``: no evidence at all)."""
    probability: float
    """Its fused score ``P`` in [0, 1]."""
    acoustic: float
    """Its acoustic score ``a`` (the text's when the STT gave no probability)."""
    text: dict[str, float] = field(default_factory=dict)
    """The text identifier's confidences (empty when lingua is unavailable)."""
    dialogue: frozenset[str] = frozenset()
    """Languages the dialogue can parse the turn in."""


def dialogue_languages(text: str) -> frozenset[str]:
    """The supported languages in which :func:`~dialogue.understanding.fills_slot_in` holds."""
    norm = normalize(text)
    return frozenset(code for code in SUPPORTED_LANGUAGES if fills_slot_in(norm, code))


def fuse(text: str, acoustic_language: str | None, acoustic_probability: float | None, *,
         text_confidences: dict[str, float] | None = None,
         dialogue: frozenset[str] | None = None) -> FusedLanguage:
    """Fuse the three sources of the module docstring for one transcript segment.

    Args:
        text: the transcript.
        acoustic_language: the language the STT detected (any code ``normalize_language`` takes).
        acoustic_probability: its probability in [0, 1], or ``None`` when the STT gives none.
        text_confidences: lingua's confidences (``TextLanguageDetector.confidences``); ``None`` =
            text identification unavailable.
        dialogue: languages the turn parses in (``dialogue_languages(text)`` when ``None``).
    """
    top = normalize_language(acoustic_language)
    text_scores = dict(text_confidences or {})
    parsed = dialogue_languages(text) if dialogue is None else frozenset(dialogue)
    acoustic: dict[str, float] = {}
    if top and isinstance(acoustic_probability, (int, float)):
        p = max(0.0, min(1.0, float(acoustic_probability)))
        rest = (1.0 - p) / (len(SUPPORTED_LANGUAGES) - 1)
        acoustic = {code: (p if code == top else rest) for code in SUPPORTED_LANGUAGES}
    elif text_scores:
        acoustic = dict(text_scores)
    elif top:  # a language without probability and no text identifier: p = 0.5 (never alone)
        acoustic = {code: (0.5 if code == top else 0.1) for code in SUPPORTED_LANGUAGES}
    if not acoustic and not parsed:
        return FusedLanguage(None, 0.0, 0.0, text_scores, parsed)
    weights = WEIGHT_ACOUSTIC + WEIGHT_DIALOGUE + (WEIGHT_TEXT if text_confidences is not None else 0.0)
    scores = {
        code: (WEIGHT_ACOUSTIC * acoustic.get(code, 0.0) + WEIGHT_TEXT * text_scores.get(code, 0.0)
               + WEIGHT_DIALOGUE * (1.0 if code in parsed else 0.0)) / weights
        for code in SUPPORTED_LANGUAGES
    }
    best = max(SUPPORTED_LANGUAGES, key=lambda c: scores[c])  # ties: SUPPORTED_LANGUAGES order
    return FusedLanguage(best, scores[best], acoustic.get(best, 0.0), text_scores, parsed)


def decode_score(text: str, language: str, acoustic_probabilities: dict[str, float],
                 text_confidences: dict[str, float] | None) -> float:
    """How well one decoding hypothesis holds together: ``text`` as Whisper wrote it when told to
    decode in ``language``, scored like :func:`fuse` for that language alone.

    ``P = (0.3·a + 0.35·t + 0.35·d) / (weights present)`` with ``a`` the detector's own probability
    for ``language`` (the full distribution, not the top-only stand-in :func:`fuse` uses), ``t``
    lingua's confidence that ``text`` is in ``language`` and ``d`` = 1 when the dialogue parses
    ``text`` in ``language`` (a sure place after one of its markers, or its day or month names).
    Two decodes of one segment each write text in their own language, so ``t`` tends to be high for
    both; the detector and the parse make the difference, and on a tie the detector's choice wins.

    Args:
        text: the hypothesis' transcript ("" scores on acoustics only).
        language: the ISO 639-1 code it was decoded in.
        acoustic_probabilities: ``{code: p}`` from Whisper's language detection.
        text_confidences: lingua's confidences for ``text``; ``None`` = unavailable (weight dropped).
    """
    weights = WEIGHT_ACOUSTIC + WEIGHT_DIALOGUE + (WEIGHT_TEXT if text_confidences is not None else 0.0)
    parsed = bool(text.strip()) and fills_slot_in(normalize(text), language)
    return (WEIGHT_ACOUSTIC * acoustic_probabilities.get(language, 0.0)
            + WEIGHT_TEXT * (text_confidences or {}).get(language, 0.0)
            + WEIGHT_DIALOGUE * (1.0 if parsed else 0.0)) / weights


def is_mixed(fused: FusedLanguage, current: str) -> bool:
    """The turn also reads as ``current`` (text confidence ≥ ``MIXED_TEXT``) while fused elsewhere."""
    return fused.language != current and fused.text.get(current, 0.0) >= MIXED_TEXT


__all__ = [
    "FUSED_CONFIDENT", "FusedLanguage", "MIN_TEXT_WORDS", "MIXED_TEXT", "TextLanguageDetector", "WEIGHT_ACOUSTIC",
    "WEIGHT_DIALOGUE", "WEIGHT_TEXT", "decode_score", "dialogue_languages", "fuse", "is_mixed",
]
