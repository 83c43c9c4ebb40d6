"""Spoken travel dates: "tomorrow", "next Friday", "the fifth of March", "in two weeks".

Public API::

    parse_travel_date(text, language="en", today=None, horizon_days=330) -> DateResult
    find_date_in_text(text, language="en", today=None) -> DateResult | None
    DateResult(value: date | None, reason: "ok"|"past"|"too_far"|"no_such_date"|"month_only"|"week_only"|"unparsed",
               text: str, holiday: bool = False)
    day_in_month(result, month, language="en", today=None) -> DateResult | None
    day_in_week(result, week, language="en", today=None) -> DateResult | None

Parsing is dateparser (``PREFER_DATES_FROM="future"``, ``RELATIVE_BASE=today``,
``languages=[language]``) after a small pre-normalization: number words to digits via
text2num ("the fifth of March" -> "the 5th of March"), weekday phrases handled directly
("Friday", "this/next Friday" = the next Friday after today; "Friday after next" /
"a week from Friday" = one week later), "next <weekday>" in es/fr/de/it/pt stripped to the
weekday. A date without a year that dateparser places before today rolls forward (a bare day
"the 20th" to next month, "March 5" to next year). Bare numbers ("two", "2") are never dates;
a day number after its word is ("el 22", "le 22", "il 22", "am 22.", "dia 22"). Portuguese
short weekdays ("na sexta") are weekdays unless an article or a noun makes them ordinals.
Holidays callers name (:data:`_HOLIDAYS`: Christmas Eve, New Year's Eve, Easter, Thanksgiving,
Nochebuena, Weihnachten, Capodanno, Natal, …) are their next occurrence; dateparser knows none;
"the day after Christmas", "two days before Christmas", "le lendemain de Noël", "am Tag nach
Weihnachten" shift it. A day its month does not have ("the 31st of February", "el 30 de febrero")
is reason "no_such_date" (dateparser made them the 1st of the month or the 31st of December). A
month without a day ("in January", "mid-January", "la primera semana de enero", "Ende Januar",
"next month") is reason "month_only" with ``value`` its first day (today in the current month):
the caller is asked which day, and :func:`day_in_month` reads a bare "the 15th" in that month
(dateparser made all of them the 1st). A week without a day ("next week", "sometime next week",
"the week after next", "la semana que viene", "nächste Woche", "this week") is reason "week_only"
with ``value`` its Monday (today in this week): the caller is asked which day, and
:func:`day_in_week` reads a bare "Wednesday" in that week (dateparser made "next week" a week from
today, the day the caller happened to call on, and knew no "semana que viene").
Nothing here raises on user input.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal

import dateparser
from babel.dates import get_day_names, get_month_names
from loguru import logger

Reason = Literal["ok", "past", "too_far", "no_such_date", "month_only", "week_only", "unparsed"]


@dataclass
class DateResult:
    """A parsed travel date. ``value`` is None only when ``reason == "unparsed"``. ``holiday``: the
    span names a holiday (``text`` is then its name with the words before it that belong to it:
    "la vigilia di natale", "the day after christmas")."""

    value: date | None
    reason: Reason
    text: str
    holiday: bool = False


_EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_EN_ORDINALS = {
    "first": "1st", "second": "2nd", "third": "3rd", "fourth": "4th", "fifth": "5th",
    "sixth": "6th", "seventh": "7th", "eighth": "8th", "ninth": "9th", "tenth": "10th",
    "eleventh": "11th", "twelfth": "12th", "thirteenth": "13th", "fourteenth": "14th",
    "fifteenth": "15th", "sixteenth": "16th", "seventeenth": "17th", "eighteenth": "18th",
    "nineteenth": "19th", "twentieth": "20th", "thirtieth": "30th",
}
_EN_NUMBERS = {
    "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "a couple of": 2,
    "couple of": 2, "a few": 3,
}
# words meaning "next" before/after a weekday, per language (stripped; weekday = next one)
_NEXT_WORDS = {
    "en": ("next", "this", "coming", "this coming", "on"),
    "es": ("el proximo", "proximo", "el", "este", "el que viene", "que viene"),
    "fr": ("prochain", "ce", "le"),
    "de": ("nachsten", "nachster", "kommenden", "kommender", "diesen", "am"),
    "it": ("prossimo", "questo", "il"),
    "pt": ("proxima", "proximo", "na", "no", "esta", "este", "neste", "nesta"),
}
_RELATIVE_WORDS = {
    "en": ("today", "tomorrow", "tonight", "next", "this", "coming", "in", "week", "weeks", "day", "days", "after"),
    "es": ("hoy", "manana", "pasado", "proximo", "proxima", "semana", "semanas", "dias"),
    "fr": ("aujourd hui", "demain", "prochain", "prochaine", "semaine", "semaines", "jours"),
    "de": ("heute", "morgen", "ubermorgen", "nachsten", "nachste", "ubernachste", "ubernachsten", "woche", "wochen",
           "tagen"),
    "it": ("oggi", "domani", "dopodomani", "prossimo", "prossima", "settimana", "settimane", "giorni"),
    "pt": ("hoje", "amanha", "proximo", "proxima", "semana", "semanas", "dias", "vem"),
}
_PAST_WORDS = ("yesterday", "ago", "last", "ayer", "hier", "gestern", "ieri", "ontem", "pasado")


def _fold(text: str) -> str:
    """Lowercase without accents (for comparing with word lists)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[^\w/.\-]+", " ", text.replace("'", " "))
    return " ".join(text.split())


def _clean(text: str) -> str:
    """Lowercase, punctuation to spaces, accents kept (dateparser needs "märz", "mañana")."""
    text = unicodedata.normalize("NFC", text).lower()
    text = re.sub(r"[^\w/.\-]+", " ", text.replace("'", " "))
    return " ".join(text.split())


_NUMBER_WORDS = {
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "a", "an",
    "uno", "una", "dos", "tres", "cuatro", "cinco", "un", "une", "deux", "trois", "quatre",
    "eins", "ein", "eine", "zwei", "drei", "vier", "fünf", "due", "tre", "quattro", "cinque",
    "um", "uma", "dois", "duas", "três", "quatro", "adults", "adult", "people", "persons",
    "passengers", "tickets", "children", "kids", "and", "y", "et", "und", "e",
}
_DAY_AFTER_TOMORROW = ("day after tomorrow", "pasado manana", "apres demain", "ubermorgen",
                       "dopodomani", "depois de amanha")


@lru_cache(maxsize=16)
def _names(language: str) -> tuple[dict[str, int], dict[str, int]]:
    """(weekday name -> 0..6, month name -> 1..12), folded, wide + abbreviated, for babel locale."""
    days: dict[str, int] = {}
    months: dict[str, int] = {}
    for loc in {language, "en"}:
        try:
            for width in ("wide", "abbreviated"):
                for i, n in get_day_names(width, locale=loc).items():
                    days.setdefault(_fold(n).rstrip("."), i)
                for i, n in get_month_names(width, locale=loc).items():
                    months.setdefault(_fold(n).rstrip("."), i)
        except Exception:  # unknown locale: English only
            continue
    if language == "pt":
        for i, n in enumerate(["segunda", "terca", "quarta", "quinta", "sexta", "sabado", "domingo"]):
            days.setdefault(n, i)
    # too-short abbreviations collide with words ("mar", "sat" are fine; "may" is fine)
    return days, months


