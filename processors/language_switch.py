"""Mid-call language switching: decide the conversation language per user turn and tell the services.

:class:`LanguageSwitchProcessor` sits **between the STT and the user context aggregator**::

    transport.input() → STT → LanguageSwitchProcessor → user aggregator → brain/LLM → tool → TTS → …

Why there: it sees every ``TranscriptionFrame`` *before* the aggregator closes the turn and emits the
``LLMContextFrame`` that makes the brain answer. When a turn decides a switch, the processor pushes,
downstream and in this order, **before** that turn's (last) ``TranscriptionFrame``:

it first updates the call's :class:`~processors.call_language.CallLanguage` — which the brain's
phrases, the ``search_flights`` filler and speech, the local TTS voice and the turn hold read — and
then pushes, downstream and in this order, **before** that turn's (last) ``TranscriptionFrame``, the
settings frames the profile asks for (for services with vendor settings of their own):

1. ``LLMUpdateSettingsFrame(delta=<llm_settings(code)>)`` — e.g. ``LocalBrainSettings(language=code)``
   or a cloud LLM's instruction change;
2. ``TTSUpdateSettingsFrame(delta=<tts_settings(code)>)`` — by default ``TTSSettings(language=code)``,
   e.g. a cloud TTS voice.

Both are ``ControlFrame``s: they travel in the same ordered queues as the transcript, the aggregator
passes them on untouched, and so they reach the brain before the ``LLMContextFrame`` of the turn, and
the TTS before any text of the answer. Either can be switched off (``None``) when the profile's
services read the language state instead.

**The STT is not pinned** (no ``STTUpdateSettingsFrame``): Whisper keeps detecting the language of
every segment (restricted to the supported languages), otherwise a caller switching back could
never be heard — a pinned Whisper transcribes English as (bad) Spanish and reports "es" forever.

The rule (per user turn; a turn's evidence is its segments' fused evidence, word-weighted):

- **fused evidence** (:mod:`processors.language_fusion`): every segment of at least 3 words scores
  each language ``P(L) = (0.3·acoustic + 0.35·text + 0.35·dialogue) / weights`` — Whisper's
  probability, lingua's confidence on the transcript (detector built once per process, six
  languages) and 1 when the dialogue can parse the turn in ``L`` alone (a sure place after one of
  ``L``'s markers, or ``L``'s weekday/month names). Shorter segments keep the acoustic probability;
  a segment whose language the STT carried over (``language_source`` "recent") is no evidence;
- **confident turn**: a turn of at least ``MIN_WORDS`` (3) words in another supported language
  with fused ``P ≥ FUSED_CONFIDENT`` (0.65), or with acoustic probability ≥ ``CONFIDENT_PROBABILITY``
  (0.8) for the language the fusion chose (the text and the dialogue do not point elsewhere),
  switches at once — a plainly Spanish sentence that names a place switches
  even when Whisper's probability is 0.3;
- **two agreeing turns**: two consecutive counted turns in the same other language, each with
  ``P ≥ AMBIGUOUS_PROBABILITY`` (0.5), switch on the second;
- **ignored turns**: turns under 3 words ("OK", "sí", a city name), turns in an unsupported or no
  language, ambiguous turns (P < 0.5, unless acoustically confident) and **mixed** turns (the text also gives the current language
  a confidence ≥ 0.25: "I want to fly a Roma mañana") never switch, neither count towards nor break
  a streak;
- **no flapping**: a counted turn in the current language resets the streak, so alternating or
  mixed turns never switch; one switch per turn at most;
- **weak start**: when the starting language is only a prior (``source`` "caller_country" or
  "default"), the first counted turn in another language with P ≥ 0.5 overrides it; the first
  counted turn in the starting language confirms it (the normal rule applies from then on).

Where the evidence comes from: the ``SharedWhisperSTTService`` puts ``language_probability`` in
``TranscriptionFrame.result``; for an STT that gives no probability (cloud STTs), lingua's
confidence stands in for the acoustic one. If lingua is missing, the text score is left out (the
weights renormalised), and a language the STT reports without probability counts as p = 0.5.
A turn fused into another language than Whisper decoded in is **not** decoded again (not built).

Turns are delimited by ``UserStartedSpeakingFrame``/``UserStoppedSpeakingFrame`` (the aggregator
broadcasts them upstream too, so they reach this processor); until one has been seen, every
``TranscriptionFrame`` is a turn by itself.

Each switch is logged once (``language switch en -> es (confident p=0.93) call_sid=…``) and counted in
the optional metrics (:mod:`processors.language_metrics`).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    CancelFrame,
    EndFrame,
    Frame,
    LLMUpdateSettingsFrame,
    TranscriptionFrame,
    TTSUpdateSettingsFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.settings import LLMSettings, TTSSettings

from flights.languages import SUPPORTED_LANGUAGES, normalize_language
from processors.call_language import CallLanguage
from processors.language_fusion import (
    FUSED_CONFIDENT,
    MIN_TEXT_WORDS,
    TextLanguageDetector,
    dialogue_languages,
    fuse,
    is_mixed,
)

CONFIDENT_PROBABILITY = 0.8
"""One turn at or above this probability switches alone."""
AMBIGUOUS_PROBABILITY = 0.5
"""Turns below this probability are ambiguous: ignored by the rule."""
MIN_WORDS = 3
"""Turns with fewer words never switch and are ignored by the rule."""
AGREEING_TURNS = 2
"""Consecutive counted turns in the same other language that switch."""

#: Caller's region (ISO 3166, from ``phonenumbers``) → weak starting language.
REGION_LANGUAGES: dict[str, str] = {
    **{r: "es" for r in ("ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "GT", "CU", "BO", "DO", "HN",
                         "PY", "SV", "NI", "CR", "PA", "UY")},
    **{r: "fr" for r in ("FR", "MC", "LU", "SN", "CI")},
    **{r: "de" for r in ("DE", "AT", "LI")},
    **{r: "it" for r in ("IT", "SM", "VA")},
    **{r: "pt" for r in ("PT", "BR", "AO", "MZ")},
    **{r: "en" for r in ("US", "GB", "IE", "AU", "NZ")},
}

_WORD = re.compile(r"\w+(?:['’]\w+)*")


def count_words(text: str) -> int:
    """Words in a transcript ("Sí." → 1, "New York" → 2)."""
    return len(_WORD.findall(text or ""))


def _normalize_number(number: str) -> str:
    digits = re.sub(r"[^\d+]", "", number or "")
    if digits.startswith("00"):
        digits = "+" + digits[2:]
    return digits


def parse_number_languages(text: str | None) -> dict[str, str]:
    """Parse ``NUMBER_LANGUAGES`` ("+34911234567=es,+33144556677=fr") into ``{number: language}``.

    Entries are separated by commas or semicolons; numbers are normalized to ``+digits`` (spaces,
    dashes and dots dropped, a leading ``00`` read as ``+``).

    Raises:
        ValueError: naming the entry, for an entry without ``=``, an empty number or an unsupported
            language.
    """
    out: dict[str, str] = {}
    for entry in re.split(r"[,;]+", (text or "").strip()):
        entry = entry.strip()
        if not entry:
            continue
        if "=" not in entry:
            raise ValueError(f"NUMBER_LANGUAGES entry {entry!r} is not NUMBER=LANGUAGE")
        number, _, lang = entry.partition("=")
        norm = _normalize_number(number)
        code = normalize_language(lang)
        if not norm.strip("+"):
            raise ValueError(f"NUMBER_LANGUAGES entry {entry!r} has no number")
        if code is None:
            raise ValueError(
                f"NUMBER_LANGUAGES entry {entry!r}: language must be one of {', '.join(SUPPORTED_LANGUAGES)}"
            )
        out[norm] = code
    return out


def caller_country_language(from_number: str | None) -> str | None:
    """Weak language prior from the caller's country code (+34 → es, +351/+55 → pt …), or ``None``."""
    if not from_number:
        return None
    try:
        import phonenumbers

        region = phonenumbers.region_code_for_number(phonenumbers.parse(_normalize_number(from_number), None))
    except Exception:
        return None
    return REGION_LANGUAGES.get(region or "")


