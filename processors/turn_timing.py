"""Per-turn latency breakdown of a call, as a Pipecat observer (no frames are changed).

For each caller turn it records, in seconds on the wall clock:

- ``vad_stop``: VAD confirmed the caller stopped (``VADUserStoppedSpeakingFrame``; the speech itself
  ended ``stop_secs`` earlier);
- ``transcript``: the last transcription of the turn left the STT;
- ``turn_end``: the user-turn strategy ended the turn (``UserStoppedSpeakingFrame``);
- ``brain``: the brain produced its first text or tool call;
- ``tts``: the first synthesized audio left the TTS;
- ``wire``: the output transport started sending bot audio (``BotStartedSpeakingFrame``).

Each completed turn is logged as one ``turn timing`` line (ms per stage) and observed in Prometheus
histograms; ``bench/turn_latency.py`` reads the log lines for its per-stage breakdown.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from loguru import logger
from pipecat.frames.frames import (
    BotStartedSpeakingFrame,
    FunctionCallInProgressFrame,
    LLMTextFrame,
    TranscriptionFrame,
    TTSAudioRawFrame,
    UserStoppedSpeakingFrame,
    VADUserStoppedSpeakingFrame,
)
from pipecat.observers.base_observer import BaseObserver, FramePushed
from prometheus_client import Histogram

STAGES = ("stt", "turn_decision", "brain", "tts_first_audio", "to_wire", "speech_end_to_wire")


@dataclass
class TurnTimes:
    vad_stop: float | None = None
    stop_secs: float = 0.0
    transcript: float | None = None
    turn_end: float | None = None
    brain: float | None = None
    tts: float | None = None
    wire: float | None = None
    extra: dict = field(default_factory=dict)

    def breakdown_ms(self) -> dict[str, float]:
        """Stage durations in ms (only the stages that were seen)."""
        out: dict[str, float] = {}

        def put(name, a, b):
            if a is not None and b is not None:
                out[name] = round((b - a) * 1000, 1)

        put("stt", self.vad_stop, self.transcript)
        put("turn_decision", max(filter(None, [self.vad_stop, self.transcript]), default=None), self.turn_end)
        put("brain", self.turn_end, self.brain)
        put("tts_first_audio", self.brain, self.tts)
        put("to_wire", self.tts, self.wire)
        if self.vad_stop is not None and self.wire is not None:
            out["speech_end_to_wire"] = round((self.wire - (self.vad_stop - self.stop_secs)) * 1000, 1)
        return out


class TurnTimingObserver(BaseObserver):
    """Records :class:`TurnTimes` per caller turn; see the module docstring.

    Args:
        histogram: optional Prometheus ``Histogram`` with a ``stage`` label (seconds).
        call_sid: bound to the log line.
    """

    def __init__(self, *, histogram: Histogram | None = None, call_sid: str = "", **kwargs):
        super().__init__(**kwargs)
        self._hist = histogram
        self._log = logger.bind(call_sid=call_sid)
        self.turns: list[TurnTimes] = []
        self._current: TurnTimes | None = None
        self._seen: set[int] = set()

    async def on_push_frame(self, data: FramePushed):
        frame = data.frame
        if frame.id in self._seen:
            return
        now = time.time()
        if isinstance(frame, VADUserStoppedSpeakingFrame):
            self._seen.add(frame.id)
            self._current = TurnTimes(vad_stop=frame.timestamp or now, stop_secs=frame.stop_secs)
        elif isinstance(frame, TranscriptionFrame) and self._current is not None:
            self._seen.add(frame.id)
            self._current.transcript = now
        elif isinstance(frame, UserStoppedSpeakingFrame) and self._current is not None \
                and self._current.turn_end is None:
            self._seen.add(frame.id)
            self._current.turn_end = now
        elif isinstance(frame, (LLMTextFrame, FunctionCallInProgressFrame)) and self._current is not None \
                and self._current.turn_end is not None and self._current.brain is None:
            self._seen.add(frame.id)
            self._current.brain = now
        elif isinstance(frame, TTSAudioRawFrame) and self._current is not None \
                and self._current.brain is not None and self._current.tts is None:
            self._seen.add(frame.id)
            self._current.tts = now
        elif isinstance(frame, BotStartedSpeakingFrame) and self._current is not None \
                and self._current.tts is not None and self._current.wire is None:
            self._seen.add(frame.id)
            self._current.wire = now
            self._finish()
        if len(self._seen) > 10000:
            self._seen.clear()

    def _finish(self) -> None:
        turn, self._current = self._current, None
        if turn is None:
            return
        self.turns.append(turn)
        ms = turn.breakdown_ms()
        if self._hist is not None:
            for stage, value in ms.items():
                self._hist.labels(stage).observe(value / 1000)
        self._log.info("turn timing " + " ".join(f"{k}={v:.0f}ms" for k, v in ms.items()))
