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
        """Pipecat's :meth:`VADAnalyzer.analyze_audio`, without the thread hand-off when no window is due.

        Pipecat hands every audio frame to the analyzer's executor thread. A 20 ms frame at
        16 kHz (640 bytes) is shorter than Silero's 512-sample window (1024 bytes), so for about
        two frames in five the thread only appends the bytes to its buffer and returns the state
        unchanged. Here those frames are appended on the event loop instead: the same result as
        Pipecat's ``_run_analyzer`` for a buffer that completes no window, without a hand-off per
        frame and per call (50 a second each). Calls are sequential per analyzer (the VAD
        controller awaits each), so the buffer is never touched by two threads at once.
        """
        if len(self._vad_buffer) + len(buffer) < self._vad_frames_num_bytes:
            self._vad_buffer += buffer
            return self._vad_state
        return await super().analyze_audio(buffer)

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