def starting_language(
    explicit: str | None,
    to_number: str,
    from_number: str,
    number_languages: dict[str, str],
    default: str = "en",
) -> tuple[str, str]:
    """The language a call starts in, and why: ``(language, source)``.

    Precedence: ``explicit`` (the call's ``language`` parameter) → ``"explicit"``; the called number
    in ``number_languages`` → ``"number"``; the caller's country code → ``"caller_country"`` (a weak
    prior the first counted turn overrides); else ``default`` (English if unsupported) → ``"default"``.
    """
    code = normalize_language(explicit)
    if code:
        return code, "explicit"
    if to_number and number_languages:
        code = number_languages.get(_normalize_number(to_number))
        if code:
            return code, "number"
    code = caller_country_language(from_number)
    if code:
        return code, "caller_country"
    return normalize_language(default) or "en", "default"


# ---------------------------------------------------------------------------------------------
# evidence and the rule (no Pipecat)


@dataclass
class TurnEvidence:
    """What one user turn (so far) says about its language.

    ``probability`` is the fused score (:mod:`processors.language_fusion`) or, for evidence built
    from a probability alone, that probability; ``acoustic`` is the acoustic probability of
    ``language`` when it differs from ``probability`` (``None``: the same); ``mixed``: the text also
    reads as the call's current language.
    """

    language: str | None = None
    probability: float = 0.0
    words: int = 0
    acoustic: float | None = None
    mixed: bool = False

    @property
    def acoustic_probability(self) -> float:
        return self.probability if self.acoustic is None else self.acoustic

    @classmethod
    def combine(cls, segments: list[TurnEvidence]) -> TurnEvidence:
        """Word-weighted: the language with most probability mass, and its mean probability.

        A segment under ``MIN_WORDS`` words in another language ("Hola" heard as Italian before a
        Spanish sentence) does not dilute the probability; a longer one does. The acoustic
        probability is averaged the same way; the turn is mixed when any segment is.
        """
        words = sum(s.words for s in segments)
        mixed = any(s.mixed for s in segments)
        mass: dict[str, float] = {}
        for s in segments:
            if s.language:
                mass[s.language] = mass.get(s.language, 0.0) + s.probability * max(1, s.words)
        if not mass:
            return cls(None, 0.0, words, None, mixed)
        lang = max(mass, key=mass.get)
        # segments without a language of their own (see transcription_evidence) add no weight
        weight = sum(max(1, s.words) for s in segments
                     if s.language is not None and (s.language == lang or s.words >= MIN_WORDS)) or 1
        acoustic = None
        if any(s.acoustic is not None for s in segments):
            acoustic = sum(s.acoustic_probability * max(1, s.words) for s in segments if s.language == lang) / weight
        return cls(lang, mass[lang] / weight, words, acoustic, mixed)


