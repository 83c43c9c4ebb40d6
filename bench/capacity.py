"""Capacity of one gateway process: how many talking and listening calls it holds within targets.

Starts ``python -m gateway serve`` on 127.0.0.1 (local profile) and places simulated calls on
loopback, each the way Twilio would: ``POST /twilio/voice`` (the TwiML says ``<Connect><Stream>`` or
the busy message), then the Media Streams WebSocket driven by :class:`gateway.caller.SimulatedCaller`.

Mixes (issue 14):

- **talking** — N calls, starts spread over a few seconds, each a full booking conversation
  (request → new route → date → barge-in "Wait, stop." → goodbye) with a per-call think time;
- **listening** — M calls streaming line noise and silence for ``--listen-secs`` (the idle re-prompt
  and hang-up are off for the bench: ``IDLE_REPROMPT_SECS=0``); one call in five
  also says one short utterance and expects an answer.

Per step it prints and writes (``--out``, default ``bench/results/capacity.md``):

- turn latency p50/p95/max: end of caller speech → first bot ``media`` on the wire (ms),
- barge-in onset → ``clear`` p95 (ms),
- calls answered at every turn / calls admitted / refused (busy TwiML),
- late outbound frames: the caller's playback (Twilio's buffer, modelled from the bot ``media``
  messages' arrival times and lengths) standing still for ≥ 20 ms inside a sentence (no ``mark``
  between the two messages; the gateway sends a mark behind each sentence's audio) — a stutter the
  caller hears. Audio sent ahead of real time (``AUDIO_OUT_LEAD_MS``) fills the buffer, so a late
  message is only a gap once the buffer has run dry. Playback standing still *between* sentences
  (a mark between the two messages: the next sentence or the answer after the filler was not ready
  yet) is counted apart, as sentence pauses; a gap with a ``clear`` in it is neither (a barge-in
  cut the bot off, and the next audio is another reply). Gaps during which the bench's own event
  loop stalled (a lag sample of ≥ 20 ms covering at least half the gap) are counted as gaps and
  also named: the simulated callers read the audio late, which the gateway may not have sent late,
- gateway event-loop lag p99 (from the ``gateway_event_loop_lag_seconds`` histogram, so a bucket
  bound: "≤ 50 ms"), and the bench's own loop lag p99 and max (if high, the callers are late, not
  the gateway),
- CPU per call-minute (gateway process CPU s / call-minute) and RSS per call (peak RSS growth over
  the step / calls, MiB).

It ends with the largest N and M meeting the targets: talking — turn p95 ≤ 2.0 s, every admitted
call answered at every turn, barge-in p95 ≤ 0.4 s, no late frames; listening — loop lag p99 ≤ 50 ms,
no stream cut by the gateway, every utterance answered.

The gateway runs on jemalloc (``LD_PRELOAD``, as the container image and ``make serve`` run it)
when Debian's ``libjemalloc2`` is installed; ``--allocator glibc`` runs it on glibc's malloc (the
tables before 6 December were measured so).

``--overload N`` adds a step of N talking calls against a second server with the admission limits
on (``--limit`` calls, default from settings): refused calls hear the busy message, and the admitted
calls' latency is printed.

Usage::

    python bench/capacity.py                       # full table (≈ 15–20 min on 2 cores)
    python bench/capacity.py --talking 1,2 --listening 10 --listen-secs 20   # quick check
    python bench/capacity.py --gateway-root /work/main                        # measure another tree

Loopback only; the fixtures in tests/fixtures are read, never written. Line noise is generated.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import numpy as np
import soundfile as sf

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import pct  # noqa: E402
from gateway.caller import RATE_HZ, SimulatedCaller, Turn  # noqa: E402
from gateway.memory import jemalloc_library  # noqa: E402
from testkit.server import GatewayServer  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures"
TARGETS = {"turn_p95_ms": 2000, "clear_p95_ms": 400, "loop_lag_p99_ms": 50}
#: playback standing still this long inside a sentence is a gap the caller hears (with Pipecat's
#: real-time pacing of 40 ms chunks: a message 60 ms after the one before)
DRY_S = 0.020
REPLY_GAP_S = 0.5


def fixture(name: str) -> str:
    return str(FIXTURES / f"{name}.wav")


TALKING_SCRIPT = [
    Turn(fixture("en_greeting_request")),
    Turn(fixture("en_route_only")),
    Turn(fixture("en_date_only")),
    Turn(fixture("en_barge_in"), barge_in_ms=700),
    Turn(fixture("en_goodbye")),
]


# --- the server --------------------------------------------------------------------------------
class Server(GatewayServer):
    """The test gateway (:class:`testkit.server.GatewayServer`) at INFO, with CPU, RSS and metrics probes."""

    def __init__(self, root: Path, env: dict[str, str], log_path: Path):
        super().__init__({"LOG_LEVEL": "INFO", **env}, root=root, log_path=log_path)

    def cpu_secs(self) -> float:
        """utime + stime of the server process (s), from /proc/PID/stat."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss_mib(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    async def metrics(self, client: httpx.AsyncClient) -> str:
        try:
            return (await client.get(f"{self.base}/metrics", timeout=5)).text
        except httpx.HTTPError:
            return ""


