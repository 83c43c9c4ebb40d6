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
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pipecat.frames.frames import Frame, TranscriptionFrame
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.deepgram.stt import DeepgramSTTService

from flights.languages import normalize_language


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


class MultilingualDeepgramSTTService(DeepgramSTTService):
    """``DeepgramSTTService`` whose final ``TranscriptionFrame.result`` is the language evidence of
    the module docstring (interim frames are left alone)."""

    async def push_frame(self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM):
        if isinstance(frame, TranscriptionFrame) and frame.result is not None and not isinstance(frame.result, dict):
            evidence = word_language_evidence(frame.result)
            if evidence is not None:
                frame.result = {**evidence, "language_source": "deepgram_words", "deepgram": frame.result}
        await super().push_frame(frame, direction)
