"""A local OpenAI Realtime server (GA WebSocket protocol) for tests, on ``ws://127.0.0.1:<port>/v1/realtime``.

Protocol: https://platform.openai.com/docs/guides/realtime-websocket and the event references
https://platform.openai.com/docs/api-reference/realtime-client-events /
https://platform.openai.com/docs/api-reference/realtime-server-events — checked against what
Pipecat 1.14's ``OpenAIRealtimeLLMService`` sends and parses (``pipecat/services/openai/realtime``).

- Upgrade: ``GET /v1/realtime?model=<model>`` with ``Authorization: Bearer <key>``; a wrong key is
  refused with HTTP 401 and OpenAI's ``{"error": {"type": "invalid_request_error", "code":
  "invalid_api_key", ...}}`` body. ``session.created`` is sent on connect.
- ``session.update`` → stored (instructions, tools, audio config) and answered ``session.updated``.
- ``input_audio_buffer.append`` (base64 PCM16 24 kHz) feeds an :class:`EnergySegmenter`. With
  server VAD (``turn_detection`` not ``false``) the server sends ``input_audio_buffer.speech_started``
  (cancelling a running response, as ``interrupt_response`` does by default) and, at the end of
  the utterance, ``speech_stopped``, ``committed``, the user ``conversation.item.added``,
  ``conversation.item.input_audio_transcription.completed`` with the next scripted transcript (when
  the session enabled ``audio.input.transcription``), and
  a response. With turn detection off the client's ``input_audio_buffer.commit`` closes the
  utterance and ``response.create`` asks for the reply.
- ``conversation.item.create`` (messages, ``function_call_output``) → ``conversation.item.added``;
  ``response.create`` → a reply from the :class:`~testkit.fake_llm_script.ScriptedModel`: an assistant
  message (``conversation.item.added``, ``response.output_audio_transcript.delta``,
  ``response.output_audio.delta`` chunks of 24 kHz PCM16 tone paced at real time, ``…done``)
  and/or a ``function_call`` item (``conversation.item.added`` then
  ``response.function_call_arguments.delta``/``.done``), then ``response.done``.
- ``conversation.item.truncate`` → recorded in :attr:`FakeRealtime.truncations` (``item_id``,
  ``audio_end_ms``, and how much audio of that item had been sent) and answered
  ``conversation.item.truncated``; ``response.cancel`` stops the audio.
- ``response.create`` with ``response.instructions``: those instructions replace the session's for
  that response only (as the API documents), and the scripted model follows a «quoted» text in
  them (:class:`~testkit.fake_llm_script.ScriptedModel`).
- ``conversation.item.delete`` → the item leaves the conversation, ``conversation.item.deleted``;
  an unknown ``item_id`` gets an ``invalid_request_error`` ``error`` naming the client event.
- ``transcription_delay_secs``: the user item's ``…input_audio_transcription.completed`` comes this
  long after the turn, while the response already runs (the API transcribes asynchronously; 0: the
  transcription comes before the response).

Faults: ``reject_status``; ``first_byte_delay_secs`` (before each reply's first audio delta);
:meth:`drop_connections` (close the socket abruptly with code 1011); :meth:`revoke_key` (an
``invalid_api_key`` error event, close, then 401 on reconnect); ``refuse_upgrades`` (the next that
many upgrades get HTTP 503, as during an outage); ``fail_responses`` (the next that many responses
to a caller's turn end ``response.done`` with ``status: "failed"`` and
``status_details.error`` = ``fail_error``, saying nothing); ``error_on_session_update`` (each
``session.update`` is answered with an ``invalid_request_error`` ``error`` event instead of
``session.updated``, the session staying open, as the API does for a bad parameter); and
:meth:`send_error_event` (a recoverable ``server_error`` event on every open session). Error events:
https://platform.openai.com/docs/api-reference/realtime-server-events/error ("most errors are
recoverable and the session will stay open").
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlparse

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from testkit.fake_llm_script import Call, Say, ScriptedModel, flight_desk_model
from testkit.fake_vendor_base import (
    EnergySegmenter, Received, ThreadedServer, TranscriptQueue, loudness_dbfs, now, speech_ms_for, tone_pcm16,
)

RATE = 24000
CHUNK_MS = 100  # one output_audio.delta per 100 ms of audio


def _id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(8)}"


class _Session:
    """One Realtime connection's state."""

    def __init__(self, ws: ServerConnection, server: FakeRealtime):
        self.ws = ws
        self.server = server
        self.session: dict[str, Any] = {}
        self.items: list[dict[str, Any]] = []  # conversation, in order
        self.segmenter = EnergySegmenter(RATE)
        self.response_task: asyncio.Task | None = None
        self.audio_sent_ms: dict[str, int] = {}

    async def send(self, event: dict[str, Any]) -> None:
        event.setdefault("event_id", _id("event"))
        self.server.sent.append(Received(now(), event))
        await self.ws.send(json.dumps(event))

    @property
    def server_vad(self) -> bool:
        td = ((self.session.get("audio") or {}).get("input") or {}).get("turn_detection", None)
        return td is not False

    # --- conversation as the scripted model sees it ---
    def messages(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        names = {i.get("call_id"): i.get("name") for i in self.items if i.get("type") == "function_call"}
        for item in self.items:
            if item.get("type") == "message":
                text = " ".join((c.get("text") or c.get("transcript") or "") for c in item.get("content") or [])
                out.append({"role": item.get("role"), "content": text})
            elif item.get("type") == "function_call_output":
                out.append({"role": "tool", "name": names.get(item.get("call_id")), "content": item.get("output")})
            elif item.get("type") == "function_call":
                out.append({"role": "assistant", "content": "", "tool_call": item.get("name")})
        return out

    async def add_item(self, item: dict[str, Any]) -> None:
        item.setdefault("id", _id("item"))
        item.setdefault("object", "realtime.item")
        previous = self.items[-1]["id"] if self.items else None
        self.items.append(item)
        await self.send({"type": "conversation.item.added", "previous_item_id": previous, "item": item})

    # --- client events ---
    async def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("type")
        if kind == "session.update":
            self.server.session_updates.append(event.get("session") or {})
            if self.server.error_on_session_update:
                await self.send({"type": "error", "error": {
                    "type": "invalid_request_error", "code": "invalid_value", "param": "session.audio.output.voice",
                    "message": "Invalid value for 'voice'.", "event_id": event.get("event_id")}})
                return
            self.session.update(event.get("session") or {})
            await self.send({"type": "session.updated", "session": {**self.session, "object": "realtime.session"}})
        elif kind == "input_audio_buffer.append":
            pcm = base64.b64decode(event.get("audio") or "")
            self.server.audio_bytes += len(pcm)
            self.server.audio_log.append((now(), loudness_dbfs(pcm)))
            if self.server.first_audio_at is None and pcm:
                self.server.first_audio_at = now()
            for what, utt in self.segmenter.feed(pcm):
                if not self.server_vad:
                    continue
                if what == "start":
                    await self.cancel_response()
                    await self.send({"type": "input_audio_buffer.speech_started",
                                     "audio_start_ms": utt.start_ms, "item_id": _id("item")})
                else:
                    await self.send({"type": "input_audio_buffer.speech_stopped",
                                     "audio_end_ms": utt.end_ms, "item_id": _id("item")})
                    await self.user_turn()
                    self.start_response()
        elif kind == "input_audio_buffer.commit":
            self.segmenter.force_end()
            await self.user_turn()
        elif kind == "input_audio_buffer.clear":
            await self.send({"type": "input_audio_buffer.cleared"})
        elif kind == "conversation.item.create":
            item = dict(event.get("item") or {})
            await self.add_item(item)
        elif kind == "conversation.item.truncate":
            item_id = event.get("item_id")
            self.server.truncations.append({
                "item_id": item_id, "content_index": event.get("content_index"),
                "audio_end_ms": event.get("audio_end_ms"), "audio_sent_ms": self.audio_sent_ms.get(item_id, 0),
            })
            await self.send({"type": "conversation.item.truncated", "item_id": item_id,
                             "content_index": event.get("content_index", 0),
                             "audio_end_ms": event.get("audio_end_ms", 0)})
        elif kind == "response.create":
            self.start_response((event.get("response") or {}).get("instructions"))
        elif kind == "conversation.item.delete":
            item_id = event.get("item_id")
            if any(i.get("id") == item_id for i in self.items):
                self.items = [i for i in self.items if i.get("id") != item_id]
                self.server.deleted.append(item_id)
                await self.send({"type": "conversation.item.deleted", "item_id": item_id})
            else:
                await self.send({"type": "error", "error": {
                    "type": "invalid_request_error", "code": "item_delete_invalid_item_id",
                    "message": f"Item with item_id not found: {item_id}", "param": None,
                    "event_id": event.get("event_id")}})
        elif kind == "response.cancel":
            if not await self.cancel_response():
                await self.send({"type": "error", "error": {
                    "type": "invalid_request_error", "code": "response_cancel_not_active",
                    "message": "Cancellation failed: no active response found."}})

    async def user_turn(self) -> None:
        text, language = self.server.transcripts.pop()
        item = {"id": _id("item"), "type": "message", "role": "user", "status": "completed",
                "content": [{"type": "input_audio", "transcript": text}]}
        await self.send({"type": "input_audio_buffer.committed", "item_id": item["id"],
                         "previous_item_id": self.items[-1]["id"] if self.items else None})
        await self.add_item(item)
        if not ((self.session.get("audio") or {}).get("input") or {}).get("transcription"):
            return  # input transcription is off unless the session asks for it
        completed = {"type": "conversation.item.input_audio_transcription.completed",
                     "item_id": item["id"], "content_index": 0, "transcript": text}
        if self.server.transcription_delay_secs <= 0:
            await self.send(completed)
            return

        async def later():
            await asyncio.sleep(self.server.transcription_delay_secs)
            try:
                await self.send(completed)
            except Exception:
                pass
        asyncio.ensure_future(later())

    async def cancel_response(self) -> bool:
        task = self.response_task
        if task is None or task.done():
            return False
        task.cancel()
        try:
            await task
        except (asyncio.CancelledError, Exception):
            pass
        return True

    def start_response(self, instructions: str | None = None) -> None:
        if self.response_task is not None and not self.response_task.done():
            asyncio.ensure_future(self.send({"type": "error", "error": {
                "type": "invalid_request_error", "code": "conversation_already_has_active_response",
                "message": "Conversation already has an active response in progress."}}))
            return
        if instructions is not None:
            self.server.response_instructions.append(instructions)
        self.response_task = asyncio.ensure_future(self.respond(instructions))

    async def respond(self, instructions: str | None = None) -> None:
        response_id = _id("resp")
        output: list[dict[str, Any]] = []
        status = "completed"
        await self.send({"type": "response.created", "response": {
            "id": response_id, "object": "realtime.response", "status": "in_progress", "output": []}})
        if self.server.fail_responses > 0 and self.messages() and self.messages()[-1]["role"] == "user":
            self.server.fail_responses -= 1
            self.server.failed.append(response_id)
            await self.send({"type": "response.done", "response": {
                "id": response_id, "object": "realtime.response", "status": "failed", "output": [],
                "status_details": {"type": "failed", "error": dict(self.server.fail_error)},
                "usage": {"total_tokens": 0, "input_tokens": 0, "output_tokens": 0}}})
            return
        try:
            decision = self.server.model.respond(
                self.messages(), instructions if instructions is not None else self.session.get("instructions"))
            self.server.replies.append(decision)
            text = decision.text if isinstance(decision, (Say, Call)) else ""
            if text:
                await self.speak(response_id, output, text)
            if isinstance(decision, Call):
                await self.function_call(response_id, output, decision)
        except asyncio.CancelledError:
            status = "cancelled"
            for item in output:
                if item.get("status") == "in_progress":
                    item["status"] = "incomplete"
            raise
        finally:
            done = {"type": "response.done", "response": {
                "id": response_id, "object": "realtime.response", "status": status, "output": output,
                "usage": {"total_tokens": 10, "input_tokens": 6, "output_tokens": 4}}}
            try:
                await asyncio.shield(self.send(done))
            except Exception:
                pass

    async def speak(self, response_id: str, output: list[dict[str, Any]], text: str) -> dict[str, Any]:
        """An assistant message saying ``text``, appended to the response's ``output`` as it starts
        (a cancelled response's ``response.done`` lists its partial items)."""
        item = {"id": _id("item"), "object": "realtime.item", "type": "message", "role": "assistant",
                "status": "in_progress", "content": []}
        index = len(output)
        output.append(item)
        await self.add_item(item)
        base = {"response_id": response_id, "item_id": item["id"], "output_index": index, "content_index": 0}
        await self.send({"type": "response.output_audio_transcript.delta", **base, "delta": text})
        await self.server.first_byte_pause()
        audio = tone_pcm16(speech_ms_for(text), RATE)
        step = RATE * 2 * CHUNK_MS // 1000
        self.audio_sent_ms[item["id"]] = 0
        loop = asyncio.get_running_loop()
        started = loop.time()
        for n, off in enumerate(range(0, len(audio), step)):
            chunk = audio[off:off + step]
            if self.server.first_audio_out_at is None:
                self.server.first_audio_out_at = now()
            if n == 0:
                self.server.audio_out_log.append((now(), item["id"]))
            await self.send({"type": "response.output_audio.delta", **base,
                             "delta": base64.b64encode(chunk).decode()})
            self.audio_sent_ms[item["id"]] += len(chunk) * 1000 // (RATE * 2)
            # real time, a little ahead (like the API, which streams faster than playback)
            await asyncio.sleep(max(0.0, started + (n + 1) * CHUNK_MS / 1000 * 0.5 - loop.time()))
        await self.send({"type": "response.output_audio.done", **base})
        await self.send({"type": "response.output_audio_transcript.done", **base, "transcript": text})
        item.update(status="completed", content=[{"type": "output_audio", "transcript": text}])
        await self.send({"type": "conversation.item.done", "item": item})
        return item

    async def function_call(self, response_id: str, output: list[dict[str, Any]], call: Call) -> dict[str, Any]:
        item = {"id": _id("item"), "object": "realtime.item", "type": "function_call", "status": "in_progress",
                "call_id": _id("call"), "name": call.name, "arguments": ""}
        index = len(output)
        output.append(item)
        await self.add_item(item)
        arguments = json.dumps(call.arguments)
        base = {"response_id": response_id, "item_id": item["id"], "output_index": index, "call_id": item["call_id"]}
        await self.send({"type": "response.function_call_arguments.delta", **base, "delta": arguments})
        await self.send({"type": "response.function_call_arguments.done", **base, "arguments": arguments})
        item.update(status="completed", arguments=arguments)
        await self.send({"type": "conversation.item.done", "item": item})
        self.server.function_calls.append({"name": call.name, "call_id": item["call_id"], "arguments": call.arguments})
        return item


class FakeRealtime(ThreadedServer):
    """See the module docstring. ``url`` is the ``base_url`` for ``OpenAIRealtimeLLMService``.

    Args:
        api_key: the key it accepts.
        model: the scripted model (default :func:`~testkit.fake_llm_script.flight_desk_model`).
        transcripts: scripted caller words, one per utterance heard.
    """

    def __init__(self, api_key: str = "sk-test-realtime", model: ScriptedModel | None = None,
                 transcripts: list[str | tuple[str, str]] | None = None):
        self.api_key = api_key
        self.model = model or flight_desk_model(filler=True)
        self.transcripts = TranscriptQueue(transcripts)
        self.received: list[Received] = []
        self.sent: list[Received] = []
        self.session_updates: list[dict[str, Any]] = []
        self.truncations: list[dict[str, Any]] = []
        self.function_calls: list[dict[str, Any]] = []
        self.deleted: list[str] = []  # items deleted by conversation.item.delete
        self.response_instructions: list[str] = []  # response.create's per-response instructions
        self.transcription_delay_secs = 0.0
        self.replies: list[Any] = []
        self.upgrades: list[dict[str, Any]] = []
        self.audio_bytes = 0
        self.audio_log: list[tuple[float, float]] = []  # (wall time, dBFS) per audio message received
        self.audio_out_log: list[tuple[float, str]] = []  # (wall time, item) of each reply's first delta
        self.first_audio_at: float | None = None
        self.first_audio_out_at: float | None = None
        self.refuse_upgrades = 0
        self.fail_responses = 0
        self.fail_error: dict[str, Any] = {"type": "server_error", "code": "server_error",
                                           "message": "The server had an error while processing your request."}
        self.failed: list[str] = []  # ids of the responses failed on purpose
        self.error_on_session_update = False
        self._sessions: list[_Session] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/v1/realtime"

    def events(self, kind: str) -> list[dict[str, Any]]:
        """Client events of type ``kind`` received so far."""
        return [r.message for r in list(self.received) if r.message.get("type") == kind]

    def drop_connections(self) -> None:
        """Close every open socket abruptly (code 1011), as a vendor outage would."""
        async def drop():
            for s in list(self._sessions):
                await s.cancel_response()
                await s.ws.close(1011, "server error")
        self.run(drop())

    def revoke_key(self) -> None:
        """The key stops working mid-call: every open session gets the API's ``error`` server event
        (``invalid_request_error`` / ``invalid_api_key``,
        https://platform.openai.com/docs/api-reference/realtime-server-events/error) and is closed
        (1008, policy violation); every later upgrade is refused with 401."""
        self.reject_status = 401

        async def revoke():
            for s in list(self._sessions):
                await s.cancel_response()
                await s.send({"type": "error", "event_id": _id("event"), "error": {
                    "type": "invalid_request_error", "code": "invalid_api_key",
                    "message": "Incorrect API key provided.", "param": None, "event_id": None}})
                await s.ws.close(1008, "invalid_api_key")
        self.run(revoke())

    def send_error_event(self) -> None:
        """A recoverable ``server_error`` ``error`` event on every open session, which stays open."""
        async def send():
            for s in list(self._sessions):
                await s.send({"type": "error", "error": {
                    "type": "server_error", "code": None, "param": None, "event_id": None,
                    "message": "The server had an error while processing your request."}})
        self.run(send())

    def _process_request(self, connection: ServerConnection, request) -> Response | None:
        query = parse_qs(urlparse(request.path).query)
        self.upgrades.append({"path": request.path, "model": (query.get("model") or [None])[0],
                              "authorization": request.headers.get("Authorization", "")})
        status = self.reject_status
        if status is None and self.refuse_upgrades > 0:
            self.refuse_upgrades -= 1
            status = 503
        if status is None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            status = 401
        if not urlparse(request.path).path.endswith("/v1/realtime"):
            status = 404
        if status is None:
            return None
        self.rejected += 1
        error = {"type": "invalid_request_error", "code": "invalid_api_key",
                 "message": "Incorrect API key provided.", "param": None} if status == 401 else \
            {"type": "server_error", "code": None, "message": HTTPStatus(status).phrase, "param": None}
        body = json.dumps({"error": error}).encode()
        headers = Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return Response(status, HTTPStatus(status).phrase, headers, body)

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        session = _Session(ws, self)
        self._sessions.append(session)
        try:
            await session.send({"type": "session.created", "session": {
                "id": _id("sess"), "object": "realtime.session", "type": "realtime",
                "model": self.upgrades[-1]["model"] if self.upgrades else None}})
            async for raw in ws:
                try:
                    event = json.loads(raw)
                except (TypeError, json.JSONDecodeError):
                    continue
                if event.get("type") != "input_audio_buffer.append":
                    self.received.append(Received(now(), event))
                else:
                    self.received.append(Received(now(), {"type": "input_audio_buffer.append"}))
                await session.handle(event)
        except Exception:
            pass
        finally:
            await session.cancel_response()
            self._sessions.remove(session)

    async def _serve(self):
        return await serve(self._handler, self.host, self.port, process_request=self._process_request,
                           max_size=2**24, compression=None)