_ORDINAL_ONE = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|next|last|other|same|"
    r"\d{1,2}(?:st|nd|rd|th))\s+ones?\b")


#: "the second flight", "den zweiten Flug", "el segundo vuelo", "le deuxième vol", "il secondo volo",
#: "o segundo voo" (and option, offer): an item of the list read out, never a day of the month
_ORDINAL_ITEM = {
    "en": r"(?:first|second|third|fourth|fifth|last|\d{1,2}(?:st|nd|rd|th))\s+(?:flights?|options?|offers?)",
    "de": r"(?:erste|zweite|dritte|vierte|fünfte|letzte)[nrs]?\s+(?:flug|flüge|option|optionen|angebot|verbindung)",
    "es": r"(?:primer|primero|primera|segundo|segunda|tercer|tercero|tercera|cuarto|cuarta|quinto|quinta|último|última)"
          r"\s+(?:vuelos?|opci[oó]n|opciones|ofertas?)",
    "fr": r"(?:premier|première|premiere|deuxième|deuxieme|second|seconde|troisième|troisieme|quatrième|quatrieme|"
          r"cinquième|cinquieme|dernier|dernière|derniere)\s+(?:vols?|options?|offres?)",
    "it": r"(?:primo|prima|secondo|seconda|terzo|terza|quarto|quarta|quinto|quinta|ultimo|ultima)"
          r"\s+(?:volo|voli|opzione|opzioni|offerta|offerte)",
    "pt": r"(?:primeiro|primeira|segundo|segunda|terceiro|terceira|quarto|quarta|quinto|quinta|último|última)"
          r"\s+(?:voos?|op[çc](?:ão|ao|ões|oes)|ofertas?)",
}
_ORDINAL_ITEM_RE = {lang: re.compile(rf"(?<!\w){pattern}(?!\w)", re.IGNORECASE) for lang, pattern in _ORDINAL_ITEM.items()}


#: Portuguese weekdays said short ("na sexta", "segunda que vem") are ordinals too ("a sexta
#: opção"), and text2num turns them into "6ª": said as a day, they get their "-feira" first.
_PT_SHORT_WEEKDAY = re.compile(r"(?<![\w-])(segunda|terça|terca|quarta|quinta|sexta)(?![\w-])")
#: after an article they count ("a segunda", "o segundo" is masculine anyway); before these nouns too,
#: feminine like the short weekdays ("na sexta voo direto" is Friday: a sixth flight is "sexto voo")
_PT_ORDINAL_BEFORE = {"a", "o", "à", "as", "os"}
_PT_ORDINAL_NOUNS = {"opção", "opcao", "opções", "opcoes", "vez", "classe", "escala",
                     "alternativa", "oferta", "pessoa", "hora", "semana", "fila"}


def _pt_weekday(m: re.Match) -> str:
    text, word = m.string, m.group(1)
    before = text[: m.start()].split()[-1:]
    after = text[m.end():].split()[:1]
    if (before and before[0] in _PT_ORDINAL_BEFORE) or (after and after[0] in _PT_ORDINAL_NOUNS):
        return word
    return word + "-feira"


#: "as soon as possible" in the six languages: the earliest day there is, today
_ASAP = {
    "en": (r"\b(?:as soon as (?:possible|you can|we can)|asap|a s a p|the earliest (?:possible|you have))\b", "today"),
    "es": (r"\b(?:lo (?:antes|m[aá]s pronto) posible|cuanto antes|lo m[aá]s r[aá]pido posible)\b", "hoy"),
    "fr": (r"\b(?:le plus t[oô]t possible|d[eè]s que possible|au plus vite)\b", "aujourd hui"),
    "de": (r"\b(?:so (?:bald|schnell) wie m[oö]glich|m[oö]glichst (?:bald|schnell)|schnellstm[oö]glich)\b", "heute"),
    "it": (r"\b(?:(?:il )?prima possibile|al pi[uù] presto|quanto prima)\b", "oggi"),
    "pt": (r"\b(?:o mais (?:r[aá]pido|cedo) poss[ií]vel|quanto antes|o quanto antes)\b", "hoje"),
}


#: "tonight" where dateparser reads none: es, fr, it ("heute Abend", "hoje à noite" it reads)
_TONIGHT = {
    "es": (r"\besta noche\b", "hoy"),
    "fr": (r"\bce soir\b", "aujourd hui"),
    "it": (r"\bstasera\b", "oggi"),
}


def _normalize(text: str, language: str) -> str:
    out = _clean(text)
    if language in _ASAP:  # "as soon as possible": today (dateparser read nothing)
        out = re.sub(_ASAP[language][0], _ASAP[language][1], out, flags=re.IGNORECASE)
    if language in _TONIGHT:  # "esta noche", "ce soir", "stasera": today
        out = re.sub(_TONIGHT[language][0], _TONIGHT[language][1], out, flags=re.IGNORECASE)
    if language in _ORDINAL_ITEM_RE:
        out = _ORDINAL_ITEM_RE[language].sub(" ", out)
    if language == "en":
        # "the second one", "the next one": an item of a list, never a date ("2nd 1" is 1 February)
        out = _ORDINAL_ONE.sub(" ", out)
        out = re.sub(r"\bfirst thing\b", " ", out)  # "first thing Saturday morning": early, not the 1st
        for word, digit in _EN_ORDINALS.items():
            out = re.sub(rf"\b{word}\b", digit, out)
        out = re.sub(r"\btwenty[\s-]?(1st|2nd|3rd|[4-9]th)\b", lambda m: f"2{m.group(1)}", out)
        out = re.sub(r"\bthirty[\s-]?1st\b", "31st", out)
        out = re.sub(r"\bfrom now\b", "from today", out)
        out = re.sub(r"\bmid-(?=[a-z])", "mid ", out, flags=re.IGNORECASE)
        out = re.sub(r"\b(a week|one week) from\b", "week from", out)
        # spoken years: "twenty twenty-five" -> 2025, "twenty thirty" -> 2030
        units = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
        out = re.sub(
            r"\btwenty[\s-](twenty|thirty)(?:[\s-](one|two|three|four|five|six|seven|eight|nine))?\b",
            lambda m: str(2000 + (20 if m.group(1) == "twenty" else 30) + units.get(m.group(2) or "", 0)),
            out,
        )
    if language == "fr":
        out = re.sub(r"\bmi-(?=[a-zé])", "mi ", out, flags=re.IGNORECASE)  # "mi-janvier"
        # "aujourd'hui" lost its apostrophe in _clean, and dateparser reads only the spelling with it
        out = re.sub(r"\baujourd\s?hui\b", "aujourd'hui", out)
        # "après-demain" as it is written (one token) was no date inside a sentence
        out = re.sub(r"\bapr[eè]s-demain\b", "après demain", out)
    if language == "pt":
        out = _PT_SHORT_WEEKDAY.sub(_pt_weekday, out)
    if language == "it":  # "due giorni prima" (before): text2num made "prima" the ordinal "1ª"
        out = re.sub(r"\b(giorn[oi]|settiman[ae])\s+prima\b", r"\1 zzprimazz", out)
    try:
        from text_to_num import alpha2digit

        out = alpha2digit(out, language, threshold=0)
    except Exception:  # language not supported by text2num
        pass
    out = out.replace("zzprimazz", "prima")
    if language in ("es", "it", "pt"):
        # "el primero de enero" -> "el 1º de enero", which dateparser cannot read: "el 1 de enero"
        _, months = _names(language)
        out = re.sub(r"\b(\d{1,2})[ºª](?=(\s+(?:de|di|del)\s+|\s+)([^\W\d_]+))",
                     lambda m: m.group(1) if _fold(m.group(3)) in months else m.group(0), out)
        # "el día 15 de enero", "no dia 15 de janeiro", "il giorno 15 di gennaio", "il 15 di gennaio":
        # dateparser reads none of them, and the "el día 15" inside was taken for this month's 15th
        out = re.sub(r"\b(?:d[ií]a|giorno)\s+(\d{1,2})(\s+(?:de|di|del)\s+|\s+)([^\W\d_]+)",
                     lambda m: f"{m.group(1)}{m.group(2)}{m.group(3)}" if _fold(m.group(3)) in months else m.group(0),
                     out, flags=re.IGNORECASE)
        if language == "it":
            out = re.sub(r"\b(\d{1,2})\s+di\s+([^\W\d_]+)",
                         lambda m: f"{m.group(1)} {m.group(2)}" if _fold(m.group(2)) in months else m.group(0), out)
    return out


