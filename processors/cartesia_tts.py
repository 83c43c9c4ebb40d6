"""Cartesia TTS whose voice follows the conversation language.

Sonic voices speak every supported language, but a native voice per language sounds better, so
``CARTESIA_VOICES`` maps languages to voice ids. :class:`LanguageVoiceCartesiaTTSService` is Pipecat
1.14's ``CartesiaTTSService`` (WebSocket, word timestamps) that, when a settings delta changes the
``language`` without naming a voice (what the language switch sends:
``TTSUpdateSettingsFrame(TTSSettings(language="es"))``), also switches to that language's voice.
Cartesia locks voice and language per context, so the service opens a new context for the next
sentence (https://docs.cartesia.ai/api-reference/tts/working-with-web-sockets/contexts).

It also keeps ``end_call``'s :class:`~processors.call_marks.HangupRequestFrame` behind the goodbye:
the LLM pushes it behind the goodbye's *text*, but Cartesia's audio comes back later over the
socket, so the request would pass the TTS first and the ``hangup`` mark would be queued ahead of
the goodbye's audio (seen in an e2e run: hung up 0.14 s before the goodbye ended). The service
holds the request until the reply being spoken ends (its ``TTSStoppedFrame``), or, when nothing
is being spoken, up to :data:`HANGUP_START_WAIT_SECS` for the goodbye to start.

And it survives Cartesia's WebSocket ``error`` events (https://docs.cartesia.ai/use-the-api/api-errors:
``{"type": "error", "done": true, "status_code": 429, "error_code": "concurrency_limited", ...,
"context_id"}``, the ``context_id`` "present when available"). Pipecat 1.14 drops the sentence
(its audio context just ends, the error is not permanent), so one error was a lost sentence and
an error on every request ~11 s of silence; and an error without ``context_id`` raised ``KeyError``
in its receive loop. Here every message on the socket passes :class:`_RoutedSocket`: the service
keeps, per context, the texts sent and the words Cartesia has timestamped. The first error
resends the context's texts not yet spoken in full, once, on a new Cartesia context whose
messages are handed to Pipecat under the old id (so the audio plays where it belonged), and the
rest of the reply goes there too. An error without ``context_id`` is taken for the oldest
context still open. A second error within :data:`ERROR_WINDOW_SECS` means the TTS has failed:
the open contexts are ended and the service reports itself unusable
(``push_error(force_treat_as_permanent=True)``), which the call turns into the pre-rendered
apology clip and a hang-up (``gateway.calls.CallSession.vendor_failed``).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from loguru import logger

from pipecat.frames.frames import Frame, TTSStartedFrame, TTSStoppedFrame
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.cartesia.tts import CartesiaTTSService
from pipecat.utils.types import is_given

from flights.languages import normalize_language
from processors.call_marks import HangupRequestFrame, HeldHangup

HANGUP_START_WAIT_SECS = 1.5
#: A second Cartesia error event this soon after the first (s): the TTS has failed.
ERROR_WINDOW_SECS = 30.0


@dataclass
class _Context:
    """What went out on one of Pipecat's Cartesia contexts and how much of it came back."""

    wire_id: str  # the context id on the socket (a new one after a resend)
    texts: list[str] = field(default_factory=list)
    voiced_words: int = 0  # words Cartesia has sent timestamps for, on ``wire_id``
    flushed: bool = False  # the request with ``continue: false`` went out
    resent: bool = False

    def unvoiced(self) -> list[str]:
        """The texts not yet spoken in full (by the timestamped word count)."""
        out, words = [], 0
        for text in self.texts:
            words += len(text.split())
            if words > self.voiced_words:
                out.append(text)
        return out


