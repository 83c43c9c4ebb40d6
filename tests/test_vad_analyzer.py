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