class LanguageDecider:
    """The switch rule of the module docstring, one turn at a time (pure, no Pipecat).

    Use :meth:`evaluate` on a turn's evidence so far (no state change; returns the language to switch
    to, or ``None``), :meth:`switch` when acting on it, and :meth:`commit` once the turn is over.
    """

    def __init__(self, language: str, *, weak: bool = False, confident: float = CONFIDENT_PROBABILITY,
                 ambiguous: float = AMBIGUOUS_PROBABILITY, min_words: int = MIN_WORDS,
                 agreeing_turns: int = AGREEING_TURNS, fused_confident: float = FUSED_CONFIDENT):
        self.language = normalize_language(language) or "en"
        self.weak = weak
        self.confident = confident
        self.fused_confident = fused_confident
        self.ambiguous = ambiguous
        self.min_words = min_words
        self.agreeing_turns = agreeing_turns
        self.candidate: str | None = None
        self.streak = 0

    def counts(self, ev: TurnEvidence) -> bool:
        """Whether the rule looks at this turn at all (long enough, supported, not ambiguous, not mixed)."""
        return (ev.language in SUPPORTED_LANGUAGES and ev.words >= self.min_words and not ev.mixed
                and (ev.probability >= self.ambiguous or ev.acoustic_probability >= self.confident))

    def evaluate(self, ev: TurnEvidence) -> tuple[str, str] | None:
        """``(language, reason)`` when this turn switches, else ``None``; changes nothing."""
        if not self.counts(ev) or ev.language == self.language:
            return None
        if self.weak:
            return ev.language, "weak start overridden"
        if ev.acoustic_probability >= self.confident:
            return ev.language, "confident"
        if ev.acoustic is not None and ev.probability >= self.fused_confident:
            return ev.language, "confident fused"
        if ev.language == self.candidate and self.streak + 1 >= self.agreeing_turns:
            return ev.language, f"{self.agreeing_turns} agreeing turns"
        return None

    def switch(self, language: str) -> None:
        """Make ``language`` current (after :meth:`evaluate` said so)."""
        self.language = language
        self.weak = False
        self.candidate = None
        self.streak = 0

    def commit(self, ev: TurnEvidence, switched: bool = False) -> None:
        """Record a finished turn (``switched``: it already caused a switch)."""
        if switched or not self.counts(ev):
            return
        self.weak = False
        if ev.language == self.language:
            self.candidate, self.streak = None, 0
        elif ev.language == self.candidate:
            self.streak += 1
        else:
            self.candidate, self.streak = ev.language, 1


