"""A local OpenAI-compatible chat-completions server for tests: ``http://127.0.0.1:<port>/v1``.

Protocol: https://platform.openai.com/docs/api-reference/chat/create (streaming:
https://platform.openai.com/docs/api-reference/chat-streaming) — what Pipecat 1.14's
``OpenAILLMService(base_url=...)`` sends through the ``openai`` client: ``POST /v1/chat/completions``
with ``Authorization: Bearer <key>`` and ``{"model", "messages", "tools", "stream": true,
"stream_options": {"include_usage": true}, ...}``.

The answer is Server-Sent Events of ``chat.completion.chunk`` objects: the role, then the reply
text in word chunks (``delta.content``), then any tool call (``delta.tool_calls`` with ``id``,
``function.name`` and the JSON ``arguments`` in pieces, ``finish_reason: "tool_calls"``), a last
chunk with ``choices: []`` and ``usage``, then ``data: [DONE]``. The reply comes from the
:class:`~testkit.fake_llm_script.ScriptedModel` (the system message is its "instructions").

``GET /v1/models`` lists one model (the gateway's start-up key check).

Faults: ``reject_status`` (401 with OpenAI's ``invalid_api_key`` error body),
``first_byte_delay_secs``, ``drop_next_streams`` (that many streams are cut after the first chunk),
``refuse_next_requests`` (that many completions are answered ``refuse_status``, 429 by default,
with OpenAI's error body — ``rate_limit_exceeded``, or ``server_error`` for a 5xx — and a
``retry-after: <refuse_retry_after_secs>`` header, as https://platform.openai.com/docs/guides/error-codes
and https://platform.openai.com/docs/guides/rate-limits describe; their wall times go to
:attr:`refused_at`), ``empty_next_replies`` (that many completions stream the role chunk, then
``finish_reason: <empty_finish_reason>`` — ``content_filter`` by default, or ``length``/``stop`` —
with no content and no tool call, the usage chunk and ``[DONE]``: a conformant stream that says
nothing). Every request body is kept in :attr:`FakeChatCompletions.requests`.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from typing import Any

from aiohttp import web

from testkit.fake_llm_script import Call, Say, ScriptedModel, flight_desk_model
from testkit.fake_vendor_base import Received, ThreadedServer, now


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


def script_messages(messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Chat messages → the scripted model's ``(messages, instructions)``."""
    names: dict[str, str] = {}
    out: list[dict[str, Any]] = []
    instructions = []
    for m in messages:
        role = m.get("role")
        if role in ("system", "developer"):
            instructions.append(_text(m.get("content")))
            continue
        for call in m.get("tool_calls") or []:
            names[call.get("id")] = (call.get("function") or {}).get("name")
        if role == "tool":
            out.append({"role": "tool", "name": names.get(m.get("tool_call_id")), "content": _text(m.get("content"))})
        else:
            out.append({"role": role, "content": _text(m.get("content"))})
    return out, "\n".join(instructions)