class _RoutedSocket:
    """The Cartesia WebSocket as the service sees it: outgoing requests and incoming messages go
    through the service's ledger (:meth:`LanguageVoiceCartesiaTTSService._outgoing`,
    :meth:`~LanguageVoiceCartesiaTTSService._incoming`); everything else is the socket's own."""

    def __init__(self, ws: Any, service: "LanguageVoiceCartesiaTTSService"):
        self._ws = ws
        self._service = service

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ws, name)

    async def send(self, message: Any) -> None:
        await self._ws.send(self._service._outgoing(message))

    def __aiter__(self):
        return self._service._incoming(self._ws)


def parse_voices(text: str | None, default_voice: str) -> dict[str, str]:
    """``"en=a0e9…,es=5c5a…"`` → ``{"en": …, "es": …}`` (commas or semicolons).

    Raises:
        ValueError: naming an entry without ``=`` or with an unsupported language.
    """
    voices: dict[str, str] = {}
    for entry in (text or "").replace(";", ",").split(","):
        entry = entry.strip()
        if not entry:
            continue
        lang, sep, voice = entry.partition("=")
        code = normalize_language(lang)
        if not sep or not voice.strip() or code is None:
            raise ValueError(f"CARTESIA_VOICES entry {entry!r} is not LANGUAGE=VOICE_ID with a supported language")
        voices[code] = voice.strip()
    voices.setdefault("default", default_voice)
    return voices


