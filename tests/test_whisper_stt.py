"""SharedWhisperSTTService on the bundled Whisper base model: language kept per segment."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import soundfile as sf
import soxr

from processors.resume import NoWordsFrame
from processors.whisper_stt import MAX_NEW_TOKENS, TOKEN_ALLOWANCE, SharedWhisperSTTService
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



class RecordingTranscriber:
    """Stands in for faster-whisper's ``WhisperModel`` (a third-party model) on an English-only
    model: ``transcribe`` records its keyword arguments and returns one scripted segment."""

    model = type("CT2", (), {"is_multilingual": False})()

    def __init__(self, text: str, temperature: float = 0.0):
        self.calls: list[dict] = []
        self._segment = SimpleNamespace(text=text, no_speech_prob=0.01, temperature=temperature)

    def transcribe(self, audio, **kwargs):
        self.calls.append(kwargs)
        return iter([self._segment]), SimpleNamespace(language="en")


def pcm(secs: float) -> bytes:
    return np.zeros(int(secs * 16000), np.int16).tobytes()


async def test_decodes_greedily_with_a_token_budget_per_second_of_audio_by_default():
    model = RecordingTranscriber("Wait, stop.")
    stt = SharedWhisperSTTService(model=model)  # as the local profile builds it: 20 tokens/s
    stt._load()
    frames = [f async for f in stt.run_stt(pcm(2.0))]
    assert model.calls[0]["temperature"] == [0.0]  # faster-whisper's default would be 0.0, 0.2 ... 1.0
    assert model.calls[0]["max_new_tokens"] == TOKEN_ALLOWANCE + 40
    assert frames[0].text == "Wait, stop." and frames[0].result["temperature"] == 0.0
    [f async for f in stt.run_stt(pcm(60.0))]
    assert model.calls[1]["max_new_tokens"] == MAX_NEW_TOKENS  # prompt + new tokens stay under 448
    assert model.calls[0]["no_repeat_ngram_size"] == 0  # measured and not adopted (README)


async def test_a_no_repeat_ngram_size_is_passed_on():
    model = RecordingTranscriber("Saturday.")
    stt = SharedWhisperSTTService(model=model, no_repeat_ngram_size=5)
    stt._load()
    [f async for f in stt.run_stt(pcm(1.0))]
    assert model.calls[0]["no_repeat_ngram_size"] == 5


async def test_a_fallback_schedule_is_passed_on_and_the_temperature_used_reported():
    model = RecordingTranscriber("Paris", temperature=0.2)
    stt = SharedWhisperSTTService(model=model, temperatures=(0.0, 0.2), max_tokens_per_sec=None)
    stt._load()
    frames = [f async for f in stt.run_stt(pcm(1.0))]
    assert model.calls[0]["temperature"] == [0.0, 0.2] and model.calls[0]["max_new_tokens"] is None
    assert frames[0].result["temperature"] == 0.2


def test_an_empty_temperature_schedule_is_refused():
    with pytest.raises(ValueError, match="temperature"):
        SharedWhisperSTTService(model=RecordingTranscriber(""), temperatures=())

@pytest.mark.e2e  # the shared Whisper model
async def test_a_segment_without_speech_says_so_and_speech_is_transcribed_through_the_decode_queue(local_resources):
    from pipecat.frames.frames import TranscriptionFrame

    from processors.stt_queue import DecodeQueue

    queue = DecodeQueue(workers=1)
    stt = SharedWhisperSTTService(model=local_resources.core.models.whisper, allowed_languages=LANGS,
                                  decode_queue=queue)
    silence = np.zeros(16000, np.int16).tobytes()
    frames = [f async for f in stt.run_stt(silence)]
    assert len(frames) == 1 and isinstance(frames[0], NoWordsFrame)
    speech = (audio16("en_date_only") * 32767).astype(np.int16).tobytes()
    frames = [f async for f in stt.run_stt(speech)]
    assert len(frames) == 1 and isinstance(frames[0], TranscriptionFrame)
    assert "friday" in frames[0].text.lower()
    assert queue.started_order == [0, 1] and queue.in_flight == 0
    queue.close()


class ScriptedWhisper(ScriptedDetector):
    """Stands in for a multilingual faster-whisper ``WhisperModel`` (a third-party model): one
    scripted detection, and per decoding language the text its decode writes; records the
    languages it was asked to decode in."""

    def __init__(self, detection: dict[str, float], texts: dict[str, str]):
        super().__init__(detection)
        self._texts = texts
        self.decoded_in: list[str] = []
        self.no_speech_prob = 0.05

    def transcribe(self, audio, language=None, **kwargs):
        self.decoded_in.append(language)
        segment = SimpleNamespace(text=self._texts.get(language, ""), no_speech_prob=self.no_speech_prob,
                                  temperature=0.0)
        return iter([segment]), SimpleNamespace(language=language)


async def transcript(model, call_language: str | None = None, **kwargs):
    stt = SharedWhisperSTTService(model=model, allowed_languages=LANGS,
                                  call_language=(lambda: call_language) if call_language else None, **kwargs)
    stt._load()
    frames = [f async for f in stt.run_stt(pcm(2.5))]
    return frames[-1]


async def test_an_unsure_detection_is_decoded_again_in_the_calls_language_and_the_better_reading_kept():
    # A German caller Whisper hears as unsure English: the English decode is a garble, the German
    # decode names a route with German markers. The German reading is kept, with German's own
    # (low) detector probability, so the switch rule sees no confident evidence for anything else.
    model = ScriptedWhisper({"en": 0.34, "de": 0.31, "nl": 0.2, "es": 0.05},
                            {"en": "I feel mostly from here.", "de": "Ich möchte von München nach Berlin fliegen."})
    frame = await transcript(model, call_language="de")
    assert model.decoded_in == ["en", "de"]
    assert frame.text == "Ich möchte von München nach Berlin fliegen."
    assert frame.language.value == "de"
    assert frame.result["language_source"] == "redecoded" and frame.result["language_probability"] == 0.31


async def test_the_first_reading_stays_when_the_second_holds_together_less():
    # Unsure English in a Spanish call, but the English decode is a clear request and the Spanish
    # one a garble: the English reading stays (and can switch the call through the usual rule).
    model = ScriptedWhisper({"en": 0.45, "es": 0.3, "pt": 0.1},
                            {"en": "I want to fly from Boston to Denver on Friday.", "es": "Ay gua flai bostón"})
    frame = await transcript(model, call_language="es")
    assert model.decoded_in == ["en", "es"]
    assert frame.text == "I want to fly from Boston to Denver on Friday."
    assert frame.result["language_source"] == "detected" and frame.result["language_probability"] == 0.45


async def test_text_in_another_language_than_decoded_is_decoded_again_in_the_fused_language():
    # Whisper decoded in Spanish but wrote English (the fused language is English): decoded again
    # in English, which also names a route, and kept; the call's own language plays no part.
    model = ScriptedWhisper({"es": 0.55, "en": 0.4},
                            {"es": "I want to fly to Boston on Friday.", "en": "I want to fly to Boston on Friday, please."})
    frame = await transcript(model)
    assert model.decoded_in == ["es", "en"]
    assert frame.language.value == "en" and frame.text.endswith("please.")


async def test_a_fused_language_the_detector_ruled_out_gets_no_second_decode():
    # "stop." heard as unsure German whose garble reads as French: told to decode in French,
    # Whisper would write fluent French ("Il a été fait."), so a language at p ~ 0 is not tried.
    model = ScriptedWhisper({"de": 0.6, "en": 0.3, "fr": 0.0},
                            {"de": "Il est fait avec.", "fr": "Il a été fait."})
    await transcript(model, call_language="de")
    assert model.decoded_in == ["de"]


@pytest.mark.parametrize("detection,call_language,kwargs", [
    ({"en": 0.9, "de": 0.05}, "de", {}),         # a confident detection decides for itself
    ({"de": 0.4, "en": 0.3}, "de", {}),          # unsure, but in the call's own language
    ({"en": 0.34, "de": 0.31}, "de", {"second_decode_budget_secs": None}),  # second decode off
])
async def test_one_decode_when_nothing_calls_for_a_second(detection, call_language, kwargs):
    model = ScriptedWhisper(detection, {"en": "Thank you, goodbye.", "de": "Danke, auf Wiedersehen."})
    await transcript(model, call_language=call_language, **kwargs)
    assert len(model.decoded_in) == 1


async def test_a_segment_rated_no_speech_is_not_decoded_again():
    # A cough in a German call, detected as unsure English: Whisper's no-speech verdict stands
    # (decoding noise again in German could only make words up).
    model = ScriptedWhisper({"en": 0.3, "de": 0.25}, {"en": "Thank you.", "de": "Danke."})
    model.no_speech_prob = 0.9
    stt = SharedWhisperSTTService(model=model, allowed_languages=LANGS, call_language=lambda: "de")
    stt._load()
    frames = [f async for f in stt.run_stt(pcm(1.0))]
    assert model.decoded_in == ["en"]
    assert isinstance(frames[-1], NoWordsFrame)
