"""Understanding one caller turn: places, dates, options, passenger counts and corrections.

Pure functions of a transcript and a language (no dialogue state, no Pipecat): the policy
(:mod:`dialogue.policy`) decides what to do with what is found here.

    normalize(text) -> str                       lower-case, punctuation dropped, sentence ends as " | "
    parse(norm, language, today=..., answering_return=..., known_departure=..., cross_language=True) -> Parsed
    fills_slot_in(norm, language) -> bool       the turn parses in that language alone (language evidence)
    has / remove / only (language, norm, *keyword_keys)   keyword tests on a normalized turn
    is_substantive(text, language) -> bool       False for "hi there", "um", "okay so", "wait"
    is_halt(text, language) -> bool              True for "wait", "hold on, no", "espera"
    resolve_span / pick_candidate / same_place   place helpers on ``flights.places``

Keyword lists are plain data in :mod:`dialogue.keywords`; places and dates are resolved by
``flights.places`` and ``flights.dates`` (fuzzy, so Whisper's "Chicaco" is Chicago).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

from loguru import logger

from dialogue.keywords import DEFAULT_LANGUAGE, keywords
from flights.airports import distance_km
from flights.dates import find_date_in_text, is_clock_time, is_day_number
from flights.languages import SUPPORTED_LANGUAGES
from flights.places import Place, Resolution, names_with_words, resolve_place

ACCEPT_CONFIDENCE = 0.75
"""Take the resolver's best place without asking at or above this score (when not ambiguous)."""

CONFIRM_CONFIDENCE = 0.7
"""Between this and ACCEPT_CONFIDENCE ask "Did you mean X?"; below it the place is unknown."""

CABINS = ("PREMIUM_ECONOMY", "BUSINESS", "FIRST", "ECONOMY")  # keyword-matching order

@dataclass
class Parsed:
    """Everything found in one utterance (independent of the dialogue state)."""

    origin_text: str | None = None
    destination_text: str | None = None
    lone_text: str | None = None
    departure: Any = None  # DateResult | None
    ret: Any = None  # DateResult | None
    wants_return: bool = False
    one_way: bool = False  # "one way", "solo ida", "l'aller simple": no return leg (one said is dropped)
    stay_days: int | None = None  # "for a week": the trip's length (days), whether or not a departure was said
    adults: int | None = None
    children: int | None = None
    travel_class: str | None = None
    nonstop: bool | None = None
    #: travellers added to the party already said ("and my wife too", "one more person")
    more_adults: int = 0
    more_children: int = 0

    @property
    def has_route(self) -> bool:
        return bool(self.origin_text or self.destination_text)

    @property
    def has_options(self) -> bool:
        return any(
            x is not None
            for x in (self.departure, self.ret, self.adults, self.children, self.travel_class, self.nonstop)
        ) or self.wants_return or self.one_way or bool(self.more_adults or self.more_children)

    @property
    def has_anything(self) -> bool:
        return self.has_route or self.has_options or bool(self.lone_text)


@dataclass
class PastDate:
    """A date phrase the date parser does not handle but which is surely past ("yesterday")."""

    value: date | None = None
    reason: str = "past"
    text: str = ""



# ---------------------------------------------------------------------------------------------
# text helpers

_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)|\*[^*]*\*|<[^>]*>")
_DOTTED_ACRONYM = re.compile(r"\b((?:[A-Za-z]\.\s?){2,})")
_SINGLE_INITIAL = re.compile(r"\b([A-Z])\.\s+(?=[A-Z])")
_ABBREV = re.compile(r"\b(st|mt|ft|ste)\.", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.?!;]+")
_DOTTED_DATE = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(?:(\d{4})(?![\d.]))?")
_NON_WORD = re.compile(r"[^\w'/:\-|]+")
_LONE_DASH = re.compile(r"(?<!\w)-+|-+(?!\w)")
_SPACES = re.compile(r"\s+")
_DIGIT = re.compile(r"\d")

_MARK_FROM, _MARK_TO, _MARK_RET = "__from__", "__to__", "__ret__"
_MARKS = {_MARK_FROM, _MARK_TO, _MARK_RET, "|"}


def normalize(text: str) -> str:
    """Lower-case transcript with sentence ends as ' | ' and other punctuation dropped."""
    text = _BRACKETS.sub(" ", text or "")
    text = text.replace("\u2019", "'").replace("\u2018", "'").replace("`", "'")
    text = _DOTTED_ACRONYM.sub(lambda m: re.sub(r"[.\s]", "", m.group(1)) + " ", text)
    text = _SINGLE_INITIAL.sub(r"\1 ", text)
    text = _ABBREV.sub(r"\1", text)
    # "am 20.12." / "20.12.2026" (German numeric dates) were cut at their dots: "20 | 12 |"
    text = _DOTTED_DATE.sub(lambda m: "/".join(g for g in m.groups() if g), text)
    text = _SENTENCE_END.sub(" | ", text)
    text = _NON_WORD.sub(" ", text.lower())
    text = _LONE_DASH.sub(" ", text)
    text = text.replace("_", " ")
    return _SPACES.sub(" ", text).strip(" ")


def split_words(text: str) -> list[str]:
    return [t for t in text.split() if t != "|"]


@lru_cache(maxsize=512)
def keyword_regex(language: str, *keys: str) -> re.Pattern[str] | None:
    alts: list[str] = []
    for key in keys:
        alts.extend(keywords(language, key))
    if not alts:
        return None
    alts = sorted(set(alts), key=lambda w: (-len(w), w))
    body = "|".join(re.escape(a).replace(r"\ ", r"\s+") for a in alts)
    return re.compile(rf"(?<![\w']){'(?:' + body + ')'}(?![\w'])")


def has(language: str, text: str, *keys: str) -> bool:
    rx = keyword_regex(language, *keys)
    return bool(rx and rx.search(text))


def remove(language: str, text: str, *keys: str) -> str:
    rx = keyword_regex(language, *keys)
    out = rx.sub(" ", text) if rx else text
    return _SPACES.sub(" ", out.replace("|", " ")).strip()


@lru_cache(maxsize=64)
def word_set(language: str, *keys: str) -> frozenset[str]:
    out: set[str] = set()
    for key in keys:
        for w in keywords(language, key):
            out.add(w)
    return frozenset(out)


def only(language: str, text: str, keys: tuple[str, ...], extra: tuple[str, ...] = ()) -> bool:
    """True when ``text`` holds at least one ``keys`` phrase and nothing but ``keys``/``extra``."""
    return has(language, text, *keys) and not remove(language, text, *keys, *extra)


