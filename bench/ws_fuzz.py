"""Seeded WebSocket fuzz of ``/twilio/stream``: hostile Media Streams messages never end a call.

Starts ``python -m gateway serve`` on 127.0.0.1, places ``--calls`` calls (``--concurrency`` at a
time) and sends ``--messages`` messages in each, about half of them hostile (the shapes of issue 9:
``event`` of the wrong type, 10- to 5,000-deep nesting, 100 KB ``streamSid``s, every sub-object of
the wrong type, non-UTF-8 bytes, truncated or mutated JSON, control characters), the rest valid
20 ms silence ``media`` — plus a few hostile messages before each ``start``. Then checks each call
still answers: the socket is still open and a valid message is accepted.

Prints the figures and exits 1 unless both are 0:

- calls ended by input: calls the gateway closed before the caller sent ``stop``;
- process errors: the gateway process died, or its log has a traceback, a Pipecat receive-loop
  exception (the one that ends a call) or a "pipeline failed".

Also prints hostile messages sent vs. dropped-and-counted by the gateway
(``gateway_stream_bad_messages_total``), and the gateway's RSS before and after.

Usage: ``python bench/ws_fuzz.py [--seed 9] [--calls 20] [--messages 600] [--concurrency 4]``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from testkit.server import GatewayServer  # noqa: E402

SILENCE = base64.b64encode(b"\xff" * 160).decode()
EVENTS = ["connected", "start", "media", "mark", "dtmf", "stop"]
ODD_VALUES = [None, True, 0, -1, 1.5, 10**30, "", "x" * 5000, [], [1, 2], {}, {"a": {"b": []}}, "\x00\u202e",
              "MZ" + "a" * 32, "CA" + "b" * 32]


def valid_media(stream_sid: str) -> str:
    return json.dumps({"event": "media", "streamSid": stream_sid,
                       "media": {"track": "inbound", "chunk": "1", "timestamp": "20", "payload": SILENCE}})


def valid_shapes(stream_sid: str, call_sid: str) -> list[dict]:
    return [
        {"event": "media", "streamSid": stream_sid, "media": {"track": "inbound", "chunk": "2", "timestamp": "40",
                                                              "payload": SILENCE}},
        {"event": "mark", "streamSid": stream_sid, "mark": {"name": "reply-1"}},
        {"event": "dtmf", "streamSid": stream_sid, "dtmf": {"track": "inbound_track", "digit": "5"}},
        {"event": "start", "streamSid": stream_sid, "start": {
            "streamSid": stream_sid, "callSid": call_sid, "accountSid": "AC" + "0" * 32, "tracks": ["inbound"],
            "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
            "customParameters": {"language": "en"}}},
        {"event": "connected", "protocol": "Call", "version": "1.0.0"},
    ]


def mutate(rng: random.Random, value):
    """Replace one randomly chosen field (at any depth) of ``value`` with an odd value."""
    if isinstance(value, dict) and value and rng.random() < 0.8:
        key = rng.choice(list(value))
        return {**value, key: mutate(rng, value[key])}
    return rng.choice(ODD_VALUES)


def hostile(rng: random.Random, stream_sid: str, call_sid: str, before_start: bool = False) -> str | bytes:
    """One hostile message of a random shape (never ``stop``: that would be a real hang-up; before
    the handshake never a mutated ``start``, which is refused with 1008 by design)."""
    kind = rng.randrange(10)
    if kind == 0:  # event of the wrong type or an unknown one
        return json.dumps({"event": rng.choice([["media"], {}, 1, None, True, "Media", "stop ", "x" * 300]),
                           "media": {"payload": SILENCE}})
    if kind == 1:  # deep nesting, bare or inside a message
        depth = rng.choice([9, 50, 1000, 5000])
        opener, closer = rng.choice([("[", "]"), ('{"a":', "}")])
        deep = opener * depth + "0" + closer * depth
        return deep if rng.random() < 0.5 else '{"event": "media", "media": {"payload": "AA==", "x": ' + deep + "}}"
    if kind == 2:  # oversized streamSid or payload
        big = "MZ" + "a" * rng.choice([100, 100_000])
        return json.dumps({"event": "media", "streamSid": big, "media": {"payload": SILENCE}})
    if kind == 3:  # non-UTF-8 / binary
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    if kind == 4:  # truncated JSON
        text = valid_media(stream_sid)
        return text[: rng.randrange(1, len(text))]
    if kind == 5:  # control characters and surrogates in strings
        return '{"event": "media", "streamSid": "' + stream_sid + '", "media": {"payload": "\\u0000\\ud800' \
               + "\x01" * 3 + '"}}'
    if kind == 6:  # not an object
        return rng.choice(["[]", "null", "1", '"media"', "true", ""])
    # kinds 7-9: a valid message with one field (at any depth) replaced by an odd value
    shapes = valid_shapes(stream_sid, call_sid)
    shape = rng.choice([sh for sh in shapes if sh["event"] != "start"] if before_start else shapes)
    while True:
        key = rng.choice(list(shape))
        bad = {**shape, key: mutate(rng, shape[key])}
        if bad.get("event") != "stop" and bad != shape:
            break
    try:
        return json.dumps(bad)
    except ValueError:
        return json.dumps({"event": ["media"]})


async def greeted(ws, stream_sid: str, timeout_s: float) -> bool:
    """Send 20 ms silence like Twilio until the gateway sends something (the bot's greeting)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        await ws.send(valid_media(stream_sid))
        try:
            await asyncio.wait_for(ws.recv(), 0.02)
            return True
        except asyncio.TimeoutError:
            pass
    return False


async def fuzz_call(url: str, rng: random.Random, n_messages: int) -> tuple[bool, int, int]:
    """One call; returns ``(ended_by_input, hostile messages sent, of which malformed)``."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import ConnectionClosed

    stream_sid = "MZ" + "%032x" % rng.getrandbits(128)
    call_sid = "CA" + "%032x" % rng.getrandbits(128)
    sent_hostile = rejected = 0
    oracle = Oracle(stream_sid, call_sid)
    async with connect(url, max_size=2**22) as ws:
        await ws.send(json.dumps({"event": "connected", "protocol": "Call", "version": "1.0.0"}))
        for _ in range(3):  # hostile messages before the handshake are dropped, not fatal
            await ws.send(hostile(rng, stream_sid, call_sid, before_start=True))
        await ws.send(json.dumps(valid_shapes(stream_sid, call_sid)[3]))
        try:
            if not await greeted(ws, stream_sid, 60):
                print("  (no greeting within 60 s)", file=sys.stderr)
            for i in range(n_messages - 3):
                if rng.random() < 0.5:
                    message = hostile(rng, stream_sid, call_sid)
                    await ws.send(message)
                    sent_hostile += 1
                    rejected += await oracle.rejects(message)
                else:
                    await ws.send(valid_media(stream_sid))
                if i % 20 == 0:
                    await asyncio.sleep(0.02)
            for _ in range(100):  # two seconds of real media while reading; the call must still be there
                await ws.send(valid_media(stream_sid))
                try:
                    await asyncio.wait_for(ws.recv(), 0.02)
                except asyncio.TimeoutError:
                    pass
            await ws.send(json.dumps({"event": "stop", "streamSid": stream_sid,
                                      "stop": {"accountSid": "AC" + "0" * 32, "callSid": call_sid}}))
        except ConnectionClosed:
            return True, sent_hostile, rejected
    return False, sent_hostile, rejected


class Oracle:
    """The serializer's own checks run locally: how many of the messages sent the gateway must drop."""

    def __init__(self, stream_sid: str, call_sid: str):
        from pipecat.serializers.twilio import TwilioFrameSerializer

        from processors.twilio_serializer import GatewayTwilioSerializer

        self._s = GatewayTwilioSerializer(stream_sid, call_sid,
                                          params=TwilioFrameSerializer.InputParams(auto_hang_up=False))
        self._ready = False

    async def rejects(self, message) -> int:
        if not self._ready:
            from types import SimpleNamespace

            await self._s.setup(SimpleNamespace(audio_in_sample_rate=16000, audio_out_sample_rate=8000))
            self._ready = True
        before = self._s.bad_messages
        await self._s.deserialize(message)
        return self._s.bad_messages - before


def bad_counted(server) -> float:
    text = httpx.get(f"{server.base}/metrics").text
    match = re.search(r"^gateway_stream_bad_messages_total ([0-9.e+]+)$", text, re.M)
    return float(match.group(1)) if match else 0.0


def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as f:
        return int(next(line for line in f if line.startswith("VmRSS")).split()[1]) / 1024


async def run(args) -> int:
    server = GatewayServer(env={"LOG_LEVEL": "INFO", "MAX_CONCURRENT_CALLS": str(max(8, args.concurrency))})
    try:
        rss_before = rss_mb(server.proc.pid)
        rng = random.Random(args.seed)
        seeds = [rng.getrandbits(64) for _ in range(args.calls)]
        sem = asyncio.Semaphore(args.concurrency)

        async def one(seed: int):
            async with sem:
                return await fuzz_call(server.ws_url, random.Random(seed), args.messages)

        t0 = time.monotonic()
        results = await asyncio.gather(*(one(s) for s in seeds))
        elapsed = time.monotonic() - t0
        deadline = time.time() + 20
        while httpx.get(f"{server.base}/health").json()["active_calls"] and time.time() < deadline:
            await asyncio.sleep(0.2)
        ended = sum(1 for e, _, _ in results if e)
        hostile_sent = sum(h for _, h, _ in results)
        must_drop = sum(r for _, _, r in results)
        log = server.log()
        errors = (0 if server.alive() else 1) + log.count("Traceback") \
            + log.count("exception receiving data") + log.count("pipeline failed")
        counted = bad_counted(server)
        print(f"seed {args.seed}: {args.calls} calls, {args.messages} fuzz messages each = "
              f"{args.calls * args.messages} ({hostile_sent + 3 * args.calls} hostile-shaped, 3 per call before "
              f"`start`), plus real silence media around them; {elapsed:.0f} s")
        print(f"calls ended by input: {ended}")
        print(f"process errors: {errors}")
        print(f"in-call hostile-shaped messages sent: {hostile_sent}; malformed by the serializer's checks: "
              f"{must_drop}; dropped and counted by the gateway: {counted:.0f}")
        print(f"gateway RSS: {rss_before:.0f} MB before, {rss_mb(server.proc.pid):.0f} MB after")
        return 0 if ended == 0 and errors == 0 else 1
    finally:
        server.stop()


def main() -> int:
    from loguru import logger

    logger.remove()  # the local oracle's drop warnings are not figures
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--calls", type=int, default=20)
    parser.add_argument("--messages", type=int, default=600, help="per call (>= 10,000 in all by default)")
    parser.add_argument("--concurrency", type=int, default=4)
    return asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    raise SystemExit(main())