def add_allocator_argument(ap: argparse.ArgumentParser) -> None:
    """``--allocator {jemalloc,glibc}`` (default jemalloc when installed, as shipped)."""
    ap.add_argument("--allocator", choices=("jemalloc", "glibc"), default="jemalloc" if jemalloc_library() else "glibc",
                    help="the gateway's malloc: jemalloc (LD_PRELOAD, as shipped; the default when installed) or glibc")


def allocator_env(allocator: str) -> dict[str, str] | None:
    """The gateway environment for ``allocator``: ``LD_PRELOAD`` of Debian's jemalloc, as the image
    and ``make serve`` run it, or nothing for glibc; ``None`` (after saying so) if jemalloc is asked
    for and not installed."""
    if allocator != "jemalloc":
        return {}
    if not jemalloc_library():
        print("jemalloc not installed (apt-get install libjemalloc2); use --allocator glibc", file=sys.stderr)
        return None
    return {"LD_PRELOAD": jemalloc_library()}


def histogram(text: str, name: str) -> dict[float, float]:
    """Cumulative bucket counts ``{le: count}`` of a Prometheus histogram in exposition ``text``."""
    out: dict[float, float] = {}
    for m in re.finditer(rf'^{name}_bucket\{{le="([^"]+)"\}} ([\d.e+]+)$', text, re.M):
        out[float(m.group(1))] = float(m.group(2))
    return out


def histogram_quantile(before: dict[float, float], after: dict[float, float], q: float) -> float | None:
    """Upper bucket bound (s) holding the ``q`` quantile of the samples between two scrapes."""
    if not after:
        return None
    delta = {le: after[le] - before.get(le, 0.0) for le in sorted(after)}
    total = delta.get(float("inf"), 0.0)
    if total <= 0:
        return None
    for le, count in delta.items():
        if count >= q * total:
            return le
    return float("inf")


