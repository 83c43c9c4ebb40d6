"""CPU per 20 ms frame of the realtime profile's audio conversions vs passing G.711 μ-law through.

The Realtime API accepts and produces ``audio/pcmu`` (8 kHz μ-law, what Twilio sends), which would
let the gateway forward Twilio's payloads as they are. Pipecat 1.14's ``OpenAIRealtimeLLMService``
uses 24 kHz PCM (``audio/pcm``) instead, so each 20 ms frame is converted both ways. This script
times, on this machine's CPU (``time.process_time``, one core), what each way costs per frame:

- **in** (caller → model): μ-law → PCM16 8 kHz (the serializer, ``audioop.ulaw2lin``), 8 → 24 kHz
  (the service: soxr ``QQ`` stream as :class:`processors.realtime_llm.QuickStreamResampler`; Pipecat's
  default soxr ``VHQ`` stream for reference), base64 of the 960 bytes for ``input_audio_buffer.append``;
  passthrough: base64 of the 160 μ-law bytes.
- **out** (model → caller): base64-decode 960 bytes, 24 → 8 kHz (:class:`processors.realtime_llm.
  LowDelayDecimator`; Pipecat's soxr ``VHQ`` stream for reference), PCM16 → μ-law
  (``audioop.lin2ulaw``), base64 for Twilio; passthrough: base64-decode + base64 of 160 bytes.

It also prints the JSON payload each way carries per frame. Usage: ``python bench/realtime_audio_formats.py [--frames 20000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import audioop  # noqa: F401  (what Pipecat 1.14's serializer uses; deprecated in 3.13)
import base64
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipecat.audio.resamplers.soxr_stream_resampler import SOXRStreamAudioResampler  # noqa: E402

from processors.realtime_llm import LowDelayDecimator, QuickStreamResampler  # noqa: E402


def speechlike(ms: int, rate: int) -> bytes:
    t = np.arange(rate * ms // 1000) / rate
    x = sum(np.sin(2 * np.pi * f * t) / k for k, f in enumerate((180, 720, 1400, 2600), 1))
    return (x * 6000 * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))).astype(np.int16).tobytes()


def per_frame_us(fn, frames: list) -> float:
    """Mean CPU µs of ``fn(frame)`` (a coroutine function is awaited inside one running loop)."""
    async def run_all():
        for f in frames:
            await fn(f)

    start = time.process_time()
    if asyncio.iscoroutinefunction(fn):
        asyncio.run(run_all())
    else:
        for f in frames:
            fn(f)
    return (time.process_time() - start) / len(frames) * 1e6


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--frames", type=int, default=20000)
    args = parser.parse_args()
    n = args.frames
    pcm8 = speechlike(20 * 50, 8000)
    pcm24 = speechlike(20 * 50, 24000)
    ulaw_frames = [audioop.lin2ulaw(pcm8[i:i + 320], 2) for i in range(0, len(pcm8), 320)] * (n // 50)
    pcm24_frames = [pcm24[i:i + 960] for i in range(0, len(pcm24), 960)] * (n // 50)
    b64_24 = [base64.b64encode(f).decode() for f in pcm24_frames]
    b64_ulaw = [base64.b64encode(f).decode() for f in ulaw_frames]

    quick, vhq_in = QuickStreamResampler(), SOXRStreamAudioResampler(clear_after_secs=None)

    async def in_pcm(f, r=quick):
        base64.b64encode(await r.resample(audioop.ulaw2lin(f, 2), 8000, 24000))

    async def in_pcm_vhq(f):
        await in_pcm(f, vhq_in)

    def in_pass(f):
        base64.b64encode(f)

    dec, vhq_out = LowDelayDecimator(), SOXRStreamAudioResampler(clear_after_secs=None)

    def out_pcm(b):
        base64.b64encode(audioop.lin2ulaw(dec.process(base64.b64decode(b)), 2))

    async def out_pcm_vhq(b):
        base64.b64encode(audioop.lin2ulaw(await vhq_out.resample(base64.b64decode(b), 24000, 8000), 2))

    def out_pass(b):
        base64.b64encode(base64.b64decode(b))

    rows = [
        ("in:  μ-law → 24 kHz PCM (soxr QQ, ours)", per_frame_us(in_pcm, ulaw_frames)),
        ("in:  μ-law → 24 kHz PCM (soxr VHQ, Pipecat default)", per_frame_us(in_pcm_vhq, ulaw_frames)),
        ("in:  μ-law passthrough", per_frame_us(in_pass, ulaw_frames)),
        ("out: 24 kHz PCM → μ-law (LowDelayDecimator, ours)", per_frame_us(out_pcm, b64_24)),
        ("out: 24 kHz PCM → μ-law (soxr VHQ, Pipecat transport)", per_frame_us(out_pcm_vhq, b64_24)),
        ("out: μ-law passthrough", per_frame_us(out_pass, b64_ulaw)),
    ]
    print(f"CPU per 20 ms frame, {n} frames each (one core of this machine):")
    for name, us in rows:
        print(f"  {name:<58} {us:7.1f} µs  ({us / 20000 * 100:5.2f} % of the frame's 20 ms)")
    both = rows[0][1] + rows[3][1] - rows[2][1] - rows[5][1]
    print(f"  saved by passthrough, both ways (ours):                 {both:7.1f} µs/frame "
          f"= {both / 20000 * 100:.2f} % of one core per call")
    print(f"  JSON audio per frame: 24 kHz PCM {len(b64_24[0])} base64 chars, μ-law {len(b64_ulaw[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
