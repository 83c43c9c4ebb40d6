"""Short spoken summaries of flight offers for a phone line, in every supported language.

    speak_offers(offers, query, language="en", max_options=3) -> str
    offer_summary(offer) -> dict                  what a search result carries per offer (JSON-safe)
    speak_more_options(summaries, start, language="en") -> str   the next options after those read
    speak_pick(summaries, "cheapest"|"earliest"|"latest", language="en") -> str
    place_name(code, language="en") -> str
    speak_date(value, language="en") -> str      the one spoken-date formatter
    speak_time(value, language="en") -> str
    speak_price(amount, currency, language="en") -> str

Example (en): "I found 7 flights from Boston to Chicago on Friday, March 6. The first is
American Airlines, leaving at 7:05 AM, nonstop, for 212 dollars. ... There are 4 more options."

Sentences and currency units come from the ``offers`` gettext domain
(``dialogue/locale/<lang>/LC_MESSAGES/offers.po``; counts through ``ngettext``, see
:mod:`dialogue.catalogs`). Dates and times are localized with babel
(https://babel.pocoo.org/en/latest/dates.html); city names in other languages come from
``flights.airports.LOCALIZED_CITY_NAMES``. Amounts are rounded to whole units because "two
hundred twelve dollars" is what a caller wants to hear.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from babel.dates import format_date, format_time

from dialogue.catalogs import catalog
from flights.airports import LOCALIZED_CITY_NAMES, city_of, metro_of_airport
from flights.languages import normalize_language
from flights.models import FlightQuery, Offer

DOMAIN = "offers"
_CATALOG = catalog(DOMAIN)  # compiled and validated at import: a broken .po fails start-up

#: babel locale per language (the region decides the clock: 12 h in en_US, 24 h elsewhere).
LOCALES: dict[str, str] = {"en": "en_US", "es": "es_ES", "fr": "fr_FR", "de": "de_DE", "it": "it_IT", "pt": "pt_BR"}

#: CLDR date pattern of a spoken departure day, per language (weekday, day, month; no year).
#: https://unicode.org/reports/tr35/tr35-dates.html#Date_Field_Symbol_Table
DATE_PATTERNS: dict[str, str] = {
    "en": "EEEE, MMMM d",        # Friday, March 5
    "es": "EEEE d 'de' MMMM",    # viernes 5 de marzo
    "fr": "EEEE d MMMM",         # vendredi 5 mars
    "de": "EEEE, d. MMMM",       # Freitag, 5. März
    "it": "EEEE d MMMM",         # venerdì 5 marzo
    "pt": "EEEE, d 'de' MMMM",   # sexta-feira, 5 de março
}


def _lang(language: str | None) -> str:
    return normalize_language(language) or "en"


def _t(language: str, key: str, n: int | None = None, **arguments: object) -> str:
    return _CATALOG.text(language, key, n=n, **arguments)


def place_name(code: str, language: str = "en") -> str:
    """Spoken city name for an IATA airport or metro code ("ORD" -> "Chicago", "LON" -> "London").

    Uses ``LOCALIZED_CITY_NAMES`` for names that differ in ``language`` ("LON" -> "Londres" in
    es/fr, "Londra" in it), then the curated city table, then airportsdata; the code itself when
    unknown. An airport code of a metro with a localized name ("LHR") is named by its metro.
    """
    code = (code or "").upper()
    lang = _lang(language)
    names = LOCALIZED_CITY_NAMES.get(code)
    if names is None and lang != "en":
        metro = metro_of_airport().get(code)
        # LHR is London, but EWR (in the NYC metro) is Newark
        names = LOCALIZED_CITY_NAMES.get(metro) if metro and city_of(metro) == city_of(code) else None
    if names and lang in names:
        return names[lang]
    return city_of(code)


def speak_price(amount: Decimal | int | float, currency: str, language: str = "en") -> str:
    """Whole-unit spoken price: (Decimal("212.40"), "USD") -> "212 dollars"; the plural form follows
    the language's plural rule; a currency without a ``currency_<CODE>`` message is said by its code."""
    whole = int(Decimal(amount).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    key = f"currency_{(currency or '').upper()}"
    if key not in _CATALOG.specs:
        return f"{whole} {currency}"
    return _t(_lang(language), key, n=whole)


def speak_time(value: datetime, language: str = "en") -> str:
    """Localized short clock time ("7:05 AM" in en_US, "07:05" in de) via babel."""
    text = format_time(value.replace(tzinfo=None), format="short", locale=LOCALES[_lang(language)])
    return text.replace("\u202f", " ").replace("\xa0", " ")


def speak_date(value: date, language: str = "en") -> str:
    """Localized spoken day ("Friday, March 5" in en, "viernes 5 de marzo" in es); see DATE_PATTERNS."""
    lang = _lang(language)
    return format_date(value, format=DATE_PATTERNS[lang], locale=LOCALES[lang])


def speak_month(value: date, language: str = "en") -> str:
    """Localized month name of ``value`` ("January", "enero", "janvier", "Januar"), CLDR stand-alone
    form ``LLLL`` (https://unicode.org/reports/tr35/tr35-dates.html#Date_Field_Symbol_Table)."""
    lang = _lang(language)
    return format_date(value, format="LLLL", locale=LOCALES[lang])


def offer_summary(offer: Offer) -> dict[str, object]:
    """The JSON-safe summary of ``offer`` that a search result carries (the LLM profiles read it, the
    rule brain reads it out again): ``{"carrier": str, "departure": ISO 8601 local time with offset,
    "arrival": same, "stops": int, "via": IATA code of the first connection or None, "price": str
    (a decimal, the total for all passengers), "currency": ISO 4217}``."""
    first = offer.segments[0]
    return {
        "carrier": offer.carrier_name,
        "departure": first.departure.isoformat(),
        "arrival": offer.segments[-1].arrival.isoformat(),
        "stops": offer.stops,
        "via": first.destination if offer.stops else None,
        "price": str(offer.price),
        "currency": offer.currency,
    }


def speak_option(summary: dict, ordinal: str, language: str = "en") -> str:
    """One option read out from an :func:`offer_summary`: ``ordinal`` ("The first is", "The cheapest
    is") then carrier, local departure time, stops and the whole-unit price.

    Raises:
        KeyError, ValueError: ``summary`` lacks a field or holds one that does not parse.
    """
    lang = _lang(language)
    stops = int(summary["stops"])
    if stops == 0:
        spoken_stops = _t(lang, "nonstop")
    elif stops == 1 and summary.get("via"):
        spoken_stops = _t(lang, "one_stop", via=place_name(str(summary["via"]), lang))
    else:
        spoken_stops = _t(lang, "stops", n=stops)
    return _t(
        lang,
        "option",
        ordinal=ordinal,
        carrier=summary["carrier"],
        time=speak_time(datetime.fromisoformat(str(summary["departure"])), lang),
        arrival=speak_time(datetime.fromisoformat(str(summary["arrival"])), lang),
        stops=spoken_stops,
        price=speak_price(Decimal(str(summary["price"])), str(summary["currency"]), lang),
    )


#: how many options one answer reads out (the results, then each "the other options")
OPTIONS_AT_ONCE = 3


def ordinal(n: int, language: str = "en") -> str:
    """How the ``n``-th option (1-based) of a list is introduced: "The first is", …, "Option 4 is"."""
    lang = _lang(language)
    return _t(lang, f"ordinal_{n}") if n <= 3 else _t(lang, "ordinal_n", n=n)


def option_sentences(summaries: list[dict], start: int, language: str = "en",
                     max_options: int = OPTIONS_AT_ONCE) -> list[str]:
    """The sentences that read ``summaries[start:start + max_options]`` (as :func:`offer_summary`),
    each introduced by its place in the whole list ("The first is", "Option 4 is"), one per option.

    Raises:
        KeyError, ValueError: a summary lacks a field or holds one that does not parse.
    """
    lang = _lang(language)
    shown = summaries[start:start + max(0, max_options)]
    return [speak_option(s, ordinal(start + n, lang), lang) for n, s in enumerate(shown, start=1)]


def speak_more_options(summaries: list[dict], start: int, language: str = "en",
                       max_options: int = OPTIONS_AT_ONCE) -> str:
    """The options after the first ``start`` (already read), at most ``max_options`` of them, each by
    its place in the list ("Option 4 is …"), then how many are still left; none left -> "Those are
    all the flights I found." (``summaries`` as :func:`offer_summary`, in the order first read)."""
    lang = _lang(language)
    parts = option_sentences(summaries, start, lang, max_options)
    if not parts:
        return _t(lang, "no_more_options")
    more = len(summaries) - start - len(parts)
    parts.append(_t(lang, "more_options", n=more) if more > 0 else _t(lang, "no_more_options"))
    return " ".join(parts)


#: what a caller can ask of the flights read out, and how the option asked for is picked from the
#: summaries: ``key -> (ordinal message, sort key, pick the largest)``.
PICKS = {
    "cheapest": ("ordinal_cheapest", lambda s: Decimal(str(s["price"])), False),
    "earliest": ("ordinal_earliest", lambda s: datetime.fromisoformat(str(s["departure"])), False),
    "latest": ("ordinal_latest", lambda s: datetime.fromisoformat(str(s["departure"])), True),
}


def speak_pick(summaries: list[dict], which: str, language: str = "en") -> str:
    """The cheapest, earliest or latest (``which``, a key of :data:`PICKS`) of ``summaries`` read out
    ("The cheapest is …, for 212 dollars."), with its place in the list when it is not the first
    ("That is option 5."); ties go to the earlier in the list. Empty ``summaries`` -> "no more options".

    Raises:
        KeyError: ``which`` is not a key of :data:`PICKS`.
    """
    lang = _lang(language)
    ordinal_key, sort_key, largest = PICKS[which]
    if not summaries:
        return _t(lang, "no_more_options")
    # sorted() is stable, reverse too: of equal prices or times the first in the list wins
    best = sorted(range(len(summaries)), key=lambda i: sort_key(summaries[i]), reverse=largest)[0]
    text = speak_option(summaries[best], _t(lang, ordinal_key), lang)
    if best > 0:  # the first is the first read out: no number needed
        text = " ".join((text, _t(lang, "option_number", n=best + 1)))
    return text


def speak_offers(offers: list[Offer], query: FlightQuery, language: str = "en",
                 max_options: int = OPTIONS_AT_ONCE) -> str:
    """Spoken summary of ``offers`` for ``query``: count, up to ``max_options`` options
    (carrier, local departure time, stops, whole-unit price), then how many more. The ``option``
    message may also use ``{arrival}`` (local arrival time).
    Empty ``offers`` -> "I couldn't find any flights from X to Y on <date>."
    """
    lang = _lang(language)
    route = {
        "origin": place_name(query.origin, lang),
        "destination": place_name(query.destination, lang),
        "date": speak_date(query.departure_date, lang),
    }
    if not offers:
        return _t(lang, "none", **route)
    parts = [_t(lang, "found_flights", n=len(offers), count=len(offers), **route)]
    if query.return_date is not None:
        parts.append(_t(lang, "round_trip", date=speak_date(query.return_date, lang)))
    read = option_sentences([offer_summary(offer) for offer in offers[: max(0, max_options)]], 0, lang, max_options)
    parts += read
    more = len(offers) - len(read)
    if more > 0:
        parts.append(_t(lang, "more_options", n=more))
    return " ".join(parts)


__all__ = ["DATE_PATTERNS", "DOMAIN", "LOCALES", "OPTIONS_AT_ONCE", "PICKS", "offer_summary", "option_sentences", "ordinal", "place_name", "speak_date", "speak_month",
           "speak_more_options", "speak_offers", "speak_option", "speak_pick", "speak_price",
           "speak_time"]
