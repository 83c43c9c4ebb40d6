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
sends a valid ``start`` is closed after :data:`START_TIMEOUT_SECS`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from fastapi import WebSocket, WebSocketDisconnect
from loguru import logger
from pipecat.frames.frames import EndFrame
from pipecat.workers.runner import WorkerRunner

from gateway import metrics
from gateway.settings import Settings
from gateway.twilio import HandshakeError, decode_message, parse_start
from pipelines import build_call
from pipelines.base import BuiltCall, CallInfo
from processors.call_marks import HANGUP_MARK

START_TIMEOUT_SECS = 10.0
#: After a goodbye, end the call anyway if Twilio never echoes the hangup mark.
HANGUP_MARK_TIMEOUT_SECS = 15.0


@dataclass
class CallRecord:
    """What the registry knows about a call."""

    call_sid: str
    stream_sid: str
    direction: str
    language: str
    started_at: float = field(default_factory=time.time)
    ended_at: float | None = None
    end_reason: str | None = None
    marks_played: list[str] = field(default_factory=list)


class CallRegistry:
    """Active and recent calls of this process (in memory)."""

    def __init__(self, keep_recent: int = 200):
        self.active: dict[str, CallRecord] = {}
        self.recent: list[CallRecord] = []
        self._keep = keep_recent

    def start(self, record: CallRecord) -> None:
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
        metrics.CALL_ENDINGS.labels(reason).inc()
        self.recent.append(record)
        del self.recent[: -self._keep]


class CallSession:
    """Runs one call's pipeline and ends it cleanly (see the module docstring)."""

    def __init__(self, call: CallInfo, websocket: WebSocket, settings: Settings, resources: Any,
                 registry: CallRegistry):
        self.call = call
        self.settings = settings
        self.registry = registry
        self.record = CallRecord(call.call_sid, call.stream_sid, call.direction, call.language)
        self.built: BuiltCall = build_call(call, websocket, settings, resources, self.on_stream_event)
        self.worker = self.built.worker
        self.end_reason: str | None = None
        self._hangup_timer: asyncio.Task | None = None
        self._log = logger.bind(call_sid=call.call_sid)
        marks = self.built.parts.get("marks")
        if marks is not None:
            marks.on_hangup_requested = self._on_hangup_requested
        transport = self.built.parts["transport"]

        @transport.event_handler("on_client_disconnected")
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
            bad = getattr(self.built.serializer, "bad_messages", 0)
            if bad:
                metrics.BAD_MESSAGES.inc(bad)
            self.registry.end(self.call.call_sid, self.end_reason or "pipeline finished")
            self._log.info(f"call ended: {self.end_reason or 'pipeline finished'}")


async def read_start(websocket: WebSocket, default_language: str) -> CallInfo:
    """Read messages until Twilio's ``start``; skip ``connected``, drop anything else (logged).

    Raises:
        HandshakeError: invalid ``start``; WebSocketDisconnect: socket closed first.
    """
    dropped = 0
    while True:
        raw = await websocket.receive()
        if raw["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(code=raw.get("code", 1000))
        data = raw.get("text") if raw.get("text") is not None else raw.get("bytes")
        message = decode_message(data) if data is not None else None
        event = message.get("event") if message else None
        if event == "start":
            return parse_start(message, default_language).call
        if event != "connected":
            dropped += 1
            if dropped <= 5:
                logger.warning(f"twilio stream: {event or 'malformed'} message before start dropped")


async def handle_stream(websocket: WebSocket, settings: Settings, resources: Any, registry: CallRegistry) -> None:
    """Serve one ``/twilio/stream`` WebSocket from accept to close; never raises."""
    await websocket.accept()
    try:
        call = await asyncio.wait_for(read_start(websocket, settings.default_language), START_TIMEOUT_SECS)
    except (asyncio.TimeoutError, HandshakeError) as e:
        reason = "no start message" if isinstance(e, asyncio.TimeoutError) else str(e)
        logger.warning(f"twilio stream refused: {reason}")
        metrics.CALLS_REFUSED.labels("handshake").inc()
        await websocket.close(code=1008, reason=reason[:100])
        return
    except WebSocketDisconnect:
        logger.info("twilio stream closed before start")
        return
    if len(registry.active) >= settings.max_concurrent_calls:
        logger.warning(f"call {call.call_sid} refused: {len(registry.active)} calls in progress")
        metrics.CALLS_REFUSED.labels("capacity").inc()
        await websocket.close(code=1013, reason="gateway at capacity")
        return
    try:
        session = CallSession(call, websocket, settings, resources, registry)
    except Exception as e:
        logger.exception(f"call {call.call_sid}: could not build pipeline: {e}")
        metrics.CALLS_REFUSED.labels("build").inc()
        await websocket.close(code=1011, reason="pipeline build failed")
        return
    await session.run()
