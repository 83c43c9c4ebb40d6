"""Bot audio goes out up to the lead ahead of the caller's playback, then at real time."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import processors.output_lead as output_lead  # noqa: E402
from processors.output_lead import LeadingWebsocketOutputTransport  # noqa: E402

CHUNK = 0.04  # Pipecat's default output chunk: 4 × 10 ms


class Clock:
    """A monotonic clock that only moves when the transport sleeps."""

    def __init__(self):
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, secs: float) -> None:
        self.sleeps.append(round(secs, 6))
        self.now += secs


def sender(lead_secs: float) -> LeadingWebsocketOutputTransport:
    out = LeadingWebsocketOutputTransport.__new__(LeadingWebsocketOutputTransport)
    out._lead_secs = lead_secs
    out._send_interval = CHUNK
    out._next_send_time = 0
    return out


@pytest.fixture
def clock(monkeypatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(output_lead.time, "monotonic", c.monotonic)
    monkeypatch.setattr(output_lead.asyncio, "sleep", c.sleep)
    return c


def send(out, clock, chunks: int) -> list[float]:
    """Send ``chunks`` chunks; the time each one left (s after the first)."""
    start, sent = clock.now, []

    async def go():
        for _ in range(chunks):
            sent.append(round(clock.now - start, 6))
            await out._write_audio_sleep()

    asyncio.run(go())
    return sent


def test_the_first_lead_goes_at_once_then_one_chunk_per_chunk_of_playback(clock):
    sent = send(sender(0.2), clock, 10)
    assert sent[:6] == [0.0] * 6  # 0.2 s of lead = 5 chunks queued at Twilio, plus the one playing
    assert [round(b - a, 6) for a, b in zip(sent[5:], sent[6:])] == [CHUNK] * 4
    # never more than the lead ahead of the caller's playback
    assert all(i * CHUNK - t <= 0.2 + CHUNK + 1e-9 for i, t in enumerate(sent))


def test_no_lead_paces_like_pipecat(clock):
    sent = send(sender(0.0), clock, 5)
    assert sent == [0.0, 0.04, 0.08, 0.12, 0.16]


def test_an_interruption_restarts_the_playback_clock(clock):
    out = sender(0.2)
    send(out, clock, 10)
    out._next_send_time = 0  # what Pipecat does on an InterruptionFrame (the serializer sends clear)
    sent = send(out, clock, 7)
    assert sent[:6] == [0.0] * 6 and sent[6] == CHUNK


def test_after_a_stall_the_lead_is_built_again_not_the_backlog(clock):
    out = sender(0.2)
    send(out, clock, 10)
    clock.now += 1.0  # a long silence (or stall): playback ran dry
    sent = send(out, clock, 7)
    assert sent[:6] == [0.0] * 6 and sent[6] == CHUNK
