"""Silero VAD and Smart Turn v3 analyzers over ONNX sessions shared by every call.

Pipecat's ``SileroVADAnalyzer`` and ``LocalSmartTurnAnalyzerV3`` each open their own ONNX Runtime
session in ``__init__`` (blocking, per call). These subclasses take an already-open session (see
:mod:`pipelines.models`) and keep only the per-call state: Silero's LSTM state and context, the turn
analyzer's audio buffer. ``InferenceSession.run`` is thread-safe, so sharing is safe.
"""

from __future__ import annotations

import asyncio
import math
from typing import Any

import numpy as np

from pipecat.audio.turn.smart_turn.base_smart_turn import BaseSmartTurn, SmartTurnParams
from pipecat.audio.turn.smart_turn.local_smart_turn_v3 import LocalSmartTurnAnalyzerV3
from pipecat.audio.utils import calculate_audio_volume, exp_smoothing
from pipecat.audio.vad.silero import SileroOnnxModel, SileroVADAnalyzer
from pipecat.audio.vad.vad_analyzer import VADAnalyzer, VADParams, VADState
from pipecat.audio.volume import VOLUME_WINDOW_SECS

#: Windows of loudness the deferred volume catches up on at most (see
#: :meth:`SharedSileroVADAnalyzer._get_smoothed_volume`): older ones weigh ≤ 0.8**40 ≈ 1e-4.
VOLUME_CATCH_UP_WINDOWS = 40


class SileroBatch:
    """Scores the Silero windows of every call that are ready in one event-loop turn in one ONNX run.

    Silero's ONNX model takes a batch dimension (``input`` ``[B, 64 + 512]``, ``state`` ``[2, B,
    128]`` at 16 kHz). One 512-sample window costs ~160 μs alone and ~55 μs in a batch of 25–50
    (measured on this 2-core machine, one ONNX thread), and at 50 listening calls Silero was 30 % of
    the event loop (py-spy). A call's analyzer asks :meth:`score` for its window and awaits it; the
    batch runs at the loop's next turn (``call_soon``) with every window asked for by then, and
    each call keeps its own recurrent state and context exactly as
    ``pipecat.audio.vad.silero.SileroOnnxModel.__call__`` keeps them for a batch of one. On a
    quiet line a batch is one window; under load, when many calls' frames are ready at once, it is
    many.

    Args:
        session: the shared ``silero_vad.onnx`` ``InferenceSession``.
    """

    _by_session: dict[int, "SileroBatch"] = {}

    def __init__(self, session: Any):
        self._session = session
        self._pending: list[tuple[Any, np.ndarray, int, asyncio.Future]] = []
        self._scheduled = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self.runs = 0
        self.windows = 0

    @classmethod
    def for_session(cls, session: Any) -> "SileroBatch":
        """The process's batcher of ``session`` (one per shared session)."""
        batch = cls._by_session.get(id(session))
        if batch is None or batch._session is not session:
            batch = cls._by_session[id(session)] = cls(session)
        return batch

    def score(self, model: Any, x: np.ndarray, sr: int) -> asyncio.Future:
        """A future of Silero's output ``[1, 1]`` for window ``x`` (float32, 512 samples at 16 kHz or
        256 at 8 kHz) of the call whose ``SileroOnnxModel`` state is ``model``."""
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        self._pending.append((model, x, sr, future))
        if not self._scheduled or self._loop is not loop:  # a loop that closed before its flush ran
            self._scheduled, self._loop = True, loop
            loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        # windows of this loop still awaited (a call that hung up meanwhile has cancelled its own)
        pending = [p for p in self._pending if not p[3].done() and p[3].get_loop() is loop]
        self._pending = [p for p in self._pending if not p[3].done() and p[3].get_loop() is not loop
                         and not p[3].get_loop().is_closed()]
        self._scheduled = bool(self._pending)
        for sr in sorted({p[2] for p in pending}):
            group = [p for p in pending if p[2] == sr]
            try:
                outs = self._run(group, sr)
            except Exception as e:  # the analyzers fall back to one run each
                for *_, future in group:
                    if not future.done():
                        future.set_exception(e)
                continue
            for (*_, future), out in zip(group, outs):
                if not future.done():
                    future.set_result(out)

    def _run(self, group: list, sr: int) -> list[np.ndarray]:
        context_size = 64 if sr == 16000 else 32
        inputs, states = [], []
        for model, x, _, _ in group:
            # SileroOnnxModel.__call__'s bookkeeping, for a batch of one
            if not model._last_batch_size or (model._last_sr and model._last_sr != sr) or model._last_batch_size != 1:
                model.reset_states(1)
            if not np.shape(model._context)[1]:
                model._context = np.zeros((1, context_size), dtype="float32")
            inputs.append(np.concatenate((model._context, x.reshape(1, -1)), axis=1))
            states.append(model._state)
        batch = np.concatenate(inputs, axis=0)
        out, state = self._session.run(None, {"input": batch, "state": np.concatenate(states, axis=1),
                                              "sr": np.array(sr, dtype="int64")})[:2]
        self.runs += 1
        self.windows += len(group)
        for i, (model, *_rest) in enumerate(group):
            model._state = np.ascontiguousarray(state[:, i:i + 1, :])
            model._context = batch[i:i + 1, -context_size:].copy()
            model._last_sr = sr
            model._last_batch_size = 1
        return [out[i:i + 1] for i in range(len(group))]


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
        self._batch = SileroBatch.for_session(session)
        self._scored: Any = None  # the batch's confidence for the window this frame completes

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

        Each window the buffer completes is scored by the process's :class:`SileroBatch` (with the
        other calls' windows of the same loop turn), then Pipecat's state machine runs on the part
        of the buffer that completed it; one window at a time, so a model reset between two windows
        (``_maybe_reset_model``) falls where Pipecat puts it.

        Args:
            buffer: PCM16 mono at the analyzer's sample rate, any length.

        Returns:
            The VAD state after the buffer (``QUIET``, ``STARTING``, ``SPEAKING``, ``STOPPING``).
        """
        need = self._vad_frames_num_bytes
        rest = bytes(buffer)
        while True:
            take = need - len(self._vad_buffer)  # bytes that complete the next window
            if len(rest) < take or take <= 0:
                return self._run_analyzer(rest)
            part, rest = rest[:take], rest[take:]
            x = np.frombuffer(self._vad_buffer + part, np.int16).astype(np.float32) / 32768.0
            try:
                self._scored = (await self._batch.score(self._model, x, self.sample_rate))[0]
            except Exception:  # scored alone below, as Pipecat does
                self._scored = None
            state = self._run_analyzer(part)  # Pipecat's state machine, one window at a time
            if not rest:
                return state

    def voice_confidence(self, buffer) -> float:
        """Silero's confidence for one window (the batch's when it scored it, else Pipecat's),
        remembered for the volume gate."""
        if self._scored is not None:
            confidence, self._scored = self._scored, None
            self._maybe_reset_model(confidence.item())  # as Pipecat's voice_confidence does
        else:
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
