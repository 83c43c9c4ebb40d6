"""Units of the cloud profiles' processors: heard-audio marks, Deepgram word evidence, voices, resampling."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from pipecat.frames.frames import (
    InputTransportMessageFrame,
    InterruptionFrame,
    OutputTransportMessageFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
)
from pipecat.tests.utils import SleepFrame, run_test

from processors.cartesia_tts import parse_voices
from processors.deepgram_stt import word_language_evidence
from processors.played_audio import PlayedAudioMarks
from processors.realtime_llm import QuickStreamResampler


def audio(ms: int, rate: int = 24000) -> TTSAudioRawFrame:
    return TTSAudioRawFrame(audio=b"\x00\x00" * (rate * ms // 1000), sample_rate=rate, num_channels=1)


def echo(name: str) -> InputTransportMessageFrame:
    return InputTransportMessageFrame(message={"event": "mark", "streamSid": "MZ1", "mark": {"name": name}})


async def test_played_audio_marks_every_100_ms_and_heard_follows_the_echoes():
    played = PlayedAudioMarks("MZ1")
    down, _ = await run_test(played, frames_to_send=[
        # echoes are system frames (not queued): let the audio pass first, as on a real line
        TTSStartedFrame(), audio(60), audio(60), audio(120), SleepFrame(sleep=0.1),
        echo("played-1-100"), echo("played-1-200"),
        echo("played-2-300"),  # another reply's mark: ignored
    ])
    marks = [f.message["mark"]["name"] for f in down if isinstance(f, OutputTransportMessageFrame)]
    assert marks == ["played-1-100", "played-1-200"]
    assert played.sent_ms == 240 and played.heard_ms == 200


async def test_echoes_flushed_by_a_clear_do_not_count_as_heard():
    played = PlayedAudioMarks("MZ1")
    await run_test(played, frames_to_send=[
        TTSStartedFrame(), audio(300), SleepFrame(sleep=0.1), echo("played-1-100"), InterruptionFrame(),
        echo("played-1-200"), echo("played-1-300"),  # Twilio echoes pending marks at once on clear
    ])
    assert played.heard_ms == 100


def results(words: list[tuple[str, str | None]]):
    items = [SimpleNamespace(word=w, language=lang) for w, lang in words]
    return SimpleNamespace(channel=SimpleNamespace(alternatives=[SimpleNamespace(words=items)]))


def test_deepgram_word_languages_become_a_share_of_words():
    assert word_language_evidence(results([("quiero", "es"), ("volar", "es"), ("a", "es"), ("Madrid", "es")])) == {
        "language": "es", "language_probability": 1.0, "words": 4}
    mixed = word_language_evidence(results([("hola", "es"), ("I", "en"), ("need", "en"), ("uno", "es")]))
    assert mixed["language_probability"] == 0.5  # ambiguous: the switch rule ignores it
    assert word_language_evidence(results([("hello", None)])) is None  # not language=multi


def test_cartesia_voices_parse_and_name_bad_entries():
    assert parse_voices("en=a, ES=b; pt-BR=c", "d") == {"en": "a", "es": "b", "pt": "c", "default": "d"}
    with pytest.raises(ValueError, match="'xx=v'"):
        parse_voices("xx=v", "d")


async def test_quick_resampler_releases_every_frame_at_once():
    r = QuickStreamResampler()
    sizes = [len(await r.resample(np.full(160, 1000, np.int16).tobytes(), 8000, 24000)) // 2 for _ in range(5)]
    assert sizes[1:] == [480] * 4 and sizes[0] > 400  # 20 ms in, ~20 ms out, no batching