class LanguageVoiceCartesiaTTSService(CartesiaTTSService):
    """``CartesiaTTSService`` picking ``voices[language]`` on a language change (see module docstring).

    Args:
        voices: language → voice id, with a ``"default"`` entry for languages not listed.
        **kwargs: passed to ``CartesiaTTSService``.
    """

    def __init__(self, *, voices: dict[str, str], **kwargs):
        super().__init__(**kwargs)
        self._voices = voices
        self._speaking = False
        # the goodbye's hang-up, held until the reply ends (pushed past this class's own push_frame)
        self._hangup = HeldHangup(self, lambda frame: super(LanguageVoiceCartesiaTTSService, self).push_frame(frame))
        self._contexts: dict[str, _Context] = {}  # Pipecat's context id → ledger, oldest first
        self._by_wire: dict[str, str] = {}  # a resend's wire id → Pipecat's context id
        self._abandoned: set[str] = set()  # wire ids that failed (their late errors are no news)
        self._last_error_at: float | None = None
        self.tts_errors = 0  # Cartesia error events received

    def voice_for(self, language: str | None) -> str:
        return self._voices.get(normalize_language(language or "") or "", self._voices["default"])

    async def _update_settings(self, delta):
        language = getattr(delta, "language", None)
        if is_given(language) and language and not is_given(getattr(delta, "voice", None)):
            delta = dataclasses.replace(delta, voice=self.voice_for(str(language)))
        return await super()._update_settings(delta)

    async def _websocket_connect(self, uri: str, **kwargs):
        self._contexts.clear()
        self._by_wire.clear()
        self._abandoned.clear()
        return _RoutedSocket(await super()._websocket_connect(uri, **kwargs), self)

    def _outgoing(self, message: Any) -> Any:
        """Note a request in its context's ledger; a resent context's requests go to its new id."""
        try:
            msg = json.loads(message)
            ctx = msg.get("context_id")
        except (TypeError, ValueError, AttributeError):
            return message
        if not ctx:
            return message
        if msg.get("cancel"):
            entry = self._contexts.pop(ctx, None)
            if entry is not None and entry.wire_id != ctx:
                self._by_wire.pop(entry.wire_id, None)
                msg["context_id"] = entry.wire_id
                return json.dumps(msg)
            return message
        entry = self._contexts.setdefault(ctx, _Context(wire_id=ctx))
        if (msg.get("transcript") or "").strip():
            entry.texts.append(msg["transcript"])
        if not msg.get("continue", True):
            entry.flushed = True
        if entry.wire_id == ctx:
            return message
        msg["context_id"] = entry.wire_id
        return json.dumps(msg)

    async def _incoming(self, ws: Any):
        """Cartesia's messages for Pipecat's handler: under Pipecat's context ids, errors handled here."""
        async for raw in ws:
            try:
                msg = json.loads(raw)
            except (TypeError, ValueError):
                continue
            if not isinstance(msg, dict):
                continue
            if msg.get("type") == "error":
                for out in await self._on_error(msg, ws):
                    yield json.dumps(out)
                continue
            wire = msg.get("context_id")
            if not wire:
                logger.warning(f"{self}: Cartesia message without context_id ignored: {msg.get('type')}")
                continue
            ctx = self._by_wire.get(wire, wire)
            entry = self._contexts.get(ctx)
            if entry is not None and entry.wire_id == wire:
                if msg.get("type") == "timestamps":
                    entry.voiced_words += len((msg.get("word_timestamps") or {}).get("words") or [])
                elif msg.get("type") == "done":
                    del self._contexts[ctx]
                    self._by_wire.pop(wire, None)
            elif wire in self._abandoned:
                continue  # the failed context's late output: its texts were resent
            if ctx != wire:
                msg["context_id"] = ctx
                yield json.dumps(msg)
            else:
                yield raw

    async def _on_error(self, msg: dict[str, Any], ws: Any) -> list[dict[str, Any]]:
        """One Cartesia error event → the messages Pipecat's handler gets instead (see module docstring)."""
        wire = msg.get("context_id")
        if wire in self._abandoned:
            return []  # a request that was in flight on a context already resent
        self.tts_errors += 1
        now = time.monotonic()
        repeated = self._last_error_at is not None and now - self._last_error_at < ERROR_WINDOW_SECS
        self._last_error_at = now
        ctx = self._by_wire.get(wire, wire) if wire else next(iter(self._contexts), None)
        entry = self._contexts.get(ctx) if ctx else None
        logger.warning(f"{self}: Cartesia error {msg.get('status_code')} {msg.get('error_code')} "
                       f"on context {wire or '(none given)'}: {msg.get('message') or msg.get('title')}")
        if repeated or (entry is not None and entry.resent):
            ended = [{"type": "done", "done": True, "status_code": 200, "context_id": c} for c in self._contexts]
            self._abandoned.update(e.wire_id for e in self._contexts.values())
            self._contexts.clear()
            self._by_wire.clear()
            await self.push_error(error_msg=f"Cartesia keeps failing: {msg}", force_treat_as_permanent=True)
            return ended
        if entry is None or ctx is None:
            return []
        texts = entry.unvoiced()
        self._abandoned.add(entry.wire_id)
        self._by_wire.pop(entry.wire_id, None)
        entry.wire_id, entry.texts, entry.voiced_words, entry.resent = str(uuid.uuid4()), texts, 0, True
        self._by_wire[entry.wire_id] = ctx
        if not texts:
            if entry.flushed:  # nothing left to say: the context is over
                del self._contexts[ctx]
                self._by_wire.pop(entry.wire_id, None)
                return [{"type": "done", "done": True, "status_code": 200, "context_id": ctx}]
            return []
        logger.info(f"{self}: resending {len(texts)} text(s) of context {ctx} on {entry.wire_id}")
        for i, text in enumerate(texts):
            last = entry.flushed and i == len(texts) - 1
            await ws.send(self._build_msg(text=text, continue_transcript=not last, context_id=entry.wire_id))
        return []

    async def push_frame(self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM):
        if isinstance(frame, HangupRequestFrame) and direction == FrameDirection.DOWNSTREAM:
            self._hangup.hold(frame, None if self._speaking else self._release_if_silent())
            return
        await super().push_frame(frame, direction)
        if direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, TTSStartedFrame):
            self._speaking = True
        elif isinstance(frame, TTSStoppedFrame):
            self._speaking = False
            await self._hangup.release()

    async def _release_if_silent(self) -> None:
        await asyncio.sleep(HANGUP_START_WAIT_SECS)
        if not self._speaking:
            await self._hangup.release()

    async def cleanup(self):
        await super().cleanup()
        await self._hangup.cancel()
