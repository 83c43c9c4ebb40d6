"""Short spoken summaries of flight offers for a phone line.

    speak_offers(offers, query, language="en", max_options=3) -> str
    place_name(code, language="en") -> str

Example (en): "I found 7 flights from Boston to Chicago on Friday, March 6. The first is
American Airlines, leaving at 7:05 AM, nonstop, for 212 dollars. ... There are 4 more options."

Everything language-dependent lives in ``PHRASES`` (sentence templates) and ``CURRENCY_WORDS``
(spoken currency units); add a language by adding a row to each (missing keys fall back to
English). Times and dates are localized with babel; amounts are rounded to whole units because
"two hundred twelve dollars" is what a caller wants to hear.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, format_time

from flights.airports import city_of
from flights.models import FlightQuery, Offer

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "found_one": "I found one flight from {origin} to {destination} on {date}.",
        "found_many": "I found {count} flights from {origin} to {destination} on {date}.",
        "round_trip": "Returning on {date}.",
        "none": "I couldn't find any flights from {origin} to {destination} on {date}.",
        "ordinal_1": "The first is",
        "ordinal_2": "The second is",
        "ordinal_3": "The third is",
        "ordinal_n": "Option {n} is",
        "option": "{ordinal} {carrier}, leaving at {time}, {stops}, for {price}.",
        "nonstop": "nonstop",
        "one_stop": "with one stop in {via}",
        "stops": "with {n} stops",
        "more_one": "There is one more option.",
        "more_many": "There are {n} more options.",
        "date_format": "EEEE, MMMM d",
    },
}
"""Per-language sentence templates. Placeholders are named; keep the same keys per language."""

CURRENCY_WORDS: dict[str, dict[str, tuple[str, str]]] = {
    "en": {
        "USD": ("dollar", "dollars"), "EUR": ("euro", "euros"), "GBP": ("pound", "pounds"),
        "CAD": ("Canadian dollar", "Canadian dollars"), "AUD": ("Australian dollar", "Australian dollars"),
        "MXN": ("peso", "pesos"), "BRL": ("real", "reais"), "JPY": ("yen", "yen"),
        "CHF": ("Swiss franc", "Swiss francs"), "INR": ("rupee", "rupees"), "CNY": ("yuan", "yuan"),
    },
}
"""Per-language spoken currency units (singular, plural) by ISO 4217 code."""

_LOCALES = {"en": "en_US", "es": "es_ES", "fr": "fr_FR", "de": "de_DE", "it": "it_IT", "pt": "pt_BR"}


def _locale(language: str) -> str:
    return _LOCALES.get(language, language or "en_US")


def _t(language: str, key: str, **kw: object) -> str:
    table = PHRASES.get(language) or PHRASES["en"]
    template = table.get(key) or PHRASES["en"][key]
    return template.format(**kw)


def place_name(code: str, language: str = "en") -> str:
    """Spoken city name for an IATA airport or metro code ("ORD" -> "Chicago", "LON" -> "London").

    Uses the curated city table, then airportsdata; returns the code itself when unknown.
    ``language`` is reserved for localized city names (English today).
    """
    return city_of(code)


def speak_price(amount: Decimal, currency: str, language: str = "en") -> str:
    """Whole-unit spoken price: (Decimal("212.40"), "USD") -> "212 dollars"."""
    whole = int(Decimal(amount).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    words = (CURRENCY_WORDS.get(language) or CURRENCY_WORDS["en"]).get(currency)
    if words is None:
        words = CURRENCY_WORDS["en"].get(currency, (currency, currency))
    return f"{whole} {words[0] if whole == 1 else words[1]}"


def speak_time(value: datetime, language: str = "en") -> str:
    """Localized short clock time ("7:05 AM" in en_US, "07:05" in de) via babel."""
    text = format_time(value.replace(tzinfo=None), format="short", locale=_locale(language))
    return text.replace("\u202f", " ").replace("\xa0", " ")


def speak_date(value: date, language: str = "en") -> str:
    """Localized spoken date ("Friday, March 6" in en)."""
    return format_date(value, format=_t(language, "date_format"), locale=_locale(language))


def speak_offers(offers: list[Offer], query: FlightQuery, language: str = "en", max_options: int = 3) -> str:
    """Spoken summary of ``offers`` for ``query``: count, up to ``max_options`` options
    (carrier, local departure time, stops, whole-unit price), then how many more. Templates may
    also use ``{arrival}`` (local arrival time).
    Empty ``offers`` -> "I couldn't find any flights from X to Y on <date>."
    """
    origin = place_name(query.origin, language)
    destination = place_name(query.destination, language)
    when = speak_date(query.departure_date, language)
    if not offers:
        return _t(language, "none", origin=origin, destination=destination, date=when)
    parts = [
        _t(language, "found_one", origin=origin, destination=destination, date=when)
        if len(offers) == 1
        else _t(language, "found_many", count=len(offers), origin=origin, destination=destination, date=when)
    ]
    if query.return_date is not None:
        parts.append(_t(language, "round_trip", date=speak_date(query.return_date, language)))
    shown = offers[: max(0, max_options)]
    for n, offer in enumerate(shown, start=1):
        ordinal = _t(language, f"ordinal_{n}") if n <= 3 else _t(language, "ordinal_n", n=n)
        if offer.stops == 0:
            stops = _t(language, "nonstop")
        elif offer.stops == 1:
            stops = _t(language, "one_stop", via=place_name(offer.segments[0].destination, language))
        else:
            stops = _t(language, "stops", n=offer.stops)
        parts.append(
            _t(
                language,
                "option",
                ordinal=ordinal,
                carrier=offer.carrier_name,
                time=speak_time(offer.segments[0].departure, language),
                arrival=speak_time(offer.segments[-1].arrival, language),
                stops=stops,
                price=speak_price(offer.price, offer.currency, language),
            )
        )
    more = len(offers) - len(shown)
    if more == 1:
        parts.append(_t(language, "more_one"))
    elif more > 1:
        parts.append(_t(language, "more_many", n=more))
    return " ".join(parts)


__all__ = ["speak_offers", "place_name", "speak_price", "speak_time", "speak_date", "PHRASES", "CURRENCY_WORDS"]
