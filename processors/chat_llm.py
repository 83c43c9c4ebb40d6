"""The cascade's chat LLM: Pipecat 1.14's ``OpenAILLMService`` that never leaves the caller in dead air.

Three things the stock service does not do on a phone line:

- **No SDK retries, a short timeout.** The ``openai`` client Pipecat builds retries a failed request
  twice and honours ``Retry-After`` (up to 120 s per retry, https://platform.openai.com/docs/guides/rate-limits,
  https://github.com/openai/openai-python#retries), and waits up to 600 s for a response, all
  in silence: two HTTP 429 answers with ``Retry-After: 6`` cost the caller ~13 s of dead air.
  Here the client is the same one with ``max_retries=`` :data:`SDK_RETRIES` and a read timeout of
  :data:`READ_TIMEOUT_SECS` between streamed chunks (``AsyncOpenAI.with_options``), so a 429, a
  5xx or a hung stream is an ``ErrorFrame`` at once, which the call answers by asking again once
  and then apologising (``gateway.calls.CallSession.llm_reply_failed``).
- **"One moment".** When the caller is waiting for an answer (the context holds a user message) and
  neither text nor a tool call has come :data:`WAIT_SPEECH_SECS` after the request went out, the
  service pushes ``wait_speech()`` (e.g. a ``TTSSpeakFrame`` saying "One moment, please.")
  downstream to the TTS, once per request.
- **An empty reply is a failed reply.** A completion that ends with no text and no tool call (only
  the role chunk, then ``finish_reason`` ``content_filter``, ``length`` or ``stop``,
  https://platform.openai.com/docs/api-reference/chat-streaming/streaming) would leave the caller
  with nothing; the service reports it as a non-permanent error, so the call's failure path asks
  again once and then apologises.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from loguru import logger
from openai import Timeout
from pipecat.frames.frames import Frame
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.services.openai.llm import OpenAILLMService

#: Retries of the ``openai`` client itself (its default is 2, each after ``Retry-After``).
SDK_RETRIES = 0
#: Default longest wait for the response and between two streamed chunks (s; ``LLM_READ_TIMEOUT_SECS``);
#: the SDK's default is 600.
READ_TIMEOUT_SECS = 4.0
#: Longest wait for the TCP/TLS connection (s).
CONNECT_TIMEOUT_SECS = 2.0
#: No text or tool call this long after the request went out (s): say ``wait_speech()``.
WAIT_SPEECH_SECS = 1.0
# (1.0, not 1.5: the request leaves ~0.8 s after the caller stops (VAD stop + the turn's speech
# timeout), so 1.5 put "one moment" 3.1 s after the caller's last word in a loaded CI run)


def caller_waits(context: LLMContext) -> bool:
    """Whether ``context`` holds a caller's message (not the greeting the LLM opens the call with)."""
    return any(isinstance(m, dict) and m.get("role") == "user" for m in context.get_messages())


class ChatLLMService(OpenAILLMService):
    """``OpenAILLMService`` with the behaviour of the module docstring.

    Args:
        wait_speech: ``() -> Frame`` pushed downstream when the answer has not started
            :data:`WAIT_SPEECH_SECS` after a request while the caller waits; ``None``: say nothing.
        read_timeout_secs: longest wait for the response and between streamed chunks (s;
            ``LLM_READ_TIMEOUT_SECS``, default :data:`READ_TIMEOUT_SECS`).
        *args, **kwargs: ``OpenAILLMService``'s.
    """

    def __init__(self, *args, wait_speech: Callable[[], Frame] | None = None,
                 read_timeout_secs: float = READ_TIMEOUT_SECS, **kwargs):
        self._read_timeout_secs = read_timeout_secs  # before Pipecat's __init__, which builds the client
        super().__init__(*args, **kwargs)
        self._wait_speech = wait_speech
        self._replied = False

    def create_client(self, api_key=None, base_url=None, organization=None, project=None,
                      default_headers=None, **kwargs) -> Any:
        """Pipecat's client (its connection pool) with :data:`SDK_RETRIES` and the short timeouts."""
        client = super().create_client(api_key=api_key, base_url=base_url, organization=organization,
                                       project=project, default_headers=default_headers, **kwargs)
        return client.with_options(max_retries=SDK_RETRIES,
                                   timeout=Timeout(self._read_timeout_secs, connect=CONNECT_TIMEOUT_SECS))

    async def _push_llm_text(self, text: str):
        if text.strip():
            self._replied = True
        await super()._push_llm_text(text)

    async def run_function_calls(self, function_calls):
        if function_calls:
            self._replied = True
        await super().run_function_calls(function_calls)

    async def _process_context(self, context: LLMContext):
        self._replied = False
        timer = None
        if self._wait_speech is not None and caller_waits(context):
            timer = self.create_task(self._say_wait_speech(), f"{self}::wait_speech")
        try:
            await super()._process_context(context)
        finally:
            if timer is not None:
                await self.cancel_task(timer)
        if not self._replied:
            # Not permanent: the call asks again once, then apologises (gateway.calls).
            await self.push_error(error_msg="the LLM's reply had no text and no tool call")

    async def _say_wait_speech(self) -> None:
        await asyncio.sleep(WAIT_SPEECH_SECS)
        if not self._replied and self._wait_speech is not None:
            logger.info(f"{self}: no answer {WAIT_SPEECH_SECS} s after the request; saying one moment")
            await self.push_frame(self._wait_speech())
