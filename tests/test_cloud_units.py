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
from processors.realtime_llm import LowDelayDecimator, QuickStreamResampler


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



def tone(freq_hz: float, ms: int, rate: int = 24000) -> np.ndarray:
    t = np.arange(rate * ms // 1000) / rate
    return (np.sin(2 * np.pi * freq_hz * t) * 10000).astype(np.int16)


def decimate_in_20ms_deltas(d: LowDelayDecimator, x: np.ndarray) -> list[np.ndarray]:
    return [np.frombuffer(d.process(x[i:i + 480].tobytes()), np.int16) for i in range(0, len(x), 480)]


def rms_db(y: np.ndarray) -> float:
    return 20 * np.log10(np.sqrt(np.mean(y.astype(float) ** 2)) / (10000 / np.sqrt(2)) + 1e-12)


def test_decimator_releases_every_delta_at_once():
    outs = decimate_in_20ms_deltas(LowDelayDecimator(), tone(1000, 200))
    assert [len(y) for y in outs] == [160] * 10  # 20 ms of 24 kHz in, 20 ms of 8 kHz out, nothing held
    odd = LowDelayDecimator()
    sizes = [len(odd.process(tone(1000, 100)[i:i + 301].tobytes())) // 2 for i in range(0, 2400, 301)]
    assert sum(sizes) == 800 and max(sizes) <= 101  # uneven deltas: every sample out once, in order


def test_decimator_keeps_the_telephone_band_and_stops_what_would_alias():
    for freq, lo, hi in [(300, -0.5, 0.5), (1000, -0.5, 0.5), (3400, -1.0, 0.5), (4500, -200, -60), (7000, -200, -60)]:
        d = LowDelayDecimator()
        y = np.concatenate(decimate_in_20ms_deltas(d, tone(freq, 500)))[200:]  # past the filter's start
        assert lo <= rms_db(y) <= hi, (freq, rms_db(y))


def test_decimator_delay_is_the_filter_half_length_and_flush_returns_it():
    d = LowDelayDecimator()
    x = np.zeros(2400, np.int16)
    x[1200] = 30000  # an impulse at 50 ms
    y = np.frombuffer(d.process(x.tobytes()) + d.flush(), np.int16)
    assert len(y) == 800 + 24  # the flushed tail: 72 input samples = 24 output samples
    assert int(np.argmax(y)) == 400 + 24  # 3 ms late (145 taps: 72 samples at 24 kHz)


def test_apology_clips_say_the_catalog_text_in_every_language():
    from processors.vendor_apology import apology_frames, clip_pcm, stale_clips

    assert stale_clips() == []  # re-render with `python -m processors.vendor_apology`
    for code in ("en", "es", "fr", "de", "it", "pt"):
        pcm = np.frombuffer(clip_pcm(code), np.int16)
        assert 2.0 < len(pcm) / 8000 < 10.0 and np.abs(pcm).max() > 3000, code  # speech, not silence
    started, audio, stopped = apology_frames("es-MX")
    assert isinstance(started, TTSStartedFrame) and audio.sample_rate == 8000 and audio.audio == clip_pcm("es")
    assert type(stopped).__name__ == "TTSStoppedFrame"


def test_agent_prompt_comes_from_the_catalogs_in_every_language():
    from dialogue.phrases import phrase
    from pipelines.agent_prompt import agent_instructions
    from testkit.fake_llm_script import instructions_language

    prompts = {}
    for code in ("en", "es", "fr", "de", "it", "pt"):
        text = agent_instructions(code, "2026-12-01", speaks_filler=True)
        prompts[code] = text
        for key in ("system_prompt", "system_prompt_filler_spoken", "system_prompt_language"):
            assert phrase(code, key) in text, (code, key)
        assert phrase(code, "system_prompt_rules", date="2026-12-01") in text and "2026-12-01" in text
        assert "search_flights" in text and "end_call" in text and '"no_flights"' in text  # literal in every language
        assert instructions_language(text) == code
        assert phrase(code, "system_prompt_filler_system") in agent_instructions(code, "2026-12-01", speaks_filler=False)
    assert len(set(prompts.values())) == 6
    assert agent_instructions("xx", "2026-12-01", speaks_filler=False).startswith(phrase("en", "system_prompt"))