def is_substantive(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """False for turns that are only greetings, hesitations, acknowledgements or a halt.

    "Hi there.", "Hello?", "um", "okay so", "Wait." -> False; "Hi, I need a flight" -> True. The
    pipeline waits a little longer before ending such a turn: the caller usually goes on ("Wait,"
    is most often followed by what the caller wants: "no, Tuesday", "stop").
    """
    try:
        norm = normalize(text)
        return bool(remove(language, norm, "greeting", "hesitation", "ack", "halt", "please"))
    except Exception:  # never break the pipeline over a transcript
        logger.exception("is_substantive failed")
        return bool((text or "").strip())




def is_halt(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True for a turn that only asks the bot to stop: "Wait.", "Hold on, no.", "Espera.", "Moment mal."

    At least one ``halt`` keyword, and besides it only ``no``, ``please``, greetings, hesitations
    and acknowledgements. "Wait, no, Tuesday." or "No." alone are not halts (one says what the caller
    wants, the other answers a question). Keywords: ``halt`` in :mod:`dialogue.keywords`.
    """
    try:
        return only(language, normalize(text), ("halt",), ("no", "please", "greeting", "hesitation", "ack"))
    except Exception:  # never break the pipeline over a transcript
        logger.exception("is_halt failed")
        return False


def is_backchannel(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True for a turn made only of backchannels and hesitations ("mm-hmm", "okay, yeah", "ajá, sí").

    A caller says these while listening; they must not stop the bot. An empty or punctuation-only
    ``text`` is not a backchannel (it is no words at all). "No", "wait" and anything else make the
    turn a real one. Keywords: ``backchannel`` and ``hesitation`` in :mod:`dialogue.keywords`.
    """
    try:
        norm = normalize(text)
        if not split_words(norm):
            return False
        return not remove(language, norm, "backchannel", "hesitation")
    except Exception:  # never break the pipeline over a transcript
        logger.exception("is_backchannel failed")
        return False


def is_closing(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True for a turn that only closes the call: "Thank you. Goodbye.", "Okay, bye.", "Gracias, adiós."

    Nothing but ``goodbye`` phrases, thanks and acknowledgements (``ack``), backchannels, greetings,
    hesitations and ``please``; a halt ("Wait, bye") or anything else ("Bye, actually one more
    thing") makes it no closing, and so does an empty ``text``. Said over the bot's own goodbye, it
    asks for nothing the goodbye does not already give. Keywords: :mod:`dialogue.keywords`.
    """
    try:
        norm = normalize(text)
        if not split_words(norm) or has(language, norm, "halt"):
            return False
        return not remove(language, norm, "goodbye", "ack", "backchannel", "greeting", "hesitation", "please")
    except Exception:  # never break the pipeline over a transcript
        logger.exception("is_closing failed")
        return False


def is_short_complete(text: str, language: str = DEFAULT_LANGUAGE, *, max_words: int = 4) -> bool:
    """True for a short turn that is a whole answer by itself, so nothing more is worth waiting for.

    A closing ("thanks, goodbye"), yes/no, "repeat that", a lone city or a lone day: Smart Turn
    often rates these "incomplete" (they end without a verb), and waiting out its stop timeout
    costs ~3 s. At most ``max_words`` words once greetings, hesitations and acknowledgements are
    removed; greeting-only turns are not complete (the caller usually goes on: the turn hold), nor
    are halts ("Wait.": what the caller wants most often follows).
    """
    try:
        if is_halt(text, language):
            return False
        norm = normalize(text)
        rest = remove(language, norm, "greeting", "hesitation", "ack")
        if has(language, norm, "goodbye", "repeat", "yes", "no") and len(split_words(rest)) <= max_words:
            return True
        if not rest or len(split_words(rest)) > 2:
            return False
        parsed = parse(norm, language)
        return bool(parsed.has_anything)
    except Exception:
        logger.exception("is_short_complete failed")
        return False


def is_whole_request(text: str, language: str = DEFAULT_LANGUAGE) -> bool:
    """True for a turn that is a whole flight request by itself: it names where from and where to
    ("I want to fly from New York to London."), or one end and a day ("to Madrid next Friday").

    Smart Turn sometimes rates such a turn "incomplete" from its sound; the turn-stop strategy then
    waits only its short hold instead of Smart Turn's 3 s timeout
    (:class:`processors.turn_hold.HoldShortTurnStopStrategy`). A route end alone ("from Boston…")
    is not whole: the caller is often still saying where to.
    """
    try:
        parsed = parse(normalize(text), language)
        ends = bool(parsed.origin_text) + bool(parsed.destination_text)
        return ends == 2 or (ends == 1 and parsed.departure is not None)
    except Exception:
        logger.exception("is_whole_request failed")
        return False


def parse(norm: str, language: str, *, today: date | None = None, answering_return: bool = False,
          known_departure: date | None = None, cross_language: bool = True) -> Parsed:
    """Everything ``norm`` (a :func:`normalize`d turn) says about a flight, in ``language``.

    ``answering_return``: the caller is answering "what day would you like to come back?", so a
    lone date is the return date. ``known_departure``: the departure date already agreed, so a
    return weekday ("coming back Sunday") rolls forward past it. ``today`` defaults to the real
    date. Never consults nor changes any dialogue state.

    ``cross_language`` (default): the place markers and date words of the *other* supported
    languages apply too, so a Spanish "a Roma" or a German "nach Berlin" fills a slot in an English
    call before any language switch. The current language keeps precedence: another language's
    markers are only tried when ``language``'s own found no origin nor destination, and their place
    is only taken when it resolves surely (≥ ``ACCEPT_CONFIDENCE``, not ambiguous); another
    language's dates only when ``language`` and English found none and the turn names one of that
    language's weekdays or months. ``False`` parses in ``language`` alone (the language evidence of
    :func:`fills_slot_in`).
    """
    lang = language
    p = Parsed()

    if "-" in norm:  # "Boston-Denver", "un volo Roma-Parigi"
        norm = _hyphenated_routes(norm, lang)
    if lang == "pt":  # "por volta das 9" is "around 9", no return ("volta")
        norm = re.sub(r"\bpor volta d[aeo]s?\b", "cerca de", norm)
    rx_round = keyword_regex(lang, "round_trip")
    if rx_round and rx_round.search(norm):
        p.wants_return = True
        # "de ida y vuelta", "hin und zurück" name no place ("de ida" was taken for an origin)
        # and hold no return marker ("volta" cut the Portuguese turn in two): out of the way
        norm = _SPACES.sub(" ", rx_round.sub(" ", norm)).strip()
    rx_one_way = keyword_regex(lang, "one_way")
    if rx_one_way and rx_one_way.search(norm):
        # one way is the default, and drops a return said before ("actually just make it one way");
        # the words are no place ("un aller simple Bordeaux Lyon" read "simple bordeaux lyon" as one place)
        p.one_way = not p.wants_return
        norm = _SPACES.sub(" ", rx_one_way.sub(" ", norm)).strip()
    # "for a week", "por diez días", "für zwei Wochen": how long the stay is, not a date
    stay = _stay(norm, lang)
    if stay is not None:
        p.wants_return = True
        p.stay_days = stay[0]
        norm = _SPACES.sub(" ", norm.replace(stay[1], " ")).strip()
    # return leg: everything after "returning"/"coming back" is about the return date
    dep_text, ret_text = norm, None
    place_text: str | None = None  # where the places are said: ``dep_text`` unless set
    rx_ret = keyword_regex(lang, "return")
    m = rx_ret.search(norm) if rx_ret else None
    if m is None and lang == DEFAULT_LANGUAGE:  # "back Tuesday", "back the 27th" (not "read that back")
        days = "|".join(re.escape(w) for w in keywords(lang, "weekdays") + keywords(lang, "months"))
        m = re.search(rf"\bback(?=\s+(?:on\s+|the\s+)?(?:{days}|\d))", norm)
    if m and re.match(rf"\s*(?:home\s+)?(?:{'|'.join(re.escape(w) for w in keywords(lang, 'to'))})\b", norm[m.end():]):
        said = Parsed()
        _parse_places(norm[:m.start()], said, False, lang, sure_only=ACCEPT_CONFIDENCE, markers_only=True)
        if not said.has_route:
            m = None  # "fly back to Boston", "get me back home to Boston" before any route: a trip home
    if m:
        p.wants_return = True
        dep_text, ret_text = norm[: m.start()], norm[m.end():]
    elif (span := _date_range(norm, lang, today)) is not None:
        # "from Friday to Sunday", "del 5 al 12 de diciembre": there on the first day, back on the
        # second; the places may come after the range ("from the 28th to the 3rd, Boston to Miami")
        p.wants_return = True
        dep_text, ret_text = span[0], span[2]
        place_text = f"{norm[:span[1]]} | {ret_text}"  # the range word is no "to" ("au dimanche")

    # "a week later", "dos días más tarde" once a day is agreed: from that day, not from today
    p.departure = _shifted_by(dep_text, lang, known_departure, today) \
        or _last_date_said(dep_text, lang, today)
    if ret_text is not None:
        p.ret = _shifted_by(ret_text, lang, _agreed_departure(p.departure, known_departure), today) \
            or _last_date_said(ret_text, lang, today)
    # another language's markers and dates, unless the turn is one sure place by itself
    # ("Rio de Janeiro" is no "de" marker and no January)
    cross = cross_language and not _is_one_place(dep_text, lang)
    if cross and p.departure is None:
        p.departure = find_date(dep_text, lang, today)
    if cross and ret_text is not None and p.ret is None:
        p.ret = find_date(ret_text, lang, today)
    if p.departure is None and known_departure is not None:
        # "How about the day after?" once a departure is agreed: that day plus or minus one
        p.departure = _day_next_to(dep_text, lang, known_departure, today)
    if ret_text is not None and p.ret is None:  # "coming back the day after"
        p.ret = _day_next_to(ret_text, lang, _agreed_departure(p.departure, known_departure), today)
    if p.departure is not None and answering_return and p.ret is None:
        p.ret, p.departure = p.departure, None
    p.departure = _departure_in_return_month(p.departure, p.ret, lang, today)
    p.ret = _roll_weekday(p.ret, p.departure, known_departure, lang)
    if stay is not None and p.ret is None:  # "on Friday for a week": back a week after Friday
        start = _agreed_departure(p.departure, known_departure)
        if start is not None:
            p.ret = PastDate(value=start + timedelta(days=stay[0]), reason="ok", text=stay[1])
    date_found = p.departure is not None or p.ret is not None

    # "anything cheaper", "quelque chose de moins cher", "les autres": which of the flights found,
    # no place (the French "de" took "moins cher" for an origin); taken out after the dates, which
    # read "a day later" as one
    place_text = dep_text if place_text is None else place_text
    place_text = _without_holidays(place_text, p)  # "a Londra la vigilia di Natale": no place "londra la vigilia"
    place_text = _without_negated_places(place_text, lang)  # "Dallas, not Denver": Denver is no place said
    place_text = _without_travellers(place_text, lang)  # "para mi mujer también": no place
    rx_pick = keyword_regex(lang, "other_options", "cheapest", "earliest", "latest")
    if rx_pick and rx_pick.search(place_text):
        place_text = _SPACES.sub(" ", rx_pick.sub(" ", place_text)).strip()
    _parse_places(place_text, p, date_found, lang)
    if cross and not p.has_route:
        _parse_places_other_languages(place_text, p, date_found, lang)
    _parse_options(norm, p, lang)
    return p


def _parse_places_other_languages(text: str, p: Parsed, date_found: bool, lang: str) -> None:
    """Markers of the other languages (see :func:`parse`): taken when at least one marked chunk is a
    sure place; the language with most sure places wins (ties: ``SUPPORTED_LANGUAGES`` order)."""
    best: tuple[int, Parsed] | None = None
    for other in SUPPORTED_LANGUAGES:
        if other == lang:
            continue
        q = Parsed()
        _parse_places(text, q, date_found, other, also=lang, markers_only=True)
        sure = [c for c in (q.origin_text, q.destination_text)
                if c and _sure_place(c, other, CROSS_LANGUAGE_CONFIDENCE)]
        if not sure:  # at least one sure place; the other end is kept for the policy to ask about
            continue
        n = len(sure)
        if best is None or n > best[0]:
            best = (n, q)
    if best is not None:
        logger.debug("dialogue: place markers of another language filled {} slot(s)", best[0])
        p.origin_text, p.destination_text, p.lone_text = best[1].origin_text, best[1].destination_text, None


CROSS_LANGUAGE_CONFIDENCE = 0.9
"""A place after another language's marker is only taken at or above this resolver score."""


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    out: set[str] = set()
    for code in SUPPORTED_LANGUAGES:
        out |= word_set(code, "stop", "filler", "from", "to", "greeting", "hesitation", "ack", "yes", "no",
                        "date_words", "numbers")
    return frozenset(out)


def _sure_place(text: str, language: str, confidence: float = ACCEPT_CONFIDENCE) -> bool:
    if confidence > ACCEPT_CONFIDENCE:  # another language's marker: no "la" (LAX), no "nada"
        if len(text) < 3 or all(w in _function_words() for w in text.split()):
            return False
    try:
        res = resolve_place(text, language=language)
    except Exception:
        logger.exception("dialogue: resolve_place failed")
        return False
    return res.best is not None and res.confidence >= confidence and not res.ambiguous


def _place_score(text: str, language: str) -> float:
    """The resolver's best score for ``text`` (ambiguous or not), 0.0 when nothing resolves."""
    try:
        return resolve_place(text, language=language).confidence
    except Exception:
        logger.exception("dialogue: resolve_place failed")
        return 0.0


def _is_one_place(text: str, language: str) -> bool:
    """The whole turn, less edge words, is one sure place ("Ciudad de México", "Rio de Janeiro")."""
    said = remove(language, text, "greeting", "hesitation", "ack", "yes", "no").split()
    if said and any(said[0] in word_set(code, "from", "to") for code in SUPPORTED_LANGUAGES if code != language):
        return False  # "a Roma", "nach Berlin": another language's marker first
    words = remove(language, text, "filler", "greeting", "hesitation", "ack", "yes", "no")
    return bool(words) and len(words.split()) <= 4 and _sure_place(words, language, CROSS_LANGUAGE_CONFIDENCE)


def fills_slot_in(norm: str, language: str, *, today: date | None = None) -> bool:
    """Whether the dialogue can parse the (normalized) turn in ``language`` alone.

    True when one of ``language``'s own place markers introduces a sure place (≥
    ``ACCEPT_CONFIDENCE``: "a Madrid", "nach Berlin", "to Boston"), or a date is found and the turn
    names one of ``language``'s weekdays or months. The language-switch fusion uses this as its
    "dialogue" evidence (:mod:`processors.language_fusion`). Never raises.
    """
    try:
        lang = language
        q = Parsed()
        _parse_places(norm, q, False, lang, sure_only=ACCEPT_CONFIDENCE, markers_only=True)
        if q.origin_text or q.destination_text:
            return True
        if has(lang, norm, "weekdays", "months"):
            return find_date(norm, lang, today, cross_language=False) is not None
        return False
    except Exception:
        logger.exception("dialogue: fills_slot_in failed")
        return False

#: "the day after" / "the day before" a day already said, per language (folded, lower case)
_DAY_NEXT_TO = {
    "en": (r"\b(?:day after|next day|following day|day later)\b(?! tomorrow)", r"\b(?:day before|day earlier|previous day)\b"),
    "es": (r"\b(?:dia siguiente|dia despues|dia mas tarde)\b", r"\b(?:dia antes|dia anterior)\b"),
    "fr": (r"\b(?:lendemain|jour d ?apres|jour suivant)\b", r"\b(?:veille|jour d ?avant|jour precedent)\b"),
    "de": (r"\b(?:tag danach|tag spater|nachsten tag|folgenden tag)\b", r"\b(?:tag davor|tag fruher|vortag)\b"),
    "it": (r"\b(?:giorno dopo|giorno seguente|giorno successivo)\b", r"\b(?:giorno prima|giorno precedente)\b"),
    "pt": (r"\b(?:dia seguinte|dia depois)\b", r"\b(?:dia antes|dia anterior|vespera)\b"),
}


#: "a week later", "two days earlier": (the article that counts one, the unit: day or week, later,
#: earlier) per language, folded
_SHIFT = {
    "en": (r"(\d{1,2}|a|one)", r"(days?|(weeks?))", r"later|after|afterwards", r"earlier|before|sooner"),
    "es": (r"(\d{1,2}|un|una)", r"(dias?|(semanas?))", r"despues|mas tarde", r"antes|mas temprano"),
    "fr": (r"(\d{1,2}|un|une)", r"(jours?|(semaines?))", r"plus tard|apres", r"plus tot|avant"),
    "de": (r"(\d{1,2}|einen|eine|ein)", r"(tage?n?|(wochen?))", r"spater|danach", r"fruher|davor|vorher"),
    "it": (r"(\d{1,2}|un|una)", r"(giorn[oi]|(settiman[ae]))", r"dopo|piu tardi", r"prima|piu presto"),
    "pt": (r"(\d{1,2}|um|uma)", r"(dias?|(semanas?))", r"depois|mais tarde", r"antes|mais cedo"),
}


#: "after ten days" said the other way round ("dopo dieci giorni", "après dix jours", "nach zehn
#: Tagen", "depois de dez dias", "después de diez días"): the word before the count, per language
_SHIFT_BEFORE = {"en": r"after", "es": r"despues de", "fr": r"apres", "de": r"nach", "it": r"dopo",
                 "pt": r"depois de"}

#: words after "later"/"earlier" that name what the shift counts from (then it is no shift of the agreed day)
_SHIFT_FROM = "of|the|from|de|del|do|dos|da|das|di|dal|della|du|des|d|vor|von|nach|dem|der|ao|al|a|au|le|la|il|el|o"


def _shifted_by(text: str, language: str, day: date | None, today: date | None = None) -> PastDate | None:
    """``day`` moved by the days or weeks ``text`` says with a "later" or "earlier" word: "two days
    later", "a week later", "una semana después", "une semaine plus tard", "eine Woche früher",
    "due giorni prima" (at most 60 days); ``None`` when it says none. Said once a day is agreed, such
    words count from that day, not from today ("una semana después" was a week from today). Reason
    "past" before ``today``."""
    if day is None or not text:
        return None
    folded = _without_accents(text.lower()).replace("'", " ")
    lang = language if language in _SHIFT else "en"
    articles, unit, later, earlier = _SHIFT[lang]
    # not before what it is counted from: "two days after Christmas", "dos días antes de Nochevieja"
    m = re.search(rf"\b(\w+) {unit} (?:({later})|{earlier})\b(?!\s+(?:{_SHIFT_FROM})\b)", folded)
    later = m is not None and bool(m.group(4))
    if m is None:  # "torno dopo dieci giorni": a count after the "later" word, days or weeks only
        m = re.search(rf"\b(?:{_SHIFT_BEFORE[lang]}) (\w+) {unit}(?=\s|$)(?!\s+(?:{_SHIFT_FROM})\b)", folded)
        later = True
    if m is None:
        return None
    found = find_date_in_text(text, lang, today)
    if found is not None and found.holiday:  # "two days after Christmas": from the holiday
        return None
    said = m.group(1)
    if re.fullmatch(articles, said) and not said.isdigit():
        n = 1
    else:
        try:  # the count alone: over the whole turn, text2num also made "prima" (before) an ordinal
            from text_to_num import alpha2digit

            said = alpha2digit(said, lang, threshold=0)
        except Exception:
            pass
        if not said.isdigit():
            return None
        n = int(said)
    days = n * (7 if m.group(3) else 1) * (1 if later else -1)
    if not 0 < abs(days) <= 60:
        return None
    value = day + timedelta(days=days)
    return PastDate(value=value, reason="past" if value < (today or date.today()) else "ok", text=m.group(0))


#: "no later than Saturday", "no earlier than the 3rd": a limit, not a correction
_NO_CORRECTION_AFTER = re.compile(r"\s*(?:later|earlier|sooner|more|less|further)\b")


def _last_date_said(text: str, language: str, today: date | None):
    """The date ``text`` says (:func:`find_date` in ``language`` alone), or the one said after a
    ``correction`` word when a date came before it: "on the 14th, no wait, the 15th" → the 15th; "el
    jueves, no, perdón, el viernes" → Friday; "giovedì, anzi no, venerdì" → Friday (the first date
    said was kept). A day number corrected without its month keeps the first date's month ("January
    14th, sorry, the 15th" → 15 January). The corrected date must start within the five words after
    the correction word."""
    found = find_date(text, language, today, cross_language=False)
    rx = keyword_regex(language, "correction") if found is not None else None
    if rx is None:
        return found
    for m in reversed(list(rx.finditer(text))):
        if _NO_CORRECTION_AFTER.match(text, m.end()) or find_date(text[:m.start()], language, today,
                                                                   cross_language=False) is None:
            continue
        head = " ".join(text[m.end():].replace("|", " ").split()[:5])
        later = find_date(head, language, today, cross_language=False) if head else None
        if later is None or later.value is None:
            continue
        if found.value is not None and later.value.month != found.value.month \
                and not has(language, head, "months") and any(is_day_number(t, language) for t in head.split()):
            try:  # "January 14th, sorry, the 15th": the 15th of January
                same_month = found.value.replace(day=later.value.day)
            except ValueError:
                same_month = None
            if same_month is not None and same_month >= (today or date.today()):
                try:
                    later = replace(later, value=same_month)
                except Exception:
                    later = PastDate(value=same_month, reason="ok", text=getattr(later, "text", ""))
        return later
    return found


def _day_next_to(text: str, language: str, day: date | None, today: date | None = None) -> PastDate | None:
    """``day`` ± 1 when ``text`` says "the day after" / "the day before" ("le lendemain", "am Tag
    davor") and no other date; reason "past" before ``today``. (More days or weeks: :func:`_shifted_by`.)"""
    if day is None or not text:
        return None
    folded = _without_accents(text.lower()).replace("'", " ")
    after, before = _DAY_NEXT_TO.get(language, _DAY_NEXT_TO["en"])
    for rx, days in ((after, 1), (before, -1)):
        m = re.search(rx, folded)
        if m:
            value = day + timedelta(days=days)
            return PastDate(value=value, reason="past" if value < (today or date.today()) else "ok", text=m.group(0))
    return None


#: a stay: lead word, count (digits or a number word), unit (day/night = 1, week = 7), per language
_STAY = {
    "en": (r"for", r"(?:(day|night)s?|(weeks?))"),
    "es": (r"por|durante", r"(?:(d[ií]as?|noches?)|(semanas?))"),
    "fr": (r"pour|pendant", r"(?:(jours?|nuits?)|(semaines?))"),
    "de": (r"f[üu]r", r"(?:(tage?n?|n[äa]chte?)|(wochen?))"),
    "it": (r"per", r"(?:(giorn[oi]|nott[ei])|(settiman[ae]))"),
    "pt": (r"por|durante", r"(?:(dias?|noites?)|(semanas?))"),
}

def _stay(norm: str, language: str) -> tuple[int, str] | None:
    """(days, the words) of a stay said in ``norm``: "for a week" -> 7, "por diez días" -> 10, "für
    zwei Wochen" -> 14; ``None`` when there is none (or its count is no number)."""
    lead, unit = _STAY.get(language, _STAY["en"])
    m = re.search(rf"\b(?:{lead})\s+(\d{{1,2}}|[^\W\d_]+)\s+{unit}(?![\w])", norm)
    if m is None:
        return None
    word = m.group(1)
    if word.isdigit():
        count = int(word)
    elif word in keywords(language, "one"):  # "a", "un", "une", "eine", "uma"…
        count = 1
    else:
        try:
            from text_to_num import alpha2digit

            digits = alpha2digit(word, language, threshold=0)
        except Exception:
            return None
        if not digits.isdigit():
            return None
        count = int(digits)
    if not 0 < count <= 60:
        return None
    return count * (7 if m.group(3) else 1), m.group(0)


def _agreed_departure(dep, known_departure: date | None) -> date | None:
    """The departure said in this turn (``dep``, when it is a good date), else the one agreed before."""
    return dep.value if dep is not None and dep.reason == "ok" and dep.value else known_departure


def _departure_in_return_month(dep, ret, language: str, today: date | None):
    """ "leaving the 19th and returning the 26th of December": the 19th of December, not of this
    month; "leaving the 28th, back the 3rd of January": the 28th of December. ``dep`` unchanged
    unless it is a day of the month alone and ``ret`` names its month."""
    if dep is None or ret is None or getattr(dep, "reason", None) != "ok" or dep.value is None \
            or getattr(ret, "reason", None) != "ok" or ret.value is None:
        return dep
    said_dep, said_ret = normalize(getattr(dep, "text", "") or ""), normalize(getattr(ret, "text", "") or "")
    if not re.search(r"\d", said_dep) or has(language, said_dep, "months", "weekdays") \
            or not has(language, said_ret, "months"):
        return dep
    month = date(ret.value.year, ret.value.month, 1)
    if dep.value.day > ret.value.day:  # the month before the return's
        month = (month - timedelta(days=1)).replace(day=1)
    try:
        value = month.replace(day=dep.value.day)
    except ValueError:  # no 31st in that month
        return dep
    if value == dep.value or value < (today or date.today()) or value > ret.value:
        return dep
    try:
        return replace(dep, value=value)
    except Exception:
        return PastDate(value=value, reason="ok", text=getattr(dep, "text", ""))


def _roll_weekday(ret, dep, known_departure: date | None, language: str):
    """ "leaving Friday, coming back Sunday": the Sunday after the Friday, not before it; "leaving
    the 28th, back the 3rd": the 3rd of the month after."""
    start = _agreed_departure(dep, known_departure)
    if ret is None or ret.reason != "ok" or ret.value is None or start is None or ret.value >= start:
        return ret
    said = normalize(getattr(ret, "text", "") or "")
    value = ret.value
    if has(language, said, "weekdays"):
        while value < start:
            value += timedelta(days=7)
    elif re.search(r"\d", said) and not has(language, said, "months"):  # a day of the month alone
        while value < start:
            year, month = divmod(value.year * 12 + value.month, 12)  # the next month (0-based)
            try:
                value = value.replace(year=year, month=month + 1)
            except ValueError:  # no 31st in that month
                return ret
    else:
        return ret
    try:
        return replace(ret, value=value)
    except Exception:
        return PastDate(value=value, reason="ok", text=getattr(ret, "text", ""))

@lru_cache(maxsize=1)
def _places_named_like_dates() -> re.Pattern[str] | None:
    """Place names holding a weekday or month of a supported language: "Rio de Janeiro" (January),
    "Santo Domingo" (Sunday), "Chiang Mai" (May in French and German)."""
    words = frozenset(_without_accents(w) for code in SUPPORTED_LANGUAGES
                      for w in keywords(code, "weekdays") + keywords(code, "months") if " " not in w)
    names = names_with_words(words)
    return re.compile(r"\b(?:" + "|".join(re.escape(n).replace(r"\ ", r"\s+") for n in names) + r")\b") \
        if names else None


@lru_cache(maxsize=1)
def _places_named_with_a_function_word() -> re.Pattern[str] | None:
    """Place names with an article, marker or stop word of a supported language in them: "El Prat",
    "La Guardia", "Le Caire", "Des Moines" (the word ended the place before it began: "a El Prat"
    was no place); "Ciudad de México", "Santiago de Compostela", "Palma de Mallorca", "Monaco di
    Baviera", "Pointe-à-Pitre", "Frankfurt am Main" (a "de", "di" or "à" inside cut the name in two:
    "a Santiago de Compostela" searched Santiago de Chile). Words may be joined by hyphens."""
    names = names_with_words(_function_words())
    return re.compile(r"\b(?:" + "|".join(re.escape(n).replace(r"\ ", r"[\s-]+") for n in names) + r")\b") \
        if names else None


def _replace_places_named_like_dates(text: str, how: Callable[[str], str]) -> str:
    """``text`` with each such place name replaced by ``how(name as said)``; matched without
    accents ("Río de Janeiro"), replaced in ``text`` as said."""
    return _replace_folded(text, _places_named_like_dates(), how)


def _without_holidays(text: str, p: Parsed) -> str:
    """``text`` with the holidays found in it (``p.departure``, ``p.ret``) as sentence ends ("|"):
    a holiday's words ("la vigilia di natale", "la veille de noël") end the place before them as a
    weekday or month does. Other date spans may hold a place ("o porto na próxima semana") and
    are left to the stop words."""
    for found in (p.departure, p.ret):
        said = getattr(found, "text", None)
        if said and getattr(found, "holiday", False):
            # a number in the span is a digit there and may be a word here ("2 dias antes de" / "dos días antes de")
            words = (r"\S+" if _DIGIT.search(w) else re.escape(w) for w in _without_accents(said).split())
            rx = re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")
            text = _replace_folded(text, rx, lambda _: " | ")
    return _SPACES.sub(" ", text).strip()


def _replace_folded(text: str, rx: re.Pattern[str] | None, how: Callable[[str], str]) -> str:
    """``text`` with each match of ``rx`` (a pattern without accents) replaced by ``how(match as
    said)``; matched in ``text`` without accents."""
    if rx is None:
        return text
    text = unicodedata.normalize("NFC", text)
    folded = _without_accents(text)
    if len(folded) != len(text):  # a letter that does not fold to one: work on the folded text
        text = folded
    for m in reversed(list(rx.finditer(folded))):
        text = text[:m.start()] + how(text[m.start():m.end()]) + text[m.end():]
    return text


def _without_places_named_like_dates(text: str) -> str:
    """``text`` with such place names blanked: "para o Rio de Janeiro na segunda" is a Monday, not
    January."""
    return _replace_places_named_like_dates(text, lambda _: " ")


def _places_named_like_dates_as_one_word(text: str) -> str:
    """``text`` with such place names as one word ("rio_de_janeiro"), so neither their weekday or
    month nor a "de" inside them ends the place; :func:`_parse_places` gives the spaces back."""
    return _replace_places_named_like_dates(text, lambda name: "_".join(name.split()))


def find_date(text: str, language: str, today: date | None = None, *, cross_language: bool = True):
    """The date phrase in ``text`` (a ``flights.dates.DateResult``, a :class:`PastDate` for "yesterday"
    and the like, or ``None``). Cabin and passenger phrases, and place names that hold a weekday or
    month ("Rio de Janeiro", "Santo Domingo"), are removed first; a phrase not found in
    ``language`` is tried in English ("tomorrow" in a Spanish call), then (``cross_language``) in
    each other language whose weekday or month names the text contains ("el martes" in an English
    call). Never raises.
    """
    lang = language
    # cabin and passenger phrases confuse date spotting ("Monday, first class" -> the 1st)
    text = remove(lang, text, "cabin_premium_economy", "cabin_business", "cabin_first", "cabin_economy")
    text = _without_places_named_like_dates(text)  # "Rio de Janeiro" is no January
    pax = "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in keywords(lang, "adults") + keywords(lang, "children") + keywords(lang, "passengers")
    )
    nums = "|".join(re.escape(w) for w in keywords(lang, "numbers") + keywords(lang, "one"))
    if pax:
        text = re.sub(rf"\b(?:\d{{1,2}}|{nums})\s+(?:{pax})\b", " ", text)
    text = _SPACES.sub(" ", text.replace("|", " ")).strip()
    if not text:
        return None
    try:
        res = find_date_in_text(text, language=lang, today=today)
        if res is None and lang != DEFAULT_LANGUAGE:  # "tomorrow" in a Spanish call
            res = find_date_in_text(text, language=DEFAULT_LANGUAGE, today=today)
        if res is None and cross_language:  # "el martes" before a switch to Spanish
            for other in SUPPORTED_LANGUAGES:
                if other not in (lang, DEFAULT_LANGUAGE) and has(other, text, "weekdays", "months"):
                    res = find_date_in_text(text, language=other, today=today)
                    if res is not None:
                        break
    except Exception:
        logger.exception("dialogue: find_date_in_text failed")
        return None
    if res is None or getattr(res, "reason", None) is None:
        if has(lang, text, "past_words"):
            return PastDate()
        return None
    return res

#: words that negate the place after them anywhere ("Dallas, not Denver", "nach Mailand, nicht nach
#: Rom", "Milan, pas Rome"), and those that do only after the turn's first word (a leading "No,"
#: answers the bot: "No, a Milán, no a Roma"; commas are gone from a normalized turn)
_NEGATE_ALWAYS = {"en": {"not"}, "de": {"nicht", "kein", "keine", "keinen"}, "fr": {"pas"}}
_NEGATE_LATER = {"es": {"no"}, "fr": {"non"}, "it": {"non", "no"}, "pt": {"não", "nao"}}


def _without_negated_places(text: str, lang: str) -> str:
    """``text`` less each place the caller says it is not: a negation word, a place marker or none,
    then up to three words that are surely one place ("i meant dallas not denver" → "i meant
    dallas"; "no a milán no a roma" → "no a milán")."""
    tokens = text.split()
    always, later = _NEGATE_ALWAYS.get(lang, set()), _NEGATE_LATER.get(lang, set())
    markers = word_set(lang, "from", "to")
    out: list[str] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t in always or (t in later and out):
            j = i + 1
            while j < len(tokens) and tokens[j] in markers and j < i + 3:
                j += 1
            for n in (3, 2, 1):
                chunk = " ".join(tokens[j:j + n])
                # "je ne sais pas, de Paris à Rome", "weiß nicht, von Berlin nach Rom" (commas are gone):
                # a place followed by a marker starts a route, it is not the one negated
                followed = j + n < len(tokens) and tokens[j + n] in markers
                if len(tokens[j:j + n]) == n and not followed and not markers.intersection(tokens[j:j + n]) \
                        and _sure_place(chunk, lang):
                    logger.debug("dialogue: {!r} is said not to be a place of the trip", chunk)
                    i = j + n
                    break
            else:
                out.append(t)
                i += 1
            continue
        out.append(t)
        i += 1
    return " ".join(out)


#: "N more people", per language (lower-case, digits for numbers): a number in its place, so a
#: pattern, not a keyword list
_MORE_PEOPLE = {
    "en": r"(?:(?P<n>\d{1,2}) more|another|one more) (?:person|people|passengers?|adults?|tickets?|seats?)",
    "es": r"(?:(?P<n>\d{1,2}) (?:personas?|pasajeros?|adultos?) m[aá]s|(?:una persona|un pasajero) m[aá]s|otra persona|"
          r"otro pasajero|otro adulto)",
    "fr": r"(?:(?P<n>\d{1,2}) (?:personnes?|passagers?|adultes?) de plus|(?:une personne|un passager) de plus|"
          r"une autre personne|un autre passager)",
    "de": r"(?:noch (?P<n>\d{1,2}) (?:personen|person|erwachsene|erwachsener|passagiere?)|"
          r"noch eine person|noch ein erwachsener|noch einen erwachsenen)",
    "it": r"(?:(?P<n>\d{1,2}) (?:person[ae]|passegger[oi]|adult[oi]) in più|(?:una persona|un passeggero) in più|"
          r"un'altra persona|un altro passeggero)",
    "pt": r"(?:mais (?P<n>\d{1,2}) (?:pessoas?|passageiros?|adultos?)|mais uma pessoa|outra pessoa|outro passageiro)",
}


def _without_travellers(text: str, lang: str) -> str:
    """``text`` less the people it names ("my wife", "nuestro bebé", "otra persona", "une personne
    de plus"): after a place marker they are no place ("y para mi mujer también" was "mujer, not a
    city")."""
    if lang in _MORE_PEOPLE:
        text = re.sub(rf"\b{_MORE_PEOPLE[lang]}", " ", text)
    if lang in _PARTY:  # each member but the caller ("me", "yo": words a sentence needs)
        patterns = _PARTY[lang]
        text = _replace_folded(text, patterns.member, lambda said: said if patterns.me.fullmatch(said) else " ")
    return _SPACES.sub(" ", text).strip()


def _more_travellers(text: str, lang: str) -> tuple[int, int]:
    """(adults, children) added to the party already said: a companion or child named with "too"
    ("and for my wife too", "y mi hijo también", "meine Frau auch", "anche mia moglie") or said to
    come with the caller ("my wife is coming with me", "mi mujer viene conmigo", "meine Frau kommt
    mit"), or "one more person" / "two more people" ("otra persona", "une personne de plus", "noch eine Person",
    "mais uma pessoa"); (0, 0) for none. ``text`` as :func:`_party_list` takes it."""
    folded = _without_accents(text)
    more = re.search(rf"\b{_MORE_PEOPLE[lang]}", text) if lang in _MORE_PEOPLE else None
    if more is not None:
        return (int(more.group("n")) if more.group("n") else 1), 0
    patterns = _PARTY.get(lang)
    if patterns is None:
        return 0, 0
    with_me = patterns.with_me.search(folded)
    if with_me is None and not re.search(rf"\b(?:{_folded_alternatives(lang, 'also')})\b", folded):
        return 0, 0
    # "with me" / "mit mir" name the caller only as the one the others come with
    folded = patterns.with_me.sub(" ", folded)
    if with_me is not None and patterns.with_members.search(folded):
        return 0, 0  # "I'm coming along with my wife": a party with the caller, read by _party_with
    members = list(patterns.member.finditer(folded))
    if any(m.group("me") for m in members):
        return 0, 0  # "me and my wife too": the whole party, counted as a list
    return _count_members(members, patterns)


def _is_day_word(token: str, lang: str) -> bool:
    """A token a date can end or start with: a weekday, a month, a day number ("5", "20th", "1er")."""
    return is_day_number(token, lang) or token in word_set(lang, "weekdays", "months")


def _date_range(norm: str, lang: str, today: date | None) -> tuple[str, int, str] | None:
    """(departure text, where the range word starts in ``norm``, return text) of a date range said as one ("from Friday to Sunday", "del 5
    al 12 de diciembre", "du vendredi au dimanche", "von Freitag bis Sonntag", "dal 5 al 12",
    "de sexta a domingo"), or ``None``.

    A range word (``range_to``: "to", "al", "au", "bis", "al", "a"…) counts only between a day
    word (weekday, month, day number) and a date: "Monday to Paris" and "Boston to Denver" are no
    ranges. A day number before it takes the month said after it ("from the 5th to the 12th of
    December": the 5th of December).
    """
    rx = keyword_regex(lang, "range_to")
    if rx is None:
        return None
    articles = word_set(lang, "date_words")
    for m in rx.finditer(norm):
        # "vom 5. bis zum 12. Januar": the ordinal's dot is a sentence end ("|") in ``norm``
        before = [t for t in norm[:m.start()].split() if t != "|"]
        after = [t for t in norm[m.end():].split() if t != "|"]
        if not before or not after or not _is_day_word(before[-1], lang):
            continue
        start = [t for t in after[:3] if t not in articles or _is_day_word(t, lang)]
        if not start or not _is_day_word(start[0], lang) or is_clock_time(after, after.index(start[0])):
            continue  # "between 9 to 11 am" is a time of day
        ret_text = norm[m.end():]
        if find_date(ret_text, lang, today, cross_language=False) is None:
            continue
        dep_text = norm[:m.start()]
        months = word_set(lang, "months")
        if is_day_number(before[-1]) and not months.intersection(before[-3:]):
            said = next((t for t in ret_text.split() if t in months), None)
            if said is not None:
                dep_text = f"{dep_text} {said}"
        if find_date(dep_text, lang, today, cross_language=False) is None:
            continue
        return dep_text, m.start(), ret_text
    return None


def _french_contractions(text: str) -> str:
    """French ``text`` with "d'" before a sure place spelt "de", and "au" / "aux" before one spelt
    "à" ("d'Orly à Nice", "au départ d'Amsterdam", "de Paris au Caire", "aux Seychelles": the place
    was lost or read "d'amsterdam"). "d'accord", "d'affaires", "au revoir", "au plus tard" are left
    as they are."""
    tokens = text.split()

    def place_at(words: list[str]) -> bool:
        return any(_sure_place(" ".join(words[:n]), "fr") for n in (3, 2, 1) if len(words) >= n)

    for i, tok in enumerate(tokens):
        if tok.startswith(("d'", "d’")) and len(tok) > 2 and place_at([tok[2:], *tokens[i + 1:i + 3]]):
            tokens[i] = f"de {tok[2:]}"
        elif tok in ("au", "aux") and place_at(tokens[i + 1:i + 4]):
            tokens[i] = "à"
    return " ".join(tokens)


def _parse_places(text: str, p: Parsed, date_found: bool, lang: str, *, also: str | None = None,
                  sure_only: float | None = None, markers_only: bool = False) -> None:
    """Origin/destination/lone chunks of ``text`` by ``lang``'s markers.

    ``also``: a second language whose stop and edge words end chunks too (the call's language,
    when another language's markers are tried). ``sure_only``: keep a marked chunk only when it is
    a place (in ``lang``) at or above that resolver score. ``markers_only``: no "Boston to Paris" origin and no lone place.
    """
    marked = _places_named_like_dates_as_one_word(text)  # "Santo Domingo" was cut at "domingo"
    marked = _replace_folded(marked, _places_named_with_a_function_word(),
                             lambda name: "_".join(re.split(r"[\s-]+", name)))
    # "between Chicago and Denver", "entre Lisboa e Londres", "zwischen Zürich und London": from the
    # first to the second (only the origin was taken; "tra Catania e Milano" asked which is which)
    rx_between = keyword_regex(lang, "between")
    between = rx_between.search(marked) if rx_between else None
    if between is not None:
        and_ = re.search(rf"\b(?:{_folded_alternatives(lang, 'party_and')})\b", marked[between.end():])
        cut = between.end() + and_.start() if and_ is not None else between.end()
        middle = marked[between.end():cut].split()
        dates = word_set(lang, "numbers", "weekdays", "months", "date_words")
        # a place (≤ 4 words) first: "tra due giorni" (in two days), "between 9 and 11" are no route
        if and_ is not None and 0 < len(middle) <= 4 and not any(t in dates or _DIGIT.search(t) for t in middle):
            marked = (f"{marked[:between.start()]} {_MARK_FROM} {marked[between.end():cut]} {_MARK_TO} "
                      f"{marked[between.end() + and_.end():]}")
    # "I live in Seattle", "vivo en Barcelona", "j'habite à Lyon", "ich wohne in Köln": the origin,
    # when a sure place follows (the destination was taken and the origin asked for again)
    rx_home = keyword_regex(lang, "home_in")
    for home in rx_home.finditer(marked) if rx_home else ():
        after = marked[home.end():].split()
        if any(_sure_place(" ".join(after[:n]), lang) for n in (3, 2, 1) if len(after) >= n):
            marked = f"{marked[:home.start()]} {_MARK_FROM} {marked[home.end():]}"
            break
    # "to visit my mom in Boston", "visitar a mi madre en Sevilla", "meine Mutter in Berlin besuchen":
    # where the people visited are is the destination ("visit" was taken for a city)
    rx_visit, rx_in = keyword_regex(lang, "visit"), keyword_regex(lang, "visit_in")
    if rx_visit and rx_in and rx_visit.search(marked):
        for where in rx_in.finditer(marked):
            before = marked[:where.start()].split()
            if before and before[-1] in (_MARK_FROM, _MARK_TO):
                continue  # a marker's own chunk ("from Boston in …")
            after = marked[where.end():].split()
            if any(_sure_place(" ".join(after[:n]), lang) for n in (3, 2, 1) if len(after) >= n):
                marked = f"{marked[:where.start()]} {_MARK_TO} {marked[where.end():]}"
                break
    if lang == "fr":
        marked = _french_contractions(marked)
    for key, mark in (("from", _MARK_FROM), ("to", _MARK_TO)):
        rx = keyword_regex(lang, key)
        if rx:
            marked = rx.sub(f" {mark} ", marked)
    tokens = marked.split()

    langs = (lang,) if also is None or also == lang else (lang, also)
    stop: set[str] = set()
    edge: set[str] = set()
    for code in langs:
        stop |= word_set(code, "stop", "weekdays", "months", "numbers", "cabin_words")
        edge |= word_set(code, "filler", "greeting", "hesitation", "ack", "yes", "no")
    # words that end a place only because a date was found ("the" of "on the 5th"); one of them
    # right after a marker and before a word that is no stop starts the place: "to the Big Apple on
    # Sunday" (the destination was empty)
    date_stop: set[str] = set()
    if date_found:
        for code in langs:
            date_stop |= word_set(code, "date_words")
        date_stop -= stop
        stop |= date_stop

    def is_stop(tok: str) -> bool:
        return tok in _MARKS or tok in stop or bool(_DIGIT.search(tok))

    def trim(chunk: list[str]) -> str | None:
        while chunk and chunk[0] in edge:
            chunk = chunk[1:]
        while chunk and chunk[-1] in edge:
            chunk = chunk[:-1]
        return " ".join(chunk).replace("_", " ") or None  # "rio_de_janeiro": one word until here

    def chunk_after(i: int) -> str | None:
        out: list[str] = []
        rest = tokens[i + 1:]
        for j, tok in enumerate(rest):
            if is_stop(tok):
                if j == 0 and tok in date_stop and len(rest) > 1 and not is_stop(rest[1]):
                    out.append(tok)
                    continue
                break
            out.append(tok)
        return trim(out)

    def chunk_before(i: int) -> str | None:
        out: list[str] = []
        for tok in reversed(tokens[:i]):
            if is_stop(tok):
                break
            out.insert(0, tok)
        return trim(out)

    first_to = None
    to_marks: list[int] = []
    origins: list[str] = []
    destinations: list[str] = []
    for i, tok in enumerate(tokens):
        if tok == _MARK_FROM:
            chunk = chunk_after(i)
            if chunk and (sure_only is None or _sure_place(chunk, lang, sure_only)):
                origins.append(chunk)
        elif tok == _MARK_TO:
            to_marks.append(i)
            dest = chunk_after(i)
            if dest and (sure_only is None or _sure_place(dest, lang, sure_only)):
                destinations.append(dest)
                if first_to is None:
                    first_to = i
    if not destinations and origins and lang == "en":
        # "Leaving Houston for Cancún", "a ticket from Boston for Paris": "for" before a place
        # that is surely one ("for Friday", "for two", "for me" are no places)
        for i, tok in enumerate(tokens):
            if tok == "for" and (dest := chunk_after(i)) and _sure_place(dest, lang, ACCEPT_CONFIDENCE):
                destinations.append(dest)
                break

    def best(chunks: list[str]) -> str | None:
        # Several chunks after the same marker: the last one that is a place wins (a correction,
        # "to Chicago, no, to Denver"), so noise after it ("a Roma el 15 de a Will") is ignored.
        if len(chunks) < 2:
            return chunks[0] if chunks else None
        places = [c for c in chunks if resolve_place(c, lang).confidence >= 0.75]
        return (places or chunks)[-1]

    p.origin_text = best(origins) or p.origin_text
    p.destination_text = best(destinations) or p.destination_text
    if p.origin_text is None and first_to is not None and not markers_only:
        # "Boston to Paris": unmarked, the words before a "to" are only an origin when they name a
        # place ("What do you have to Paris?" got "I didn't recognise do as a city"); the first
        # "to" with a place before it ("I'd like to go Boston to Paris")
        for i in to_marks:
            before = chunk_before(i)
            if before == p.destination_text:  # "vuelos a Bogotá para mañana": the place is "a"'s
                continue
            if before is None:
                continue
            # the whole chunk, else its last words ("look up a ticket, Houston to Las Vegas": the
            # comma is dropped, so the chunk is "look up a ticket houston"), longest first
            words = before.split()
            for n in range(len(words), 0, -1):
                tail = " ".join(words[-n:])
                if n < len(words) and (n > 4 or not _sure_place(tail, lang, ACCEPT_CONFIDENCE)):
                    continue  # a tail only when it is surely a place by itself
                if (sure_only is None or _sure_place(tail, lang, sure_only)) \
                        and _place_score(tail, lang) >= CONFIRM_CONFIDENCE:
                    p.origin_text = tail
                    break
            if p.origin_text is not None:
                break
    if p.has_route or markers_only:
        return

    # no markers: a lone place ("Chicago.", "um, Heathrow please")
    chunks: list[str] = []
    cur: list[str] = []
    for tok in tokens + ["|"]:
        if is_stop(tok):
            c = trim(cur)
            if c:
                chunks.append(c)
            cur = []
        else:
            cur.append(tok)
    pair = _unmarked_route(chunks, lang)
    if pair is not None:  # "Boston Denver Friday", "Boston, Denver": from the first to the second
        p.origin_text, p.destination_text = pair
        return
    if chunks:
        p.lone_text = max(chunks, key=len) if len(chunks) > 1 else chunks[0]
        if len(chunks) > 1:
            logger.debug("dialogue: several unmarked chunks, trying the longest")


def _two_places(a: str, b: str, lang: str) -> bool:
    """``a`` and ``b`` are each a sure place, and not the same one."""
    if not (_sure_place(a, lang) and _sure_place(b, lang)):
        return False
    return resolve_place(a, language=lang).best.code != resolve_place(b, language=lang).best.code


def _unmarked_route(chunks: list[str], lang: str) -> tuple[str, str] | None:
    """Two sure, distinct places said with no "from"/"to": as two chunks, or one chunk that is no
    place as a whole ("salt lake city" is one) but splits into two; ``None`` otherwise. Words before
    the places are chatter ("alô sim bom dia queria um voo lisboa porto", "volevo un volo roma
    milano": the route was read as one place, then as the origin Porto)."""
    while len(chunks) > 1 and not _sure_place(chunks[0], lang):
        chunks = chunks[1:]  # "alô sim bom dia": a chunk before the places that is none
    if len(chunks) == 2 and _two_places(*chunks, lang):
        return chunks[0], chunks[1]
    if len(chunks) == 1 and len(chunks[0].split()) >= 2 and _place_score(chunks[0], lang) < CONFIRM_CONFIDENCE:
        words = chunks[0].split()
        for start in range(len(words) - 1):  # the places at the chunk's end, after its chatter
            if start and _place_score(" ".join(words[start:]), lang) >= CONFIRM_CONFIDENCE:
                break  # the rest is one place ("hätte gern einen flug salt lake city")
            for k in range(start + 1, len(words)):
                left, right = " ".join(words[start:k]), " ".join(words[k:])
                if len(left.split()) <= 4 and len(right.split()) <= 4 and _two_places(left, right, lang):
                    return left, right
    return None


def _hyphenated_routes(norm: str, lang: str) -> str:
    """"boston-denver" → "from boston to denver" (in ``lang``'s first from/to words) when both halves
    are sure, distinct places and the whole is no place ("winston-salem", "mexiko-stadt" are)."""
    def route(m: re.Match) -> str:
        word = m.group(0)
        if _place_score(word, lang) >= CONFIRM_CONFIDENCE:
            return word
        for k in (h.start() for h in re.finditer("-", word)):
            if _two_places(word[:k], word[k + 1:], lang):
                return f" {keywords(lang, 'from')[0]} {word[:k]} {keywords(lang, 'to')[0]} {word[k + 1:]} "
        return word

    return _SPACES.sub(" ", re.sub(r"[^\s|\-]+(?:-[^\s|\-]+)+", route, norm)).strip()


def _without_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=256)
def _folded_alternatives(lang: str, key: str) -> str:
    """``lang``'s keywords ``key`` without accents, escaped, as one regex alternation (longest first)."""
    words = sorted({_without_accents(w) for w in keywords(lang, key)}, key=lambda w: (-len(w), w))
    return "|".join(re.escape(w) for w in words)


class _PartyPatterns(NamedTuple):
    """One language's party patterns, built once: ``member`` finds one member, ``listed`` a list of
    two or more, ``me`` is the caller alone, ``child`` a singular child noun, ``plural_children``
    the folded ``children`` keywords ("kids", "ninos"), ``with_members`` one member or a list after
    a ``party_with`` word ("with my wife", "con mi mujer y mis 2 hijos"), ``with_me`` a
    ``party_with_me`` phrase ("is coming with me", "viene conmigo", "kommt mit")."""

    member: re.Pattern[str]
    listed: re.Pattern[str]
    me: re.Pattern[str]
    child: re.Pattern[str]
    plural_children: frozenset[str]
    with_members: re.Pattern[str]
    with_me: re.Pattern[str]


def _party_patterns(lang: str) -> _PartyPatterns:
    """The patterns of a party listed by name, from ``lang``'s ``party_*``, ``companions``, ``child``,
    ``one`` and ``children`` keywords, without accents."""
    me, poss = _folded_alternatives(lang, "party_me"), _folded_alternatives(lang, "party_possessive")
    and_, one = _folded_alternatives(lang, "party_and"), _folded_alternatives(lang, "one")
    companions, child = _folded_alternatives(lang, "companions"), _folded_alternatives(lang, "child")
    singular = rf"(?:{child}|{companions})" + ("n?" if lang == "de" else "")  # "meinen Kollegen"
    plural_children = frozenset(_without_accents(w) for w in keywords(lang, "children"))
    many = rf"(?:{'|'.join(sorted(map(re.escape, plural_children), key=len, reverse=True))}|" \
           rf"(?:{companions})\w*)"  # "2 kids", "2 brothers", "2 amici"
    # one member: the caller; "my wife" / "our baby"; "(our) 2 kids"; "a baby"
    member = (rf"\b(?:(?P<me>{me})|(?:{poss}) (?P<noun>{singular})|(?:(?:{poss}) )?(?P<n>\d{{1,2}}) (?P<many>{many})"
              + (rf"|(?:{one}) (?P<single>{singular})" if one else "") + r")\b")
    plain = re.sub(r"\(\?P<\w+>", "(?:", member)
    # "A and B", "A, B and C" (the comma dropped), "A and B and C"; not "my wife, I think"
    listed = rf"{plain}(?:(?: {plain})* (?:{and_}) {plain})+"
    with_, with_me = _folded_alternatives(lang, "party_with"), _folded_alternatives(lang, "party_with_me")
    return _PartyPatterns(re.compile(member), re.compile(listed), re.compile(rf"(?:{me})"),
                          re.compile(rf"(?:{child})n?"), plural_children,
                          re.compile(rf"\b(?:{with_}) (?:{listed}|{plain})"), re.compile(rf"\b(?:{with_me})\b"))


_PARTY = {lang: _party_patterns(lang) for lang in SUPPORTED_LANGUAGES}


def _count_members(members: Iterable[re.Match[str]], patterns: _PartyPatterns) -> tuple[int, int]:
    """(adults, children) of party members found by ``patterns.member``: the caller and a companion
    are one adult, "our 2 kids" two children, "2 friends" two adults, "our baby" one child."""
    adults = children = 0
    for m in members:
        if m.group("me"):
            adults += 1
        elif m.group("n"):
            if m.group("many") in patterns.plural_children:
                children += int(m.group("n"))
            else:
                adults += int(m.group("n"))
        elif patterns.child.fullmatch(m.group("noun") or m.group("single")):
            children += 1
        else:
            adults += 1
    return adults, children


def _party_list(text: str, lang: str) -> tuple[int, int] | None:
    """(adults, children) of a party the caller lists by name: "my husband, me and our baby" → (2, 1);
    "ich, meine Frau und unsere 2 Kinder" → (2, 2); "mi mujer y yo" → (2, 0).

    ``text`` is lower-case, digits for numbers, commas dropped (``normalize`` then ``alpha2digit``).
    A list is two or more members, the last joined by "and" ("A, B and C": commas are dropped): the caller ("me",
    "I", "yo", "moi", "ich", "io", "eu"), a possessive and a companion or a child, a number and
    any plural ("our 2 kids"). ``None`` when there is no such list, or it has a member it cannot
    read ("me, my wife and our kids": how many?).
    """
    patterns = _PARTY.get(lang)
    if patterns is None:
        return None
    poss, and_ = _folded_alternatives(lang, "party_possessive"), _folded_alternatives(lang, "party_and")
    folded = _without_accents(text)
    found = patterns.listed.search(folded)
    if found is None:
        return None
    # a possessive right after the list is a member it could not read: the count would be short
    if re.match(rf" (?:(?:{and_}) )?(?:{poss}) \w", folded[found.end():]):
        return None
    return _count_members(patterns.member.finditer(found.group(0)), patterns)


def _party_with(text: str, lang: str) -> tuple[int, int] | None:
    """(adults, children) of the caller and the people they say they travel with: "I'm flying with my
    wife" → (2, 0); "viajo con mi mujer y mis 2 hijos" → (2, 2); "mit meinem Sohn" → (1, 1); "avec
    moi et ma femme" → (2, 0) (the caller is named, so not counted twice). ``None`` when no
    companion or child follows a ``party_with`` word ("with Iberia", "con escala"). ``text`` as
    :func:`_party_list` takes it."""
    patterns = _PARTY.get(lang)
    if patterns is None:
        return None
    found = patterns.with_members.search(_without_accents(text))
    if found is None:
        return None
    members = list(patterns.member.finditer(found.group(0)))
    if all(m.group("me") for m in members):
        return None  # "coming with me": no one but the caller
    adults, children = _count_members(members, patterns)
    if not any(m.group("me") for m in members):
        adults += 1  # the caller, who travels with them
    return adults, children


def _parse_options(norm: str, p: Parsed, lang: str) -> None:
    for cabin in CABINS:
        if has(lang, norm, f"cabin_{cabin.lower()}"):
            p.travel_class = cabin
            break
    if has(lang, norm, "nonstop"):
        p.nonstop = True

    try:
        from text_to_num import alpha2digit

        digits = alpha2digit(norm.replace("|", " "), lang, threshold=0)
    except Exception:
        digits = norm
    one = "|".join(re.escape(w) for w in keywords(lang, "one"))
    aged: list[int] = []  # children named by their age, one count each
    if lang == "en":
        # "a five-year-old", "two 8-year-olds", "our 3 year old": a child named by its age (the number
        # is the age, not a count: it was no traveller)
        def kid(m: re.Match[str]) -> str:
            aged.append(int(m.group(1)) if m.group(1).isdigit() else 1)
            return f"{m.group(1)} kid{m.group(2)}"

        digits = re.sub(r"\b(a|an|one|our|my|his|her|their|\d{1,2})\s+(?:\d{1,2}|\w+)[\s-]years?[\s-]old(s?)\b",
                        kid, digits)

    def count(key: str) -> int | None:
        nouns = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in keywords(lang, key))
        if not nouns:
            return None
        # one word may come between ("2 grown-up adults"), but not another number: "a family of 5, 2
        # adults and 3 kids" is 2 adults (commas are gone), not 5
        m = re.search(rf"\b(\d{{1,2}})\s+(?:(?!\d)\w+\s+)?(?:{nouns})\b", digits)
        if m:
            return int(m.group(1))
        if one and re.search(rf"\b(?:{one})\s+(?:{nouns})\b", digits):
            return 1
        return None

    more = _more_travellers(digits, lang)
    if more != (0, 0):  # "one more person", "my husband and our baby too": added to the party said
        p.more_adults, p.more_children = more
        return
    adults, children, total = count("adults"), count("children"), count("passengers")
    if len(aged) > 1 and sum(aged) > (children or 0):  # "a 10 year old and a 12 year old"
        children = sum(aged)

    if total is None and adults is None:
        months = "|".join(re.escape(w) for w in keywords(lang, "months"))
        m = re.search(
            rf"\b(?:{'|'.join(re.escape(w) for w in keywords(lang, 'for_count'))})\s+(\d{{1,2}})\b"
            rf"(?!\s*(?:st|nd|rd|th|days?|nights?|weeks?|months?|am|pm|o'clock|{months})\b)(?!\s*[:/])",
            digits,
        )
        if m:
            total = int(m.group(1))
    if total is None and adults is None and lang == "de":
        together = re.search(r"\bzu (zweit|dritt|viert|funft|fünft|sechst|siebt|acht|neunt)\b", digits)
        if together:  # "wir sind zu dritt", "zu viert": a party of three, four
            total = ("zweit", "dritt", "viert", "funft", "sechst", "siebt", "acht", "neunt").index(
                _without_accents(together.group(1))) + 2
    if total is None and adults is None:
        # "with my wife (and our 2 kids)"; "me and my wife", "my husband, me and our baby"
        party = _party_with(digits, lang) or _party_list(digits, lang)
        if party is not None:
            adults = party[0] or None
            if children is None and party[1]:
                children = party[1]
    if total is not None:
        if children is not None and total > children and adults is None:
            adults = total - children
        elif adults is None:
            adults = total
    if total is None and adults is None and children is None and has(lang, norm, "alone"):
        adults, children = 1, 0  # "actually it's just me", "al final viajo yo solo", "vado da solo"
    # the party as said ("for 12 people"); a search carries at most 9 (FlightDialogue says so)
    if adults is not None:
        p.adults = max(1, min(99, adults))
    if children is not None:
        p.children = max(0, min(99, children))


