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
"""

from __future__ import annotations

import asyncio
import dataclasses

from pipecat.frames.frames import Frame, TTSStartedFrame, TTSStoppedFrame
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.cartesia.tts import CartesiaTTSService
from pipecat.utils.types import is_given

from flights.languages import normalize_language
from processors.call_marks import HangupRequestFrame

HANGUP_START_WAIT_SECS = 1.5


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
        self._held_hangup: HangupRequestFrame | None = None
        self._hangup_timer: asyncio.Task | None = None

    def voice_for(self, language: str | None) -> str:
        return self._voices.get(normalize_language(language or "") or "", self._voices["default"])

    async def _update_settings(self, delta):
        language = getattr(delta, "language", None)
        if is_given(language) and language and not is_given(getattr(delta, "voice", None)):
            delta = dataclasses.replace(delta, voice=self.voice_for(str(language)))
        return await super()._update_settings(delta)

    async def push_frame(self, frame: Frame, direction: FrameDirection = FrameDirection.DOWNSTREAM):
        if isinstance(frame, HangupRequestFrame) and direction == FrameDirection.DOWNSTREAM:
            self._held_hangup = frame
            if not self._speaking and self._hangup_timer is None:
                self._hangup_timer = self.create_task(self._release_if_silent(), name="hangup_wait")
            return
        await super().push_frame(frame, direction)
        if direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, TTSStartedFrame):
            self._speaking = True
        elif isinstance(frame, TTSStoppedFrame):
            self._speaking = False
            await self._release_hangup()

    async def _release_hangup(self) -> None:
        held, self._held_hangup = self._held_hangup, None
        timer, self._hangup_timer = self._hangup_timer, None
        if timer is not None and timer is not asyncio.current_task():
            await self.cancel_task(timer)
        if held is not None:
            await super().push_frame(held)

    async def _release_if_silent(self) -> None:
        await asyncio.sleep(HANGUP_START_WAIT_SECS)
        if not self._speaking:
            await self._release_hangup()

    async def cleanup(self):
        await super().cleanup()
        if self._hangup_timer is not None:
            await self.cancel_task(self._hangup_timer)
            self._hangup_timer = None
