"""One Media Streams WebSocket = one call: handshake, pipeline run, orderly ending, registry.

Flow (https://www.twilio.com/docs/voice/media-streams/websocket-messages): Twilio sends
``connected`` then ``start`` (StreamSid, CallSid, customParameters); :func:`handle_stream` reads
them, builds the profile's pipeline and runs it until the call ends:

- the bot said goodbye → :class:`~processors.call_marks.CallMarksProcessor` queued mark ``hangup``
  behind the audio → Twilio echoes it once played → ``EndFrame`` → the serializer hangs up through
  Twilio REST when credentials exist, and the transport closes the socket;
- Twilio sends ``stop`` or the socket closes (caller hung up) → the pipeline is cancelled at once,
  releasing in-flight searches, TTS and timers.

Malformed messages never end a call (see :mod:`processors.twilio_serializer`); a socket that never
sends a valid ``start`` is closed after :data:`START_TIMEOUT_SECS`, a malformed ``start`` gets close
code 1008. One CallSid has at most one live stream (a second is refused with 1008 while the first
runs), and a stream that stops sending ``media`` for ``STREAM_MEDIA_TIMEOUT_SECS`` is ended (Twilio
sends a 20 ms ``media`` message continuously, silence included).
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from loguru import logger
from pipecat.frames.frames import EndFrame, TTSSpeakFrame
from pipecat.workers.runner import WorkerRunner

from gateway import metrics
from gateway.settings import Settings
from gateway.twilio import HandshakeError, StreamTokenLedger, parse_start
from pipelines.contract import CallInfo
from pipelines.registry import build_call
from pipelines.shell import BuiltCall, Resources
from processors.call_marks import HANGUP_MARK, HangupRequestFrame
from dialogue.phrases import phrase
from processors.twilio_serializer import MalformedMessage, StartMessage, parse_message

START_TIMEOUT_SECS = 10.0
#: After a goodbye, end the call anyway if Twilio never echoes the hangup mark.
HANGUP_MARK_TIMEOUT_SECS = 15.0


@dataclass
class CallRecord:
    """What the registry knows about a call (media stream and/or Twilio status callbacks)."""

    call_sid: str
    stream_sid: str = ""
    direction: str = "inbound"
    language: str = ""
    to_number: str = ""
    from_number: str = ""
    status: str = "in-progress"
    status_times: dict[str, float] = field(default_factory=dict)
    duration_secs: int | None = None
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    end_reason: str | None = None
    marks_played: list[str] = field(default_factory=list)

    def public(self) -> dict[str, Any]:
        """JSON view for ``GET /calls`` (numbers included: the endpoint is authenticated)."""
        return {
            "call_sid": self.call_sid, "direction": self.direction, "status": self.status,
            "language": self.language, "to": self.to_number, "from": self.from_number,
            "started_at": self.started_at, "ended_at": self.ended_at, "end_reason": self.end_reason,
            "duration_secs": self.duration_secs, "status_times": self.status_times,
        }


#: Twilio call statuses after which a call is over
#: (https://www.twilio.com/docs/voice/api/call-resource#call-status-values).
FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


class CallRegistry:
    """Active and recent calls of this process (in memory).

    ``active`` holds calls with a live media stream; ``calls`` holds every call known from streams,
    ``POST /call`` or status callbacks (the newest ``keep_recent``).
    """

    def __init__(self, keep_recent: int = 200):
        self.active: dict[str, CallRecord] = {}
        self.calls: dict[str, CallRecord] = {}
        self._keep = keep_recent

    def _remember(self, record: CallRecord) -> CallRecord:
        self.calls[record.call_sid] = record
        while len(self.calls) > self._keep:
            self.calls.pop(next(iter(self.calls)))
        return record

    def get_or_create(self, call_sid: str, **fields) -> CallRecord:
        record = self.calls.get(call_sid)
        if record is None:
            record = self._remember(CallRecord(call_sid=call_sid, **fields))
        return record

    def update_status(self, call_sid: str, status: str, *, duration: str | None = None,
                      direction: str | None = None, to_number: str = "", from_number: str = "") -> CallRecord:
        """Apply a Twilio status callback (``CallStatus``, ``CallDuration``, ``Direction``…)."""
        record = self.get_or_create(call_sid)
        record.status = status
        record.status_times[status] = time.time()
        if direction:
            record.direction = "outbound" if direction.startswith("outbound") else "inbound"
        record.to_number = record.to_number or to_number
        record.from_number = record.from_number or from_number
        if duration and duration.isdigit():
            record.duration_secs = int(duration)
        if status in FINAL_STATUSES and record.ended_at is None:
            record.ended_at = time.time()
        return record

    def listing(self) -> dict[str, list[dict[str, Any]]]:
        """``{"active": [...], "recent": [...]}`` newest first."""
        active = [r.public() for r in self.calls.values()
                  if r.call_sid in self.active or (r.status not in FINAL_STATUSES and r.ended_at is None)]
        recent = [r.public() for r in self.calls.values() if r.ended_at is not None]
        return {"active": active[::-1], "recent": recent[::-1]}

    def claim(self, call_sid: str, max_calls: int) -> str | None:
        """Reserve the live-stream slot of ``call_sid``, checking and registering in one step.

        No ``await`` separates the check from the registration, so concurrent upgrades cannot both
        pass. Returns ``None`` when reserved (``active`` counts it from now on; :meth:`start`
        replaces the placeholder, :meth:`release` or :meth:`end` frees it), else the refusal:
        ``"duplicate"`` (this CallSid already has a live stream) or ``"capacity"``.
        """
        if call_sid in self.active:
            return "duplicate"
        if len(self.active) >= max_calls:
            return "capacity"
        self.active[call_sid] = CallRecord(call_sid=call_sid)
        metrics.ACTIVE_CALLS.set(len(self.active))
        return None

    def release(self, call_sid: str) -> None:
        """Free a slot reserved by :meth:`claim` for a stream that never started."""
        self.active.pop(call_sid, None)
        metrics.ACTIVE_CALLS.set(len(self.active))

    def start(self, record: CallRecord) -> None:
        known = self.calls.get(record.call_sid)
        if known is not None:  # outbound call placed by us, or status seen first: keep what we knew
            record.direction = known.direction if known.direction == "outbound" else record.direction
            record.to_number = record.to_number or known.to_number
            record.from_number = record.from_number or known.from_number
            record.status_times = known.status_times
            record.status = known.status if known.status != "queued" else record.status
        self._remember(record)
        self.active[record.call_sid] = record
        metrics.ACTIVE_CALLS.set(len(self.active))

    def end(self, call_sid: str, reason: str) -> None:
        record = self.active.pop(call_sid, None)
        metrics.ACTIVE_CALLS.set(len(self.active))
        if record is None:
            return
        record.ended_at = time.time()
        record.end_reason = reason
        metrics.CALL_SECONDS.observe(record.ended_at - record.started_at)
        metrics.CALL_ENDINGS.labels(reason.split(" (")[0].split(":")[0][:40]).inc()


class CallSession:
    """Runs one call's pipeline and ends it cleanly (see the module docstring)."""

    def __init__(self, call: CallInfo, websocket: WebSocket, settings: Settings, resources: Resources,
                 registry: CallRegistry):
        self.call = call
        self.settings = settings
        self.registry = registry
        self.record = CallRecord(call.call_sid, call.stream_sid, call.direction, call.language,
                                 to_number=call.to_number, from_number=call.from_number)
        self.built: BuiltCall = build_call(call, websocket, settings, resources, self.on_stream_event)
        self.worker = self.built.worker
        self.end_reason: str | None = None
        self._hangup_timer: asyncio.Task | None = None
        self._log = logger.bind(call_sid=call.call_sid)
        self.built.marks.on_hangup_requested = self._on_hangup_requested

        @self.built.transport.event_handler("on_client_disconnected")
        async def _on_disconnected(_transport, _ws):
            await self.cancel("caller hung up (socket closed)")

        @self.worker.event_handler("on_pipeline_started")
        async def _on_started(_worker, _frame):
            if self.built.greeting:
                await self.worker.queue_frames(self.built.greeting)

    async def on_stream_event(self, event: str, message: dict[str, Any]) -> None:
        """Inbound ``mark``/``stop``/``dtmf`` from the serializer."""
        if event == "mark":
            name = (message.get("mark") or {}).get("name") if isinstance(message.get("mark"), dict) else None
            if isinstance(name, str):
                self.record.marks_played.append(name)
                if name == HANGUP_MARK:
                    await self.end("goodbye played")
        elif event == "stop":
            await self.cancel("twilio stop (caller hung up)")

    async def _on_hangup_requested(self, reason: str) -> None:
        self._log.info(f"hang-up requested ({reason}); waiting for Twilio to play the last audio")
        if self._hangup_timer is None:
            self._hangup_timer = asyncio.create_task(self._hangup_fallback())

    async def _hangup_fallback(self) -> None:
        await asyncio.sleep(HANGUP_MARK_TIMEOUT_SECS)
        await self.end("goodbye (mark never echoed)")

    async def end(self, reason: str) -> None:
        """End after everything queued is played out (EndFrame), once."""
        if self.end_reason:
            return
        self.end_reason = reason
        self._log.info(f"ending call: {reason}")
        await self.worker.queue_frame(EndFrame())

    async def wind_down(self, reason: str) -> None:
        """Say the goodbye in the call's current language, then end once Twilio has played it
        (the same mark path as a caller's goodbye; the hang-up fallback timer bounds it)."""
        if self.end_reason or self._hangup_timer is not None:
            return
        language = self.built.language.current
        self._log.info(f"saying goodbye: {reason}")
        await self.worker.queue_frames([TTSSpeakFrame(phrase(language, "goodbye")), HangupRequestFrame(reason=reason)])

    async def cancel(self, reason: str) -> None:
        """Stop at once (caller gone), once."""
        if self.end_reason:
            return
        self.end_reason = reason
        self._log.info(f"cancelling call: {reason}")
        await self.worker.cancel(reason=reason)

    async def run(self) -> None:
        """Run the pipeline until the call ends; always unregisters the call."""
        self.registry.start(self.record)
        metrics.CALLS.labels(self.settings.profile, self.call.direction).inc()
        self._log.info(f"call started ({self.call.direction}, language {self.call.language})")
        runner = WorkerRunner(handle_sigint=False, check_dangling_tasks=False)
        try:
            await runner.add_workers(self.worker)
            await runner.run()
        except Exception as e:
            self._log.exception(f"pipeline failed: {e}")
            self.end_reason = self.end_reason or f"error: {e.__class__.__name__}"
        finally:
            if self._hangup_timer:
                self._hangup_timer.cancel()
            bad = self.built.serializer.bad_messages
            if bad:
                metrics.BAD_MESSAGES.inc(bad)
            self.registry.end(self.call.call_sid, self.end_reason or "pipeline finished")
            self._log.info(f"call ended: {self.end_reason or 'pipeline finished'}")


