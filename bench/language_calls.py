"""The en → es → en language switch through the phone path, as a success rate over N real calls.

Starts a gateway (``python -m gateway serve``) and places N real-time simulated calls, each
"I want to fly from Boston." → "Hola, quiero ir a Roma el quince de abril, por favor." → "Now
search from Miami to Atlanta tomorrow." → "That's all, thank you. Goodbye." (the WAV fixtures), and
prints per call and in total how many switched to Spanish on the Spanish turn, how many heard the
date (the Boston → Rome search ran), how many switched back to English, and how many did all three.
The switch logic itself is tested turn by turn in ``tests/test_language_pipeline.py``; this is how
often real (synthetic) audio gets it there. About 40 s per call.

Usage: ``python bench/language_calls.py --calls N``.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from testkit.server import GatewayServer, fixture  # noqa: E402

CALL_TURNS = ("en_origin_only", "es_rome_date", "en_new_search", "en_goodbye")


def call_log(log: str, call_sid: str) -> str:
    """The gateway log lines from this call's start to its end (the calls run one after another)."""
    lines = log.splitlines()
    start = next((i for i, line in enumerate(lines) if call_sid[:10] in line and "call started" in line), None)
    if start is None:
        return ""
    end = next((i for i in range(start, len(lines)) if call_sid[:10] in lines[i] and "call ended" in lines[i]),
               len(lines) - 1)
    return "\n".join(lines[start:end + 1])


def spanish_calls(n: int) -> int:
    """``--calls N``: the en → es → en call N times through a real gateway; prints the success rates."""
    from gateway.caller import SimulatedCaller, Turn

    server = GatewayServer(env={"LOG_LEVEL": "DEBUG", "WHISPER_MODEL": "base"})
    counts = {"switched to es": 0, "heard the date": 0, "back to en": 0, "all three": 0}
    print(f"{'call':5s} {'switch':7s} {'date':5s} {'back':5s} heard (Spanish turn)")
    try:
        for i in range(1, n + 1):
            turns = [Turn(fixture(stem)) for stem in CALL_TURNS]
            params = {"From": "+15551230000", "To": "+15559870000", "language": "en"}
            result = asyncio.run(SimulatedCaller(server.ws_url, turns, parameters=params).run())
            log = call_log(server.log(), result.call_sid)
            switched = "language switch en -> es" in log
            dated = "search_flights BOS->ROM" in log
            back = "language switch es -> en" in log
            heard = [m[1] for m in re.findall(r"heard: (['\"])(.*?)\1$", log, re.M)]
            spanish = heard[1] if len(heard) > 1 else "?"
            for key, ok in (("switched to es", switched), ("heard the date", dated), ("back to en", back),
                            ("all three", switched and dated and back)):
                counts[key] += ok
            print(f"{i:<5d} {'yes' if switched else 'no':7s} {'yes' if dated else 'no':5s} "
                  f"{'yes' if back else 'no':5s} {spanish}")
            sys.stdout.flush()
    finally:
        server.stop()
    print()
    for key, k in counts.items():
        print(f"{key:16s} {k}/{n} ({k / n:.0%})")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=5, help="how many real-time calls to place")
    return spanish_calls(ap.parse_args(argv).calls)


if __name__ == "__main__":
    raise SystemExit(main())
