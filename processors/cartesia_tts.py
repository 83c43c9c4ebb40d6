"""Cartesia TTS whose voice follows the conversation language.

Sonic voices speak every supported language, but a native voice per language sounds better, so
``CARTESIA_VOICES`` maps languages to voice ids. :class:`LanguageVoiceCartesiaTTSService` is Pipecat
1.14's ``CartesiaTTSService`` (WebSocket, word timestamps) that, when a settings delta changes the
``language`` without naming a voice (what the language switch sends:
``TTSUpdateSettingsFrame(TTSSettings(language="es"))``), also switches to that language's voice.
Cartesia locks voice and language per context, so the service opens a new context for the next
sentence (https://docs.cartesia.ai/api-reference/tts/working-with-web-sockets/contexts).
"""

from __future__ import annotations

import dataclasses

from pipecat.services.cartesia.tts import CartesiaTTSService
from pipecat.utils.types import is_given

from flights.languages import normalize_language


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

    def voice_for(self, language: str | None) -> str:
        return self._voices.get(normalize_language(language or "") or "", self._voices["default"])

    async def _update_settings(self, delta):
        language = getattr(delta, "language", None)
        if is_given(language) and language and not is_given(getattr(delta, "voice", None)):
            delta = dataclasses.replace(delta, voice=self.voice_for(str(language)))
        return await super()._update_settings(delta)