# --- audio the bench makes ---------------------------------------------------------------------
def make_line_audio(directory: Path, seed: int = 7) -> dict[str, str]:
    """WAVs (8 kHz PCM16) of line noise (-50 dBFS hiss with a little hum) and of digital silence."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE_HZ * 4.0)) / RATE_HZ
    noise = rng.normal(0, 0.003, t.size) + 0.002 * np.sin(2 * np.pi * 60 * t)
    paths = {"noise": directory / "line_noise_4s.wav", "silence": directory / "silence_3s.wav"}
    sf.write(str(paths["noise"]), (noise * 32767).astype(np.int16), RATE_HZ, subtype="PCM_16")
    sf.write(str(paths["silence"]), np.zeros(RATE_HZ * 3, dtype=np.int16), RATE_HZ, subtype="PCM_16")
    return {k: str(v) for k, v in paths.items()}


class ListeningCaller(SimulatedCaller):
    """A caller who mostly does not talk: its next 'turn' (noise or silence) follows as soon as the
    bot is quiet, without waiting for the bot to have said something — except after one of its
    ``talking`` turns (indexes into ``turns``): a caller who asked something waits for the answer."""

    def __init__(self, *args, talking: set[int] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._talking = set(talking or ())

    async def _wait_bot_done(self) -> bool:
        if len(self.result.turns) - 1 in self._talking:  # the turn just spoken asked something
            return await super()._wait_bot_done()
        while not self._closed.is_set():
            if not self.bot_playing and (self._now() - self._last_bot_audio) * 1000 >= self.quiet_ms:
                return True
            await asyncio.sleep(0.02)
        return False


# --- one call ----------------------------------------------------------------------------------
@dataclass
class CallOutcome:
    admitted: bool
    waits_ms: list[float] = field(default_factory=list)
    clears_ms: list[float] = field(default_factory=list)
    answered_all: bool = False
    expected_answers: int = 0
    late_frames: int = 0
    gaps_ms: list[float] = field(default_factory=list)
    #: each gap's playback standing still, (start, end) in wall-clock seconds (``time.time()``)
    gap_windows: list[tuple[float, float]] = field(default_factory=list)
    sentence_pauses: int = 0
    pauses_ms: list[float] = field(default_factory=list)
    bot_secs: float = 0.0
    cut_by_gateway: bool = False
    duration_s: float = 0.0
    error: str = ""


def analyse(result, talking_turns: set[int]) -> CallOutcome:
    """Figures of one finished call; ``talking_turns`` = indexes of the turns that expect an answer."""
    out = CallOutcome(admitted=True, duration_s=result.duration)
    answered = True
    for i, turn in enumerate(result.turns):
        if turn["barge_in_ms"] is not None:
            c = next((t for t in result.times("clear") if t > turn["speech_start"]), None)
            if c is not None:
                out.clears_ms.append((c - turn["speech_start"]) * 1000)
            continue
        if i not in talking_turns:
            continue
        out.expected_answers += 1
        nxt = result.turns[i + 1]["speech_start"] if i + 1 < len(result.turns) else float("inf")
        first = result.first_audio_after(turn["speech_end"])
        if first is None or first > nxt:
            answered = False
        else:
            out.waits_ms.append((first - turn["speech_end"]) * 1000)
    media = result.times("media_in")
    # every call hears the greeting; a call that heard nothing was not served, utterance or not
    out.answered_all = answered and len(result.turns) >= len(talking_turns) and bool(media)
    marks = result.times("mark_out")
    clears = result.times("clear")
    # The caller's playback, as Twilio's: each message plays for its length (8 kHz μ-law, a byte a
    # sample) once the one before it has played; audio sent ahead waits in the buffer.
    chunks = [(t, d["bytes"] / RATE_HZ) for t, kind, d in result.events if kind == "media_in"]
    play_end = 0.0
    for (a, _), (b, length) in zip([(None, 0.0)] + chunks, chunks):
        dry = b - play_end  # playback stood still this long before b (the first chunk: skipped below)
        play_end = max(b, play_end) + length
        if a is None or any(a <= c <= b for c in clears):
            play_end = b + length  # a barge-in cut the bot off (buffer cleared): another reply follows
            continue
        if b - a >= REPLY_GAP_S:
            continue  # the next reply
        out.bot_secs += b - a
        if dry >= DRY_S:
            if any(a <= m <= b for m in marks):  # a sentence ended between them
                out.sentence_pauses += 1
                out.pauses_ms.append(dry * 1000)
            else:
                out.late_frames += 1
                out.gaps_ms.append(dry * 1000)
                out.gap_windows.append((result.wall_t0 + b - dry, result.wall_t0 + b))
    out.cut_by_gateway = result.closed_by_gateway  # only a goodbye ends a call from the gateway's side
    return out


async def place(server: Server, client: httpx.AsyncClient, caller: SimulatedCaller,
                talking_turns: set[int], delay_s: float) -> CallOutcome:
    """Wait ``delay_s``, ring the voice webhook, and run the call if the TwiML connects a stream."""
    await asyncio.sleep(delay_s)
    sid = caller.result.call_sid
    try:
        twiml = (await client.post(f"{server.base}/twilio/voice", timeout=10,
                                   data={"CallSid": sid, "From": "+15551230000", "To": "+15559870000"})).text
    except httpx.HTTPError as e:
        return CallOutcome(admitted=False, error=f"webhook: {e}")
    if "<Stream" not in twiml:
        return CallOutcome(admitted=False)
    try:
        result = await caller.run()
    except Exception as e:  # a call that fails is a figure, not the end of the bench
        return CallOutcome(admitted=True, error=f"{type(e).__name__}: {e}")
    return analyse(result, talking_turns)


# --- one step ----------------------------------------------------------------------------------
async def warm_up(server: Server) -> None:
    """One call first, not counted: the first call allocates what every later call reuses."""
    async with httpx.AsyncClient() as client:
        await place(server, client, SimulatedCaller(server.ws_url, TALKING_SCRIPT[:1], hangup_after_s=3), {0}, 0)


class BenchLoopLag:
    """Lag of the bench's own event loop (the callers' 20 ms clocks run on it): ``samples`` in
    seconds, ``stalls`` each sample's ``(start, end)`` in wall-clock seconds (``time.time()``)."""

    def __init__(self):
        self.samples: list[float] = []
        self.stalls: list[tuple[float, float]] = []
        self._task: asyncio.Task | None = None

    async def _run(self):
        while True:
            t = time.monotonic() + 0.05
            await asyncio.sleep(0.05)
            lag = time.monotonic() - t
            self.samples.append(lag)
            if lag >= DRY_S:
                now = time.time()
                self.stalls.append((now - lag, now))

    def overlaps(self, window: tuple[float, float]) -> bool:
        """Whether a stall of this loop covers at least half of ``window`` (a gap's wall times):
        the caller's side read the audio late, the gateway did not send it late."""
        start, end = window
        return any(min(end, b) - max(start, a) >= (end - start) / 2 for a, b in self.stalls)

    def __enter__(self):
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc):
        self._task.cancel()


