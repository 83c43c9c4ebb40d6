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
    "es": {
        "found_one": "He encontrado un vuelo de {origin} a {destination} el {date}.",
        "found_many": "He encontrado {count} vuelos de {origin} a {destination} el {date}.",
        "round_trip": "Con vuelta el {date}.",
        "none": "No he encontrado vuelos de {origin} a {destination} el {date}.",
        "ordinal_1": "El primero es",
        "ordinal_2": "El segundo es",
        "ordinal_3": "El tercero es",
        "ordinal_n": "La opción {n} es",
        "option": "{ordinal} {carrier}, sale a las {time}, {stops}, por {price}.",
        "nonstop": "directo",
        "one_stop": "con una escala en {via}",
        "stops": "con {n} escalas",
        "more_one": "Hay una opción más.",
        "more_many": "Hay {n} opciones más.",
        "date_format": "EEEE d 'de' MMMM",
    },
    "fr": {
        "found_one": "J'ai trouvé un vol de {origin} à {destination} le {date}.",
        "found_many": "J'ai trouvé {count} vols de {origin} à {destination} le {date}.",
        "round_trip": "Retour le {date}.",
        "none": "Je n'ai trouvé aucun vol de {origin} à {destination} le {date}.",
        "ordinal_1": "Le premier est",
        "ordinal_2": "Le deuxième est",
        "ordinal_3": "Le troisième est",
        "ordinal_n": "L'option {n} est",
        "option": "{ordinal} {carrier}, départ à {time}, {stops}, pour {price}.",
        "nonstop": "direct",
        "one_stop": "avec une escale à {via}",
        "stops": "avec {n} escales",
        "more_one": "Il y a encore une option.",
        "more_many": "Il y a encore {n} options.",
        "date_format": "EEEE d MMMM",
    },
    "de": {
        "found_one": "Ich habe einen Flug von {origin} nach {destination} am {date} gefunden.",
        "found_many": "Ich habe {count} Flüge von {origin} nach {destination} am {date} gefunden.",
        "round_trip": "Rückflug am {date}.",
        "none": "Ich habe keine Flüge von {origin} nach {destination} am {date} gefunden.",
        "ordinal_1": "Der erste ist",
        "ordinal_2": "Der zweite ist",
        "ordinal_3": "Der dritte ist",
        "ordinal_n": "Option {n} ist",
        "option": "{ordinal} {carrier}, Abflug um {time} Uhr, {stops}, für {price}.",
        "nonstop": "direkt",
        "one_stop": "mit einem Zwischenstopp in {via}",
        "stops": "mit {n} Zwischenstopps",
        "more_one": "Es gibt noch eine weitere Option.",
        "more_many": "Es gibt noch {n} weitere Optionen.",
        "date_format": "EEEE, d. MMMM",
    },
    "it": {
        "found_one": "Ho trovato un volo da {origin} a {destination} {date}.",
        "found_many": "Ho trovato {count} voli da {origin} a {destination} {date}.",
        "round_trip": "Ritorno {date}.",
        "none": "Non ho trovato voli da {origin} a {destination} {date}.",
        "ordinal_1": "Il primo è",
        "ordinal_2": "Il secondo è",
        "ordinal_3": "Il terzo è",
        "ordinal_n": "L'opzione {n} è",
        "option": "{ordinal} {carrier}, parte alle {time}, {stops}, a {price}.",
        "nonstop": "diretto",
        "one_stop": "con uno scalo a {via}",
        "stops": "con {n} scali",
        "more_one": "C'è ancora un'opzione.",
        "more_many": "Ci sono altre {n} opzioni.",
        "date_format": "EEEE d MMMM",
    },
    "pt": {
        "found_one": "Encontrei um voo de {origin} para {destination} {date}.",
        "found_many": "Encontrei {count} voos de {origin} para {destination} {date}.",
        "round_trip": "Com volta {date}.",
        "none": "Não encontrei voos de {origin} para {destination} {date}.",
        "ordinal_1": "O primeiro é",
        "ordinal_2": "O segundo é",
        "ordinal_3": "O terceiro é",
        "ordinal_n": "A opção {n} é",
        "option": "{ordinal} {carrier}, sai às {time}, {stops}, por {price}.",
        "nonstop": "direto",
        "one_stop": "com uma escala em {via}",
        "stops": "com {n} escalas",
        "more_one": "Há mais uma opção.",
        "more_many": "Há mais {n} opções.",
        "date_format": "EEEE, d 'de' MMMM",
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
    "es": {
        "USD": ("dólar", "dólares"), "EUR": ("euro", "euros"), "GBP": ("libra", "libras"),
        "CAD": ("dólar canadiense", "dólares canadienses"), "AUD": ("dólar australiano", "dólares australianos"),
        "MXN": ("peso", "pesos"), "BRL": ("real", "reales"), "JPY": ("yen", "yenes"),
        "CHF": ("franco suizo", "francos suizos"), "INR": ("rupia", "rupias"), "CNY": ("yuan", "yuanes"),
    },
    "fr": {
        "USD": ("dollar", "dollars"), "EUR": ("euro", "euros"), "GBP": ("livre", "livres"),
        "CAD": ("dollar canadien", "dollars canadiens"), "AUD": ("dollar australien", "dollars australiens"),
        "MXN": ("peso", "pesos"), "BRL": ("réal", "réaux"), "JPY": ("yen", "yens"),
        "CHF": ("franc suisse", "francs suisses"), "INR": ("roupie", "roupies"), "CNY": ("yuan", "yuans"),
    },
    "de": {
        "USD": ("Dollar", "Dollar"), "EUR": ("Euro", "Euro"), "GBP": ("Pfund", "Pfund"),
        "CAD": ("kanadischer Dollar", "kanadische Dollar"), "AUD": ("australischer Dollar", "australische Dollar"),
        "MXN": ("Peso", "Pesos"), "BRL": ("Real", "Reais"), "JPY": ("Yen", "Yen"),
        "CHF": ("Franken", "Franken"), "INR": ("Rupie", "Rupien"), "CNY": ("Yuan", "Yuan"),
    },
    "it": {
        "USD": ("dollaro", "dollari"), "EUR": ("euro", "euro"), "GBP": ("sterlina", "sterline"),
        "CAD": ("dollaro canadese", "dollari canadesi"), "AUD": ("dollaro australiano", "dollari australiani"),
        "MXN": ("peso", "pesos"), "BRL": ("real", "reais"), "JPY": ("yen", "yen"),
        "CHF": ("franco svizzero", "franchi svizzeri"), "INR": ("rupia", "rupie"), "CNY": ("yuan", "yuan"),
    },
    "pt": {
        "USD": ("dólar", "dólares"), "EUR": ("euro", "euros"), "GBP": ("libra", "libras"),
        "CAD": ("dólar canadense", "dólares canadenses"), "AUD": ("dólar australiano", "dólares australianos"),
        "MXN": ("peso", "pesos"), "BRL": ("real", "reais"), "JPY": ("iene", "ienes"),
        "CHF": ("franco suíço", "francos suíços"), "INR": ("rupia", "rupias"), "CNY": ("yuan", "yuans"),
    },
}

