"""One Media Streams WebSocket = one call: handshake, pipeline run, orderly ending, registry.

Flow (https://www.twilio.com/docs/voice/media-streams/websocket-messages): Twilio sends
``connected`` then ``start`` (StreamSid, CallSid, customParameters); :func:`handle_stream` reads
them, builds the profile's pipeline and runs it until the call ends:

- the bot said goodbye → :class:`~processors.call_marks.CallMarksProcessor` queued mark ``hangup``
  behind the audio → Twilio echoes it once played → ``EndFrame`` → the serializer hangs up through
  Twilio REST when credentials exist, and the transport closes the socket;
- Twilio sends ``stop`` or the socket closes (caller hung up) → the pipeline is cancelled at once,
  releasing in-flight searches, TTS and timers;
- the caller asked for a person (``transfer_call``) → mark ``transfer`` behind "I'm transferring
  you" → once Twilio echoes it, :meth:`CallSession.transfer` replaces the live call's TwiML through
  Twilio REST with a ``<Dial>`` to ``TRANSFER_NUMBER`` (caller ID kept, the agent hears a whisper
  with the route and date first) and the pipeline ends *without* the REST hang-up;
- the LLM's reply failed but the service still works (a cut stream, a timeout) → asked again once
  (:meth:`CallSession.llm_reply_failed`); a vendor service that can no longer work → a spoken
  apology and a hang-up (:meth:`CallSession.vendor_failed`).

When a call ends its :class:`CallRecord` gets the call's record (:meth:`CallSession.finish_record`):
turns and their latency, searches, languages, interruptions, how it ended, the recording — plain
JSON-ready data, served by ``GET /calls/{call_sid}`` until ``CALL_RECORD_TTL_SECS`` after the end.

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
from typing import TYPE_CHECKING, Any

from fastapi import WebSocket, WebSocketDisconnect
from loguru import logger
from pipecat.frames.frames import EndFrame, LLMRunFrame, TTSSpeakFrame
from pipecat.workers.runner import WorkerRunner

from gateway import metrics
from gateway.settings import Settings
from gateway.twilio import HandshakeError, StreamTokenLedger, TwilioRest, parse_start, transfer_twiml
from pipelines.contract import CallInfo
from pipelines.registry import build_call
from pipelines.shell import BuiltCall, Resources
from processors.call_marks import HANGUP_MARK, TRANSFER_MARK, HangupRequestFrame, TransferRequestFrame
from dialogue.phrases import phrase
from processors.idle_caller import IDLE_HANGUP_REASON
from processors.vendor_apology import apology_frames
from processors.twilio_serializer import MalformedMessage, StartMessage, parse_message

if TYPE_CHECKING:
    from gateway.state import CallState

START_TIMEOUT_SECS = 10.0
#: The reason :class:`gateway.drain.Drain` winds calls down with (its goodbye's hang-up reason).
DRAIN_REASON = "gateway shutting down"
#: After a goodbye, end the call anyway if Twilio never echoes the hangup mark.
HANGUP_MARK_TIMEOUT_SECS = 15.0
#: One retry of a failed LLM reply per this many seconds; a second failure is apologised for.
LLM_RETRY_WINDOW_SECS = 30.0


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
    #: how the call ended, one of :data:`ENDINGS` (``None`` while it runs)
    ending: str | None = None
    #: the call's record, filled at its end (:meth:`CallSession.finish_record`): ``languages``,
    #: ``turns``, ``searches``, ``interruptions``, ``idle_reprompts``, ``transfer``, ``recording``,
    #: ``transcript`` (only with ``STORE_TRANSCRIPTS``) — JSON-ready values only
    details: dict[str, Any] = field(default_factory=dict)

    def public(self) -> dict[str, Any]:
        """JSON view for ``GET /calls`` (numbers included: the endpoint is authenticated)."""
        return {
            "call_sid": self.call_sid, "direction": self.direction, "status": self.status,
            "language": self.language, "to": self.to_number, "from": self.from_number,
            "started_at": self.started_at, "ended_at": self.ended_at, "end_reason": self.end_reason,
            "duration_secs": self.duration_secs, "status_times": self.status_times,
        }

    def detail(self) -> dict[str, Any]:
        """JSON view for ``GET /calls/{call_sid}``: numbers masked except their last 4 digits,
        times as unix seconds; see :meth:`CallSession.finish_record` for ``details``."""
        return {
            "call_sid": self.call_sid, "direction": self.direction, "status": self.status,
            "from": mask_number(self.from_number), "to": mask_number(self.to_number),
            "started_at": self.started_at, "ended_at": self.ended_at,
            "duration_secs": self.duration_secs if self.duration_secs is not None else (
                round(self.ended_at - self.started_at, 1) if self.ended_at else None),
            "ending": self.ending, "end_reason": self.end_reason,
            "language": self.language, **self.details,
        }


#: How a call ended (``CallRecord.ending``).
ENDINGS = ("caller_hung_up", "goodbye", "idle", "transfer", "error", "drain")


def mask_number(number: str | None) -> str:
    """``"+15551234567"`` → ``"********4567"``: every digit but the last 4 masked (``""`` for none)."""
    if not number:
        return ""
    digits = sum(ch.isdigit() for ch in number)
    out, seen = [], 0
    for ch in number:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen > digits - 4 else "*")
        else:
            out.append("*" if ch == "+" else ch)
    return "".join(out)


def ending_of(reason: str, hangup_reason: str | None) -> str:
    """The :data:`ENDINGS` kind of an end reason (``"goodbye played"``, ``"twilio stop (caller hung
    up)"``…), given the reason of the hang-up the bot asked for, if any (``"idle"``, ``"goodbye"``,
    the drain's ``"gateway shutting down"``)."""
    if reason.startswith("transfer"):
        return "transfer"
    if reason.startswith("goodbye"):
        if hangup_reason == IDLE_HANGUP_REASON:
            return "idle"
        if hangup_reason == DRAIN_REASON:
            return "drain"
        return "goodbye"
    if "caller hung up" in reason:
        return "caller_hung_up"
    if reason.startswith(DRAIN_REASON):
        return "drain"
    return "error"


