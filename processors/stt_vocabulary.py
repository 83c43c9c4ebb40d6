"""The words a call's dialogue expects next, as a Whisper prompt (vocabulary biasing).

:class:`ExpectedVocabulary` is a small per-call object the STT calls once per segment with the
language it is about to decode in; it answers with a short text for faster-whisper's
``initial_prompt`` (Whisper conditions on it as if it were the preceding speech), built from what
the rule dialogue still lacks (read from its public ``slots``):

- a place is missing: city names of the busiest airports (:data:`flights.airports.BUSIEST_AIRPORTS`)
  and of the language's own countries, spelled in that language
  (:data:`flights.airports.LOCALIZED_CITY_NAMES`) — no IATA codes: a prompt of codes makes
  Whisper write letters for city names;
- the date is missing: the language's weekday and month names (CLDR via ``babel.dates``).

Nothing here touches the audio path; detection of the language runs without the prompt. Source of
the prompt mechanism: https://github.com/SYSTRAN/faster-whisper (``WhisperModel.transcribe``,
``initial_prompt``).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Protocol

from babel.dates import get_day_names, get_month_names

from flights.airports import BUSIEST_AIRPORTS, LOCALIZED_CITY_NAMES, city_of, country_of, metro_of_airport

#: Countries whose airports are named in a language's prompt besides the busiest worldwide.
LANGUAGE_COUNTRIES: dict[str, tuple[str, ...]] = {
    "en": ("US", "GB", "CA"), "es": ("ES", "MX"), "fr": ("FR",), "de": ("DE", "AT", "CH"),
    "it": ("IT",), "pt": ("PT", "BR"),
}
#: How many worldwide / home-country cities a prompt names (Whisper keeps ~220 prompt tokens).
WORLD_CITIES = 20
HOME_CITIES = 14


class _SlotsLike(Protocol):
    origin: object | None
    destination: object | None
    departure_date: object | None


class _DialogueLike(Protocol):
    slots: _SlotsLike


def _city_code(code: str) -> str:
    return metro_of_airport().get(code, code)


def _city_name(code: str, language: str) -> str:
    return LOCALIZED_CITY_NAMES.get(code, {}).get(language) or city_of(code)


@lru_cache(maxsize=16)
def place_words(language: str) -> str:
    """``"Londres, Madrid, …"``: city names for ``language`` (busiest worldwide, then home countries)."""
    world: list[str] = []
    home: list[str] = []
    seen: set[str] = set()
    countries = LANGUAGE_COUNTRIES.get(language, ())
    for code in BUSIEST_AIRPORTS:
        city = _city_code(code)
        if city in seen:
            continue
        if len(world) < WORLD_CITIES:
            seen.add(city)
            world.append(_city_name(city, language))
        elif len(home) < HOME_CITIES and country_of(code) in countries:
            seen.add(city)
            home.append(_city_name(city, language))
    return ", ".join(dict.fromkeys(world + home))


@lru_cache(maxsize=16)
def date_words(language: str) -> str:
    """``"lunes, martes, …, enero, febrero, …"`` from CLDR (babel); empty for an unknown locale."""
    try:
        days = list(get_day_names("wide", locale=language).values())
        months = list(get_month_names("wide", locale=language).values())
    except Exception:  # babel.UnknownLocaleError and friends: no date words, never a crash
        return ""
    # CLDR lists Monday first in get_day_names; keep it
    return ", ".join(days + months)


class ExpectedVocabulary:
    """Per-call prompt source for :class:`processors.whisper_stt.SharedWhisperSTTService`.

    Args:
        dialogue: the call's rule dialogue (anything with ``slots.origin/destination/departure_date``),
            or ``None`` to always offer places and dates.

    Call it with the ISO 639-1 code being decoded; returns the prompt text (≤ ~200 tokens) or
    ``None`` when nothing is expected.
    """

    def __init__(self, dialogue: _DialogueLike | None = None):
        self.dialogue = dialogue

    def __call__(self, language: str) -> str | None:
        slots = getattr(self.dialogue, "slots", None)
        want_place = slots is None or slots.origin is None or slots.destination is None
        want_date = slots is None or slots.departure_date is None
        parts = []
        if want_place:
            parts.append(place_words(language))
        if want_date and (dates := date_words(language)):
            parts.append(dates)
        return (". ".join(parts) + ".") if parts else None
