"""Shared plumbing of the cloud-vendor test servers (Realtime, Deepgram, chat completions, Cartesia).

Each fake runs its own asyncio loop in a daemon thread on ``127.0.0.1:<free port>``, so the same
server serves a Pipecat service in the test's own loop (``run_test``) and a gateway subprocess
(end-to-end). Tests read what it received (``received``, attributes) and program faults:

- ``reject_status`` (e.g. 401): the HTTP upgrade / request is refused with that status and the
  vendor's error body, the way the vendor answers a bad key;
- ``first_byte_delay_secs``: the first output of every reply is held this long (slow vendor);
- :meth:`drop_connections` or ``drop_after_messages``: close the socket abruptly mid-call.

Also here: :class:`EnergySegmenter`, the fakes' "speech recognizer": it finds utterances in the
PCM16 audio it is sent (RMS above a threshold, ended by ``end_silence_ms`` of quiet, measured in
*audio* time, not wall time), and the caller's words are the next entry of a scripted transcript
queue. Tests therefore assert the dialogue through those scripted transcripts.
"""

from __future__ import annotations

import asyncio
import math
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ThreadedServer:
    """An asyncio loop in a daemon thread; subclasses implement :meth:`_serve` (a coroutine that
    starts listening on ``self.port`` and returns a closeable server)."""

    def __init__(self) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.reject_status: int | None = None
        self.first_byte_delay_secs = 0.0
        self.connections = 0
        self.rejected = 0
        self._lock = threading.Lock()
        self._loop = asyncio.new_event_loop()
        self._server: Any = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name=type(self).__name__)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError(f"{type(self).__name__} did not start")
        if self._error:
            raise self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._server = self._loop.run_until_complete(self._serve())
        except BaseException as e:  # surfaced by __init__
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    async def _serve(self) -> Any:
        raise NotImplementedError

    def call_soon(self, fn: Callable, *args) -> None:
        """Run ``fn(*args)`` in the server's loop (thread-safe)."""
        self._loop.call_soon_threadsafe(fn, *args)

    def run(self, coro) -> Any:
        """Run a coroutine in the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(10)

    async def _close_server(self) -> None:
        if self._server is None:
            return
        close = getattr(self._server, "close", None)
        if close is not None:
            result = close()
            if asyncio.iscoroutine(result):
                await result
        wait = getattr(self._server, "wait_closed", None)
        if wait is not None:
            try:
                await asyncio.wait_for(wait(), 2)
            except Exception:
                pass

    def close(self) -> None:
        if not self._loop.is_running():
            return
        try:
            self.run(self._close_server())
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    async def first_byte_pause(self) -> None:
        if self.first_byte_delay_secs > 0:
            await asyncio.sleep(self.first_byte_delay_secs)


# --- audio helpers ---------------------------------------------------------------------------


def tone_pcm16(duration_ms: int, sample_rate: int, freq_hz: float = 440.0, amplitude: float = 0.3) -> bytes:
    """A sine tone as PCM16 little-endian mono: the fakes' "synthesized speech"."""
    n = int(sample_rate * duration_ms / 1000)
    t = np.arange(n, dtype=np.float32) / sample_rate
    samples = (np.sin(2 * math.pi * freq_hz * t) * amplitude * 32767).astype("<i2")
    return samples.tobytes()