#: Twilio call statuses after which a call is over
#: (https://www.twilio.com/docs/voice/api/call-resource#call-status-values).
FINAL_STATUSES = {"completed", "busy", "failed", "no-answer", "canceled"}


class CallRegistry:
    """Active and recent calls of this process (in memory).

    ``active`` holds calls with a live media stream; ``calls`` holds every call known from streams,
    ``POST /call`` or status callbacks (the newest ``keep_recent``).
    """

    def __init__(self, keep_recent: int = 200, record_ttl_secs: float = 86400.0):
        self.active: dict[str, CallRecord] = {}
        self.calls: dict[str, CallRecord] = {}
        self._keep = keep_recent
        self.record_ttl_secs = record_ttl_secs

    def record(self, call_sid: str, now: float | None = None) -> CallRecord | None:
        """The record of ``call_sid`` (live or ended less than ``record_ttl_secs`` ago), else ``None``."""
        record = self.calls.get(call_sid)
        if record is None:
            return None
        if record.ended_at is not None and (now or time.time()) - record.ended_at > self.record_ttl_secs:
            self.calls.pop(call_sid, None)
            return None
        return record

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
                 state: CallState, rest: TwilioRest | None = None):
        self.call = call
        self.rest = rest
        self.settings = settings
        self.state = state
        self.record = CallRecord(call.call_sid, call.stream_sid, call.direction, call.language,
                                 to_number=call.to_number, from_number=call.from_number)
        self.built: BuiltCall = build_call(call, websocket, settings, resources, self.on_stream_event)
        self.worker = self.built.worker
        self.end_reason: str | None = None
        self._hangup_timer: asyncio.Task | None = None
        self._log = logger.bind(call_sid=call.call_sid)
        self.built.marks.on_hangup_requested = self._on_hangup_requested
        self.built.marks.on_hangup_withdrawn = self._on_hangup_withdrawn
        self._winding_down = False  # the gateway's own goodbye (drain): not the caller's to withdraw
        self.built.marks.on_transfer_requested = self._on_transfer_requested
        self._transfer: TransferRequestFrame | None = None
        self._transfer_timer: asyncio.Task | None = None
        self.transfer_outcome: str | None = None
        self._vendor_failed = False
        self._llm_retried_at: float | None = None

        @self.built.transport.event_handler("on_client_disconnected")
        async def _on_disconnected(_transport, _ws):
            await self.cancel("caller hung up (socket closed)")

        @self.worker.event_handler("on_pipeline_error")
        async def _on_error(_worker, frame):
            core = self.built.core
            processor = getattr(frame, "processor", None)
            if (processor is not None and processor is core.llm and processor.is_usable
                    and not core.realtime_service_mode):
                await self.llm_reply_failed(frame)
            else:
                await self.vendor_failed(frame)

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
                elif name == TRANSFER_MARK:
                    await self.transfer()
        elif event == "stop":
            await self.cancel("twilio stop (caller hung up)")

    async def _on_hangup_requested(self, reason: str) -> None:
        self._log.info(f"hang-up requested ({reason}); waiting for Twilio to play the last audio")
        if self._hangup_timer is None:
            self._hangup_timer = asyncio.create_task(self._hangup_fallback())

    async def _on_hangup_withdrawn(self, reason: str) -> None:
        """The caller spoke over the brain's goodbye and is being answered: the call goes on (the
        brain asks for a hang-up anew if it says goodbye again). A goodbye of the gateway's own
        (drain, a failed vendor) or a call already ending keeps its hang-up."""
        if self.end_reason or self._winding_down or self._vendor_failed or self._hangup_timer is None:
            return
        self._log.info(f"hang-up withdrawn ({reason}): the caller spoke over the goodbye")
        self._hangup_timer.cancel()
        self._hangup_timer = None

    async def _hangup_fallback(self) -> None:
        await asyncio.sleep(HANGUP_MARK_TIMEOUT_SECS)
        await self.end("goodbye (mark never echoed)")

    async def _on_transfer_requested(self, request: TransferRequestFrame) -> None:
        self._log.info("transfer requested; waiting for Twilio to play the announcement")
        self._transfer = request
        if self._transfer_timer is None:
            self._transfer_timer = asyncio.create_task(self._transfer_fallback())

    async def _transfer_fallback(self) -> None:
        await asyncio.sleep(HANGUP_MARK_TIMEOUT_SECS)
        await self.transfer()

    async def transfer(self) -> None:
        """Redirect the live call to ``TRANSFER_NUMBER`` (once, after the announcement played).

        Twilio REST ``calls(CallSid).update(twiml=<Dial callerId><Number url=whisper>…)``
        (https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource): Twilio stops
        this Media Stream and runs the ``<Dial>``. The caller's own number is the caller ID (for a
        call we placed, the number we called); the agent's leg first fetches ``/twilio/whisper``,
        which says the route and date gathered (https://www.twilio.com/docs/voice/twiml/number#url).
        The pipeline then ends without the serializer's REST hang-up. If Twilio refuses, the
        caller hears that no one is available and the call goes on.
        """
        request, self._transfer = self._transfer, None
        if request is None or self.end_reason:
            return
        if self._transfer_timer is not None and self._transfer_timer is not asyncio.current_task():
            self._transfer_timer.cancel()
        self._transfer_timer = None
        number = self.settings.transfer_number
        caller = self.call.to_number if self.call.direction == "outbound" else self.call.from_number
        from urllib.parse import urlencode

        whisper_url = self.settings.public_url("/twilio/whisper") + "?" + urlencode(
            {"text": request.whisper, "language": request.language})
        twiml = transfer_twiml(number or "", caller_id=caller or None, whisper_url=whisper_url)
        try:
            if self.rest is None or not number:
                raise RuntimeError("Twilio REST or TRANSFER_NUMBER not configured")
            await self.rest.update_call(self.call.call_sid, twiml=twiml)
        except Exception as e:  # Twilio refused or is unreachable: tell the caller, carry on
            self._log.warning(f"transfer failed: {e}")
            self.transfer_outcome = "failed"
            self.built.marks.transfer_requested = None
            speak = self.built.core.filler_frame or TTSSpeakFrame
            text = phrase(self.built.language.current, "no_agent")
            if self.built.idle is not None:
                try:
                    text = " ".join(p for p in (text, self.built.idle.open_question() or "") if p)
                except Exception as q:  # the apology alone is enough
                    self._log.debug(f"no open question after a failed transfer: {q}")
            await self.worker.queue_frame(speak(text))
            return
        self.transfer_outcome = "transferred"
        self._log.info("call transferred to TRANSFER_NUMBER")
        self.built.serializer.keep_call_up()  # Twilio now runs the <Dial>: no REST hang-up
        await self.end("transfer")

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
        self._winding_down = True
        language = self.built.language.current
        self._log.info(f"saying goodbye: {reason}")
        await self.worker.queue_frames([TTSSpeakFrame(phrase(language, "goodbye")), HangupRequestFrame(reason=reason)])

    async def llm_reply_failed(self, error: Any) -> None:
        """The brain's completion failed but its service still works (a stream cut before
        ``[DONE]``, a timeout, a 5xx: Pipecat's ``BaseOpenAILLMService`` pushes a non-permanent
        ``ErrorFrame`` and ends the response, so the caller would hear nothing): ask again at once
        (``LLMRunFrame`` on the same context, which still ends with the caller's words); a second
        failure within :data:`LLM_RETRY_WINDOW_SECS` is apologised for in the call's language
        (``llm_reply_failed``: "could you say that again?") and the call goes on."""
        if self.end_reason or self._hangup_timer is not None or self._vendor_failed:
            return
        now = time.monotonic()
        if self._llm_retried_at is None or now - self._llm_retried_at > LLM_RETRY_WINDOW_SECS:
            self._llm_retried_at = now
            self._log.warning(f"the LLM's reply failed ({getattr(error, 'error', error)}); asking it again")
            await self.worker.queue_frame(LLMRunFrame())
            return
        self._log.error(f"the LLM's reply failed again ({getattr(error, 'error', error)}); apologising")
        await self.worker.queue_frame(TTSSpeakFrame(phrase(self.built.language.current, "llm_reply_failed")))

    async def vendor_failed(self, error: Any) -> None:
        """A cascade vendor service became unusable mid-call (e.g. its key was revoked: 401 on the
        reconnect): apologise in the call's language — through the TTS, or with the pre-rendered
        clip when the TTS itself failed — then hang up after it. Once per call; the realtime
        service handles its own socket (:mod:`processors.realtime_llm`)."""
        core = self.built.core
        processor = getattr(error, "processor", None)
        if (processor is None or processor.is_usable or core.realtime_service_mode or self.end_reason
                or self._hangup_timer is not None or self._vendor_failed
                or not any(processor is p for p in (core.stt, core.llm, core.tts) if p is not None)):
            return
        self._vendor_failed = True
        language = self.built.language.current
        self._log.error(f"{processor} can no longer do its job: apologising and ending the call")
        if processor is core.tts:
            frames = apology_frames(language, self.built.transport.output().sample_rate or 8000)
        else:
            frames = [TTSSpeakFrame(phrase(language, "vendor_unavailable"))]
        await self.worker.queue_frames([*frames, HangupRequestFrame(reason="vendor unavailable")])

    async def cancel(self, reason: str) -> None:
        """Stop at once (caller gone), once."""
        if self.end_reason:
            return
        self.end_reason = reason
        self._log.info(f"cancelling call: {reason}")
        await self.worker.cancel(reason=reason)

    async def run(self) -> None:
        """Run the pipeline until the call ends; always unregisters the call."""
        from gateway.state import StateUnavailable

        try:
            await self.state.call_started(self.record)
        except StateUnavailable as e:  # the caller is connected: the call goes on unrecorded
            self._log.warning(f"call start not recorded in the shared state: {e}")
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
            if self._transfer_timer:
                self._transfer_timer.cancel()
            bad = self.built.serializer.bad_messages
            if bad:
                metrics.BAD_MESSAGES.inc(bad)
            await self.state.call_ended(self.call.call_sid, self.end_reason or "pipeline finished")
            try:
                self.finish_record()
            except Exception as e:  # the record is a report: never let it break the call's end
                self._log.exception(f"call record incomplete: {e}")
            self._log.info(f"call ended: {self.end_reason or 'pipeline finished'}")


    def finish_record(self) -> None:
        """Fill the call's :class:`CallRecord` (``ending`` and ``details``) from the finished pipeline.

        ``details``: ``languages`` (``start``, ``source``, ``final``, ``switches`` as
        ``{"from", "to", "reason"}``), ``turns`` (per caller turn: ``at`` unix s and ``latency_ms``,
        end of speech → first bot audio on the wire, with the stage ``breakdown_ms``), ``searches``
        (``origin``, ``destination``, ``departure_date``, ``provider``, ``results``, ``fallback``,
        ``status``, ``secs``), ``interruptions`` (``real``, ``false``), ``idle_reprompts``,
        ``transfer`` (``None``, ``transferred``, ``unavailable``, ``failed``), ``recording`` (the WAV
        path or ``None``) and, only with ``STORE_TRANSCRIPTS``, ``transcript``
        (``[{"role": "caller"|"bot", "text"}]``).
        """
        built = self.built
        record = self.record
        reason = self.end_reason or "pipeline finished"
        record.end_reason = record.end_reason or reason
        record.ending = ending_of(reason, built.marks.hangup_requested)
        language = built.language
        turns = []
        for turn in built.timing.turns:
            ms = turn.breakdown_ms()
            turns.append({"at": round(turn.vad_stop, 3) if turn.vad_stop else None,
                          "latency_ms": ms.get("speech_end_to_wire"), "breakdown_ms": ms})
        transfer = self.transfer_outcome
        if transfer is None and built.call_tools.transfers:
            transfer = "unavailable" if built.call_tools.transfers[-1] == "unavailable" else None
        details: dict[str, Any] = {
            "languages": {
                "start": self.call.language, "source": language.source, "final": language.current,
                "switches": [{"from": a, "to": b, "reason": r} for a, b, r in language.switches],
            },
            "turns": turns,
            "searches": list(built.flight_tool.history),
            "interruptions": built.interruptions.counts() if built.interruptions else {"real": 0, "false": 0},
            "idle_reprompts": built.idle.total_reprompts if built.idle else 0,
            "transfer": transfer,
            "recording": str(built.recorder.path) if built.recorder and built.recorder.path else None,
        }
        if self.settings.store_transcripts:
            details["transcript"] = transcript(built.context.get_messages())
        record.details = details