def resolve_span(heard: str, language: str) -> Resolution:
    """``resolve_place`` on ``heard``; if that finds no sure place, on its sub-spans.

    Speech recognition glues words onto a place ("qué dirá Roma" for "quiero ir a Roma"), so a
    chunk that does not resolve is retried on its shorter word spans, keeping a span only when
    it is a sure (≥ 0.9), unambiguous place.
    """
    res = resolve_place(heard, language=language)
    words = heard.split()
    if (res.best is not None and res.confidence >= ACCEPT_CONFIDENCE) or len(words) < 2:
        return res
    if res.region_head and _sure_place(res.region_head, language):
        return res  # a city said with its region ("London, Ontario") is no sub-span ("Ontario": ONT)
    for size in range(len(words) - 1, 0, -1):
        for start in range(len(words) - size, -1, -1):  # later spans first
            if all(w in _function_words() for w in words[start:start + size]):
                continue  # "la" of "londra la" is an article, not L.A.
            sub = resolve_place(" ".join(words[start:start + size]), language=language)
            if sub.best is not None and sub.confidence >= 0.9 and not sub.ambiguous:
                return sub
    return res


#: "the first/second (one)" in the six languages (folded words), by candidate
_ORDINALS = (
    frozenset({"first", "former", "1st", "primero", "primera", "premier", "premiere", "erste", "ersten", "erster",
               "primo", "prima", "primeiro"}),
    frozenset({"second", "latter", "other", "2nd", "segundo", "segunda", "deuxieme", "seconde", "zweite",
               "zweiten", "zweiter", "secondo", "seconda", "otro", "otra", "autre", "andere", "anderen", "altro",
               "altra", "outro", "outra"}),
)
_COUNTS = (frozenset({"one", "uno", "eins"}),  # not the articles "un", "una", "um", "uma"
           frozenset({"two", "dos", "deux", "zwei", "due", "dois", "duas"}))


