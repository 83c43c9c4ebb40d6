"""The language one call is conducted in, as one shared object every processor of the call reads.

:class:`CallLanguage` is created by the call shell (:mod:`pipelines.shell`) with the starting
language, updated by :class:`~processors.language_switch.LanguageSwitchProcessor` when a turn decides
a switch, and read at the moment of use by everything that speaks or parses: the brain's phrases
(:class:`~processors.local_brain.LocalBrainService`), the ``search_flights`` filler and result speech
(:class:`~processors.flight_tool.FlightToolProcessor`), the local TTS voice
(:class:`~processors.local_tts.LocalTTSService`) and the turn hold's greeting test. None of them
watches service settings frames, so a profile without a TTS (speech-to-speech) keeps them right.

Services with their own vendor settings (a cloud TTS voice, an LLM's instructions) still get
``TTSUpdateSettingsFrame``/``LLMUpdateSettingsFrame`` from the switch processor, built by the
profile's hooks (:class:`pipelines.contract.ProfileCore`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from flights.languages import normalize_language


@dataclass
class CallLanguage:
    """Current language of one call (ISO 639-1) and how it got there.

    Parameters:
        current: the language spoken and parsed now (``en``, ``es``, ``fr``, ``de``, ``it``, ``pt``).
        source: why the call started in it (``explicit``, ``number``, ``caller_country``, ``default``).
        switches: ``(old, new, reason)`` for every switch so far.
    """

    current: str = "en"
    source: str = "explicit"
    switches: list[tuple[str, str, str]] = field(default_factory=list)
    _listeners: list[Callable[[str, str], None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        self.current = normalize_language(self.current) or "en"

    @property
    def weak(self) -> bool:
        """The starting language is only a prior (caller's country or the default)."""
        return self.source in ("caller_country", "default") and not self.switches

    def switch(self, language: str, reason: str = "") -> bool:
        """Make ``language`` current; returns False (and changes nothing) if it already is.

        Raises:
            ValueError: ``language`` is not one of the supported languages.
        """
        code = normalize_language(language)
        if code is None:
            raise ValueError(f"unsupported language {language!r}")
        if code == self.current:
            return False
        old, self.current = self.current, code
        self.switches.append((old, code, reason))
        for listener in list(self._listeners):
            listener(old, code)
        return True

    def on_change(self, listener: Callable[[str, str], None]) -> None:
        """Call ``listener(old, new)`` after each switch."""
        self._listeners.append(listener)
