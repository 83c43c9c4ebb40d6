"""Turn latency of the offline pipeline, measured on the wire like a caller would.

Starts ``python -m gateway serve`` on 127.0.0.1, places N simulated calls one after another (each:
a greeting, an origin, a lone city, a lone day, a yes, a route, a date, a barge-in and a closing),
and prints p50/p95 of

- end of caller speech → first bot audio on the wire (``media`` received by the caller), over all
  turns and per turn type (greeting, request, one-word city/day, yes/no, date, closing),
- caller onset → ``clear`` during barge-in,
- the per-stage breakdown the gateway logs for each turn (STT, turn decision, brain, TTS first
  audio, to wire).

Usage: ``python bench/turn_latency.py [--calls 4] [--concurrency 1]``. With ``--concurrency 4`` the
calls run at the same time (models are shared; figures then include CPU contention on 2 cores).

``--dead-providers``: the live flight providers fail instead (fake Amadeus hangs, fake SerpApi
answers 500; per-provider timeout 4 s, deadline 6 s) and each call is one full request; printed:
end of caller speech → the filler ("Let me check…") and → the answer (live fares unavailable, then
timetable flights), against the 6 s deadline. ``tests/test_flight_fallback_e2e.py`` checks what
the caller hears in that case; this prints how soon.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402
from gateway.caller import SimulatedCaller, Turn  # noqa: E402
from testkit.fake_vendors import FakeAmadeus, FakeSerpApi, VendorLoop, dead_providers_env  # noqa: E402
from testkit.server import GatewayServer, fixture  # noqa: E402

#: (fixture, turn type); the bot's answers: where from and to? → where to? → what day? → flights,
#: anything else? → where from and to? → what day? → flights (barged in) → … → goodbye.
SCRIPT_TYPES = [
    ("en_hello", "greeting"),
    ("en_origin_only", "request"),
    ("en_lone_city", "one-word city"),
    ("en_lone_day", "one-word day"),
    ("en_yes", "yes/no"),
    ("en_route_only", "request"),
    ("en_date_only", "date"),
    ("en_barge_in", "barge-in"),
    ("en_thanks_bye", "closing"),
]
SCRIPT = [Turn(fixture(stem), barge_in_ms=700 if kind == "barge-in" else None) for stem, kind in SCRIPT_TYPES]
TURN_TYPE = {fixture(stem): kind for stem, kind in SCRIPT_TYPES}


def line(name: str, values: list[float], unit: str = "ms") -> str:
    if not values:
        return f"{name:<44} n=0"
    return (f"{name:<44} n={len(values):<3} p50={pct(values, .5):7.0f}{unit}  p95={pct(values, .95):7.0f}{unit}"
            f"  max={max(values):7.0f}{unit}")


async def one_call(url: str) -> tuple[list[tuple[str, float]], list[float], int, bool]:
    result = await SimulatedCaller(url, SCRIPT, hangup_after_s=6).run()
    waits, clears = [], []
    answered = all(result.first_audio_after(t["speech_end"]) is not None
                   for t in result.turns if t["barge_in_ms"] is None)
    for turn in result.turns:
        if turn["barge_in_ms"] is None:
            first = result.first_audio_after(turn["speech_end"])
            if first is not None:
                waits.append((TURN_TYPE.get(turn["wav"], "other"), (first - turn["speech_end"]) * 1000))
        else:
            c = next((t for t in result.times("clear") if t > turn["speech_start"]), None)
            if c is not None:
                clears.append((c - turn["speech_start"]) * 1000)
    self_clears = sum(1 for t in result.times("clear")
                      if not any(x["speech_start"] <= t <= x["speech_end"] + 2 for x in result.turns))
    return waits, clears, self_clears, answered


async def main(calls: int, concurrency: int, root: Path | None = None) -> None:
    load_at_start = os.getloadavg()[0]
    server = GatewayServer(env={"LOG_LEVEL": "INFO"}, root=root)
    try:
        waits, clears, self_clears, answered = [], [], 0, 0
        remaining = calls
        while remaining > 0:
            batch = min(concurrency, remaining)
            results = await asyncio.gather(*(one_call(server.ws_url) for _ in range(batch)))
            for w, c, s, a in results:
                waits += w
                clears += c
                self_clears += s
                answered += a
            remaining -= batch
        stages: dict[str, list[float]] = {}
        for m in re.finditer(r"turn timing (.*)", server.log()):
            for k, v in re.findall(r"(\w+)=([\d.]+)ms", m.group(1)):
                stages.setdefault(k, []).append(float(v))
    finally:
        server.stop()
    load = os.getloadavg()
    print(f"\nturn latency — {calls} calls, concurrency {concurrency}, 2-core CPU, local profile, "
          f"load average {load_at_start:.1f} at the start, {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
          f"(1/5/15 min) at the end")
    print(f"{'calls answered at every turn':<44} {answered}/{calls}")
    print(line("end of caller speech -> first bot audio", [w for _, w in waits]))
    print("per turn type (end of caller speech -> first bot audio):")
    for kind in dict.fromkeys(k for _, k in SCRIPT_TYPES if k != "barge-in"):
        print("  " + line(kind, [w for k, w in waits if k == kind]))
    print(line("barge-in onset -> clear", clears))
    print(f"{'clears not caused by caller speech':<44} {self_clears}")
    print("per-stage (gateway side):")
    for k in ("stt", "turn_decision", "brain", "tts_first_audio", "to_wire", "speech_end_to_wire"):
        print("  " + line(k, stages.get(k, [])))


DEADLINE_SECS = 6.0


def dead_providers(calls: int) -> None:
    """``--dead-providers``: request → filler and request → answer when every live provider fails."""
    vendors = VendorLoop()
    amadeus = vendors.run(FakeAmadeus().start())
    serp = vendors.run(FakeSerpApi().start())
    amadeus.delay = float("inf")
    serp.fail_next(500, times=10**6)
    server = GatewayServer(env={"LOG_LEVEL": "INFO", **dead_providers_env(
        amadeus, serp, provider_timeout_secs=4, deadline_secs=DEADLINE_SECS)})
    fillers, answers, unanswered = [], [], 0
    try:
        for _ in range(calls):
            result = asyncio.run(SimulatedCaller(server.ws_url, [Turn(fixture("en_greeting_request"))],
                                                 hangup_after_s=20).run())
            end = result.turns[0]["speech_end"]
            after = [u for u in result.bot if u.start > end]  # filler, then (after a pause) the answer
            if len(after) < 2:
                unanswered += 1
                continue
            fillers.append((after[0].start - end) * 1000)
            answers.append((after[1].start - end) * 1000)
    finally:
        server.stop()
        vendors.run(amadeus.close())
        vendors.run(serp.close())
        vendors.stop()
    print(f"\nall live providers failing — {calls} calls, deadline {DEADLINE_SECS:.0f} s, 2-core CPU")
    print(f"{'calls without filler + answer':<44} {unanswered}/{calls}")
    print(line("end of caller speech -> filler", fillers))
    print(line("end of caller speech -> answer", answers))
    within = sum(a <= DEADLINE_SECS * 1000 for a in answers)
    print(f"{'answers within the deadline':<44} {within}/{len(answers)}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calls", type=int, default=4)
    ap.add_argument("--concurrency", type=int, default=1)
    ap.add_argument("--root", type=Path, help="source tree of the gateway to measure (e.g. a worktree of an "
                    "older commit; default this checkout): the same calls against other code")
    ap.add_argument("--dead-providers", action="store_true",
                    help="every live flight provider fails: time to the filler and to the timetable answer")
    a = ap.parse_args()
    if a.dead_providers:
        dead_providers(a.calls)
    else:
        asyncio.run(main(a.calls, a.concurrency, a.root))