#: "the weekend" in the six languages (folded), read as its Saturday
_WEEKEND_PHRASES = ("fin de semana", "fim de semana", "fine settimana", "week end", "week-end", "wochenende",
                    "weekend")


_FROM_TODAY = re.compile(r"(?:in\s+)?(?:(\d{1,2})\s+)?(day|week|month)s?\s+(?:from|after)\s+(today|tomorrow)"
                         r"|(?:a\s+|1\s+)?(week)\s+(today|tomorrow)")


def _from_today(norm: str, today: date) -> date | None:
    """English 'N days/weeks/months from today|now|tomorrow' and British 'a week today/tomorrow'
    (dateparser read "10 days from today" as today and "2 weeks from today" as 16 days on)."""
    m = _FROM_TODAY.fullmatch(_fold(norm).strip(" .,!?").removeprefix("the ").strip())
    if not m:
        return None
    count, unit, base = (int(m.group(1) or 1), m.group(2), m.group(3)) if m.group(2) else (1, m.group(4), m.group(5))
    start = today + timedelta(days=1 if base == "tomorrow" else 0)
    if unit == "month":
        for _ in range(count):
            start = _add_month(start)
        return start
    return start + timedelta(days=count * (7 if unit == "week" else 1))


def _weekday_phrase(norm: str, language: str, today: date) -> date | None:
    """Weekday phrases: '[this|next|coming] friday', 'friday after next', 'week from friday'."""
    days, _ = _names(language)
    norm = _fold(norm).strip(" .,!?")
    if not norm:
        return None
    if norm.removeprefix("the ").removeprefix("el ") in _DAY_AFTER_TOMORROW:
        return today + timedelta(days=2)
    extra_week = False
    s = " " + norm + " "
    for marker in (" after next ", " week from ", " in a week ", " week after "):
        if marker in s:
            extra_week = True
            s = s.replace(marker, " ")
    for phrase in _WEEKEND_PHRASES:
        s = s.replace(f" {phrase} ", " weekend ")
    words = s.split()
    next_words = set()
    for lang in {language, "en"}:
        for w in _NEXT_WORDS.get(lang, ()):
            next_words.update(w.split())
    if "weekend" in words:  # "this weekend": its Saturday (today if it is one)
        rest = [w for w in words if w != "weekend" and w not in next_words]
        if rest or words.count("weekend") != 1:
            return None
        return today + timedelta(days=(5 - today.weekday()) % 7 + (7 if extra_week else 0))
    day_idx = [days[w] for w in words if w in days]
    rest = [w for w in words if w not in days and w not in next_words]
    if len(day_idx) != 1 or rest:
        return None
    delta = (day_idx[0] - today.weekday()) % 7 or 7
    return today + timedelta(days=delta + (7 if extra_week else 0))


#: A day of the month said alone, per language (folded): "the 20th"; "el (día) 20", "día 20"; "le 20",
#: "le 1er"; "il (giorno) 20", "l'8"; "am 20.", "den 20."; "(no) dia 20". Elsewhere than English
#: the number needs its word before it: a bare "2" is a passenger count.
_DAY_OF_MONTH = {
    "en": r"(?:on\s+)?(?:the\s+)?(\d{1,2})(?:st|nd|rd|th)",
    "es": r"(?:(?:para\s+)?el\s+dia|(?:para\s+)?el|dia)\s+(\d{1,2})",
    "fr": r"(?:pour\s+)?le\s+(\d{1,2})(?:er|e|eme)?",
    "it": r"(?:per\s+)?(?:il\s+giorno|il|l|giorno)\s+(\d{1,2})",
    "de": r"(?:am|den|dem|fur\s+den)\s+(\d{1,2})\.?(?:ten)?",
    "pt": r"(?:(?:para\s+)?o\s+dia|no\s+dia|dia)\s+(\d{1,2})",
}
#: the words before a bare day number that make it a date inside a sentence (non-English)
_DAY_NUMBER_LEADS = {"el", "dia", "le", "il", "l", "giorno", "am", "den", "dem"}


def _easter(year: int) -> date:
    from dateutil.easter import easter  # dateutil comes with dateparser

    return easter(year)