async def run_step(server: Server, mix: str, n: int, args, noise: dict[str, str]) -> dict:
    """Place ``n`` calls of ``mix`` (``talking`` | ``listening``) at once (spread starts); figures."""
    rng = random.Random(1000 + n + (0 if mix == "talking" else 500))
    async with httpx.AsyncClient() as client:
        m0 = await server.metrics(client)
        cpu0, rss0 = server.cpu_secs(), server.rss_mib()
        peak = rss0
        tasks = []
        for i in range(n):
            if mix == "talking":
                caller = SimulatedCaller(server.ws_url, TALKING_SCRIPT, quiet_ms=rng.randint(1200, 3000),
                                         hangup_after_s=6, turn_timeout_s=20)
                talking = {0, 1, 2, 4}
                delay = rng.uniform(0, args.spread_secs)
            else:
                turns, talking, t = [], set(), 0.0
                speaks_at = args.listen_secs * rng.uniform(0.3, 0.6) if i % 5 == 0 else None
                while t < args.listen_secs:
                    if speaks_at is not None and t >= speaks_at:
                        talking.add(len(turns))
                        turns.append(Turn(fixture("en_date_only")))
                        speaks_at = None
                        t += 2.0
                    kind = rng.choice(["noise", "silence"])
                    turns.append(Turn(noise[kind]))
                    t += 4.0 if kind == "noise" else 3.0
                caller = ListeningCaller(server.ws_url, turns, quiet_ms=300, hangup_after_s=0.5,
                                         turn_timeout_s=20, talking=talking)
                delay = rng.uniform(0, args.spread_secs * 2)
            tasks.append(asyncio.create_task(place(server, client, caller, talking, delay)))
        started = time.monotonic()
        with BenchLoopLag() as bench_lag:
            while not all(t.done() for t in tasks):
                peak = max(peak, server.rss_mib())
                await asyncio.sleep(0.5)
                if time.monotonic() - started > args.step_timeout_secs:
                    for t in tasks:
                        t.cancel()
                    break
        outcomes = [t.result() for t in tasks if t.done() and not t.cancelled()]
        wall = time.monotonic() - started
        cpu = server.cpu_secs() - cpu0
        m1 = await server.metrics(client)
    admitted = [o for o in outcomes if o.admitted]
    call_minutes = sum(o.duration_s for o in admitted) / 60
    waits = [w for o in admitted for w in o.waits_ms]
    clears = [c for o in admitted for c in o.clears_ms]
    lag = histogram_quantile(histogram(m0, "gateway_event_loop_lag_seconds"),
                             histogram(m1, "gateway_event_loop_lag_seconds"), 0.99)
    stt_wait = histogram_quantile(histogram(m0, "gateway_stt_queue_wait_seconds"),
                                  histogram(m1, "gateway_stt_queue_wait_seconds"), 0.95)
    return {
        "mix": mix, "n": n, "admitted": len(admitted), "refused": sum(1 for o in outcomes if not o.admitted),
        "errors": [o.error for o in outcomes if o.error][:3], "unfinished": len(tasks) - len(outcomes),
        "answered_all": sum(1 for o in admitted if o.answered_all and not o.error),
        "turns": len(waits), "turn_p50": pct(waits, .5), "turn_p95": pct(waits, .95),
        "turn_max": max(waits) if waits else float("nan"),
        "clears": len(clears), "clear_p95": pct(clears, .95), "clears_ms": sorted(clears),
        "late_frames": sum(o.late_frames for o in admitted),
        "late_gap_p50": pct([g for o in admitted for g in o.gaps_ms], .5),
        "late_gap_max": max([g for o in admitted for g in o.gaps_ms], default=float("nan")),
        "gaps_bench_stalled": sum(1 for o in admitted for w in o.gap_windows if bench_lag.overlaps(w)),
        "pauses": sum(o.sentence_pauses for o in admitted),
        "pause_p50": pct([g for o in admitted for g in o.pauses_ms], .5),
        "pause_max": max([g for o in admitted for g in o.pauses_ms], default=float("nan")),
        "bot_minutes": sum(o.bot_secs for o in admitted) / 60,
        "cut": sum(1 for o in admitted if o.cut_by_gateway) if mix == "listening" else 0,
        "loop_lag_p99": None if lag is None else lag * 1000,
        "stt_wait_p95": None if stt_wait is None else stt_wait * 1000,
        "bench_lag_p99": pct(bench_lag.samples, .99) * 1000,
        "bench_lag_max": max(bench_lag.samples, default=float("nan")) * 1000,
        "cpu_per_call_min": cpu / call_minutes if call_minutes else float("nan"),
        "cpu_util": cpu / wall,
        "rss_per_call": (peak - rss0) / max(1, len(admitted)), "rss_peak": peak, "wall": wall,
    }


