"""SharedWhisperSTTService on the bundled Whisper base model: language kept per segment."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
import soxr

from processors.whisper_stt import SharedWhisperSTTService
from testkit.server import fixture

LANGS = ["en", "es", "fr", "de", "it", "pt"]


def audio16(stem: str, start: float = 0.0, end: float | None = None) -> np.ndarray:
    data, _ = sf.read(fixture(stem), dtype="float32")
    a = soxr.resample(data, 8000, 16000).astype(np.float32)
    a = a[int(start * 16000): int(end * 16000) if end else None]
    return np.concatenate([a, np.zeros(8000, np.float32)])  # the service pads 0.5 s like this


@pytest.mark.e2e  # the shared Whisper model
def test_detects_each_segments_language(local_resources):
    stt = SharedWhisperSTTService(model=local_resources.core.models.whisper, allowed_languages=LANGS)
    assert stt._detect(audio16("en_greeting_request"))[0] == "en"
    lang, prob = stt._detect(audio16("es_rome_date"))
    assert lang == "es" and prob >= 0.7


class ScriptedDetector:
    """Stands in for faster-whisper's ``WhisperModel`` language detection (a third-party model):
    each call to ``detect_language`` returns the next scripted ``{code: probability}``."""

    def __init__(self, *scripted: dict[str, float]):
        self._scripted = list(scripted)
        self.model = type("CT2", (), {"is_multilingual": True})()

    def feature_extractor(self, audio: np.ndarray) -> np.ndarray:
        return np.zeros((80, len(audio) // 160 + 1), np.float32)

    def detect_language(self, features=None):
        probs = self._scripted.pop(0)
        ranked = sorted(probs.items(), key=lambda kv: -kv[1])
        return ranked[0][0], ranked[0][1], ranked


def seconds(n: float) -> np.ndarray:
    return np.zeros(int((n + 0.5) * 16000), np.float32)  # n s of speech plus the service's 0.5 s pad


def test_a_short_unsure_segment_keeps_the_recent_language():
    # What the rule does with Whisper's probabilities (the real-audio rates are in bench/recognition.py):
    # a short segment not confidently (>= 0.8) in another language is taken in the call's recent
    # fairly confident (>= 0.7) language, with that language's own (low) probability.
    stt = SharedWhisperSTTService(model=ScriptedDetector(
        {"es": 0.76, "en": 0.2},   # 1.8 s, fairly confident Spanish
        {"en": 0.74, "es": 0.21},  # 0.5 s tail ("...abril,") heard as unsure English
        {"en": 0.83, "es": 0.1},   # 0.5 s, confidently English: decides for itself
        {"es": 0.6, "en": 0.3},    # 2.5 s, unsure Spanish but long: decides for itself
    ), allowed_languages=LANGS)
    assert stt._detect_with_source(seconds(1.8)) == ("es", 0.76, "detected")
    assert stt._detect_with_source(seconds(0.5)) == ("es", 0.21, "recent")
    assert stt._detect_with_source(seconds(0.5)) == ("en", 0.83, "detected")
    assert stt._detect_with_source(seconds(2.5)) == ("es", 0.6, "detected")


def test_without_a_recent_language_a_short_segment_decides_for_itself():
    stt = SharedWhisperSTTService(model=ScriptedDetector({"en": 0.74, "es": 0.21}), allowed_languages=LANGS)
    assert stt._detect_with_source(seconds(0.5)) == ("en", 0.74, "detected")