def _thanksgiving(year: int) -> date:
    """US Thanksgiving: the fourth Thursday of November."""
    first = date(year, 11, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


#: Holidays callers name as travel days, folded as :func:`_normalize` leaves them, per language:
#: ``(month, day)`` or ``year -> date``. dateparser knows none of them ("Christmas Eve" was no date).
_HOLIDAYS: dict[str, dict[str, tuple[int, int] | Callable[[int], date]]] = {
    "en": {"christmas eve": (12, 24), "christmas": (12, 25), "christmas day": (12, 25), "xmas": (12, 25),
           "boxing day": (12, 26), "new year s eve": (12, 31), "new years eve": (12, 31),
           "new year s day": (1, 1), "new years day": (1, 1), "new year s": (1, 1), "new years": (1, 1),
           "valentine s day": (2, 14), "valentines day": (2, 14), "halloween": (10, 31),
           "independence day": (7, 4), "easter": _easter, "easter sunday": _easter,
           "thanksgiving": _thanksgiving, "thanksgiving day": _thanksgiving},
    "es": {"nochebuena": (12, 24), "navidad": (12, 25), "dia de navidad": (12, 25), "nochevieja": (12, 31),
           "ano nuevo": (1, 1), "dia de ano nuevo": (1, 1), "reyes": (1, 6), "dia de reyes": (1, 6),
           "san valentin": (2, 14), "domingo de pascua": _easter, "domingo de resurreccion": _easter},
    "fr": {"reveillon de noel": (12, 24), "veille de noel": (12, 24), "noel": (12, 25), "jour de noel": (12, 25),
           "reveillon du nouvel an": (12, 31), "saint sylvestre": (12, 31), "la saint sylvestre": (12, 31),
           "nouvel an": (1, 1), "jour de l an": (1, 1), "saint valentin": (2, 14), "toussaint": (11, 1),
           "paques": _easter, "dimanche de paques": _easter},
    "de": {"heiligabend": (12, 24), "heiligen abend": (12, 24), "weihnachten": (12, 25),
           "1. weihnachtstag": (12, 25), "weihnachtstag": (12, 25), "2. weihnachtstag": (12, 26),
           "silvester": (12, 31), "neujahr": (1, 1), "neujahrstag": (1, 1), "valentinstag": (2, 14),
           "ostern": _easter, "ostersonntag": _easter},
    "it": {"vigilia di natale": (12, 24), "natale": (12, 25), "giorno di natale": (12, 25),
           "santo stefano": (12, 26), "san silvestro": (12, 31), "capodanno": (1, 1), "epifania": (1, 6),
           "befana": (1, 6), "ferragosto": (8, 15), "san valentino": (2, 14), "pasqua": _easter},
    "pt": {"vespera de natal": (12, 24), "vespera do natal": (12, 24), "noite de natal": (12, 24),
           "natal": (12, 25), "dia de natal": (12, 25), "vespera de ano novo": (12, 31), "reveillon": (12, 31),
           "ano novo": (1, 1), "dia de ano novo": (1, 1), "pascoa": _easter, "domingo de pascoa": _easter},
}
#: words before a holiday's name ("on Christmas Eve", "zu Weihnachten", "para o Natal")
_HOLIDAY_LEADS = {"on", "for", "at", "over", "the", "el", "la", "en", "para", "por", "le", "pour", "a", "au",
                  "am", "an", "zu", "zum", "fur", "uber", "il", "per", "di", "no", "na", "o", "pelo", "pela",
                  "this", "next", "este", "proximo", "prochain", "ce", "diesen", "nachsten", "questo",
                  "prossimo", "proximo", "neste", "nesta"}


def _holiday_names(language: str) -> dict[str, tuple[int, int] | Callable[[int], date]]:
    return {**_HOLIDAYS["en"], **_HOLIDAYS.get(language, {})}


def _holiday_date(spec: tuple[int, int] | Callable[[int], date], today: date) -> date:
    """The next such day, today included (this year's, else next year's)."""
    for year in (today.year, today.year + 1):
        day = spec(year) if callable(spec) else date(year, *spec)
        if day >= today:
            return day
    return day


def _holiday(norm: str, language: str, today: date) -> date | None:
    """'Christmas Eve', 'zu Weihnachten', 'el día de Año Nuevo', 'Easter' (see :data:`_HOLIDAYS`)."""
    words = _fold(norm).strip(" .,!?").split()
    while words and words[0] in _HOLIDAY_LEADS:
        words = words[1:]
    spec = _holiday_names(language).get(" ".join(words))
    return _holiday_date(spec, today) if spec is not None else None


#: holiday names that are also cities (Natal, Brazil): inside a sentence only after an article
#: ("no Natal", "para o Natal"), never after a bare preposition ("de Natal para Recife")
_CITY_HOLIDAYS = {"natal"}
_ARTICLES = {"o", "no", "do", "ao", "pelo", "este", "neste", "proximo"}


def _find_holiday(folded_text: str, language: str) -> tuple[int, str] | None:
    """The first holiday name in ``folded_text``: (character offset, name); the longest at a tie."""
    best: tuple[int, str] | None = None
    for name in _holiday_names(language):
        for m in re.finditer(rf"(?<![\w.]){re.escape(name)}(?![\w])", folded_text):
            before = folded_text[: m.start()].split()[-1:]
            if name in _CITY_HOLIDAYS and before and before[0] not in _ARTICLES:
                continue
            if best is None or m.start() < best[0] or (m.start() == best[0] and len(name) > len(best[1])):
                best = (m.start(), name)
            break
    return best


#: "the day after Christmas" and its kin in es/fr/de/it/pt: direction words, day words, and the
#: little words between them and the holiday's name ("del", "ao", "dem", "du")
_AFTER = {"after", "despues", "siguiente", "apres", "suivant", "nach", "dopo", "depois", "seguinte"}
_BEFORE = {"before", "antes", "avant", "vor", "prima"}
_DAY_WORDS = {"day", "days", "dia", "dias", "jour", "jours", "tag", "tage", "tagen", "giorno", "giorni"}
_OFFSET_WORDS = {"lendemain": 1, "surlendemain": 2, "veille": -1, "vispera": -1, "vigilia": -1, "vespera": -1}
_OFFSET_LINKS = {"de", "del", "do", "da", "ao", "al", "a", "the", "dem", "di", "della", "du", "d", "la",
                 "le", "l", "o", "el", "of", "von", "nel"}


def _holiday_offset(words_before: list[str]) -> tuple[int, int]:
    """Days to add to a holiday from the words said just before it, and how many of those words say
    so: ``["the", "day", "after"]`` -> ``(1, 3)``; ``["2", "days", "before"]`` -> ``(-2, 3)``;
    ``["le", "lendemain", "de"]`` -> ``(1, 3)``; no such words -> ``(0, 0)``."""
    w = list(words_before)
    while w and w[-1] in _OFFSET_LINKS:
        w.pop()
    if w and w[-1] in _OFFSET_WORDS:
        days, start = _OFFSET_WORDS[w[-1]], len(w) - 1
    elif len(w) >= 2 and w[-1] in _AFTER | _BEFORE and w[-2] in _DAY_WORDS:
        count = int(w[-3]) if len(w) >= 3 and w[-3].isdigit() and 0 < int(w[-3]) < 15 else 1
        start = len(w) - (3 if len(w) >= 3 and w[-3].isdigit() else 2)
        days = count if w[-1] in _AFTER else -count
    else:
        return 0, 0
    while start > 0 and w[start - 1] in _OFFSET_LINKS | {"un", "um", "einen", "one", "a"}:
        start -= 1
    return days, len(words_before) - start


def _shifted_holiday(name: str, days: int, language: str, today: date, horizon_days: int = 330) -> DateResult:
    """The holiday ``name`` moved by ``days``; the next occurrence whose shifted day is not past."""
    spec = _holiday_names(language)[name]
    value = _holiday_date(spec, today) + timedelta(days=days)
    if value < today:  # "the day before Christmas" said on Christmas Day: next year's
        value = _holiday_date(spec, today + timedelta(days=1 - days)) + timedelta(days=days)
    return _dated(value, today, name, horizon_days)


#: a day number as a token: "31st", "1er", "15º", "20.", "5," (group 1: the number)
_DAY_NUMBER = re.compile(r"(\d{1,2})(?:st|nd|rd|th|er|o|a|º|ª|\.)?[.,]?")


def is_day_number(token: str, language: str = "en") -> bool:
    """Whether one lower-case ``token`` says a day of the month: a number with or without its
    ordinal ending ("5", "31st", "1er", "5e", "15º", "20."), or in English an ordinal word
    ("fifth", "twentieth")."""
    return bool(_DAY_NUMBER.fullmatch(token)) or bool(re.fullmatch(r"\d{1,2}e", token)) \
        or (language == "en" and token in _EN_ORDINALS)


def is_clock_time(tokens: Sequence[str], i: int) -> bool:
    """Whether lower-case ``tokens[i]`` is a bare hour followed by a clock word: "9 am", "9 a.m.",
    "9 a m", "3 o'clock", "15 Uhr", "10 heures", "8 horas", "alle 9 ore" (not a day of the
    month)."""
    if not re.fullmatch(r"\d{1,2}", tokens[i].rstrip(".,!?")) or i + 1 >= len(tokens):
        return False
    tail = tokens[i + 1].rstrip(".,!?")
    return tail in _TIME_TAILS or (tail in {"a", "p"} and i + 2 < len(tokens)
                                   and tokens[i + 2].rstrip(".,!?") == "m")


def _no_such_day(norm: str, language: str) -> bool:
    """A day number and a month name that do not go together ("31st of february", "30 de febrero",
    "april 31"): dateparser turned them into another day."""
    folded = _fold(norm).strip(" .,!?").split()
    _, months = _names(language)
    month_at = [i for i, t in enumerate(folded) if t.rstrip(".,") in months]
    day_at = [i for i, t in enumerate(folded) if _DAY_NUMBER.fullmatch(t)]
    if len(month_at) != 1 or len(day_at) != 1 or abs(month_at[0] - day_at[0]) > 2:
        return False
    day = int(_DAY_NUMBER.fullmatch(folded[day_at[0]]).group(1))
    month = months[folded[month_at[0]].rstrip(".,")]
    return day > (29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31)


#: "month" and "next month" in the six languages (folded): "next month" names a month, no day
_MONTH_NOUNS = {"month", "mes", "mois", "monat", "monats", "mese"}
_WEEK_NOUNS = {"week", "weeks", "semana", "semaine", "woche", "settimana"}
_NEXT_MONTH_WORDS = {"next", "proximo", "que", "viene", "prochain", "nachsten", "kommenden", "prossimo", "vem"}
_THIS_MONTH_WORDS = {"this", "este", "ce", "diesen", "dieser", "diesem", "questo", "neste", "esse"}


def _day_of_said_month(norm: str, language: str, today: date) -> date | None:
    """A day number of a month said as "next month" or "this month": "the 3rd of next month", "next
    month on the 3rd", "el 3 del mes que viene", "le 3 du mois prochain", "am 3. nächsten Monats",
    "il 3 del mese prossimo", "dia 3 do mês que vem", "el 20 de este mes" (dateparser made some of
    them March, or the 1st). ``None`` without exactly one day number, with a month or weekday named,
    without such a month, or for a day the month does not have."""
    folded = _fold(norm).strip(" .,!?").replace("-", " ").split()
    days, months = _names(language)
    if any(t.rstrip(".,") in months or t.rstrip(".,") in days for t in folded):
        return None
    numbers = [int(m.group(1)) for t in folded if (m := _DAY_NUMBER.fullmatch(t))]
    at = [i for i, t in enumerate(folded) if t in _MONTH_NOUNS]
    if len(numbers) != 1 or len(at) != 1:
        return None
    beside = set(folded[max(0, at[0] - 2): at[0] + 3])
    if beside & _NEXT_MONTH_WORDS:
        first = _add_month(today.replace(day=1))
    elif beside & _THIS_MONTH_WORDS:
        first = today.replace(day=1)
    else:
        return None
    try:
        return first.replace(day=numbers[0])
    except ValueError:
        return None


def _month_only(norm: str, language: str, today: date) -> date | None:
    """The month of a phrase that names one and no day ("in January", "mid-January", "the first
    week of January", "Anfang Januar", "next month"): its first day, or today in this month."""
    folded = _fold(norm).strip(" .,!?").replace("-", " ").split()
    days, months = _names(language)
    if any(t.rstrip(".,") in days for t in folded):
        return None
    for i, t in enumerate(folded):  # a day number ("the 5th") unless it counts weeks ("the 1st week")
        if _DAY_NUMBER.fullmatch(t) and not (
                i + 1 < len(folded) and folded[i + 1] in _WEEK_NOUNS):
            return None
    named = {months[t.rstrip(".,")] for t in folded if t.rstrip(".,") in months}
    year = next((int(t) for t in folded if re.fullmatch(r"(19|20)\d\d", t)), None)
    if len(named) == 1:
        month = named.pop()
        first = date(year or today.year, month, 1)
        if year is None and (first.year, first.month) < (today.year, today.month):
            first = date(today.year + 1, month, 1)
    elif not named and any(t in _MONTH_NOUNS for t in folded) and any(t in _NEXT_MONTH_WORDS for t in folded):
        first = _add_month(today).replace(day=1)
    elif not named and any(t in _MONTH_NOUNS for t in folded) and any(t in _THIS_MONTH_WORDS for t in folded):
        first = today
    else:
        return None
    return max(first, today)


#: "next" / "this" before or after a week noun (folded): "next week", "la semana que viene", "la
#: semaine prochaine", "nächste Woche", "la settimana prossima", "a semana que vem", "this week"
_NEXT_WEEK_WORDS = {"next", "proxima", "que", "viene", "entrante", "prochaine", "nachste", "kommende",
                    "prossima", "vem", "coming"}
_THIS_WEEK_WORDS = {"this", "esta", "cette", "diese", "dieser", "questa", "nesta", "essa"}
_WEEK_AFTER_NEXT = ("week after next", "ubernachste woche", "ubernachsten woche")


def _week_only(norm: str, language: str, today: date) -> date | None:
    """The week of a phrase that names one and no day ("next week", "sometime next week", "the
    week after next", "la semana que viene", "la semaine prochaine", "nächste Woche", "this week"):
    its Monday, or today in this week; ``None`` with a weekday, a month, a number or a week count
    ("in two weeks", "a week from Friday", "for a week" are dates or stays, not weeks)."""
    folded = _fold(norm).strip(" .,!?").replace("-", " ")
    words = folded.split()
    days, months = _names(language)
    if any(phrase in folded for phrase in _WEEKEND_PHRASES):  # "el fin de semana que viene"
        return None
    if (any(re.search(r"\d", t) for t in words) or any(t.rstrip(".,") in days or t.rstrip(".,") in months
                                                        for t in words)
            or not any(t in _WEEK_NOUNS for t in words)):
        return None
    monday = today - timedelta(days=today.weekday())
    if any(phrase in folded for phrase in _WEEK_AFTER_NEXT):
        return monday + timedelta(days=14)
    if any(t in _NEXT_WEEK_WORDS for t in words):
        return monday + timedelta(days=7)
    if any(t in _THIS_WEEK_WORDS for t in words):
        return today
    return None


#: "nächster Woche", "kommenden Woche" (a weekday of it): the inflected forms too
_NEXT_WEEK_INFLECTED = _NEXT_WEEK_WORDS | {"nachster", "nachsten", "kommenden", "kommender"}


def _weekday_in_week(norm: str, language: str, today: date) -> date | None:
    """A weekday of a week said with it: "Tuesday next week", "next week on Tuesday", "el martes de
    la semana que viene", "mardi de la semaine prochaine", "nächste Woche Dienstag", "martedì della
    settimana prossima", "na terça da próxima semana", "Friday this week", "Tuesday the week after
    next"; "the Tuesday after next" and "mardi en huit" (the weekday after the coming one).
    ``None`` without exactly one weekday, with a month or a day number, or without such a week.
    Weeks start on Monday."""
    folded = _fold(norm).strip(" .,!?").replace("-", " ").replace(",", " ").split()
    eight = " ".join(folded)
    folded = re.sub(r"\ben (?:huit|8)\b", "en_huit", eight).split()  # "mardi en huit": no 8th
    days, months = _names(language)
    named = {days[t.rstrip(".")] for t in folded if t.rstrip(".") in days}
    if len(named) != 1 or any(t.rstrip(".") in months or _DAY_NUMBER.fullmatch(t) for t in folded):
        return None
    weekday = named.pop()
    text = " ".join(folded)
    monday = today - timedelta(days=today.weekday())
    weeks = [i for i, t in enumerate(folded) if t in _WEEK_NOUNS]

    def beside_week(words: set[str]) -> bool:  # "next week", "la semana que viene", "semaine prochaine"
        return any(folded[j] in words for i in weeks for j in range(max(0, i - 2), min(len(folded), i + 3)))

    if any(phrase in text for phrase in _WEEK_AFTER_NEXT):
        return monday + timedelta(days=14 + weekday)
    if weeks and beside_week(_NEXT_WEEK_INFLECTED):
        return monday + timedelta(days=7 + weekday)
    if weeks and beside_week(_THIS_WEEK_WORDS):
        return monday + timedelta(days=weekday)
    if not weeks and re.search(r"\b(?:after next|en_huit)\b", text):
        return today + timedelta(days=((weekday - today.weekday()) % 7 or 7) + 7)
    return None


def day_in_week(result: DateResult | None, week: date, language: str = "en",
                today: date | None = None, horizon_days: int = 330) -> DateResult | None:
    """``result`` when it is only a weekday ("Wednesday", "on Wednesday", "el miércoles", "am
    Mittwoch"), read as that day of ``week``'s week, Monday first (the answer to "Which day that
    week?"); ``None`` for anything else. Reasons as :func:`parse_travel_date` ("past" for a day of
    this week already gone)."""
    if result is None or not result.text:
        return None
    today = today or date.today()
    words = [t for t in _fold(result.text).strip(" .,!?").split() if t not in _WEEKDAY_DAY_LEADS]
    if len(words) != 1:
        return None
    day = words[0].rstrip(".,")
    for names in (_names(language)[0], _names("en")[0]):
        if day in names:
            monday = week - timedelta(days=week.weekday())
            return _dated(monday + timedelta(days=names[day]), today, result.text, horizon_days)
    return None


_WEEKDAY_DAY_LEADS = {"on", "the", "el", "le", "il", "am", "den", "dem", "dia", "no", "na", "o", "a", "de", "del"}


def _weekday_and_day(norm: str, language: str, today: date) -> date | None:
    """'Friday the 11th', 'el viernes 11', 'vendredi 11', 'Freitag, den 11.': the next 11th that is a
    Friday (dateparser read "Friday the 11th" as a Friday in November); ``None`` without exactly one
    weekday and one day number, or with a month named."""
    folded = _fold(norm).strip(" .,!?").replace(",", " ").split()
    days, months = _names(language)
    if any(t.rstrip(".") in months for t in folded):
        return None
    words = [t for t in folded if t not in _WEEKDAY_DAY_LEADS]
    if len(words) != 2 or words[0].rstrip(".") not in days:  # the weekday, then its day
        return None
    number = _DAY_NUMBER.fullmatch(words[1])
    if number is None:
        return None
    day, weekday = int(number.group(1)), days[words[0].rstrip(".")]
    return _next_numbered_day(day, today, months=15, weekday=weekday)


def _next_numbered_day(day: int, today: date, months: int, weekday: int | None = None) -> date | None:
    """The first date from ``today`` on that is the ``day``-th of its month (and that ``weekday``,
    0 = Monday, when given), looking ``months`` months ahead; ``None`` if there is none."""
    y, m = today.year, today.month
    for _ in range(months):
        try:
            candidate = date(y, m, day)
        except ValueError:
            candidate = None
        if candidate is not None and candidate >= today and (weekday is None or candidate.weekday() == weekday):
            return candidate
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return None


def day_in_month(result: DateResult | None, month: date, language: str = "en",
                 today: date | None = None, horizon_days: int = 330) -> DateResult | None:
    """``result`` when it is only a day of the month ("the 15th", "el 15", "am 15."), read as that
    day of ``month``'s month (the answer to "Which day in January?"); ``None`` for anything else.

    Reasons as :func:`parse_travel_date`; "no_such_date" when the month has no such day.
    """
    if result is None or not result.text:
        return None
    today = today or date.today()
    first = date(month.year, month.month, 1)
    value = _day_of_month(result.text, first, language)
    if value is None:
        return None
    if (value.year, value.month) != (first.year, first.month):  # "the 31st" of February
        return DateResult(None, "no_such_date", result.text)
    return _dated(value, today, result.text, horizon_days)


def _day_of_month(norm: str, today: date, language: str = "en") -> date | None:
    """'the 5th' / 'on the 20th' / '5th' / 'el 20' / 'am 20.' (see :data:`_DAY_OF_MONTH`): the next
    such day of a month, today included."""
    folded = _fold(norm).strip(" .,!?")
    m = re.fullmatch(_DAY_OF_MONTH["en"], folded)
    if not m and language != "en" and language in _DAY_OF_MONTH:
        m = re.fullmatch(_DAY_OF_MONTH[language], folded)
    if not m:
        return None
    return _next_numbered_day(int(m.group(1)), today, months=3)


def _has_year(norm: str) -> bool:
    return re.search(r"\b(19|20)\d\d\b", norm) is not None


def parse_travel_date(
    text: str, language: str = "en", today: date | None = None, horizon_days: int = 330
) -> DateResult:
    """Parse one spoken date fragment into a :class:`DateResult`.

    ``today`` defaults to ``date.today()``; dates before it give reason "past", dates more than
    ``horizon_days`` after it "too_far" (``value`` is still set in both cases), anything that is
    not a date (including bare numbers) "unparsed" with ``value=None``.
    """
    today = today or date.today()
    raw = text or ""
    norm = _normalize(raw, language)
    if (
        not norm
        or len(norm) < 3
        or all(re.fullmatch(r"[\d.,]+", t) or t in _NUMBER_WORDS for t in norm.split())
    ):
        return DateResult(None, "unparsed", raw)
    if _no_such_day(norm, language):
        return DateResult(None, "no_such_date", raw)
    said_month = _day_of_said_month(norm, language, today)
    if said_month is not None:
        return _dated(said_month, today, raw, horizon_days)
    month = _month_only(norm, language, today)
    if month is not None:
        if (month - today).days > horizon_days:
            return DateResult(month, "too_far", raw)
        return DateResult(month, "month_only", raw)
    in_week = _weekday_in_week(norm, language, today)  # before the week alone: a day was said
    if in_week is not None:
        return _dated(in_week, today, raw, horizon_days)
    week = _week_only(norm, language, today)
    if week is not None:
        return DateResult(week, "week_only", raw)
    value = _holiday(norm, language, today)
    if value is None and language == "en":
        value = _from_today(norm, today)
    if value is None:
        value = _weekday_and_day(norm, language, today)
    if value is None:
        value = _weekday_phrase(norm, language, today)
    if value is None:
        value = _day_of_month(norm, today, language)
    if value is None:
        value = _dateparse(norm, language, today)
    if value is None:
        return DateResult(None, "unparsed", raw)
    folded = _fold(norm).split()
    if value < today and not _has_year(norm) and not any(w in folded for w in _PAST_WORDS):
        _, months = _names(language)
        if any(w.rstrip(".") in months for w in folded) or "/" in norm:
            value = _add_years(value, 1)
        else:
            value = _add_month(value)
    return _dated(value, today, raw, horizon_days)


def _dated(value: date, today: date, text: str, horizon_days: int) -> DateResult:
    """``value`` with its reason: "past" before ``today``, "too_far" more than ``horizon_days``
    after it, else "ok"."""
    if value < today:
        return DateResult(value, "past", text)
    if (value - today).days > horizon_days:
        return DateResult(value, "too_far", text)
    return DateResult(value, "ok", text)


def _dateparse(norm: str, language: str, today: date) -> date | None:
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime(today.year, today.month, today.day),
        "PREFER_DAY_OF_MONTH": "first",
        "REQUIRE_PARTS": [],
    }
    candidates = [norm]
    # "vendredi prochain" / "nächsten Freitag": try without the next-words as well
    strip = set(" ".join(_NEXT_WORDS.get(language, ())).split())
    words = [w for w in norm.split() if _fold(w) not in strip]
    if words and words != norm.split():
        candidates.append(" ".join(words))
    for cand in candidates:
        try:
            dt = dateparser.parse(cand, languages=[language], settings=settings)
        except Exception as exc:  # dateparser raises on some odd inputs
            logger.debug("dateparser failed on {!r}: {}", cand, exc)
            dt = None
        if dt is not None:
            return dt.date()
    return None