def loudness_dbfs(pcm: bytes) -> float:
    """RMS level of PCM16 audio in dBFS (-120 for silence or nothing)."""
    if len(pcm) < 2:
        return -120.0
    x = np.frombuffer(pcm[: len(pcm) // 2 * 2], dtype="<i2").astype(np.float32) / 32768.0
    return float(20 * math.log10(float(np.sqrt(np.mean(x * x))) + 1e-6))


def speech_ms_for(text: str) -> int:
    """How long the fakes "speak" ``text``: 55 ms per character, at least 300 ms, at most 6 s."""
    return max(300, min(6000, 55 * len(text)))


@dataclass
class Utterance:
    """One utterance the segmenter found; times in ms of received audio."""

    start_ms: int
    end_ms: int
    transcript: str = ""


class EnergySegmenter:
    """Finds utterances in a PCM16 mono stream by RMS energy (deterministic, audio-time based).

    Args:
        sample_rate: of the PCM16 it is fed.
        threshold_dbfs: a 10 ms window louder than this is speech.
        start_ms: this much speech starts an utterance.
        end_silence_ms: this much quiet after speech ends it.

    Call :meth:`feed` with each chunk; it returns ``[("start", Utterance) | ("end", Utterance)]``.
    """

    def __init__(self, sample_rate: int, *, threshold_dbfs: float = -38.0, start_ms: int = 60,
                 end_silence_ms: int = 500):
        self.rate = sample_rate
        self.threshold = threshold_dbfs
        self.start_ms = start_ms
        self.end_silence_ms = end_silence_ms
        self._buf = bytearray()
        self._pos_ms = 0
        self._speech_run = 0
        self._silence_run = 0
        self.current: Utterance | None = None
        self.utterances: list[Utterance] = []

    @property
    def position_ms(self) -> int:
        """Audio received so far (ms)."""
        return self._pos_ms

    def feed(self, pcm: bytes) -> list[tuple[str, Utterance]]:
        self._buf.extend(pcm)
        win = self.rate // 100 * 2  # 10 ms of PCM16
        events: list[tuple[str, Utterance]] = []
        while len(self._buf) >= win:
            chunk = np.frombuffer(bytes(self._buf[:win]), dtype="<i2").astype(np.float32) / 32768.0
            del self._buf[:win]
            self._pos_ms += 10
            rms = float(np.sqrt(np.mean(chunk * chunk) + 1e-12))
            loud = 20 * math.log10(rms) > self.threshold
            if self.current is None:
                self._speech_run = self._speech_run + 10 if loud else 0
                if self._speech_run >= self.start_ms:
                    self.current = Utterance(start_ms=self._pos_ms - self._speech_run, end_ms=0)
                    self._silence_run = 0
                    events.append(("start", self.current))
            else:
                self._silence_run = 0 if loud else self._silence_run + 10
                if self._silence_run >= self.end_silence_ms:
                    self.current.end_ms = self._pos_ms - self._silence_run
                    self.utterances.append(self.current)
                    events.append(("end", self.current))
                    self.current = None
                    self._speech_run = 0
        return events

    def force_end(self) -> Utterance | None:
        """End the current utterance now (e.g. the client asked to finalize)."""
        if self.current is None:
            return None
        self.current.end_ms = self._pos_ms - self._silence_run
        done = self.current
        self.utterances.append(done)
        self.current = None
        self._speech_run = 0
        return done


class TranscriptQueue:
    """Scripted caller words: the n-th utterance heard is the n-th transcript (thread-safe).

    Each entry is ``text`` or ``(text, language)``; the language is what a multilingual STT would
    report for its words (default ``en``). An utterance heard when the queue is empty gets ``""``.
    """

    def __init__(self, entries: list[str | tuple[str, str]] | None = None):
        self._q: deque[tuple[str, str]] = deque()
        self._lock = threading.Lock()
        self.popped: list[tuple[str, str]] = []
        for e in entries or []:
            self.push(e)

    def push(self, entry: str | tuple[str, str]) -> None:
        with self._lock:
            self._q.append((entry, "en") if isinstance(entry, str) else (entry[0], entry[1]))

    def pop(self) -> tuple[str, str]:
        with self._lock:
            item = self._q.popleft() if self._q else ("", "en")
            self.popped.append(item)
            return item

    def unpop(self, item: tuple[str, str]) -> None:
        """Put back an utterance whose words were never sent (its socket dropped first): the same
        audio, sent again, is the same words."""
        with self._lock:
            if item in self.popped:
                del self.popped[len(self.popped) - 1 - self.popped[::-1].index(item)]
            if item[0]:
                self._q.appendleft(item)


@dataclass
class Received:
    """One message a fake received: wall time, parsed JSON (or ``{"binary": n}``)."""

    at: float
    message: dict[str, Any] = field(default_factory=dict)


def now() -> float:
    return time.time()


__all__ = [
    "EnergySegmenter", "Received", "loudness_dbfs", "ThreadedServer", "TranscriptQueue", "Utterance", "free_port", "now",
    "speech_ms_for", "tone_pcm16",
]