def meets(row: dict) -> bool:
    """The targets of the row's mix. A row past the admission limit (``limit`` set) meets them when
    no call beyond the limit was admitted, every other call heard the busy message, and the admitted
    calls meet the talking targets (the calls in progress keep their latency)."""
    if row["unfinished"] or row["errors"]:
        return False
    limit = row.get("limit")
    if limit is None:
        if row["admitted"] < row["n"]:
            return False
    elif row["admitted"] > limit or row["admitted"] + row["refused"] != row["n"]:
        return False
    if row["mix"].startswith("talking"):
        return (row["answered_all"] == row["admitted"] and row["turn_p95"] <= TARGETS["turn_p95_ms"]
                and (row["clear_p95"] <= TARGETS["clear_p95_ms"]) and row["late_frames"] == 0)
    lag = row["loop_lag_p99"]
    return (lag is not None and lag <= TARGETS["loop_lag_p99_ms"] and row["cut"] == 0
            and row["answered_all"] == row["admitted"])


def le(v, top_ms: float) -> str:
    """A histogram quantile as '≤ bucket' (ms), or '> top bucket' when it fell past the last one."""
    if v == float("inf"):
        return f"> {top_ms:.0f}"
    return f"≤ {fmt(v)}"


def fmt(v, spec=".0f", unit="") -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "–"
    if v == float("inf"):
        return "> 2.5 s"
    return f"{v:{spec}}{unit}"


HEADER = ("| mix | calls | admitted / refused | answered every turn | turn p50 / p95 / max (ms) | "
          "barge-in → clear p95 (ms) | gaps in a sentence, playback dry ≥ 20 ms (per bot-min) | pauses between sentences ≥ 20 ms | loop lag p99 (ms, ≤ bucket) | "
          "STT queue wait p95 (ms, ≤ bucket) | bench loop lag p99 (ms) | CPU s per call-min | "
          "RSS per call (MiB) | meets target |")


def row_md(r: dict) -> str:
    late = f"{r['late_frames']}" + (f" ({r['late_frames'] / r['bot_minutes']:.1f})" if r["bot_minutes"] else "")
    if r.get("gaps_bench_stalled"):
        late += f", {r['gaps_bench_stalled']} while the bench's loop stalled"
    return (f"| {r['mix']} | {r['n']} | {r['admitted']} / {r['refused']} | {r['answered_all']}/{r['admitted']} | "
            f"{fmt(r['turn_p50'])} / {fmt(r['turn_p95'])} / {fmt(r['turn_max'])} | {fmt(r['clear_p95'])} | "
            f"{late} | {r['pauses']} | {le(r['loop_lag_p99'], 2500)} | {le(r['stt_wait_p95'], 5000)} | {fmt(r['bench_lag_p99'])} | "
            f"{fmt(r['cpu_per_call_min'], '.1f')} | {fmt(r['rss_per_call'], '.1f')} | "
            f"{'yes' if meets(r) else 'no'} |")