def transcription_evidence(frame: TranscriptionFrame) -> tuple[TurnEvidence, bool]:
    """Evidence of one segment from the STT's own detection; ``(evidence, needs_text_detection)``."""
    result = frame.result if isinstance(frame.result, dict) else {}
    words = count_words(frame.text)
    if result.get("language_source") == "recent":
        # The STT did not detect this (short, unsure) segment's language; it reused the call's
        # recent one. That is no evidence either way.
        return TurnEvidence(None, 0.0, words), False
    lang = normalize_language(result.get("language")) or normalize_language(frame.language)
    prob = result.get("language_probability")
    if isinstance(prob, (int, float)) and lang:
        return TurnEvidence(lang, float(prob), words), False
    return TurnEvidence(lang, AMBIGUOUS_PROBABILITY if lang else 0.0, words), True


def segment_evidence(frame: TranscriptionFrame, current: str, *, text_detection: bool = True) -> TurnEvidence:
    """One transcript segment's evidence as the switch rule weighs it (blocking: lingua and the parser).

    Under ``MIN_TEXT_WORDS`` words: the STT's own detection (the text's language when the STT gave
    no probability). Longer: the fused score of :func:`processors.language_fusion.fuse`, marked
    ``mixed`` when the text also reads as ``current`` (the call's language now).
    """
    ev, needs_text = transcription_evidence(frame)
    result = frame.result if isinstance(frame.result, dict) else {}
    if result.get("language_source") == "recent" or not ev.words:
        return ev
    if ev.words < MIN_TEXT_WORDS:
        if needs_text and text_detection:
            lang, prob = TextLanguageDetector.detect(frame.text)
            if lang:
                ev = TurnEvidence(lang, prob, ev.words)
        return ev
    acoustic = None if needs_text else ev.probability
    text = frame.text
    confidences = TextLanguageDetector.confidences(text) if text_detection else None
    fused = fuse(text, ev.language, acoustic, text_confidences=confidences, dialogue=dialogue_languages(text))
    if fused.language is None:
        return ev
    mixed = is_mixed(fused, current)
    logger.debug(
        f"language evidence: {fused.language} P={fused.probability:.2f} (acoustic {ev.language} "
        f"p={acoustic if acoustic is not None else float('nan'):.2f}, parses in {sorted(fused.dialogue)}"
        f"{', mixed' if mixed else ''})"
    )
    return TurnEvidence(fused.language, fused.probability, ev.words, fused.acoustic, mixed)


# ---------------------------------------------------------------------------------------------
# the processor


def _tts_language(code: str) -> TTSSettings:
    return TTSSettings(language=code)


