"""Simulated caller: a Media Streams client that behaves like Twilio's side of a call.

It speaks the protocol in https://www.twilio.com/docs/voice/media-streams/websocket-messages:
``connected`` and ``start`` first; then one ``media`` message every 20 ms in real time (160 bytes of
8 kHz μ-law, silence between turns); outbound ``media`` from the gateway goes into a playback buffer
played in real time; outbound ``mark``s are echoed when playback reaches them; ``clear`` empties the
buffer and echoes the pending marks at once (as Twilio does); a closed socket ends the call.

Each WAV is one caller turn, spoken once the bot has gone quiet (or, with a barge-in offset, while
the bot is talking). The call's events (speech start/end, first bot audio, clears, marks) are
timestamped for tests and ``bench/turn_latency.py``; what the caller heard is kept for recording
(:func:`write_wav`) and transcription (:func:`transcribe_bot`).
"""

from __future__ import annotations

import asyncio
import audioop
import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

FRAME_MS = 20
RATE_HZ = 8000
FRAME_BYTES = RATE_HZ * FRAME_MS // 1000  # 160 μ-law bytes per 20 ms
ULAW_SILENCE = b"\xff" * FRAME_BYTES


def load_turn_audio(path: str | Path) -> bytes:
    """Read a WAV (any rate, mono or stereo) as 8 kHz 16-bit mono PCM bytes.

    Raises:
        RuntimeError / soundfile.LibsndfileError: unreadable file.
    """
    data, rate = sf.read(str(path), dtype="int16", always_2d=True)
    mono = data.mean(axis=1).astype(np.int16)
    if rate != RATE_HZ:
        import soxr

        mono = soxr.resample(mono, rate, RATE_HZ).astype(np.int16)
    return mono.tobytes()


