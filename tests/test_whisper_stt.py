"""SharedWhisperSTTService on the bundled Whisper base model: language kept per segment."""

from __future__ import annotations

import numpy as np
import soundfile as sf
import soxr

from processors.whisper_stt import SharedWhisperSTTService
from tests.conftest import fixture

LANGS = ["en", "es", "fr", "de", "it", "pt"]


def audio16(stem: str, start: float = 0.0, end: float | None = None) -> np.ndarray:
    data, _ = sf.read(fixture(stem), dtype="float32")
    a = soxr.resample(data, 8000, 16000).astype(np.float32)
    a = a[int(start * 16000): int(end * 16000) if end else None]
    return np.concatenate([a, np.zeros(8000, np.float32)])  # the service pads 0.5 s like this


def test_detects_each_segments_language(local_resources):
    stt = SharedWhisperSTTService(model=local_resources.core.models.whisper, allowed_languages=LANGS)
    assert stt._detect(audio16("en_greeting_request"))[0] == "en"
    lang, prob = stt._detect(audio16("es_rome_date"))
    assert lang == "es" and prob >= 0.7


def test_a_short_unsure_segment_keeps_the_recent_language(local_resources):
    stt = SharedWhisperSTTService(model=local_resources.core.models.whisper, allowed_languages=LANGS)
    # On its own, the tail of the Spanish sentence ("...abril, por favor") is taken for English.
    alone = SharedWhisperSTTService(model=local_resources.core.models.whisper, allowed_languages=LANGS)
    assert alone._detect(audio16("es_rome_date", 2.5, 3.0))[0] == "en"
    # After a confident Spanish segment, it is transcribed as Spanish, with a low probability (so a
    # language switch never rests on it).
    assert stt._detect(audio16("es_rome_date", 0.7, 2.5))[0] == "es"
    lang, prob = stt._detect(audio16("es_rome_date", 2.5, 3.0))
    assert lang == "es" and prob < 0.5
    # A long, confident segment in another language still decides for itself.
    assert stt._detect(audio16("en_greeting_request"))[0] == "en"