def _add_month(d: date) -> date:
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    for day in (d.day, 30, 29, 28):
        try:
            return date(y, m, day)
        except ValueError:
            continue
    return d


def _add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return d.replace(year=d.year + n, day=28)


# --- finding a date inside a sentence -----------------------------------------------------

_SPAN_MAX = 6


def _anchor_words(language: str) -> set[str]:
    days, months = _names(language)
    words = set(days) | set(months)
    for lang in {language, "en"}:
        words.update(_RELATIVE_WORDS.get(lang, ()))
        for w in _NEXT_WORDS.get(lang, ()):
            words.update(w.split())
    words -= {"a", "on", "el", "le", "il", "am", "na", "no", "in", "this", "este", "esta", "ce"}
    words.update({"today", "tomorrow", "tonight", "weekend", "week-end", "wochenende", "aujourd'hui"})
    words.update(_MONTH_NOUNS)
    return words


#: "the first Monday of December": (ordinal words → 1..4, -1 for the last; the words between the
#: weekday and its month), per language, folded as :func:`_fold` leaves them
_NTH_WEEKDAY = {
    "en": ({"1st": 1, "2nd": 2, "3rd": 3, "4th": 4, "first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1},
           r"of|in"),
    "es": ({"primer": 1, "primero": 1, "segundo": 2, "tercer": 3, "tercero": 3, "cuarto": 4, "ultimo": -1},
           r"de|del mes de"),
    "fr": ({"premier": 1, "1er": 1, "deuxieme": 2, "second": 2, "troisieme": 3, "quatrieme": 4, "dernier": -1},
           r"de|d|du mois de"),
    "de": ({"ersten": 1, "erste": 1, "zweiten": 2, "zweite": 2, "dritten": 3, "dritte": 3, "vierten": 4,
            "vierte": 4, "letzten": -1, "letzte": -1}, r"im|in|des"),
    "it": ({"primo": 1, "secondo": 2, "terzo": 3, "quarto": 4, "ultimo": -1}, r"di|del mese di"),
    "pt": ({"primeira": 1, "primeiro": 1, "segunda": 2, "segundo": 2, "terceira": 3, "terceiro": 3, "quarta": 4,
            "quarto": 4, "ultima": -1, "ultimo": -1}, r"de|do mes de"),
}


@lru_cache(maxsize=16)
def _nth_weekday_pattern(language: str) -> tuple[re.Pattern[str], dict[str, int]]:
    """(the pattern of :func:`_nth_weekday` in ``language``, weekday name -> 0..6 with the short
    Portuguese names), built once per language: it is tried on every date search."""
    ordinals, joins = _NTH_WEEKDAY[language]
    days, months = _names(language)
    days = {**days, **{name.removesuffix("-feira"): d for name, d in days.items()}}  # "sexta" for "sexta-feira"
    alt = lambda words: "|".join(sorted(map(re.escape, words), key=len, reverse=True))  # noqa: E731
    return re.compile(rf"\b({alt(ordinals)}) ({alt(days)})(?: feira)? (?:{joins}) ({alt(months)})\b"), days


def _nth_weekday(folded: str, language: str, today: date, horizon_days: int = 330) -> DateResult | None:
    """"The first Monday of December", "el primer lunes de diciembre", "le dernier vendredi de
    janvier", "am ersten Montag im Dezember", "il primo lunedì di dicembre", "a primeira segunda de
    dezembro": that day of the month's next occurrence (dateparser read the 1st of the month)."""
    if language not in _NTH_WEEKDAY:
        return None
    rx, days = _nth_weekday_pattern(language)
    m = rx.search(folded)
    if m is None:
        return None
    nth, weekday, month = _NTH_WEEKDAY[language][0][m.group(1)], days[m.group(2)], _names(language)[1][m.group(3)]
    for year in (today.year, today.year + 1):
        first = date(year, month, 1)
        if nth > 0:
            value = first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))
        else:
            last = first.replace(day=calendar.monthrange(year, month)[1])
            value = last - timedelta(days=(last.weekday() - weekday) % 7)
        if value.month == month and value >= today:
            return _dated(value, today, m.group(0), horizon_days)
    return None