def speech_bounds(pcm: bytes, threshold_dbfs: float = -35.0) -> tuple[float, float]:
    """(start, end) of speech in 8 kHz PCM16, in seconds, from 10 ms frame energy above a threshold."""
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float32) / 32768.0
    hop = RATE_HZ // 100
    n = len(samples) // hop
    if n == 0:
        return 0.0, 0.0
    rms = np.sqrt(np.mean(samples[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-12)
    voiced = np.where(20 * np.log10(rms) > threshold_dbfs)[0]
    if len(voiced) == 0:
        return 0.0, len(samples) / RATE_HZ
    return voiced[0] / 100.0, (voiced[-1] + 1) / 100.0


@dataclass
class Turn:
    """One caller turn.

    Parameters:
        wav: path of the utterance.
        barge_in_ms: if set, speak this many ms after the bot starts its next reply instead of
            waiting for silence (to test interruption).
        text: what the caller says (for the printed transcript); defaults to the fixture manifest.
        barge_in_after: with ``barge_in_ms``, count from the start of the bot's (n+1)-th next
            utterance (stretches of audio split by ≥ 0.4 s gaps): 1 skips a search filler and
            barges into the flight list — only when a gap separates them.
        barge_in_heard_ms: if set (instead of ``barge_in_ms``), speak once the caller has heard this
            much bot audio (ms, gaps left out) since its previous turn: the same point of the
            reply whether or not a search filler and the answer run together.
    """

    wav: str
    barge_in_ms: int | None = None
    text: str | None = None
    barge_in_after: int = 0
    barge_in_heard_ms: int | None = None


@dataclass
class BotUtterance:
    """A stretch of bot audio the caller heard (between gaps ≥ ``gap_ms``)."""

    start: float
    end: float
    pcm: bytearray = field(default_factory=bytearray)
    text: str = ""
    language: str = ""
    interrupted: bool = False


@dataclass
class CallResult:
    """Everything observed during one simulated call (times in seconds since connect)."""

    stream_sid: str
    call_sid: str
    events: list[tuple[float, str, dict[str, Any]]] = field(default_factory=list)
    heard: bytearray = field(default_factory=bytearray)  # 8 kHz PCM16, real-time timeline
    bot: list[BotUtterance] = field(default_factory=list)
    turns: list[dict[str, Any]] = field(default_factory=list)
    closed_by_gateway: bool = False
    duration: float = 0.0
    wall_t0: float = 0.0  # time.time() at connect; event times are seconds after it

    def times(self, kind: str) -> list[float]:
        return [t for t, k, _ in self.events if k == kind]

    def first_audio_after(self, t0: float) -> float | None:
        """Time of the first bot ``media`` message received after ``t0``."""
        return next((t for t in self.times("media_in") if t > t0), None)

    def silence_in_playback(self, after: float, until: float) -> float:
        """Longest stretch (s) between ``after`` and ``until`` in which the caller heard no bot audio.

        From the caller's playback (:attr:`bot`, played from the buffer as Twilio plays it, so
        audio the gateway sends ahead of real time waits there instead of counting as a gap).
        Pauses under the utterance split (0.4 s) are inside one utterance and not seen here.
        """
        spans = sorted((max(u.start, after), min(u.end, until)) for u in self.bot if u.end > after and u.start < until)
        longest, t = 0.0, after
        for start, end in spans:
            longest = max(longest, start - t)
            t = max(t, end)
        return max(longest, until - t)


class SimulatedCaller:
    """Drives one call against ``url`` (``ws://host:port/twilio/stream``).

    Args:
        url: the gateway's Media Streams WebSocket.
        turns: what the caller says, in order.
        parameters: ``customParameters`` sent in ``start`` (From, To, language…).
        quiet_ms: the bot counts as done after this much playback silence.
        turn_timeout_s: give up waiting for the bot after this long per turn.
        hangup_after_s: after the last turn, wait this long for the gateway to end the call, then
            hang up (send ``stop`` and close) like a caller would.
        headers: extra HTTP headers for the WebSocket upgrade (e.g. ``X-Twilio-Signature``).
        call_sid: the CallSid to announce in ``start`` (default: a random ``CA…``).
    """

    def __init__(self, url: str, turns: list[Turn], *, parameters: dict[str, str] | None = None,
                 quiet_ms: int = 1200, turn_timeout_s: float = 25.0, hangup_after_s: float = 12.0,
                 headers: dict[str, str] | None = None, call_sid: str | None = None):
        self.url = url
        self.turns = turns
        self.parameters = parameters or {"From": "+15551230000", "To": "+15559870000"}
        self.quiet_ms = quiet_ms
        self.turn_timeout_s = turn_timeout_s
        self.hangup_after_s = hangup_after_s
        self.headers = headers or {}
        self.result = CallResult(stream_sid="MZ" + secrets.token_hex(16),
                                 call_sid=call_sid or "CA" + secrets.token_hex(16))
        self._t0 = 0.0
        self._playback: list[tuple[str, Any]] = []  # ("audio", bytes) | ("mark", name)
        self._play_buf = bytearray()
        self._mic: bytearray = bytearray()
        self._mic_fresh = False
        self._last_bot_audio = 0.0
        self._bot_started_at: float | None = None
        self._closed = asyncio.Event()
        self._hanging_up = False  # the caller is ending the call (stop + close)
        self._peer_closed = False  # the gateway closed the socket first
        self._ws = None
        self._seq = 0

    def _now(self) -> float:
        return time.monotonic() - self._t0

    def _event(self, kind: str, **data) -> None:
        self.result.events.append((self._now(), kind, data))

    async def _send(self, message: dict[str, Any]) -> None:
        self._seq += 1
        message.setdefault("sequenceNumber", str(self._seq))
        try:
            await self._ws.send(json.dumps(message))
        except Exception:
            # A send fails as soon as the gateway's close frame arrives, often before the
            # receiver's loop ends: the same close as the receiver's.
            self._socket_closed()

    def _socket_closed(self) -> None:
        """The socket is closed or closing: the gateway's doing unless the caller was hanging up."""
        self._peer_closed = self._peer_closed or not self._hanging_up
        self._closed.set()

    # --- receiving -----------------------------------------------------------------------
    async def _receiver(self) -> None:
        try:
            async for raw in self._ws:
                try:
                    msg = json.loads(raw)
                except json.JSONDecodeError:
                    self._event("bad_message", raw=str(raw)[:80])
                    continue
                event = msg.get("event")
                if event == "media":
                    audio = base64.b64decode(msg["media"]["payload"])
                    self._event("media_in", bytes=len(audio))
                    self._playback.append(("audio", audio))
                elif event == "mark":
                    name = msg.get("mark", {}).get("name")
                    self._event("mark_out", name=name)
                    self._playback.append(("mark", name))
                elif event == "clear":
                    self._event("clear", playing=self.bot_playing)
                    if self.bot_playing and self.result.bot:
                        self.result.bot[-1].interrupted = True
                    pending = [v for k, v in self._playback if k == "mark"]
                    self._playback.clear()
                    self._play_buf.clear()
                    for name in pending:  # Twilio echoes pending marks when the buffer is cleared
                        await self._echo_mark(name)
                else:
                    self._event("other_in", event=event)
        except Exception as e:
            self._event("socket_error", error=str(e)[:120])
        self._event("closed")
        self._socket_closed()

    async def _echo_mark(self, name: str) -> None:
        self._event("mark_played", name=name)
        await self._send({"event": "mark", "streamSid": self.result.stream_sid, "mark": {"name": name}})

    # --- playback + microphone, one 20 ms tick -------------------------------------------
    async def _clock(self) -> None:
        next_tick = time.monotonic()
        while not self._closed.is_set():
            # Playback: take 160 bytes from the queue, echoing marks reached on the way.
            out = bytearray()
            while len(out) < FRAME_BYTES and (self._play_buf or self._playback):
                if not self._play_buf:
                    kind, value = self._playback.pop(0)
                    if kind == "mark":
                        await self._echo_mark(value)
                        continue
                    self._play_buf.extend(value)
                take = FRAME_BYTES - len(out)
                out.extend(self._play_buf[:take])
                del self._play_buf[:take]
            now = self._now()
            if out:
                pcm = audioop.ulaw2lin(bytes(out), 2)
                self._record_bot(now, pcm)
                self._last_bot_audio = now
            pcm_frame = audioop.ulaw2lin(bytes(out).ljust(FRAME_BYTES, b"\xff"), 2)
            self.result.heard.extend(pcm_frame)

            # Microphone: 20 ms of the current utterance, or silence.
            if self._mic:
                if self._mic_fresh:  # the first frame of an utterance goes out now (bench timing)
                    self._mic_fresh = False
                    self._event("mic_first_frame", wall=time.time())
                chunk = bytes(self._mic[: FRAME_BYTES * 2]).ljust(FRAME_BYTES * 2, b"\x00")
                del self._mic[: FRAME_BYTES * 2]
                payload = audioop.lin2ulaw(chunk, 2)
            else:
                payload = ULAW_SILENCE
            await self._send({
                "event": "media", "streamSid": self.result.stream_sid,
                "media": {"track": "inbound", "chunk": str(self._seq), "timestamp": str(int(now * 1000)),
                          "payload": base64.b64encode(payload).decode()},
            })
            next_tick += FRAME_MS / 1000
            await asyncio.sleep(max(0.0, next_tick - time.monotonic()))

    def _record_bot(self, now: float, pcm: bytes) -> None:
        bot = self.result.bot
        if not bot or now - bot[-1].end > 0.4:
            bot.append(BotUtterance(start=now, end=now))
            self._event("bot_audio_start")
            if self._bot_started_at is None:
                self._bot_started_at = now
        bot[-1].end = now + FRAME_MS / 1000
        bot[-1].pcm.extend(pcm)

    @property
    def bot_playing(self) -> bool:
        return bool(self._playback or self._play_buf)

    async def _wait_bot_done(self) -> bool:
        """Wait until the bot has spoken since the last turn and then been quiet for ``quiet_ms``.

        ``turn_timeout_s`` bounds the wait for the bot to say anything; a long reply that keeps
        playing never times out.
        """
        while not self._closed.is_set():
            spoke = len(self.result.bot) > self._bot_count_at_turn
            now = self._now()
            quiet_ms = (now - self._last_bot_audio) * 1000
            if spoke and not self.bot_playing and quiet_ms >= self.quiet_ms:
                return True
            waited_from = max(self._turn_sent_at, self._last_bot_audio)
            if now - waited_from > self.turn_timeout_s:
                return False
            await asyncio.sleep(0.02)
        return False

    async def _wait_bot_starts(self, skip: int = 0) -> float | None:
        deadline = time.monotonic() + self.turn_timeout_s * (1 + skip)
        count = self._bot_count_at_turn + skip
        while time.monotonic() < deadline and not self._closed.is_set():
            if len(self.result.bot) > count:
                return self.result.bot[-1].start
            await asyncio.sleep(0.01)
        return None

    async def _wait_bot_heard(self, ms: int) -> bool:
        """Wait until ``ms`` of bot audio has played since the last turn (False: timed out/closed)."""
        deadline = time.monotonic() + self.turn_timeout_s * 3
        while time.monotonic() < deadline and not self._closed.is_set():
            heard = sum(u.end - u.start for u in self.result.bot[self._bot_count_at_turn:])
            if heard * 1000 >= ms:
                return True
            await asyncio.sleep(0.005)
        return False

    async def _speak(self, turn: Turn) -> None:
        pcm = load_turn_audio(turn.wav)
        start, end = speech_bounds(pcm)
        t = self._now()
        self._mic_fresh = True
        self._mic.extend(pcm)
        info = {"wav": str(turn.wav), "text": turn.text or "", "sent_at": t,
                "speech_start": t + start, "speech_end": t + end, "barge_in_ms": turn.barge_in_ms}
        self.result.turns.append(info)
        self._event("caller_speech", **info)
        while self._mic and not self._closed.is_set():
            await asyncio.sleep(0.02)
        self._turn_sent_at = self._now()

    async def run(self) -> CallResult:
        """Place the call, speak every turn, then wait for the gateway to end it (or hang up)."""
        from websockets.asyncio.client import connect

        self._t0 = time.monotonic()
        self.result.wall_t0 = time.time()
        self._bot_count_at_turn = 0
        self._turn_sent_at = 0.0
        async with connect(self.url, additional_headers=self.headers, max_size=2**22) as ws:
            self._ws = ws
            self._event("connected")
            await self._send({"event": "connected", "protocol": "Call", "version": "1.0.0"})
            await self._send({
                "event": "start", "streamSid": self.result.stream_sid,
                "start": {
                    "accountSid": "AC" + "0" * 32, "streamSid": self.result.stream_sid,
                    "callSid": self.result.call_sid, "tracks": ["inbound"],
                    "mediaFormat": {"encoding": "audio/x-mulaw", "sampleRate": 8000, "channels": 1},
                    "customParameters": self.parameters,
                },
            })
            receiver = asyncio.create_task(self._receiver())
            clock = asyncio.create_task(self._clock())
            try:
                for turn in self.turns:
                    if turn.barge_in_heard_ms is not None:
                        if not await self._wait_bot_heard(turn.barge_in_heard_ms):
                            break
                    elif turn.barge_in_ms is not None:
                        started = await self._wait_bot_starts(turn.barge_in_after)
                        if started is None:
                            break
                        while self._now() < started + turn.barge_in_ms / 1000 and not self._closed.is_set():
                            await asyncio.sleep(0.005)
                    elif not await self._wait_bot_done():
                        self._event("timeout_waiting_for_bot")
                        if self._closed.is_set():
                            break
                    self._bot_count_at_turn = len(self.result.bot)
                    await self._speak(turn)
                # After the last turn: let the bot answer; the gateway should end the call itself
                # when the conversation ended, otherwise the caller hangs up.
                try:
                    await asyncio.wait_for(self._closed.wait(), self.hangup_after_s)
                except asyncio.TimeoutError:
                    while self.bot_playing and not self._closed.is_set():
                        await asyncio.sleep(0.05)
                    self._event("caller_hangup")
                    self._hanging_up = True
                    self._closed.set()
                    try:
                        await ws.send(json.dumps({"event": "stop", "streamSid": self.result.stream_sid,
                                                  "stop": {"accountSid": "AC" + "0" * 32,
                                                           "callSid": self.result.call_sid}}))
                    except Exception:
                        pass
            finally:
                self._hanging_up = True  # from here on, a close is the caller's
                self._closed.set()
                clock.cancel()
                await asyncio.gather(clock, return_exceptions=True)
                try:
                    await ws.close()
                except Exception:
                    pass
                await asyncio.gather(receiver, return_exceptions=True)
        self.result.closed_by_gateway = self._peer_closed
        self.result.duration = self._now()
        return self.result


def write_wav(result: CallResult, path: str | Path) -> None:
    """Write what the caller heard (8 kHz mono PCM16, real-time timeline) to ``path``."""
    sf.write(str(path), np.frombuffer(bytes(result.heard), dtype=np.int16), RATE_HZ, subtype="PCM_16")


def transcribe_bot(result: CallResult, whisper_model: Any, languages: list[str] | None = None) -> None:
    """Fill ``text``/``language`` of each bot utterance with Whisper (16 kHz; blocking)."""
    import soxr

    for utt in result.bot:
        if len(utt.pcm) < RATE_HZ * 2 * 0.2:
            continue
        audio = np.frombuffer(bytes(utt.pcm), dtype=np.int16).astype(np.float32) / 32768.0
        audio16 = soxr.resample(audio, RATE_HZ, 16000).astype(np.float32)
        lang = None
        if languages:
            _, _, probs = whisper_model.detect_language(audio16)
            lang = next((c for c, _ in probs if c in languages), None)
        segments, info = whisper_model.transcribe(audio16, beam_size=1, language=lang,
                                                  condition_on_previous_text=False)
        utt.text = " ".join(s.text.strip() for s in segments).strip()
        utt.language = lang or info.language


def format_transcript(result: CallResult) -> str:
    """Both sides, in time order: ``[  3.42s] CALLER: …`` / ``[  4.10s] BOT: …``."""
    lines: list[tuple[float, str]] = []
    for turn in result.turns:
        label = Path(turn["wav"]).stem
        lines.append((turn["speech_start"], f"CALLER: {turn['text'] or label}"))
    for utt in result.bot:
        note = " [interrupted]" if utt.interrupted else ""
        lines.append((utt.start, f"BOT:    {utt.text or '(audio)'}{note}"))
    for t in result.times("clear"):
        lines.append((t, "        -- gateway sent clear (barge-in) --"))
    lines.sort(key=lambda x: x[0])
    out = [f"[{t:7.2f}s] {s}" for t, s in lines]
    end = "gateway ended the call" if result.closed_by_gateway else "caller hung up"
    out.append(f"[{result.duration:7.2f}s] -- {end} --")
    return "\n".join(out)


def fixture_texts(fixtures_dir: str | Path = "tests/fixtures") -> dict[str, str]:
    """``{stem: text}`` from ``tests/fixtures/manifest.json`` (empty if absent)."""
    manifest = Path(fixtures_dir) / "manifest.json"
    if not manifest.exists():
        return {}
    data = json.loads(manifest.read_text())
    return {k: v.get("text", "") for k, v in data.items()}
