"""Silero VAD and Smart Turn v3 analyzers over ONNX sessions shared by every call.

Pipecat's ``SileroVADAnalyzer`` and ``LocalSmartTurnAnalyzerV3`` each open their own ONNX Runtime
session in ``__init__`` (blocking, per call). These subclasses take an already-open session (see
:mod:`pipelines.models`) and keep only the per-call state: Silero's LSTM state and context, the turn
analyzer's audio buffer. ``InferenceSession.run`` is thread-safe, so sharing is safe.
"""

from __future__ import annotations

import math
from typing import Any

from pipecat.audio.turn.smart_turn.base_smart_turn import BaseSmartTurn, SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.utils import calculate_audio_volume, exp_smoothing
from pipecat.audio.vad.silero import SileroOnnxModel, SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams, VADState
from pipecat.audio.volume import VOLUME_WINDOW_SECS

#: Windows of loudness the deferred volume catches up on at most (see
#: :meth:`SharedSileroVADAnalyzer._get_smoothed_volume`): older ones weigh ≤ 0.8**40 ≈ 1e-4.
VOLUME_CATCH_UP_WINDOWS = 40


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
        self._confidence = 0.0
        self._last_loudness = 0.0
        self._audio = bytearray()  # the last 400 ms + VOLUME_CATCH_UP_WINDOWS windows of audio
        self._audio_bytes = 0  # all audio seen since the rate was set
        self._unmeasured: list[int] = []  # stream end (bytes) of each window whose loudness was skipped

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

    def voice_confidence(self, buffer) -> float:
        """Silero's confidence for one window (Pipecat's), remembered for the volume gate."""
        confidence = super().voice_confidence(buffer)
        item = getattr(confidence, "item", None)  # Silero gives a 1×1 array
        self._confidence = item() if callable(item) else float(confidence)
        return confidence

    def set_sample_rate(self, sample_rate: int):
        """Pipecat's, and a fresh volume history (as Pipecat's tracker starts over on a new rate)."""
        super().set_sample_rate(sample_rate)
        self._audio, self._audio_bytes, self._unmeasured = bytearray(), 0, []

    def _get_smoothed_volume(self, audio: bytes) -> float:
        """Pipecat's smoothed volume, measured only when Silero's confidence could make it matter.

        Pipecat measures the BS.1770 loudness of the last 400 ms for every 32 ms window and smooths
        it (``prev + 0.2 × (loudness − prev)``); a window is speech when ``confidence ≥
        params.confidence`` **and** ``volume ≥ params.min_volume``. The loudness measurement (two
        biquad filters and gating over 6400 samples, ``pipecat.audio.utils.calculate_audio_volume``)
        was 15 % of the event loop at 50 listening calls (py-spy), on windows whose confidence had
        already said "no speech". So a window below the confidence threshold only records where it
        ended, and the next window above it measures the skipped windows' loudness in order before
        its own: the same smoothed value as Pipecat's, computed later, for the last
        :data:`VOLUME_CATCH_UP_WINDOWS` skipped windows (older ones weigh ≤ 1e-4 and are taken at the
        last loudness measured). The value returned for a skipped window is the last one measured;
        it never decides anything, since such a window is not speech whatever its volume.
        """
        rate = self.sample_rate
        window_bytes = math.ceil(VOLUME_WINDOW_SECS * rate) * 2
        self._audio += audio
        self._audio_bytes += len(audio)
        keep = window_bytes + (VOLUME_CATCH_UP_WINDOWS + 1) * max(len(audio), 2)
        if len(self._audio) > 2 * keep:  # trimmed now and then, not a 50 KB move every window
            del self._audio[:len(self._audio) - keep]
        self._unmeasured.append(self._audio_bytes)
        if self._confidence < self._params.confidence:
            return self._prev_volume
        start = self._audio_bytes - len(self._audio)  # stream offset of self._audio[0]
        volume = self._prev_volume
        skipped = self._unmeasured[:-VOLUME_CATCH_UP_WINDOWS]
        if skipped:  # too old to measure: their loudness as the last measured
            last = self._last_loudness
            for _ in skipped:
                volume = exp_smoothing(last, volume, self._smoothing_factor)
        for end in self._unmeasured[-VOLUME_CATCH_UP_WINDOWS:]:
            if end >= window_bytes:  # Pipecat's tracker reads 0 until it holds a full window
                chunk = self._audio[end - window_bytes - start:end - start]
                self._last_loudness = calculate_audio_volume(chunk, rate)
            volume = exp_smoothing(self._last_loudness, volume, self._smoothing_factor)
        self._unmeasured = []
        return volume

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
