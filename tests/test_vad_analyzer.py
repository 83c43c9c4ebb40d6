"""The shared Silero VAD analyzer decides exactly as Pipecat's, on the event loop's thread.

Real speech (a fixture, 8 kHz → 16 kHz with soxr as the serializer does) goes frame by frame
(20 ms, as Twilio sends it) through Pipecat's own ``SileroVADAnalyzer`` and through
``SharedSileroVADAnalyzer`` on a shared ONNX session: the states must match at every frame.
"""

from __future__ import annotations

import asyncio
import sys
import threading
import wave
from importlib import resources
from pathlib import Path

import numpy as np
import onnxruntime as ort
import soxr
from pipecat.audio.vad.silero import SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADParams, VADState

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from processors.shared_audio_models import SharedSileroVADAnalyzer  # noqa: E402
from testkit.server import fixture  # noqa: E402

RATE = 16000
FRAME_BYTES = RATE * 20 // 1000 * 2  # 20 ms of PCM16


def frames_16k(name: str) -> list[bytes]:
    with wave.open(fixture(name)) as w:
        pcm8 = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    # half a second of silence each side, so the VAD starts quiet and ends quiet
    pcm8 = np.concatenate([np.zeros(4000, np.int16), pcm8, np.zeros(8000, np.int16)])
    pcm16 = soxr.resample(pcm8, 8000, RATE, quality="VHQ").astype(np.int16).tobytes()
    return [pcm16[i:i + FRAME_BYTES] for i in range(0, len(pcm16) - FRAME_BYTES + 1, FRAME_BYTES)]


def run(analyzer, frames: list[bytes]) -> tuple[list[VADState], set[str]]:
    """States after each frame, and the names of the threads the analysis ran on."""
    analyzer.set_sample_rate(RATE)
    threads: set[str] = set()
    run_analyzer = analyzer._run_analyzer

    def recorded(buffer):
        threads.add(threading.current_thread().name)
        return run_analyzer(buffer)

    analyzer._run_analyzer = recorded

    async def go():
        return [await analyzer.analyze_audio(f) for f in frames]

    states = asyncio.run(go())
    return states, threads


def test_the_shared_analyzer_decides_as_pipecats_at_every_frame():
    opts = ort.SessionOptions()
    opts.inter_op_num_threads = opts.intra_op_num_threads = 1
    path = str(resources.files("pipecat.audio.vad.data").joinpath("silero_vad.onnx"))
    session = ort.InferenceSession(path, providers=["CPUExecutionProvider"], sess_options=opts)
    params = VADParams(confidence=0.7, start_secs=0.15, stop_secs=0.2)
    frames = frames_16k("en_barge_in") + frames_16k("en_backchannel")

    reference, reference_threads = run(SileroVADAnalyzer(sample_rate=RATE, params=params), frames)
    shared, shared_threads = run(SharedSileroVADAnalyzer(session=session, sample_rate=RATE, params=params), frames)

    assert shared == reference
    assert VADState.SPEAKING in shared and shared[-1] == VADState.QUIET
    # Pipecat's analyzer runs on its executor's thread; the shared one on the loop's (main) thread
    assert reference_threads and threading.main_thread().name not in reference_threads
    assert shared_threads == {threading.main_thread().name}


def shared_session():
    opts = ort.SessionOptions()
    opts.inter_op_num_threads = opts.intra_op_num_threads = 1
    path = str(resources.files("pipecat.audio.vad.data").joinpath("silero_vad.onnx"))
    return ort.InferenceSession(path, providers=["CPUExecutionProvider"], sess_options=opts)


def windows(analyzer, frames: list[bytes]) -> list[tuple[float, float]]:
    """``(confidence, smoothed volume)`` of every 32 ms window the analyzer ran."""
    seen: list[tuple[float, float]] = []
    confidence, smoothed = analyzer.voice_confidence, analyzer._get_smoothed_volume
    last = [0.0]

    def conf(buffer):
        last[0] = confidence(buffer)
        return last[0]

    def volume(audio):
        v = smoothed(audio)
        seen.append((last[0], v))
        return v

    analyzer.voice_confidence, analyzer._get_smoothed_volume = conf, volume
    run(analyzer, frames)
    return seen


#: speech, a cough, a hum, Spanish, with the silences between: more than the 40 windows the deferred
#: volume catches up on, so both of its paths run
MIXED = ["en_cough", "en_barge_in", "es_cough", "en_backchannel", "es_backchannel", "en_yes", "de_route"]


