"""The gateway's own added latency in the cloud profiles, against the local vendor-protocol servers.

For each profile (``realtime``, ``cascade``) it starts ``python -m gateway serve`` with the vendor
URLs pointed at the fakes of ``tests/`` (in this process, so every timestamp is on one clock) and
places N simulated Twilio calls (a request, then a goodbye). It prints p50/p95 of:

- **out**: the vendor's first audio byte of a reply (Realtime's first ``response.output_audio.delta``,
  Cartesia's first ``chunk`` of a context) → the first ``media`` message Twilio (the simulated
  caller) receives after it; only replies that start from silence are counted (audio queued behind
  a reply still playing waits for playback, not for the gateway);
- **in**: Twilio's caller frame → the vendor receiving that audio: the caller's first and last
  speech frames of each turn (sent on a 20 ms clock from the first frame of the utterance) → the
  first / last loud audio message the vendor received (Realtime ``input_audio_buffer.append``,
  Deepgram binary frames).

The instants: the fakes stamp the vendor's first audio byte just before they write that message to
their socket (sent, not received: the loopback hop into the gateway counts as ours), and the
simulated caller stamps each ``media`` as its receive loop reads it. Fakes and caller share this
process (one clock), so GIL hand-offs between the fakes' threads and the caller's loop can add a
few ms to a figure, never remove any.

Both include loopback WebSocket hops, JSON/base64, resampling (realtime 8↔24 kHz) and the
pipeline's queues; the vendors' own latency is not in them. Target ≤ 20 ms each.

Usage: ``python bench/cloud_overhead.py [--calls 3] [--profiles realtime,cascade]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402
from gateway.caller import SimulatedCaller, Turn, fixture_texts, load_turn_audio, speech_bounds  # noqa: E402
from testkit.server import GatewayServer, fixture  # noqa: E402

LOUD_DBFS = -35.0
FRAME_S = 0.02
TURNS = ["en_greeting_request", "en_goodbye"]


def line(name: str, values_s: list[float]) -> str:
    ms = [v * 1000 for v in values_s]
    if not ms:
        return f"{name:<58} n=0"
    return f"{name:<58} n={len(ms):<3} p50={pct(ms, .5):6.1f} ms  p95={pct(ms, .95):6.1f} ms  max={max(ms):6.1f} ms"


def inbound(result, audio_log: list[tuple[float, float]]) -> tuple[list[float], list[float]]:
    """(onset delays, end delays) per turn: caller frame sent → vendor got that loud audio."""
    firsts = [d["wall"] for _, k, d in result.events if k == "mic_first_frame"]
    onsets, ends = [], []
    for turn, w0 in zip(result.turns, firsts):
        start, end = speech_bounds(load_turn_audio(turn["wav"]))
        sent_on = w0 + int(start / FRAME_S) * FRAME_S
        sent_end = w0 + (int(end / FRAME_S) - 1) * FRAME_S
        loud = [t for t, db in audio_log if db > LOUD_DBFS and sent_on - 0.01 <= t <= sent_end + 1.0]
        if loud:
            onsets.append(loud[0] - sent_on)
            ends.append(loud[-1] - sent_end)
    return onsets, ends


def outbound(result, vendor_first_audio: list[float]) -> list[float]:
    """Per reply starting from silence: vendor's first audio byte → first media at the caller."""
    media = [result.wall_t0 + t for t in result.times("media_in")]
    out = []
    for sent in vendor_first_audio:
        if not result.wall_t0 <= sent <= result.wall_t0 + result.duration:
            continue  # another call's reply
        before = [m for m in media if m < sent]
        if before and sent - before[-1] < 0.3:
            continue  # still playing the previous reply: this one queues behind it
        after = next((m for m in media if m >= sent), None)
        if after is not None:
            out.append(after - sent)
    return out


async def run_calls(server: GatewayServer, calls: int, push_transcripts) -> list:
    results = []
    for _ in range(calls):
        push_transcripts()
        turns = [Turn(fixture(name)) for name in TURNS]
        results.append(await SimulatedCaller(server.ws_url, turns, hangup_after_s=10).run())
    return results


def bench_realtime(calls: int) -> None:
    from testkit.fake_openai_realtime import FakeRealtime

    texts = fixture_texts(ROOT / "tests" / "fixtures")
    fake = FakeRealtime()
    server = GatewayServer({"PROFILE": "realtime", "OPENAI_API_KEY": fake.api_key, "OPENAI_REALTIME_URL": fake.url,
                            "FLIGHT_PROVIDERS": "timetable", "LOG_LEVEL": "INFO"})
    try:
        results = asyncio.run(run_calls(server, calls, lambda: [fake.transcripts.push(texts[n]) for n in TURNS]))
    finally:
        server.stop()
        fake.close()
    out = [d for r in results for d in outbound(r, [t for t, _ in fake.audio_out_log])]
    on, end = [], []
    for r in results:
        a, b = inbound(r, fake.audio_log)
        on += a
        end += b
    print("realtime (OpenAI Realtime, 24 kHz PCM, server VAD):")
    print("  " + line("out: Realtime first audio delta -> first media to Twilio", out))
    print("  " + line("in:  caller's first speech frame -> audio at Realtime", on))
    print("  " + line("in:  caller's last speech frame -> audio at Realtime", end))


def bench_cascade(calls: int) -> None:
    from testkit.fake_cartesia import FakeCartesia
    from testkit.fake_deepgram import FakeDeepgram
    from testkit.fake_openai_llm import FakeChatCompletions

    texts = fixture_texts(ROOT / "tests" / "fixtures")
    deepgram, chat, cartesia = FakeDeepgram(), FakeChatCompletions(), FakeCartesia()
    server = GatewayServer({"PROFILE": "cascade", "DEEPGRAM_API_KEY": deepgram.api_key,
                            "DEEPGRAM_BASE_URL": deepgram.base_url, "LLM_API_KEY": chat.api_key,
                            "LLM_BASE_URL": chat.base_url, "CARTESIA_API_KEY": cartesia.api_key,
                            "CARTESIA_URL": cartesia.url, "FLIGHT_PROVIDERS": "timetable", "LOG_LEVEL": "INFO"})
    try:
        results = asyncio.run(run_calls(server, calls, lambda: [deepgram.transcripts.push(texts[n]) for n in TURNS]))
    finally:
        server.stop()
        for fake in (deepgram, chat, cartesia):
            fake.close()
    out = [d for r in results for d in outbound(r, sorted(cartesia.first_chunk_at.values()))]
    on, end = [], []
    for r in results:
        a, b = inbound(r, deepgram.audio_log)
        on += a
        end += b
    print("cascade (Deepgram 8 kHz linear16, chat LLM, Cartesia 8 kHz PCM):")
    print("  " + line("out: Cartesia first chunk -> first media to Twilio", out))
    print("  " + line("in:  caller's first speech frame -> audio at Deepgram", on))
    print("  " + line("in:  caller's last speech frame -> audio at Deepgram", end))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=3)
    parser.add_argument("--profiles", default="realtime,cascade")
    args = parser.parse_args()
    for profile in args.profiles.split(","):
        {"realtime": bench_realtime, "cascade": bench_cascade}[profile.strip()](args.calls)
    return 0


if __name__ == "__main__":
    sys.exit(main())