#: City names that differ from English, by metro/airport code and language (others: English name).
CITY_NAMES: dict[str, dict[str, str]] = {
    "LON": {"es": "Londres", "fr": "Londres", "it": "Londra", "pt": "Londres"},
    "NYC": {"es": "Nueva York", "pt": "Nova Iorque"},
    "MUC": {"es": "Múnich", "de": "München", "it": "Monaco di Baviera", "pt": "Munique"},
    "BJS": {"es": "Pekín", "fr": "Pékin", "it": "Pechino", "pt": "Pequim", "de": "Peking"},
    "ROM": {"es": "Roma", "fr": "Rome", "de": "Rom", "it": "Roma", "pt": "Roma"},
    "LIS": {"es": "Lisboa", "fr": "Lisbonne", "de": "Lissabon", "it": "Lisbona", "pt": "Lisboa"},
    "CGN": {"es": "Colonia", "de": "Köln", "it": "Colonia", "pt": "Colônia"},
    "GVA": {"es": "Ginebra", "fr": "Genève", "de": "Genf", "it": "Ginevra", "pt": "Genebra"},
    "MIL": {"es": "Milán", "it": "Milano", "de": "Mailand", "pt": "Milão"},
    "VCE": {"es": "Venecia", "fr": "Venise", "de": "Venedig", "it": "Venezia", "pt": "Veneza"},
    "FLR": {"es": "Florencia", "de": "Florenz", "it": "Firenze", "pt": "Florença"},
    "NAP": {"es": "Nápoles", "fr": "Naples", "de": "Neapel", "it": "Napoli", "pt": "Nápoles"},
    "TRN": {"it": "Torino"},
    "BER": {"it": "Berlino", "pt": "Berlim"},
    "FRA": {"fr": "Francfort", "it": "Francoforte", "es": "Fráncfort"},
    "HAM": {"es": "Hamburgo", "fr": "Hambourg", "it": "Amburgo", "pt": "Hamburgo"},
    "VIE": {"es": "Viena", "fr": "Vienne", "de": "Wien", "pt": "Viena"},
    "ZRH": {"es": "Zúrich", "it": "Zurigo", "pt": "Zurique", "de": "Zürich"},
    "BCN": {"fr": "Barcelone", "it": "Barcellona"},
    "SVQ": {"es": "Sevilla", "it": "Siviglia", "pt": "Sevilha"},
    "BRU": {"es": "Bruselas", "fr": "Bruxelles", "de": "Brüssel", "it": "Bruxelles", "pt": "Bruxelas"},
    "CPH": {"es": "Copenhague", "fr": "Copenhague", "de": "Kopenhagen", "it": "Copenaghen", "pt": "Copenhaga"},
    "STO": {"es": "Estocolmo", "it": "Stoccolma", "pt": "Estocolmo"},
    "WAW": {"es": "Varsovia", "fr": "Varsovie", "de": "Warschau", "it": "Varsavia", "pt": "Varsóvia"},
    "PRG": {"es": "Praga", "de": "Prag", "it": "Praga", "pt": "Praga"},
    "ATH": {"es": "Atenas", "fr": "Athènes", "de": "Athen", "it": "Atene", "pt": "Atenas"},
    "MOW": {"es": "Moscú", "fr": "Moscou", "de": "Moskau", "it": "Mosca", "pt": "Moscovo"},
    "IST": {"es": "Estambul", "pt": "Istambul"},
    "DUB": {"es": "Dublín", "it": "Dublino"},
    "EDI": {"es": "Edimburgo", "fr": "Édimbourg", "it": "Edimburgo", "pt": "Edimburgo"},
    "MEX": {"es": "Ciudad de México", "fr": "Mexico", "de": "Mexiko-Stadt", "it": "Città del Messico",
            "pt": "Cidade do México"},
    "PHL": {"es": "Filadelfia", "fr": "Philadelphie", "it": "Filadelfia", "pt": "Filadélfia"},
    "TYO": {"es": "Tokio", "de": "Tokio", "pt": "Tóquio"},
    "SEL": {"es": "Seúl", "fr": "Séoul", "pt": "Seul"},
    "SIN": {"es": "Singapur", "fr": "Singapour", "de": "Singapur", "pt": "Singapura"},
    "CAI": {"es": "El Cairo", "fr": "Le Caire", "de": "Kairo", "it": "Il Cairo", "pt": "Cairo"},
    "DEL": {"es": "Nueva Delhi", "fr": "New Delhi", "de": "Neu-Delhi", "it": "Nuova Delhi", "pt": "Nova Deli"},
    "CPT": {"es": "Ciudad del Cabo", "fr": "Le Cap", "de": "Kapstadt", "it": "Città del Capo", "pt": "Cidade do Cabo"},
    "MSY": {"es": "Nueva Orleans", "fr": "La Nouvelle-Orléans", "pt": "Nova Orleans"},
    "SAO": {"pt": "São Paulo", "es": "São Paulo"},
    "HAV": {"es": "La Habana", "fr": "La Havane", "it": "L'Avana", "pt": "Havana"},
}
"""Per-language spoken currency units (singular, plural) by ISO 4217 code."""