def find_date_in_text(text: str, language: str = "en", today: date | None = None) -> DateResult | None:
    """Find a date phrase inside a longer utterance; ``None`` when there is none.

    Candidate spans (up to 6 words, starting with an anchor or a lead word such as "the"/"on"/
    "in", ending with an anchor) are built around anchor words (weekday and month names in
    ``language`` and English, today/tomorrow, next/this, "in N days/weeks", ordinals like
    "5th", numeric dates like 12/24) and parsed longest first with :func:`parse_travel_date`.
    The returned ``text`` is the matched span (folded, lowercase).
    """
    today = today or date.today()
    norm = _normalize(text or "", language)
    tokens = norm.split()
    if not tokens:
        return None
    folded = [_fold(t) or t for t in tokens]
    nth = _nth_weekday(_fold(text or ""), language, today)  # before _normalize drops "primer", "primo"
    if nth is not None:
        return nth
    anchors = _anchor_words(language)
    hits = [
        i
        for i, t in enumerate(folded)
        if t in anchors or t.rstrip(".,!?") in anchors
        or re.fullmatch(r"\d{1,2}(st|nd|rd|th|er|\.)?|\d{1,2}/\d{1,2}(/\d{2,4})?|(19|20)\d\d", t.rstrip(".,!?"))
    ]
    # "may" and "march" are English verbs too ("May I fly…", "I may need two seats" was the 1st of
    # May): a month only after a word that leads a month, before a day or year, or said alone
    verbs = {i for i in hits if folded[i].rstrip(".,!?") in _VERB_MONTHS}
    hits = [
        i for i in hits
        if folded[i].rstrip(".,!?") not in _VERB_MONTHS or len(tokens) == 1
        or (i > 0 and folded[i - 1] in _MONTH_LEADS)
        or (i + 1 < len(tokens) and re.fullmatch(r"\d{1,2}(st|nd|rd|th)?|(19|20)\d\d", folded[i + 1].rstrip(".,!?")))
    ]
    verbs -= set(hits)  # "may"/"march" as verbs: in no date span ("We march on Friday")
    # a clock time is no day ("Friday at 3 p.m." was the 6th of March): a bare number after "at",
    # "a las", "um", "alle", "às" or before "pm", "o'clock", "Uhr", "h", "heures", …
    hits = [i for i in hits if not (
        re.fullmatch(r"\d{1,2}", tokens[i].rstrip(".,!?"))
        and ((i > 0 and folded[i - 1] in _TIME_LEADS) or is_clock_time(folded, i)))]
    # a number before "adults", "personas", "Erwachsene", … counts people ("Friday 2 adults" was the
    # 6th of February, "el viernes 2 adultos" the 2nd of January)
    hits = [i for i in hits if not (i + 1 < len(tokens) and folded[i + 1].rstrip(".,!?") in _COUNT_NOUNS)
            and folded[i + 1: i + 3] != ["of", "us"]]
    # drop bare small numbers that are not next to another anchor (passenger counts), unless the
    # word before says they are a day ("el 22", "am 22.", "dia 22")
    strong = [
        i for i in hits
        if not re.fullmatch(r"\d{1,2}", tokens[i].rstrip(".,!?"))
        or any(j in hits and j != i for j in (i - 2, i - 1, i + 1, i + 2))
        or (language != "en" and i > 0 and folded[i - 1] in _DAY_NUMBER_LEADS)
    ]
    holiday = _find_holiday(" ".join(folded), language)
    if holiday is not None:
        offset, name = holiday
        holiday_token = " ".join(folded)[:offset].count(" ")  # the token it starts at
        days, said = _holiday_offset(folded[:holiday_token])
        if days:  # "the day after Christmas": the span starts at "the day after"
            holiday_token -= said
            holiday_result: DateResult | None = _shifted_holiday(name, days, language, today)
            end = holiday_token + said + len(name.split())
            holiday_result = DateResult(holiday_result.value, holiday_result.reason,
                                        " ".join(folded[holiday_token:end]), holiday=True)
        else:
            res = parse_travel_date(name, language, today)
            # the words before the name belong to the date ("la vigilia di Natale", "on Christmas
            # Eve", "para o Natal"): the place before them ends there ("a Londra la" was L.A.)
            lead = holiday_token
            while lead > 0 and holiday_token - lead < 2 and folded[lead - 1] in _HOLIDAY_LEADS:
                lead -= 1
            holiday_result = DateResult(res.value, res.reason, " ".join([*folded[lead:holiday_token], name]),
                                        holiday=True)
    else:
        holiday_result, holiday_token = None, len(tokens)
    if not strong:
        return holiday_result

    month_names = _names(language)[1]

    def dateish(k: int) -> bool:
        return k in strong or folded[k] in _SPAN_LEAD or folded[k] in anchors

    tried: set[tuple[int, int]] = set()
    for i in strong:
        best: DateResult | None = None
        best_start = 0
        best_rank: tuple[int, bool] = (0, False)  # (span length, names a month)
        for start in range(max(0, i - 3), i + 1):
            if not dateish(start) or folded[start] in _SPAN_STOP or folded[start] == "of":
                continue  # "of" inside a span ("the 5th of March"), never its start ("the morning of the 3rd" was 1 March)
            for end in range(min(len(tokens), start + _SPAN_MAX), i, -1):
                if (start, end) in tried or not (end - 1 in strong or folded[end - 1] in anchors):
                    continue
                if verbs and any(start <= k < end for k in verbs):
                    continue
                tried.add((start, end))
                res = parse_travel_date(" ".join(tokens[start:end]), language, today)
                if res.reason == "month_only" and not all(dateish(k) for k in range(start, end)):
                    continue  # "de Gaulle on December": a month, and a name that is no date word
                # the longest span; at a tie the one naming a month ("le 20 décembre" over "pour le 20")
                rank = (end - start, any(folded[k].rstrip(".,!?") in month_names for k in range(start, end)))
                if res.reason != "unparsed" and rank > best_rank:
                    best = DateResult(res.value, res.reason, " ".join(tokens[start:end]))
                    best_start, best_rank = start, rank
        if best is not None:  # the first date phrase in the sentence wins (departure first)
            # a holiday said first, or inside the span ("am 2." of "am 2. Weihnachtstag"), wins
            return holiday_result if holiday_result is not None and holiday_token < best_start + best_rank[0] else best
    return holiday_result


