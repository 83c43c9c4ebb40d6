"""Soak: many short calls back to back, some hung up at random points; does the gateway leak?

Starts ``python -m gateway serve`` on 127.0.0.1 (see :mod:`bench.capacity`), then places ``--calls``
short calls (greeting, "That's all, thank you. Goodbye.", the bot ends the call), ``--concurrency``
at a time, and ``--hangups`` calls that drop the socket without a ``stop`` at a random moment
(mid-greeting, mid-search, mid-answer: 0.5–12 s into a call that asks for a flight). It prints the
gateway's RSS (MiB), open file descriptors, threads (from /proc) and asyncio tasks (the
``gateway_asyncio_tasks`` gauge) at start (after one warm-up call), at the end, and after
``--settle-secs``, and whether each came back within ``--tolerance`` (5 %) of the start.

Usage: ``python bench/soak.py [--calls 500] [--hangups 50] [--concurrency 4]``
(500 + 50 calls take about 25 min at concurrency 4; ``--calls 40 --hangups 10`` about 3 min).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.capacity import Server, fixture  # noqa: E402
from gateway.caller import SimulatedCaller, Turn  # noqa: E402

SHORT = [Turn(fixture("en_goodbye"))]
HANGUP = [Turn(fixture("en_greeting_request")), Turn(fixture("en_date_only"))]


async def snapshot(server: Server, client: httpx.AsyncClient) -> dict[str, float]:
    pid = server.proc.pid
    status = Path(f"/proc/{pid}/status").read_text()
    text = (await client.get(f"{server.base}/metrics", timeout=5)).text
    tasks = re.search(r"^gateway_asyncio_tasks ([\d.e+]+)$", text, re.M)
    active = re.search(r"^gateway_active_calls ([\d.e+]+)$", text, re.M)
    return {
        "rss_mib": int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024,
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": int(re.search(r"Threads:\s+(\d+)", status).group(1)),
        "asyncio_tasks": float(tasks.group(1)) if tasks else float("nan"),
        "active_calls": float(active.group(1)) if active else float("nan"),
    }


async def one_call(server: Server, client: httpx.AsyncClient, turns: list[Turn], hangup_at: float | None) -> str:
    caller = SimulatedCaller(server.ws_url, turns, hangup_after_s=4, turn_timeout_s=15)
    form = {"CallSid": caller.result.call_sid, "From": "+15551230000", "To": "+15559870000"}
    if "<Stream" not in (await client.post(f"{server.base}/twilio/voice", data=form, timeout=10)).text:
        return "refused"
    try:
        if hangup_at is None:
            result = await caller.run()
            return "ended_by_gateway" if result.closed_by_gateway else "caller_hung_up"
        await asyncio.wait_for(caller.run(), hangup_at)  # the socket drops without a stop message
        return "finished_before_hangup"
    except asyncio.TimeoutError:
        return "dropped"
    except Exception as e:
        return f"error {type(e).__name__}"


async def main(args) -> int:
    rng = random.Random(11)
    server = Server(ROOT, {"MAX_CONCURRENT_CALLS": "1000", "ADMISSION_MAX_LOOP_LAG_MS": "0",
                           "ADMISSION_MAX_STT_WAIT_MS": "0"}, ROOT / ".cache" / "bench-soak.log")
    outcomes: dict[str, int] = {}
    try:
        async with httpx.AsyncClient() as client:
            # warm-up, one call of each kind: first-use allocations (model arenas, caches) are not a leak
            await one_call(server, client, SHORT, None)
            await one_call(server, client, HANGUP, None)
            await asyncio.sleep(2)
            start = await snapshot(server, client)
            jobs = [None] * args.calls + [rng.uniform(0.5, 12.0) for _ in range(args.hangups)]
            rng.shuffle(jobs)
            queue: asyncio.Queue = asyncio.Queue()
            for j in jobs:
                queue.put_nowait(j)
            t0 = time.monotonic()

            async def worker():
                while not queue.empty():
                    hangup_at = queue.get_nowait()
                    kind = await one_call(server, client, SHORT if hangup_at is None else HANGUP, hangup_at)
                    outcomes[kind] = outcomes.get(kind, 0) + 1
                    done = sum(outcomes.values())
                    if done % 50 == 0:
                        s = await snapshot(server, client)
                        print(f"  {done:4d} calls, {time.monotonic() - t0:5.0f} s: RSS {s['rss_mib']:.0f} MiB, "
                              f"fds {s['fds']}, threads {s['threads']}, tasks {s['asyncio_tasks']:.0f}", flush=True)

            await asyncio.gather(*(worker() for _ in range(args.concurrency)))
            end = await snapshot(server, client)
            await asyncio.sleep(args.settle_secs)
            settled = await snapshot(server, client)
    finally:
        server.stop()
    load = os.getloadavg()
    print(f"\nsoak — {args.calls} short calls + {args.hangups} random hang-ups, concurrency {args.concurrency}, "
          f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"{'':16}{'start':>10}{'end':>10}{'settled':>10}  within {args.tolerance * 100:.0f} %")
    ok = True
    for key in ("rss_mib", "fds", "threads", "asyncio_tasks", "active_calls"):
        a, b, c = start[key], end[key], settled[key]
        within = c <= a * (1 + args.tolerance) + (0 if key != "active_calls" else 0)
        ok &= within
        print(f"{key:16}{a:10.0f}{b:10.0f}{c:10.0f}  {'yes' if within else 'NO'}")
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--hangups", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--settle-secs", type=float, default=20.0)
    ap.add_argument("--tolerance", type=float, default=0.05)
    sys.exit(asyncio.run(main(ap.parse_args())))
