"""Soak: many short calls back to back, some hung up at random points; does the gateway leak?

Starts ``python -m gateway serve`` on 127.0.0.1 (see :mod:`bench.capacity`), then places ``--calls``
short calls (greeting, "That's all, thank you. Goodbye.", the bot ends the call), ``--concurrency``
at a time, and ``--hangups`` calls that drop the socket without a ``stop`` at a random moment
(mid-greeting, mid-search, mid-answer: 0.5–12 s into a call that asks for a flight). It prints the
gateway's RSS (MiB), open file descriptors, threads (from /proc) and asyncio tasks (the
``gateway_asyncio_tasks`` gauge) cold (after one warm-up call of each kind and the heap trim that
follows it: :data:`TRIM_WAIT_SECS`), at start (after ``--warmup-calls`` calls of the mix at the
soak's concurrency, default 20 and a tenth hang-ups, and a trim), at the end, and after
``--settle-secs`` (by default as long, so the trim after the last call has run), and whether each
came back within ``--tolerance`` (5 %) of the start; RSS may also grow by what the local TTS's
sentence cache grew (the expected cache, ``gateway_tts_sentence_cache_bytes``, at most 48 MiB).
On jemalloc it prints jemalloc's own account beside RSS (``gateway_heap_bytes``): the bytes the
program holds in malloc'd memory and the pages jemalloc keeps resident.
The growth from the cold figure is printed too: what the first calls at the soak's concurrency
allocate once (runtime arenas and pools at their high-water mark for that many calls at once) is
in it, and it is not a leak if the run after it stays flat.

The gateway runs on jemalloc (``LD_PRELOAD``, as the container image and ``make serve`` run it)
when Debian's ``libjemalloc2`` is installed; ``--allocator glibc`` measures glibc's malloc instead.

``--settle-every N`` pauses after every N calls for the same settle and prints the settled RSS there
as well (where in the run memory that stays is taken).

Usage: ``python bench/soak.py [--calls 500] [--hangups 50] [--concurrency 4] [--allocator glibc] [--settle-every 110]``
(500 + 50 calls take about 26 min at concurrency 4 with the warm-up; ``--calls 40 --hangups 10`` about 4 min).
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

from bench.capacity import Server, add_allocator_argument, allocator_env, fixture  # noqa: E402
from gateway.caller import SimulatedCaller, Turn  # noqa: E402

#: longer than the gateway's default HEAP_TRIM_INTERVAL_SECS (30): a trim has run after the last call
TRIM_WAIT_SECS = 32.0
SHORT = [Turn(fixture("en_goodbye"))]
HANGUP = [Turn(fixture("en_greeting_request")), Turn(fixture("en_date_only"))]


async def snapshot(server: Server, client: httpx.AsyncClient) -> dict[str, float]:
    pid = server.proc.pid
    status = Path(f"/proc/{pid}/status").read_text()
    text = (await client.get(f"{server.base}/metrics", timeout=5)).text
    tasks = re.search(r"^gateway_asyncio_tasks ([\d.e+]+)$", text, re.M)
    active = re.search(r"^gateway_active_calls ([\d.e+]+)$", text, re.M)
    cache = re.search(r"^gateway_tts_sentence_cache_bytes ([\d.e+]+)$", text, re.M)
    heap = {kind: float(v) / 2**20 for kind, v in
            re.findall(r'^gateway_heap_bytes\{kind="(\w+)"\} ([\d.e+]+)$', text, re.M)}
    rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    anon = re.search(r"^Anonymous:\s+(\d+) kB", rollup, re.M)
    return {
        "rss_mib": int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) / 1024,
        # of which anonymous (heap, arenas; the rest is file-backed: code and data of the libraries
        # and models as far as paged in, which first use of a code path grows and nothing leaks)
        "anon_mib": int(anon.group(1)) / 1024 if anon else float("nan"),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "threads": int(re.search(r"Threads:\s+(\d+)", status).group(1)),
        "asyncio_tasks": float(tasks.group(1)) if tasks else float("nan"),
        "active_calls": float(active.group(1)) if active else float("nan"),
        "sentence_cache_mib": float(cache.group(1)) / 2**20 if cache else 0.0,
        # jemalloc's own account (gateway_heap_bytes; NaN on glibc): what the program holds in
        # malloc'd memory, and the pages jemalloc has resident (held + its metadata + freed, unpurged)
        "heap_allocated_mib": heap.get("allocated", float("nan")),
        "heap_resident_mib": heap.get("resident", float("nan")),
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


def _jobs(rng: random.Random, calls: int, hangups: int) -> list[float | None]:
    """``calls`` short calls (``None``) and ``hangups`` hang-up times (s), shuffled."""
    jobs = [None] * calls + [rng.uniform(0.5, 12.0) for _ in range(hangups)]
    rng.shuffle(jobs)
    return jobs


async def run_calls(server: Server, client: httpx.AsyncClient, jobs: list[float | None], concurrency: int,
                    outcomes: dict[str, int], t0: float | None) -> None:
    """Place ``jobs`` ``concurrency`` at a time; count outcomes; with ``t0``, print progress every 50."""
    queue: asyncio.Queue = asyncio.Queue()
    for j in jobs:
        queue.put_nowait(j)

    async def worker():
        while not queue.empty():
            hangup_at = queue.get_nowait()
            kind = await one_call(server, client, SHORT if hangup_at is None else HANGUP, hangup_at)
            outcomes[kind] = outcomes.get(kind, 0) + 1
            done = sum(outcomes.values())  # over the whole run, across chunks
            if t0 is not None and done % 50 == 0:
                s = await snapshot(server, client)
                print(f"  {done:4d} calls, {time.monotonic() - t0:5.0f} s: RSS {s['rss_mib']:.0f} MiB, "
                      f"fds {s['fds']}, threads {s['threads']}, tasks {s['asyncio_tasks']:.0f}", flush=True)

    await asyncio.gather(*(worker() for _ in range(concurrency)))


async def main(args) -> int:
    rng = random.Random(11)
    env = {"MAX_CONCURRENT_CALLS": "1000", "ADMISSION_MAX_LOOP_LAG_MS": "0", "ADMISSION_MAX_STT_WAIT_MS": "0"}
    malloc_env = allocator_env(args.allocator)
    if malloc_env is None:
        return 2
    env.update(malloc_env)
    server = Server(ROOT, env, ROOT / ".cache" / "bench-soak.log")
    outcomes: dict[str, int] = {}
    try:
        async with httpx.AsyncClient() as client:
            # warm-up, one call of each kind: first-use allocations (model arenas, caches) are not a leak
            await one_call(server, client, SHORT, None)
            await one_call(server, client, HANGUP, None)
            # every figure comes after the heap trim that follows a call's end (at most one per
            # HEAP_TRIM_INTERVAL_SECS, default 30 s: gateway/memory.py)
            await asyncio.sleep(TRIM_WAIT_SECS)
            cold = await snapshot(server, client)
            if args.warmup_calls:
                # the mix itself, at the soak's concurrency: what concurrent calls first allocate
                # (runtime arenas and pools at their high-water mark) is then in the start figure
                await run_calls(server, client, _jobs(rng, args.warmup_calls, args.warmup_calls // 10),
                                args.concurrency, {}, None)
                await asyncio.sleep(TRIM_WAIT_SECS)
            start = await snapshot(server, client)
            jobs, t0 = _jobs(rng, args.calls, args.hangups), time.monotonic()
            step = args.settle_every or len(jobs)
            for i in range(0, len(jobs), step):
                await run_calls(server, client, jobs[i:i + step], args.concurrency, outcomes, t0)
                if args.settle_every and i + step < len(jobs):
                    # where in the run the settled figure grows: after each chunk, a pause as long as
                    # the final settle (the trim after the chunk's last call runs), then a figure
                    await asyncio.sleep(args.settle_secs)
                    s = await snapshot(server, client)
                    print(f"  {i + step:4d} calls, settled: RSS {s['rss_mib']:.0f} MiB "
                          f"({s['rss_mib'] - start['rss_mib']:+.0f} from start), anonymous {s['anon_mib']:.0f} MiB, "
                          f"malloc'd {s['heap_allocated_mib']:.0f} MiB "
                          f"({s['heap_allocated_mib'] - start['heap_allocated_mib']:+.0f}), "
                          f"sentence cache {s['sentence_cache_mib']:.1f} MiB", flush=True)
            end = await snapshot(server, client)
            await asyncio.sleep(args.settle_secs)
            settled = await snapshot(server, client)
    finally:
        server.stop()
    load = os.getloadavg()
    print(f"\nsoak — {args.calls} short calls + {args.hangups} random hang-ups, concurrency {args.concurrency}, "
          f"malloc {args.allocator}, "
          f"warm-up 2 calls (cold) + {args.warmup_calls + args.warmup_calls // 10} of the mix (start), "
          f"load average {load[0]:.2f} / {load[1]:.2f} / {load[2]:.2f}")
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"{'':18}{'cold':>10}{'start':>10}{'end':>10}{'settled':>10}  within {args.tolerance * 100:.0f} % of start")
    ok = True
    # The expected cache: the local TTS's sentence cache (at most 48 MiB) fills as calls say new
    # sentences; its growth is allowed on top of the tolerance.
    def cache_growth(base: dict[str, float]) -> float:
        return max(0.0, settled["sentence_cache_mib"] - base["sentence_cache_mib"])

    report_only = {"sentence_cache_mib": "(the expected cache)", "heap_allocated_mib": "(jemalloc: held)",
                   "heap_resident_mib": "(jemalloc: resident)"}
    for key in ("rss_mib", "anon_mib", "fds", "threads", "asyncio_tasks", "active_calls", "sentence_cache_mib",
                "heap_allocated_mib", "heap_resident_mib"):
        a, b, c = start[key], end[key], settled[key]
        allowed = a * (1 + args.tolerance) + (cache_growth(start) if key in ("rss_mib", "anon_mib") else 0)
        within = key in report_only or c <= allowed
        ok &= within
        print(f"{key:18}{cold[key]:10.0f}{a:10.0f}{b:10.0f}{c:10.0f}  "
              f"{report_only.get(key) or ('yes' if within else 'NO')}")
    for name, base in (("start", start), ("cold", cold)):
        growth = settled["rss_mib"] - base["rss_mib"] - cache_growth(base)
        print(f"RSS settled - {name} - sentence cache growth: {growth:+.0f} MiB ({growth / base['rss_mib'] * 100:+.1f} %)")
    return 0 if ok else 1


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=500)
    ap.add_argument("--hangups", type=int, default=50)
    ap.add_argument("--concurrency", type=int, default=4)
    ap.add_argument("--settle-secs", type=float, default=TRIM_WAIT_SECS)
    ap.add_argument("--tolerance", type=float, default=0.05)
    add_allocator_argument(ap)
    ap.add_argument("--settle-every", type=int, default=0,
                    help="pause after every this many calls (hang-ups included) for --settle-secs and print "
                         "the settled RSS there too, to find where in the run it grows; 0 = only at the end")
    ap.add_argument("--warmup-calls", type=int, default=20,
                    help="after the cold figure and before the start figure, this many calls of the mix "
                         "(and a tenth as many hang-ups) at --concurrency; 0 = start is the cold figure")
    sys.exit(asyncio.run(main(ap.parse_args())))