def pick_candidate(norm: str, candidates: list[Place], language: str) -> Place | None:
    """Which of ``candidates`` the answer ``norm`` chose ("the first one", "Portland, Maine", "PWM"); None
    when it names none of them (or more than one equally)."""
    lang = language
    words = set(split_words(_without_accents(norm)))
    folded = _without_accents(norm)  # "Oregón" names Oregon

    def said(label: str) -> bool:
        return bool(re.search(rf"(?<!\w){re.escape(_without_accents(normalize(label)))}(?!\w)", folded))

    scored: list[tuple[int, Place]] = []
    for place in candidates:
        score = 0
        sub = subdivision(place)
        for label in (place.name, place.city, place.code, sub, country_name(place.country, lang)):
            if label and said(label):
                score += 1
        # distinguishing labels matter most
        if sub and said(sub):
            score += 2
        scored.append((score, place))
    scored.sort(key=lambda x: -x[0])
    # a name first: "the one in Maine" is Maine, not the first one
    if scored and scored[0][0] > 0 and (len(scored) == 1 or scored[0][0] > scored[1][0]):
        return scored[0][1]
    if not words & {"not", "no", "nicht", "pas", "non", "nao"}:
        # "the second one": an ordinal before a bare "one"/"two" (which named the first before)
        for table in (_ORDINALS, _COUNTS):
            for idx, names in enumerate(table[: len(candidates)]):
                if words & names:
                    return candidates[idx]
    try:  # the caller may have named a specific airport of one candidate
        res = resolve_place(remove(lang, norm, "filler", "greeting", "hesitation", "ack", "yes"), language=lang)
        if res.best is not None and res.confidence >= ACCEPT_CONFIDENCE:
            for place in candidates:
                if res.best.code == place.code or res.best.code in place.airports or place.code in res.best.airports:
                    return place
    except Exception:
        logger.exception("dialogue: resolve_place failed")
    return None


