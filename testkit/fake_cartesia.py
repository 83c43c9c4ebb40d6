"""A local Cartesia TTS WebSocket server for tests: ``ws://127.0.0.1:<port>/tts/websocket``.

Protocol: https://docs.cartesia.ai/api-reference/tts/websocket (contexts:
https://docs.cartesia.ai/api-reference/tts/working-with-web-sockets/contexts), checked against
Pipecat 1.14's ``CartesiaTTSService``: the upgrade carries ``X-API-Key`` and ``Cartesia-Version``
headers; each generation request is ``{"transcript", "continue", "context_id", "model_id",
"voice": {"mode": "id", "id"}, "output_format": {"container": "raw", "encoding": "pcm_s16le",
"sample_rate"}, "add_timestamps", "language", ...}``; ``{"context_id", "cancel": true}`` cancels a
context. Per context, in order, the server answers

- ``{"type": "chunk", "data": <base64 PCM16>, "done": false, "status_code": 206, "context_id"}``
  (a tone as long as the text, in 100 ms chunks, faster than real time as Cartesia is);
- ``{"type": "timestamps", "word_timestamps": {"words", "start", "end"}, ...}`` for the words;
- after the request with ``continue: false`` (the flush), ``{"type": "done", "done": true,
  "status_code": 200, "context_id"}``. A cancelled context gets nothing more.

A wrong ``X-API-Key`` or a missing ``Cartesia-Version`` → HTTP 401 / 400 at the upgrade.
Faults: ``reject_status``, ``first_byte_delay_secs`` (before a context's first chunk),
:meth:`drop_connections`, ``error_next_requests``: that many generation requests with text are
answered with Cartesia's WebSocket error event instead of audio
(https://docs.cartesia.ai/use-the-api/api-errors: ``{"type": "error", "done": true, "status_code":
429, "error_code": "concurrency_limited", "title", "message", "request_id", "context_id"}``; the
``context_id`` is "present when available": left out when ``error_with_context_id`` is false);
later requests are served (their wall times go to :attr:`errors_sent`). :attr:`FakeCartesia.requests` keeps every generation request,
:attr:`cancels` the cancelled context ids, :attr:`headers` the upgrade headers.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from http import HTTPStatus
from typing import Any

from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.http11 import Response

from testkit.fake_vendor_base import Received, ThreadedServer, now, speech_ms_for, tone_pcm16

CHUNK_MS = 100


class FakeCartesia(ThreadedServer):
    """See the module docstring; ``url`` is what ``CartesiaTTSService(url=...)`` takes."""

    def __init__(self, api_key: str = "cartesia-test-key"):
        self.api_key = api_key
        self.headers: list[dict[str, str]] = []
        self.requests: list[Received] = []
        self.cancels: list[str] = []
        self.first_chunk_at: dict[str, float] = {}
        self.error_next_requests = 0
        self.error_with_context_id = True
        self.error_status, self.error_code = 429, "concurrency_limited"
        self.errors_sent: list[float] = []
        self._sockets: list[ServerConnection] = []
        super().__init__()

    @property
    def url(self) -> str:
        return f"ws://{self.host}:{self.port}/tts/websocket"

    def transcripts(self) -> list[str]:
        return [r.message.get("transcript", "") for r in self.requests if r.message.get("transcript")]

    def languages(self) -> list[str]:
        return [r.message.get("language") for r in self.requests if r.message.get("transcript")]

    def drop_connections(self) -> None:
        async def drop():
            for ws in list(self._sockets):
                await ws.close(1011, "internal error")
        self.run(drop())

    def _process_request(self, connection: ServerConnection, request) -> Response | None:
        self.headers.append({"X-API-Key": request.headers.get("X-API-Key", ""),
                             "Cartesia-Version": request.headers.get("Cartesia-Version", ""),
                             "path": request.path})
        status = self.reject_status
        if status is None and request.headers.get("X-API-Key") != self.api_key:
            status = 401
        if status is None and not request.headers.get("Cartesia-Version"):
            status = 400
        if status is None and not request.path.startswith("/tts/websocket"):
            status = 404
        if status is None:
            return None
        self.rejected += 1
        body = json.dumps({"error": "Invalid API key" if status == 401 else HTTPStatus(status).phrase}).encode()
        return Response(status, HTTPStatus(status).phrase,
                        Headers([("Content-Type", "application/json"), ("Content-Length", str(len(body)))]), body)

    async def _handler(self, ws: ServerConnection) -> None:
        self.connections += 1
        self._sockets.append(ws)
        queues: dict[str, asyncio.Queue] = {}
        workers: dict[str, asyncio.Task] = {}
        cancelled: set[str] = set()

        async def send(message: dict[str, Any]) -> None:
            if message.get("context_id") in cancelled:
                return
            await ws.send(json.dumps(message))

        async def generate(ctx: str, queue: asyncio.Queue) -> None:
            first = True
            while True:
                req = await queue.get()
                text = req.get("transcript") or ""
                rate = int((req.get("output_format") or {}).get("sample_rate") or 24000)
                if text.strip():
                    if first:
                        await self.first_byte_pause()
                        first = False
                        self.first_chunk_at[ctx] = now()
                    audio = tone_pcm16(speech_ms_for(text), rate, freq_hz=330.0)
                    step = rate * 2 * CHUNK_MS // 1000
                    for off in range(0, len(audio), step):
                        await send({"type": "chunk", "data": base64.b64encode(audio[off:off + step]).decode(),
                                    "done": False, "status_code": 206, "step_time": 5.0, "context_id": ctx})
                        await asyncio.sleep(0.02)
                    if req.get("add_timestamps"):
                        words = text.split()
                        span = speech_ms_for(text) / 1000 / max(1, len(words))
                        await send({"type": "timestamps", "done": False, "status_code": 206, "context_id": ctx,
                                    "word_timestamps": {"words": words,
                                                        "start": [round(i * span, 3) for i in range(len(words))],
                                                        "end": [round((i + 1) * span, 3) for i in range(len(words))]}})
                if not req.get("continue", True):
                    await send({"type": "done", "done": True, "status_code": 200, "context_id": ctx})
                    return

        try:
            async for raw in ws:
                try:
                    msg = json.loads(raw)
                except (TypeError, json.JSONDecodeError):
                    continue
                ctx = str(msg.get("context_id") or "")
                if msg.get("cancel"):
                    self.cancels.append(ctx)
                    cancelled.add(ctx)
                    task = workers.pop(ctx, None)
                    if task:
                        task.cancel()
                    continue
                self.requests.append(Received(now(), msg))
                if ctx in cancelled:
                    continue
                if self.error_next_requests > 0 and (msg.get("transcript") or "").strip():
                    self.error_next_requests -= 1
                    self.errors_sent.append(now())
                    error = {"type": "error", "done": True, "status_code": self.error_status,
                             "error_code": self.error_code, "title": "Too many concurrent requests",
                             "message": "You have exceeded your plan's concurrency limit.",
                             "request_id": str(uuid.uuid4())}
                    if self.error_with_context_id:
                        error["context_id"] = ctx
                    await ws.send(json.dumps(error))
                    continue
                if ctx not in queues or workers.get(ctx) is None or workers[ctx].done():
                    queues[ctx] = asyncio.Queue()
                    workers[ctx] = asyncio.ensure_future(generate(ctx, queues[ctx]))
                queues[ctx].put_nowait(msg)
        except Exception:
            pass
        finally:
            for task in workers.values():
                task.cancel()
            self._sockets.remove(ws)

    async def _serve(self):
        return await serve(self._handler, self.host, self.port, process_request=self._process_request,
                           max_size=2**24, compression=None)
