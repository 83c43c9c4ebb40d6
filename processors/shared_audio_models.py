"""Silero VAD and Smart Turn v3 analyzers over ONNX sessions shared by every call.

Pipecat's ``SileroVADAnalyzer`` and ``LocalSmartTurnAnalyzerV3`` each open their own ONNX Runtime
session in ``__init__`` (blocking, per call). These subclasses take an already-open session (see
:mod:`pipelines.models`) and keep only the per-call state: Silero's LSTM state and context, the turn
analyzer's audio buffer. ``InferenceSession.run`` is thread-safe, so sharing is safe.
"""

from __future__ import annotations

from typing import Any

from pipecat.audio.turn.smart_turn.base_smart_turn import BaseSmartTurn, SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.vad.silero import SileroOnnxModel, SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams, VADState


class SharedSileroVADAnalyzer(SileroVADAnalyzer):
    """Silero VAD (8 or 16 kHz input) using a shared ``silero_vad.onnx`` session.

    Args:
        session: ``onnxruntime.InferenceSession`` of pipecat's bundled ``silero_vad.onnx``.
        sample_rate: input rate in Hz (8000 or 16000), or None to take the pipeline's.
        params: thresholds (``confidence``, ``start_secs``, ``stop_secs``, ``min_volume``).
    """

    def __init__(self, *, session: Any, sample_rate: int | None = None, params: VADParams | None = None):
        VADAnalyzer.__init__(self, sample_rate=sample_rate, params=params)
        model = SileroOnnxModel.__new__(SileroOnnxModel)
        model.session = session
        model.sample_rates = [8000, 16000]
        model.reset_states()
        self._model = model
        self._windows_since_reset = 0
        self._low_confidence_windows = 0

    async def analyze_audio(self, buffer: bytes) -> VADState:
        """Pipecat's :meth:`VADAnalyzer.analyze_audio`, run on the event loop, not the analyzer's thread.

        Pipecat hands every audio frame (20 ms; 640 bytes at 16 kHz) to a one-thread executor per
        call. The work is small: Silero runs once per 512-sample window (32 ms), about 130 μs with
        the shared single-threaded ONNX session, and a frame that completes no window (three in
        eight) is only appended to the buffer. The hand-off costs more than the work: each one wakes
        a thread, which then needs the GIL, and answers through the loop's self-pipe. At 50 calls
        that was 50 threads queueing for the GIL behind the event loop (``bench/capacity.py``, 50
        listening calls: gateway CPU 85 % → 64–66 % of a core, answers p50 2.4–2.7 s → 0.8–0.9 s,
        loop lag p99 ≤ 75–100 → ≤ 35–50 ms). The states are Pipecat's, frame by frame
        (``tests/test_vad_analyzer.py``); the executor is never given work, so it starts no thread.

        Args:
            buffer: PCM16 mono at the analyzer's sample rate, any length.

        Returns:
            The VAD state after the buffer (``QUIET``, ``STARTING``, ``SPEAKING``, ``STOPPING``).
        """
        return self._run_analyzer(buffer)

    @property
    def hears_voice(self) -> bool:
        """True while the last analysed window held voice: a start not yet confirmed
        (``VADState.STARTING``) or speech (``SPEAKING``, also when its start frame is still on the
        way to the turn strategies)."""
        return self._vad_state in (VADState.STARTING, VADState.SPEAKING)


class SharedSmartTurnAnalyzerV3(LocalSmartTurnAnalyzerV3):
    """Smart Turn v3 end-of-turn model using a shared ``smart-turn-v3.2-cpu.onnx`` session.

    Args:
        session: the shared ``onnxruntime.InferenceSession``.
        params: ``SmartTurnParams`` (``stop_secs`` fallback silence, pre-speech ms…).
    """

    def __init__(self, *, session: Any, sample_rate: int | None = None, params: SmartTurnParams | None = None):
        BaseSmartTurn.__init__(self, sample_rate=sample_rate, params=params)
        self._log_data = False
        self._session = session
