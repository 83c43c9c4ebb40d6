"""Opt-in call recording: one stereo WAV per call, caller left, bot right, 8 kHz, with Pipecat's
``AudioBufferProcessor``.

:class:`CallRecorder` owns an ``AudioBufferProcessor(sample_rate=8000, num_channels=2,
auto_start_recording=True)`` that the shell places right after ``transport.output()``: it buffers
the caller's ``InputAudioRawFrame``s (resampled to 8 kHz) on the left channel and the bot audio the
output transport has sent to Twilio (``OutputAudioRawFrame``, paced in real time) on the right,
silence-filled so both stay aligned (``pipecat/processors/audio/audio_buffer_processor.py``). At
``EndFrame``/``CancelFrame`` it hands the whole call to ``on_audio_data`` (interleaved 16-bit PCM),
which writes ``<RECORDINGS_DIR>/<CallSid>.wav`` (written to a temporary name, then renamed, so a
half-written file is never seen) and deletes recordings older than ``RECORDING_RETENTION_DAYS``.
Everything is held in memory until then: 8 kHz × 2 channels × 2 bytes = 32 kB per second of call.

Bot audio Twilio had buffered but dropped on a ``clear`` (barge-in) is a few tens of ms at most:
the output transport sends audio at playback pace.
"""

from __future__ import annotations

import asyncio
import time
import wave
from pathlib import Path

from loguru import logger
from pipecat.processors.audio.audio_buffer_processor import AudioBufferProcessor

RECORDING_HZ = 8000


def prune_recordings(directory: Path, retention_days: float, now: float | None = None) -> list[Path]:
    """Delete ``*.wav`` in ``directory`` last modified more than ``retention_days`` ago; returns them."""
    cutoff = (now if now is not None else time.time()) - retention_days * 86400
    removed = []
    for path in directory.glob("*.wav"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed.append(path)
        except OSError as e:  # another process pruned it first
            logger.debug(f"recording prune: {path.name}: {e}")
    return removed


def write_stereo_wav(path: Path, pcm: bytes, sample_rate: int = RECORDING_HZ) -> None:
    """Write interleaved 16-bit stereo PCM to ``path`` (atomically: temporary file, then rename)."""
    tmp = path.with_suffix(".wav.part")
    with wave.open(str(tmp), "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm)
    tmp.replace(path)


class CallRecorder:
    """One call's recording; see the module docstring.

    Args:
        directory: ``RECORDINGS_DIR`` (created if missing).
        call_sid: the call's CallSid (the file name).
        retention_days: ``RECORDING_RETENTION_DAYS``.

    Attributes:
        processor: the ``AudioBufferProcessor`` to put in the pipeline.
        path: the WAV written at the call's end (``None`` before, or if there was no audio).
    """

    def __init__(self, directory: str | Path, call_sid: str, retention_days: float = 30.0):
        self.directory = Path(directory)
        self.call_sid = call_sid
        self.retention_days = retention_days
        self.path: Path | None = None
        self.processor = AudioBufferProcessor(sample_rate=RECORDING_HZ, num_channels=2,
                                              auto_start_recording=True)
        self.processor.add_event_handler("on_audio_data", self._on_audio_data)

    async def _on_audio_data(self, _processor, audio: bytes, sample_rate: int, num_channels: int) -> None:
        if num_channels != 2 or not audio:
            return
        path = self.directory / f"{self.call_sid}.wav"
        try:
            await asyncio.to_thread(self._save, path, audio, sample_rate)
        except OSError as e:  # a full disk must not break the call's ending
            logger.error(f"recording not written ({path}): {e}")
            return
        self.path = path
        logger.info(f"recording written: {path} ({len(audio) / (4 * sample_rate):.1f} s)")

    def _save(self, path: Path, audio: bytes, sample_rate: int) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        write_stereo_wav(path, audio, sample_rate)
        prune_recordings(self.directory, self.retention_days)