def print_row(r: dict) -> None:
    print(f"\n[{r['mix']} × {r['n']}]  {r['wall']:.0f} s wall, gateway CPU {r['cpu_util'] * 100:.0f} % of one core, "
          f"peak RSS {r['rss_peak']:.0f} MiB")
    print(f"  admitted {r['admitted']}, refused (busy TwiML) {r['refused']}, unfinished {r['unfinished']}, "
          f"errors {r['errors'] or 0}")
    print(f"  calls answered at every turn           {r['answered_all']}/{r['admitted']}")
    print(f"  end of speech -> first audio           n={r['turns']} p50={fmt(r['turn_p50'])} ms  "
          f"p95={fmt(r['turn_p95'])} ms  max={fmt(r['turn_max'])} ms")
    print(f"  barge-in onset -> clear                n={r['clears']} p95={fmt(r['clear_p95'])} ms  "
          f"(each: {', '.join(f'{c:.0f}' for c in r.get('clears_ms', [])) or '–'})")
    print(f"  gaps in a sentence (dry >= 20 ms)      {r['late_frames']} in {r['bot_minutes']:.1f} bot-minutes "
          f"(dry p50 {fmt(r['late_gap_p50'])} ms, max {fmt(r['late_gap_max'])} ms; "
          f"{r.get('gaps_bench_stalled', 0)} while the bench's own loop stalled)")
    print(f"  pauses between sentences (>= 20 ms)    {r['pauses']} (p50 {fmt(r['pause_p50'])} ms, "
          f"max {fmt(r['pause_max'])} ms)")
    print(f"  streams cut by the gateway             {r['cut']}")
    print(f"  gateway event-loop lag p99             {le(r['loop_lag_p99'], 2500)} ms "
          f"(bench's own loop p99 {fmt(r['bench_lag_p99'])} ms, max {fmt(r.get('bench_lag_max'))} ms)")
    print(f"  STT queue wait p95                     {le(r['stt_wait_p95'], 5000)} ms")
    print(f"  CPU per call-minute                    {fmt(r['cpu_per_call_min'], '.1f')} CPU-s")
    print(f"  RSS per call                           {fmt(r['rss_per_call'], '.1f')} MiB")
    print(f"  meets target                           {'yes' if meets(r) else 'NO'}")


