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
for the user turn's stop timeout (5 s).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from deepgram.listen.v1.types import ListenV1Results
from pipecat.frames.frames import Frame, TranscriptionFrame, VADUserStartedSpeakingFrame
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


class MultilingualDeepgramSTTService(DeepgramSTTService):
    """``DeepgramSTTService`` whose final ``TranscriptionFrame.result`` is the language evidence of
    the module docstring (interim frames are left alone)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._words_since_speech_start = False

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        if isinstance(frame, VADUserStartedSpeakingFrame):
            self._words_since_speech_start = False
        await super().process_frame(frame, direction)

    async def _on_message(self, message):
        # Pipecat's handler drops empty finals; an empty one answering our Finalize means no words.
        await super()._on_message(message)
        if (isinstance(message, ListenV1Results) and message.is_final
                and getattr(message, "from_finalize", False) and message.channel and message.channel.alternatives
                and not message.channel.alternatives[0].transcript and not self._words_since_speech_start):
            await self.push_frame(NoWordsFrame())

    async def push_frame(self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM):
        if isinstance(frame, TranscriptionFrame):
            self._words_since_speech_start = True
        if isinstance(frame, TranscriptionFrame) and frame.result is not None and not isinstance(frame.result, dict):
            evidence = word_language_evidence(frame.result)
            if evidence is not None:
                frame.result = {**evidence, "language_source": "deepgram_words", "deepgram": frame.result}
        await super().push_frame(frame, direction)