class LanguageSwitchProcessor(FrameProcessor):
    """Per-turn language decision between the STT and the user aggregator; see the module docstring.

    Args:
        state: the call's language state to update (its ``current`` and ``source`` are the start);
            when ``None``, one is made from ``language`` and ``source``.
        language: starting language (ISO 639-1), when no ``state`` is given.
        source: why (``starting_language``'s second value); "caller_country" and "default" are weak.
        llm_settings: ``code -> LLMSettings`` delta for the brain/LLM (e.g.
            ``lambda c: LocalBrainSettings(language=c)``); ``None`` sends no LLM frame.
        tts_settings: ``code -> TTSSettings`` delta for the TTS (default ``TTSSettings(language=c)``);
            ``None`` sends no TTS frame.
        call_sid: for the switch log line.
        metrics: optional :class:`processors.language_metrics.LanguageMetrics`.
        on_switch: optional ``(old, new, reason)`` callback.
        text_detection: classify the transcript text when the STT gives no probability.
        **kwargs: passed to ``FrameProcessor``.
    """

    def __init__(self, *, state: CallLanguage | None = None, language: str = "en", source: str = "explicit",
                 llm_settings: Callable[[str], LLMSettings] | None = None,
                 tts_settings: Callable[[str], TTSSettings] | None = _tts_language, call_sid: str = "",
                 metrics: Any = None, on_switch: Callable[[str, str, str], None] | None = None,
                 text_detection: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.state = state if state is not None else CallLanguage(current=language, source=source)
        source = self.state.source
        self.decider = LanguageDecider(self.state.current, weak=source in ("caller_country", "default"))
        self.source = source
        self._llm_settings = llm_settings
        self._tts_settings = tts_settings
        self._call_sid = call_sid
        self._language_metrics = metrics
        self._on_switch = on_switch
        self._text_detection = text_detection
        self._segments: list[TurnEvidence] = []
        self._switched_this_turn = False
        self._turn_frames_seen = False
        self._ended = False
        if metrics is not None:
            metrics.call_started(self.decider.language, source)

    @property
    def language(self) -> str:
        """The current conversation language."""
        return self.state.current

    @property
    def switches(self) -> list[tuple[str, str, str]]:
        """``(old, new, reason)`` of every switch in this call."""
        return self.state.switches

    async def _segment_evidence(self, frame: TranscriptionFrame) -> TurnEvidence:
        return await asyncio.to_thread(segment_evidence, frame, self.decider.language,
                                       text_detection=self._text_detection)

    def _end_turn(self) -> None:
        if self._segments:
            self.decider.commit(TurnEvidence.combine(self._segments), switched=self._switched_this_turn)
        self._segments = []
        self._switched_this_turn = False

    async def _switch(self, language: str, reason: str, ev: TurnEvidence) -> None:
        old = self.decider.language
        self.decider.switch(language)
        self._switched_this_turn = True
        self.state.switch(language, reason)
        logger.info(
            f"language switch {old} -> {language} ({reason}, p={ev.probability:.2f}, {ev.words} words) "
            f"call_sid={self._call_sid}"
        )
        if self._language_metrics is not None:
            self._language_metrics.switched(old, language)
        if self._on_switch is not None:
            self._on_switch(old, language, reason)
        if self._llm_settings is not None:
            await self.push_frame(LLMUpdateSettingsFrame(delta=self._llm_settings(language)))
        if self._tts_settings is not None:
            await self.push_frame(TTSUpdateSettingsFrame(delta=self._tts_settings(language)))

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Decide on transcripts (switch frames go out before the transcript); pass everything on."""
        await super().process_frame(frame, direction)
        if isinstance(frame, (EndFrame, CancelFrame)) and self._language_metrics is not None and not self._ended:
            self._ended = True
            self._language_metrics.call_ended(len(self.switches))
        if isinstance(frame, UserStartedSpeakingFrame):
            self._turn_frames_seen = True
            self._end_turn()  # defensive: a turn that never reported its end
        elif isinstance(frame, UserStoppedSpeakingFrame):
            self._turn_frames_seen = True
            self._end_turn()
        elif isinstance(frame, TranscriptionFrame):
            # Downstream from an STT; upstream from a speech-to-speech service's input transcription.
            try:
                # Await before appending: turn frames handled meanwhile may replace the list.
                segment = await self._segment_evidence(frame)
                self._segments.append(segment)
                ev = TurnEvidence.combine(self._segments)
                verdict = None if self._switched_this_turn else self.decider.evaluate(ev)
                if verdict is not None:
                    await self._switch(verdict[0], verdict[1], ev)
                elif ev.language and ev.language != self.decider.language:
                    logger.debug(
                        f"language: turn looks {ev.language} p={ev.probability:.2f} ({ev.words} words), "
                        f"staying {self.decider.language} (streak {self.decider.streak})"
                    )
            except Exception as e:  # a detection problem must never lose the caller's words
                logger.exception(f"{self}: language decision failed: {e}")
            await self.push_frame(frame, direction)
            if not self._turn_frames_seen:
                self._end_turn()
            return
        await self.push_frame(frame, direction)


__all__ = [
    "AGREEING_TURNS", "AMBIGUOUS_PROBABILITY", "CONFIDENT_PROBABILITY", "FUSED_CONFIDENT", "MIN_WORDS", "SUPPORTED_LANGUAGES",
    "LanguageDecider", "LanguageSwitchProcessor", "TextLanguageDetector", "TurnEvidence",
    "caller_country_language", "count_words", "normalize_language", "parse_number_languages",
    "segment_evidence", "starting_language", "transcription_evidence",
]