async def main(args) -> int:
    root = Path(args.gateway_root).resolve()
    out_path = Path(args.out)
    talking = [int(x) for x in args.talking.split(",") if x]
    listening = [int(x) for x in args.listening.split(",") if x]
    load0 = os.getloadavg()
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip() or "?"
    rows: list[dict] = []
    overload = None

    def write_table(final: bool) -> str:
        load1 = os.getloadavg()
        best_n = max((r["n"] for r in rows if r["mix"] == "talking" and meets(r)), default=0)
        best_m = max((r["n"] for r in rows if r["mix"] == "listening" and meets(r)), default=0)
        summary = (f"Largest step meeting the targets: N = {best_n} talking calls, M = {best_m} listening calls "
                   f"(of the steps run: N in {talking}, M in {listening})." if final else
                   "(run still in progress or cut short: steps so far)")
        lines = [
            "# Capacity of one gateway process (bench/capacity.py)",
            "",
            f"- measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, gateway commit {commit}, "
            f"{os.cpu_count()} cores, local profile, malloc {args.allocator}",
            f"- machine load average (1/5/15 min) at start {load0[0]:.2f} / {load0[1]:.2f} / {load0[2]:.2f}, "
            f"now {load1[0]:.2f} / {load1[1]:.2f} / {load1[2]:.2f} (other work shared the cores)",
            f"- targets: talking — turn p95 ≤ {TARGETS['turn_p95_ms']} ms, every call answered at every turn, "
            f"barge-in p95 ≤ {TARGETS['clear_p95_ms']} ms, no late frames; listening — loop lag p99 ≤ "
            f"{TARGETS['loop_lag_p99_ms']} ms, no stream cut, every utterance answered; past the limit — no "
            f"more calls admitted than the limit, the others hear the busy message, the admitted meet the "
            f"talking targets",
            f"- listening calls stream {args.listen_secs:.0f} s of line noise/silence; one in five says one utterance",
            *([f"- gateway settings set by the bench's --env: {', '.join(args.env)}"] if args.env else []),
            "",
            HEADER,
            "|" + "---|" * (HEADER.count("|") - 1),
            *[row_md(r) for r in rows],
            *([row_md(overload)] if overload else []),
            "",
            summary,
            "",
        ]
        if args.out:
            out_path.parent.mkdir(parents=True, exist_ok=True)
            out_path.write_text("\n".join(lines))
        return summary

    with tempfile.TemporaryDirectory() as tmp:
        noise = make_line_audio(Path(tmp))
        # IDLE_REPROMPT_SECS=0: a listening caller is silent on purpose (on hold, listening); the
        # idle policy would re-prompt it twice and hang up, which is the policy working, not a cut.
        open_env = {"MAX_CONCURRENT_CALLS": "1000", "ADMISSION_MAX_LOOP_LAG_MS": "0",
                    "ADMISSION_MAX_STT_WAIT_MS": "0", "IDLE_REPROMPT_SECS": "0",
                    **dict(kv.split("=", 1) for kv in args.env)}
        malloc_env = allocator_env(args.allocator)
        if malloc_env is None:
            return 2
        open_env.update(malloc_env)
        if talking or listening:
            server = Server(root, open_env, ROOT / ".cache" / "bench-capacity.log")
            print(f"gateway {root} @ {commit}, pid {server.proc.pid}, RSS at start {server.rss_mib():.0f} MiB")
            try:
                await warm_up(server)
                print(f"after a warm-up call, RSS {server.rss_mib():.0f} MiB")
                for mix, steps in (("talking", talking), ("listening", listening)):
                    for n in steps:
                        await asyncio.sleep(args.settle_secs)
                        row = await run_step(server, mix, n, args, noise)
                        rows.append(row)
                        print_row(row)
                        write_table(final=False)
            finally:
                server.stop()
        if args.overload:
            env = {k: v for k, v in open_env.items() if k not in
                   ("MAX_CONCURRENT_CALLS", "ADMISSION_MAX_LOOP_LAG_MS", "ADMISSION_MAX_STT_WAIT_MS")}
            if args.limit:
                env["MAX_CONCURRENT_CALLS"] = str(args.limit)
            server = Server(root, env, ROOT / ".cache" / "bench-capacity-overload.log")
            try:
                await warm_up(server)  # as the main server: the limit's step measures calls, not start-up
                limit = json.loads(httpx.get(f"{server.base}/health").text).get("max_concurrent_calls")
                overload = await run_step(server, "talking", args.overload, args, noise)
                overload["mix"] = f"talking, limit {limit}"
                overload["limit"] = limit
                print_row(overload)
                write_table(final=False)
            finally:
                server.stop()
    summary = write_table(final=True)
    print("\n" + summary)
    if args.out:
        print(f"table written to {out_path}")
    return 0


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--talking", default="1,2,4,8,12", help="N values (comma-separated; empty = none)")
    add_allocator_argument(ap)
    ap.add_argument("--listening", default="10,25,50,75", help="M values (comma-separated; empty = none)")
    ap.add_argument("--listen-secs", type=float, default=40.0, help="how long each listening call streams (s)")
    ap.add_argument("--spread-secs", type=float, default=8.0, help="talking calls start within this (s)")
    ap.add_argument("--settle-secs", type=float, default=3.0, help="pause between steps (s)")
    ap.add_argument("--step-timeout-secs", type=float, default=240.0, help="a step is cut after this (s)")
    ap.add_argument("--overload", type=int, default=0, help="N talking calls against the admission limits")
    ap.add_argument("--limit", type=int, default=0, help="MAX_CONCURRENT_CALLS for --overload (0 = default)")
    ap.add_argument("--env", action="append", default=[], help="extra KEY=VALUE for the gateway")
    ap.add_argument("--gateway-root", default=str(ROOT), help="source tree to run the gateway from")
    ap.add_argument("--out", default=str(ROOT / "bench" / "results" / "capacity.md"),
                    help="where to write the table (empty = do not write)")
    sys.exit(asyncio.run(main(ap.parse_args())))