def distinct_candidates(res: Resolution) -> list[Place]:
    """The resolution's candidates without repeats (same code or shared airports), best first."""
    out: list[Place] = []
    for place, _score in res.candidates:
        if all(place.code != o.code and not (set(place.airports) & set(o.airports)) for o in out):
            out.append(place)
    return out


def subdivision(place: Place) -> str | None:
    """The place's state or region ("Oregon") from airportsdata, or None."""
    try:
        from flights.airports import airport

        info = airport(place.airports[0] if place.airports else place.code)
        return (info or {}).get("subd") or None
    except Exception:
        return None

def country_name(country: str | None, language: str) -> str | None:
    """ISO 3166 alpha-2 ``country`` named in ``language`` by babel ("US" -> "Estados Unidos")."""
    if not country:
        return None
    try:
        from babel import Locale

        return Locale.parse(language).territories.get(country.upper()) or country
    except Exception:
        return country


def same_place(a: Place, b: Place) -> bool:
    """True when ``a`` and ``b`` are the same city: same code, shared airports, or the same city
    name in the same country with airports within :data:`SAME_CITY_KM` of each other (Portland,
    Oregon and Portland, Maine are two cities)."""
    if a.code == b.code:
        return True
    if set(a.airports) & set(b.airports):
        return True
    if not (a.city and b.city and a.city.lower() == b.city.lower() and a.country == b.country):
        return False
    return any(distance_km(x, y) <= SAME_CITY_KM for x in a.airports for y in b.airports)


SAME_CITY_KM = 100.0
"""Two airports of one city name and country this close (km, great circle) serve the same city."""


__all__ = [
    "ACCEPT_CONFIDENCE", "CABINS", "CONFIRM_CONFIDENCE", "CROSS_LANGUAGE_CONFIDENCE", "Parsed", "PastDate", "country_name",
    "distinct_candidates", "fills_slot_in", "find_date", "has", "is_halt", "is_substantive", "keyword_regex", "normalize", "only",
    "parse", "pick_candidate", "remove", "resolve_span", "same_place", "subdivision", "word_set", "split_words",
]
