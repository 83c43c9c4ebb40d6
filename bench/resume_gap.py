"""False interruptions on the wire: how long a backchannel or a cough leaves the caller in silence.

Starts ``python -m gateway serve`` on 127.0.0.1 and places simulated calls: a full request, then,
while the bot reads the flights, one of the interruption fixtures spoken over it. For each it
prints, from the caller's side of the wire:

- onset → ``clear`` (the fast clear every barge-in gets);
- ``clear`` → first resumed audio (the silence the caller hears: the gap at the resume);
- end of the caller's sound → first resumed audio;
- what the gateway made of it, per call (resumed, a real interruption with its transcript, or no
  ``clear`` at all); the resume figures are over the calls that resumed.

It also prints the hold-then-clear alternative's cost, from the same calls: holding the ``clear``
until the words are known would leave the bot talking over a real barge-in from onset until the
verdict, estimated as (caller's sound) + VAD stop (0.2 s) + the Whisper latency the gateway logged
for that segment.

Usage: ``python bench/resume_gap.py [--rounds 2] [--cases en_backchannel,en_cough]``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.turn_latency import line  # noqa: E402
from gateway.caller import SimulatedCaller, Turn  # noqa: E402
from testkit.server import GatewayServer, fixture  # noqa: E402

#: ms after the flight list starts (the utterance after the filler): inside its second sentence
BARGE_HEARD_MS = 2600 + 5200  # see tests/test_resume_e2e.py
VAD_STOP_SECS = 0.2
CASES = ["en_backchannel", "en_backchannel_okay", "en_cough", "es_cough", "en_wait_no_tuesday"]


def resume_figures(result, barge: dict) -> dict:
    """Onset→clear, clear→resume and speech-end→resume (s) for the barge-in turn ``barge``."""
    clear = next((t for t in result.times("clear") if t >= barge["speech_start"]), None)
    after = clear if clear is not None else barge["speech_start"]
    first = next((t for t in result.times("media_in") if t > after + 0.05), None)
    return {
        "clear": None if clear is None else clear - barge["speech_start"],
        "gap": None if first is None or clear is None else first - clear,
        "end_to_resume": None if first is None else first - barge["speech_end"],
    }


def outcome(log: str, cleared: bool) -> str:
    """What the gateway made of the barge-in, from its log lines for this call."""
    if not cleared:
        return "no clear (the list went on)"
    resumed = re.search(r"false interruption \(([^)]*)\)", log)
    if resumed:
        return f"resumed ({resumed.group(1)})"
    if "real interruption (" in log:  # the server runs at DEBUG: the words are logged too
        heard = re.search(r"real interruption heard: (.*)", log)
        # the day searched after it (a "no, Tuesday" should search a Tuesday)
        days = [date.fromisoformat(d).strftime("%A")
                for d in re.findall(r"search_flights \S+ (\d{4}-\d{2}-\d{2}):", log)]
        searched = f", then searched {days[-1]}" if len(days) >= 2 else ", no new search"
        return f"real interruption {heard.group(1) if heard else '(words not logged)'}{searched}"
    return "stopped, no verdict logged"


async def one(server: GatewayServer, stem: str) -> dict:
    before = len(server.log())
    turns = [Turn(fixture("en_greeting_request")), Turn(fixture(stem), barge_in_heard_ms=BARGE_HEARD_MS)]
    result = await SimulatedCaller(server.ws_url, turns, hangup_after_s=20, quiet_ms=1500).run()
    if len(result.turns) < 2:  # the bot never reached the list: nothing to barge into
        print(f"{stem}: the bot did not reach the flight list in time; no barge-in")
        return {"clear": None, "gap": None, "end_to_resume": None, "hold_then_clear": None,
                "outcome": "the list was never reached"}
    figures = resume_figures(result, result.turns[1])
    log = server.log()[before:]
    figures["outcome"] = outcome(log, figures["clear"] is not None)
    latencies = re.findall(r"transcribed \d+ chars.* in ([\d.]+)s|no speech in segment", log)
    barge = result.turns[1]
    stt = [float(x) for x in latencies if x]
    figures["hold_then_clear"] = (barge["speech_end"] - barge["speech_start"] + VAD_STOP_SECS + stt[-1]
                                  if len(stt) >= 2 else None)
    return figures


async def main(rounds: int, cases: list[str]) -> None:
    load_at_start = os.getloadavg()[0]
    server = GatewayServer(env={"LOG_LEVEL": "DEBUG"})
    figures: dict[str, list[dict]] = {c: [] for c in cases}
    try:
        for _ in range(rounds):
            for stem in cases:
                figures[stem].append(await one(server, stem))
        log = server.log()
    finally:
        server.stop()
    load = os.getloadavg()
    print(f"\nfalse interruptions — {rounds} round(s), local profile, 2-core CPU shared; load average "
          f"{load_at_start:.1f} at the start, {load[0]:.1f} (1 min) at the end")
    for stem, rows in figures.items():
        outcomes = Counter(r["outcome"] for r in rows)
        print(f"{stem}: " + "; ".join(f"{n}x {o}" for o, n in outcomes.items()))
        resumed = [r for r in rows if r["outcome"].startswith("resumed")]
        print("  " + line("onset -> clear", [r["clear"] * 1000 for r in rows if r["clear"] is not None]))
        for key, label in (("gap", "resumed: clear -> resumed audio"),
                           ("end_to_resume", "resumed: end of caller sound -> resumed audio")):
            print("  " + line(label, [r[key] * 1000 for r in resumed if r[key] is not None]))
        others = [r for r in rows if r["outcome"].startswith("real")]
        if others:
            print("  " + line("real: end of caller sound -> next audio",
                              [r["end_to_resume"] * 1000 for r in others if r["end_to_resume"] is not None]))
        print("  " + line("hold-then-clear: onset -> clear (estimate)",
                          [r["hold_then_clear"] * 1000 for r in rows if r["hold_then_clear"] is not None]))
    print(f"resumes logged: {log.count('false interruption (')}; real interruptions: {log.count('real interruption (')}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--cases", default=",".join(CASES), help="fixture stems to barge in with (comma-separated)")
    args = ap.parse_args()
    asyncio.run(main(args.rounds, [c for c in args.cases.split(",") if c]))