class FakeChatCompletions(ThreadedServer):
    """See the module docstring; ``base_url`` is what ``OpenAILLMService(base_url=...)`` takes."""

    def __init__(self, api_key: str = "sk-test-llm", model: ScriptedModel | None = None):
        self.api_key = api_key
        self.model = model or flight_desk_model()
        self.requests: list[Received] = []
        self.replies: list[Say | Call | None] = []
        self.drop_next_streams = 0
        self.refuse_next_requests = 0
        self.refuse_status = 429
        self.refuse_retry_after_secs = 6
        self.refused_at: list[float] = []
        self.empty_next_replies = 0
        self.empty_finish_reason = "content_filter"
        super().__init__()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}/v1"

    def _chunk(self, cid: str, model: str, delta: dict[str, Any] | None, finish: str | None = None,
               usage: dict[str, int] | None = None) -> bytes:
        body: dict[str, Any] = {"id": cid, "object": "chat.completion.chunk", "created": int(time.time()),
                                "model": model, "system_fingerprint": "fp_fake",
                                "choices": [] if delta is None else [
                                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
        if usage is not None:
            body["usage"] = usage
        return f"data: {json.dumps(body)}\n\n".encode()

    async def _completions(self, request: web.Request) -> web.StreamResponse:
        status = self.reject_status
        if status is None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            status = 401
        if status is not None:
            self.rejected += 1
            return web.json_response({"error": {"message": "Incorrect API key provided.",
                                                "type": "invalid_request_error", "param": None,
                                                "code": "invalid_api_key"}}, status=status)
        if self.refuse_next_requests > 0:
            self.refuse_next_requests -= 1
            self.refused_at.append(now())
            return self._refusal()
        body = await request.json()
        self.requests.append(Received(now(), body))
        messages, instructions = script_messages(body.get("messages") or [])
        decision = self.model.respond(messages, instructions)
        self.replies.append(decision)
        model = body.get("model", "gpt-4o-mini")
        cid = "chatcmpl-" + secrets.token_hex(12)
        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": getattr(decision, "text", "") or None}
            return web.json_response({"id": cid, "object": "chat.completion", "created": int(time.time()),
                                      "model": model, "choices": [{"index": 0, "message": message,
                                                                   "finish_reason": "stop"}]})
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        await self.first_byte_pause()
        await resp.write(self._chunk(cid, model, {"role": "assistant", "content": ""}))
        if self.drop_next_streams > 0:
            self.drop_next_streams -= 1
            request.transport.close()  # abrupt: no [DONE], no chunked terminator
            return resp
        if self.empty_next_replies > 0:
            self.empty_next_replies -= 1
            self.replies[-1] = None  # nothing was said
            await resp.write(self._chunk(cid, model, {}, self.empty_finish_reason))
            await resp.write(self._chunk(cid, model, None, usage={"prompt_tokens": 50, "completion_tokens": 0,
                                                                  "total_tokens": 50}))
            await resp.write(b"data: [DONE]\n\n")
            await resp.write_eof()
            return resp
        text = getattr(decision, "text", "") or ""
        words = text.split(" ")
        for i, w in enumerate(words):
            if w or i:
                await resp.write(self._chunk(cid, model, {"content": w + (" " if i < len(words) - 1 else "")}))
                await asyncio.sleep(0.005)
        finish = "stop"
        if isinstance(decision, Call):
            finish = "tool_calls"
            call_id = "call_" + secrets.token_hex(8)
            args = json.dumps(decision.arguments)
            await resp.write(self._chunk(cid, model, {"tool_calls": [{
                "index": 0, "id": call_id, "type": "function",
                "function": {"name": decision.name, "arguments": ""}}]}))
            half = len(args) // 2
            for piece in (args[:half], args[half:]):
                await resp.write(self._chunk(cid, model, {"tool_calls": [{"index": 0, "function": {"arguments": piece}}]}))
        await resp.write(self._chunk(cid, model, {}, finish))
        await resp.write(self._chunk(cid, model, None, usage={"prompt_tokens": 50, "completion_tokens": 20,
                                                              "total_tokens": 70}))
        await resp.write(b"data: [DONE]\n\n")
        await resp.write_eof()
        return resp

    def _refusal(self) -> web.Response:
        """A rate limit (429) or an overloaded server (5xx), with ``retry-after`` (s)."""
        if self.refuse_status == 429:
            error = {"message": "Rate limit reached for test-model in organization org-fake on requests per min "
                                "(RPM): Limit 3, Used 3, Requested 1. Please try again in "
                                f"{self.refuse_retry_after_secs}s.",
                     "type": "requests", "param": None, "code": "rate_limit_exceeded"}
        else:
            error = {"message": "The server is overloaded or not ready yet.", "type": "server_error",
                     "param": None, "code": None}
        return web.json_response({"error": error}, status=self.refuse_status,
                                 headers={"retry-after": str(self.refuse_retry_after_secs),
                                          "x-request-id": "req_" + secrets.token_hex(16)})

    async def _models(self, request: web.Request) -> web.Response:
        """``GET /v1/models`` (https://platform.openai.com/docs/api-reference/models/list)."""
        status = self.reject_status
        if status is None and request.headers.get("Authorization") != f"Bearer {self.api_key}":
            status = 401
        if status is not None:
            self.rejected += 1
            return web.json_response({"error": {"message": "Incorrect API key provided.",
                                                "type": "invalid_request_error", "code": "invalid_api_key"}},
                                     status=status)
        return web.json_response({"object": "list", "data": [
            {"id": "gpt-4o-mini", "object": "model", "created": 1721172741, "owned_by": "system"}]})

    async def _serve(self):
        app = web.Application()
        app.router.add_post("/v1/chat/completions", self._completions)
        app.router.add_get("/v1/models", self._models)
        runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.2)
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.port)
        await site.start()
        self._runner = runner
        return _RunnerCloser(runner)


class _RunnerCloser:
    def __init__(self, runner: web.AppRunner):
        self._runner = runner

    async def close(self) -> None:
        await self._runner.cleanup()