def test_the_volume_gate_is_pipecats_on_every_window_that_could_be_speech():
    params = VADParams(confidence=0.7, start_secs=0.15, stop_secs=0.2)
    frames = [f for name in MIXED for f in frames_16k(name)]
    reference = windows(SileroVADAnalyzer(sample_rate=RATE, params=params), frames)
    shared = windows(SharedSileroVADAnalyzer(session=shared_session(), sample_rate=RATE, params=params), frames)
    assert len(shared) == len(reference)
    decisive = [(r, s) for r, s in zip(reference, shared) if np.ravel(r[0])[0] >= params.confidence]
    assert len(decisive) > 50
    assert all(abs(r[1] - s[1]) < 1e-3 for r, s in decisive), max(abs(r[1] - s[1]) for r, s in decisive)
    assert np.allclose([np.ravel(r[0])[0] for r in reference], [np.ravel(s[0])[0] for s in shared], atol=1e-6)


def test_states_match_pipecats_with_a_volume_gate_that_decides():
    # min_volume 0.8 (Pipecat's default 0.6) rejects some windows Silero rates speech
    for min_volume in (0.6, 0.8):
        params = VADParams(confidence=0.7, start_secs=0.15, stop_secs=0.2, min_volume=min_volume)
        frames = [f for name in MIXED for f in frames_16k(name)]
        reference, _ = run(SileroVADAnalyzer(sample_rate=RATE, params=params), frames)
        shared, _ = run(SharedSileroVADAnalyzer(session=shared_session(), sample_rate=RATE, params=params), frames)
        assert shared == reference, min_volume


def test_silence_costs_no_loudness_measurement(monkeypatch):
    import pipecat.audio.volume

    import processors.shared_audio_models as shared_models

    measured = []
    real = shared_models.calculate_audio_volume
    for module in (shared_models, pipecat.audio.volume):  # ours, and Pipecat's volume tracker
        monkeypatch.setattr(module, "calculate_audio_volume", lambda a, r: measured.append(1) or real(a, r))
    rng = np.random.default_rng(7)
    hiss = (rng.normal(0, 200, RATE * 3)).astype(np.int16).tobytes()  # 3 s of line hiss, no voice
    frames = [hiss[i:i + FRAME_BYTES] for i in range(0, len(hiss) - FRAME_BYTES + 1, FRAME_BYTES)]
    states, _ = run(SharedSileroVADAnalyzer(session=shared_session(), sample_rate=RATE), frames)
    assert set(states) == {VADState.QUIET}
    assert measured == []


def test_calls_scored_in_one_batch_decide_as_each_alone():
    # Three calls' frames arriving in the same loop turns: their windows are scored in one ONNX run
    # (shared_audio_models.SileroBatch), and each call's states are those it has alone.
    from processors.shared_audio_models import SileroBatch

    session = shared_session()
    params = VADParams(confidence=0.7, start_secs=0.15, stop_secs=0.2)
    streams = [frames_16k(name) for name in ("en_barge_in", "es_backchannel", "en_cough")]
    n = min(len(f) for f in streams)
    streams = [f[:n] for f in streams]
    alone = [run(SharedSileroVADAnalyzer(session=shared_session(), sample_rate=RATE, params=params), f)[0]
             for f in streams]

    analyzers = [SharedSileroVADAnalyzer(session=session, sample_rate=RATE, params=params) for _ in streams]
    for a in analyzers:
        a.set_sample_rate(RATE)

    async def together():
        states = [[] for _ in streams]
        for i in range(n):
            results = await asyncio.gather(*(a.analyze_audio(f[i]) for a, f in zip(analyzers, streams)))
            for out, state in zip(states, results):
                out.append(state)
        return states

    assert asyncio.run(together()) == alone
    batch = SileroBatch.for_session(session)
    assert batch.runs and batch.windows == 3 * batch.runs  # every run scored the three calls' windows
    assert VADState.SPEAKING in alone[0]


def test_a_batch_left_unflushed_by_a_closed_loop_does_not_hold_the_next_loops_windows():
    # A loop that stops between a window's request and the batch's run (end of a test, a worker
    # shut down) must not leave the batcher waiting for a flush that will never come.
    from processors.shared_audio_models import SileroBatch

    session = shared_session()
    batch = SileroBatch.for_session(session)
    analyzer = SharedSileroVADAnalyzer(session=session, sample_rate=RATE)
    analyzer.set_sample_rate(RATE)
    x = np.zeros(512, np.float32)

    loop = asyncio.new_event_loop()
    loop.run_until_complete(asyncio.sleep(0))
    loop.call_soon(lambda: batch.score(analyzer._model, x, RATE))  # asks, then the loop closes
    loop.stop()
    loop.run_forever()
    loop.close()

    frames = frames_16k("en_barge_in")
    states = asyncio.run(asyncio.wait_for(_analyze(analyzer, frames), timeout=20))
    assert VADState.SPEAKING in states


async def _analyze(analyzer, frames):
    return [await analyzer.analyze_audio(f) for f in frames]