async def read_start(websocket: WebSocket, default_language: str) -> CallInfo:
    """Read messages until Twilio's ``start``; skip ``connected``, drop anything else (logged).

    Every message goes through :func:`processors.twilio_serializer.parse_message` (size, nesting and
    shape checks), so no message raises anything but :class:`HandshakeError`.

    Raises:
        HandshakeError: a malformed or unsupported ``start``; WebSocketDisconnect: socket closed first.
    """
    dropped = 0
    while True:
        raw = await websocket.receive()
        if raw["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(code=raw.get("code", 1000))
        data = raw.get("text") if raw.get("text") is not None else raw.get("bytes")
        try:
            message = parse_message(data)
        except MalformedMessage as e:
            if e.event == "start":
                raise HandshakeError(f"invalid start message: {e}") from None
            dropped += 1
            if dropped <= 5:
                logger.warning(f"twilio stream: message before start dropped ({e})")
            continue
        if isinstance(message, StartMessage):
            return parse_start(message, default_language).call
        if message.event != "connected":
            dropped += 1
            if dropped <= 5:
                logger.warning(f"twilio stream: {message.event} message before start dropped")


async def _watch_media(session: CallSession, timeout_secs: float) -> None:
    """Cancel ``session`` once no valid inbound ``media`` arrived for ``timeout_secs``."""
    serializer = session.built.serializer
    started = time.monotonic()  # building the pipeline may take a while: count from its run
    while session.end_reason is None:
        idle = time.monotonic() - max(started, serializer.last_media_at)
        if idle >= timeout_secs:
            await session.cancel(f"stream idle: no media for {timeout_secs:g} s")
            return
        await asyncio.sleep(min(1.0, max(0.05, timeout_secs - idle)))


async def handle_stream(websocket: WebSocket, settings: Settings, resources: Any, registry: CallRegistry,
                        tokens: StreamTokenLedger | None = None, drain: Any = None) -> None:
    """Serve one ``/twilio/stream`` WebSocket from accept to close; never raises.

    With ``tokens``, the ``start`` message must carry (as customParameter ``token``) an unused token
    issued for its CallSid in the TwiML; otherwise the socket is closed with 1008. A CallSid that
    already has a live stream is refused with 1008, a full gateway with 1013. With ``drain``
    (:class:`gateway.drain.Drain`), the call is tracked so a draining server waits for it.
    """
    try:
        await websocket.accept()
    except (WebSocketDisconnect, RuntimeError, OSError):
        logger.info("twilio stream: the caller went away during the upgrade")
        return
    try:
        call = await asyncio.wait_for(read_start(websocket, settings.default_language), START_TIMEOUT_SECS)
    except (asyncio.TimeoutError, HandshakeError) as e:
        reason = "no start message" if isinstance(e, asyncio.TimeoutError) else str(e)
        logger.warning(f"twilio stream refused: {reason}")
        metrics.CALLS_REFUSED.labels("handshake").inc()
        await _close(websocket, 1008, reason)
        return
    except WebSocketDisconnect:
        logger.info("twilio stream closed before start")
        return
    log = logger.bind(call_sid=call.call_sid)
    if tokens is not None:
        refused = tokens.redeem(call.call_sid, call.parameters.get("token"))
        if refused:
            log.warning(f"twilio stream refused: {refused}")
            metrics.CALLS_REFUSED.labels("stream_token").inc()
            await _close(websocket, 1008, refused)
            return
    refusal = registry.claim(call.call_sid, settings.max_concurrent_calls)
    if refusal == "duplicate":
        log.warning("twilio stream refused: this CallSid already has a live media stream")
        metrics.CALLS_REFUSED.labels("duplicate_stream").inc()
        await _close(websocket, 1008, "call already has a live stream")
        return
    if refusal == "capacity":
        log.warning(f"call refused: {len(registry.active)} calls in progress")
        metrics.CALLS_REFUSED.labels("capacity").inc()
        await _close(websocket, 1013, "gateway at capacity")
        return
    try:
        session = CallSession(call, websocket, settings, resources, registry)
    except Exception as e:
        registry.release(call.call_sid)
        log.exception(f"could not build pipeline: {e}")
        metrics.CALLS_REFUSED.labels("build").inc()
        await _close(websocket, 1011, "pipeline build failed")
        return
    watchdog = asyncio.create_task(_watch_media(session, settings.stream_media_timeout_secs))
    if drain is not None:
        drain.track(session)
    try:
        await session.run()
    finally:
        watchdog.cancel()
        registry.release(call.call_sid)  # no-op after a normal end
        if drain is not None:
            drain.untrack(session)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    """Send a close frame (reason cut to fit the 123-byte limit); a socket already gone is fine."""
    try:
        await websocket.close(code=code, reason=reason.encode()[:100].decode(errors="ignore"))
    except (WebSocketDisconnect, RuntimeError, OSError):  # Starlette turns a gone client into WebSocketDisconnect
        logger.info("twilio stream: the caller had already gone when we closed")