def transcript(messages: list) -> list[dict[str, str]]:
    """``[{"role": "caller"|"bot", "text"}]`` from an LLM context's user/assistant text messages
    (keypad instructions and tool calls left out)."""
    out = []
    for message in messages:
        if not isinstance(message, dict) or message.get("role") not in ("user", "assistant"):
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if isinstance(content, str) and content.strip() and not content.startswith("The caller pressed"):
            out.append({"role": "caller" if message["role"] == "user" else "bot", "text": content.strip()})
    return out


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


async def handle_stream(websocket: WebSocket, settings: Settings, resources: Any, state: CallState,
                        tokens: StreamTokenLedger | None = None, drain: Any = None,
                        rest: TwilioRest | None = None) -> None:
    """Serve one ``/twilio/stream`` WebSocket from accept to close; never raises.

    With ``tokens``, the ``start`` message must carry (as customParameter ``token``) a token issued
    for its CallSid in the TwiML and never used before (on any replica sharing ``state``); otherwise
    the socket is closed with 1008. A CallSid that already has a live stream (on any replica) is
    refused with 1008, a full gateway or an unreachable shared state with 1013. With ``drain``
    (:class:`gateway.drain.Drain`), the call is tracked so a draining server waits for it. ``rest``
    (the app's :class:`~gateway.twilio.TwilioRest`) redirects the call on a transfer.
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
    # Every line logged while this call runs — ours and Pipecat's, in every task the call starts —
    # carries its CallSid (loguru's contextvars-based ``contextualize``).
    with logger.contextualize(call_sid=call.call_sid):
        await _serve_call(websocket, call, settings, resources, state, tokens, drain, rest)


async def _serve_call(websocket: WebSocket, call: CallInfo, settings: Settings, resources: Any, state: CallState,
                      tokens: StreamTokenLedger | None, drain: Any, rest: TwilioRest | None) -> None:
    """:func:`handle_stream` once ``start`` arrived: token, claim, pipeline run, release."""
    from gateway.state import StateUnavailable

    log = logger.bind(call_sid=call.call_sid)
    try:
        if tokens is not None:
            token = call.parameters.get("token")
            refused, expires = tokens.verify(call.call_sid, token)
            if not refused and not await state.use_token(token, expires):
                refused = "stream token already used"
            if refused:
                log.warning(f"twilio stream refused: {refused}")
                metrics.CALLS_REFUSED.labels("stream_token").inc()
                await _close(websocket, 1008, refused)
                return
        refusal = await state.claim(call.call_sid, settings.max_concurrent_calls)
    except StateUnavailable as e:
        log.warning(f"twilio stream refused: {e}")
        metrics.CALLS_REFUSED.labels("state_unavailable").inc()
        await _close(websocket, 1013, "shared call state unavailable")
        return
    if refusal == "duplicate":
        log.warning("twilio stream refused: this CallSid already has a live media stream")
        metrics.CALLS_REFUSED.labels("duplicate_stream").inc()
        await _close(websocket, 1008, "call already has a live stream")
        return
    if refusal == "capacity":
        log.warning(f"call refused: {len(state.local.active)} calls in progress")
        metrics.CALLS_REFUSED.labels("capacity").inc()
        await _close(websocket, 1013, "gateway at capacity")
        return
    try:
        session = CallSession(call, websocket, settings, resources, state, rest)
    except Exception as e:
        await state.release(call.call_sid)
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
        await state.release(call.call_sid)  # no-op after a normal end
        if drain is not None:
            drain.untrack(session)


async def _close(websocket: WebSocket, code: int, reason: str) -> None:
    """Send a close frame (reason cut to fit the 123-byte limit); a socket already gone is fine."""
    try:
        await websocket.close(code=code, reason=reason.encode()[:100].decode(errors="ignore"))
    except (WebSocketDisconnect, RuntimeError, OSError):  # Starlette turns a gone client into WebSocketDisconnect
        logger.info("twilio stream: the caller had already gone when we closed")