_COUNT_NOUNS = {
    "adult", "adults", "passenger", "passengers", "people", "person", "persons", "ticket", "tickets", "seat", "seats",
    "kid", "kids", "child", "children",
    "adulto", "adultos", "pasajero", "pasajeros", "persona", "personas", "billete", "billetes", "asiento", "asientos",
    "nino", "ninos", "adulte", "adultes", "passager", "passagers", "personne", "personnes", "billet", "billets",
    "enfant", "enfants", "erwachsene", "erwachsenen", "personen", "passagiere", "kinder", "adulti", "passeggeri",
    "persone", "biglietti", "bambini", "adultos", "passageiros", "pessoas", "bilhetes", "criancas", "lugares",
}
_TIME_LEADS = {"at", "around", "las", "um", "gegen", "alle", "ore", "as", "vers"}
_TIME_TAILS = {"am", "pm", "a.m", "p.m", "o'clock", "oclock", "uhr", "h", "heures", "heure", "horas", "hora",
               "ore", "hours"}
_VERB_MONTHS = {"may", "march"}
_MONTH_LEADS = {"in", "of", "early", "mid", "late", "end", "until", "since", "next", "this", "the", "on", "by",
                "before", "after", "during", "beginning", "start", "middle", "for"}

_SPAN_LEAD = {"the", "on", "of", "in", "de", "del", "el", "le", "am", "il", "a", "after", "dans",
              "en", "dentro", "tra", "fra", "em", "daqui", "in", "this", "esta", "este", "ce",
              "diesen", "um", "na", "no", "pasado", "apres", "day", "week", "last", "dia", "giorno",
              "den", "l", "o", "para", "pour", "per", "fur", "depois"}
_SPAN_STOP = {"to", "from", "and", "i", "want", "fly", "please", "back", "return", "leaving",
              "a", "para", "à", "nach", "y", "et", "und", "e"}


__all__ = ["DateResult", "parse_travel_date", "find_date_in_text", "day_in_month", "day_in_week", "is_day_number",
           "is_clock_time"]