_LOCALES = {"en": "en_US", "es": "es_ES", "fr": "fr_FR", "de": "de_DE", "it": "it_IT", "pt": "pt_BR"}


def _locale(language: str) -> str:
    return _LOCALES.get((language or "en").split("-")[0].lower(), language or "en_US")


def _t(language: str, key: str, **kw: object) -> str:
    table = PHRASES.get((language or "en").split("-")[0].lower()) or PHRASES["en"]
    template = table.get(key) or PHRASES["en"][key]
    return template.format(**kw)


def place_name(code: str, language: str = "en") -> str:
    """Spoken city name for an IATA airport or metro code ("ORD" -> "Chicago", "LON" -> "London").

    Uses :data:`CITY_NAMES` for names that differ in ``language`` ("LON" -> "Londres" in es/fr,
    "Londra" in it), then the curated city table, then airportsdata; the code itself when unknown.
    An airport code of a metro with a localized name ("LHR") is named by its metro.
    """
    code = (code or "").upper()
    lang = (language or "en").split("-")[0].lower()
    names = CITY_NAMES.get(code)
    if names is None and lang != "en":
        try:
            from flights.airports import metro_of_airport

            metro = metro_of_airport().get(code)
            # LHR is London, but EWR (in the NYC metro) is Newark
            names = CITY_NAMES.get(metro) if metro and city_of(metro) == city_of(code) else None
        except Exception:
            names = None
    if names and lang in names:
        return names[lang]
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


__all__ = ["speak_offers", "place_name", "speak_price", "speak_time", "speak_date", "PHRASES", "CURRENCY_WORDS", "CITY_NAMES"]
