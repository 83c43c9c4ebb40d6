"""Resolve a spoken or typed place ("JFK", "j f k", "Heathrow", "Londres", "Chicaco") to airports.

Public API::

    resolve_place(text: str, language: str = "en") -> Resolution
    Place, Resolution   (dataclasses)

The searchable index holds only curated commercial airports (``flights.airports``: the ~300
busiest plus a few notable smaller ones) and metro codes, so "Boston" never lands on a grass
strip. Any other IATA code from airportsdata is accepted only when typed/spoken exactly
(three letters). Indexes are built once per process (lazy) and a call costs well under 1 ms on
a warm cache (fuzzy matching via rapidfuzz over a few thousand aliases).

Scores are 0..1: 1.0 for an exact code or name; for near misses the rapidfuzz ratio, raised when
the consonant skeleton matches (a likely mishearing: "Bostin", "Chicaco", "Frankfort" >= 0.75)
and cut when it does not (a different word: "Atlantis", "Narnia" < 0.7), slightly weighted
towards busier airports; candidates under ``MIN_SCORE`` are dropped.

A single common word is not a near miss: "much" is not Munich, "was" not Washington's WAS, "par"
not Paris's PAR. When the text is one word at least as frequent as :data:`COMMON_WORD_ZIPF` in the
language or in English (``wordfreq``'s Zipf scale, https://github.com/rspeer/wordfreq) and is no
place's own name, its fuzzy and lower-case-code scores are multiplied by
:data:`COMMON_WORD_FACTOR`. Exact names ("Nice", "Male"), codes in capitals or spelled out ("SEA",
"M A N") and phrases of several words ("New work") keep their scores.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from rapidfuzz import fuzz, process

from flights.airports import (
    AIRPORT_SPOKEN_NAMES,
    BUSIEST_AIRPORTS,
    EXTRA_AIRPORTS,
    LOCALIZED_CITY_NAMES,
    METROS,
    airport,
    all_iata,
    city_of,
    distance_km,
    metro_of_airport,
)

MIN_SCORE = 0.6
"""Candidates below this score are not returned."""

AMBIGUITY_MARGIN = 0.08
"""Two distinct cities whose scores differ by less than this are ambiguous."""

COMMON_WORD_ZIPF = 5.0
"""A word at least this frequent (Zipf: 5 = ten per million words) is a common word, not a near miss."""
COMMON_WORD_FACTOR = 0.7
"""A common word's fuzzy and lower-case-code scores are multiplied by this (0.85 → 0.6: dropped)."""


@dataclass(frozen=True)
class Place:
    """A place a flight can leave from or go to.

    ``code`` is an IATA airport code (kind "airport") or a metro/city code (kind "city");
    ``name`` is spoken ("London Heathrow", or "London" for a city); ``country`` is ISO 3166
    alpha-2; ``airports`` lists the airport codes to search (``(code,)`` for an airport).
    """

    code: str
    name: str
    city: str
    country: str
    kind: Literal["airport", "city"]
    airports: tuple[str, ...]


@dataclass
class Resolution:
    """Result of :func:`resolve_place`: ``candidates`` sorted best first, score 0..1; ``in_region``:
    the text named a place with its state or country ("London, Ontario"), and the candidates are its
    airports there (none when it has no served airport there); ``region_head``: the words before the
    region ("london"), else ``None``."""

    text: str
    candidates: list[tuple[Place, float]] = field(default_factory=list)
    region_head: str | None = None

    @property
    def best(self) -> Place | None:
        """Best candidate or ``None`` when nothing plausible matched."""
        return self.candidates[0][0] if self.candidates else None

    @property
    def confidence(self) -> float:
        """Score of the best candidate (0.0 when there is none)."""
        return self.candidates[0][1] if self.candidates else 0.0

    @property
    def ambiguous(self) -> bool:
        """True when two or more distinct cities score within ``AMBIGUITY_MARGIN`` of the best."""
        if len(self.candidates) < 2:
            return False
        best, top = self.candidates[0]
        for place, score in self.candidates[1:]:
            if top - score > AMBIGUITY_MARGIN:
                break
            if _distinct(best, place):
                return True
        return False


def _distinct(a: Place, b: Place) -> bool:
    """Different cities: no shared airport and first airports more than 150 km apart."""
    if set(a.airports) & set(b.airports):
        return False
    try:
        return distance_km(a.airports[0], b.airports[0]) > 150.0
    except KeyError:
        return a.city != b.city


# --- other spellings of city names -> code (the localized names themselves are in ----------
# --- flights.airports.LOCALIZED_CITY_NAMES and indexed from there) ------------------------
_ALIASES: dict[str, str] = {
    # London
    "london": "LON", "londen": "LON",
    # New York
    "nova york": "NYC", "new york city": "NYC", "big apple": "NYC", "manhattan": "NYC",
    # Munich
    "muenchen": "MUC",
    # Cologne
    "koeln": "CGN", "cologne": "CGN",
    # Paris / Milan / Venice / Florence / Naples / Turin
    "parigi": "PAR", "florence": "FLR", "turin": "TRN",
    # Germany / Austria / Switzerland
    "frankfurt am main": "FRA", "frankfurt": "FRA", "francfort sur le main": "FRA", "vienna": "VIE",
    "dusseldorf": "DUS", "duesseldorf": "DUS", "basilea": "BSL", "bale": "BSL",
    # Spain / Portugal
    "seville": "SVQ", "madrid": "MAD", "oporto": "OPO", "porto": "OPO", "malaga": "AGP",
    "las palmas": "LPA", "las palmas de gran canaria": "LPA",
    "valence": "VLC", "palma": "PMI", "mallorca": "PMI", "majorque": "PMI", "maiorca": "PMI",
    # Benelux / Nordics / East
    "brussels": "BRU", "amsterdao": "AMS", "stockholm": "STO", "helsinki": "HEL",
    "helsingfors": "HEL", "prague": "PRG", "budapeste": "BUD", "san petersburgo": "LED",
    "saint petersbourg": "LED", "sankt petersburg": "LED", "istanbul": "IST", "bucarest": "BUH",
    "bukarest": "BUH", "belgrado": "BEG",
    # Americas
    "los angeles": "LAX", "l a": "LAX", "la": "LAX", "san francisco": "SFO", "san fran": "SFO", "san pablo": "SAO",
    "rio": "RIO", "rio de janeiro": "RIO", "mexico city": "MEX", "mexico df": "MEX", "df": "MEX",
    "montreal": "YMQ", "toronto": "YTO", "washington dc": "WAS", "washington d c": "WAS",
    "chicago": "CHI", "houston": "HOU", "dallas": "DFW", "dallas fort worth": "DFW",
    "buenos aires": "BUE", "bogota": "BOG", "habana": "HAV", "havane": "HAV", "vegas": "LAS",
    "las vegas": "LAS", "salt lake": "SLC", "miami": "MIA", "detroit": "DTT", "philly": "PHL", "dc": "WAS", "d c": "WAS",
    # islands and places said for their main airport
    "hawaii": "HNL", "hawai": "HNL", "havai": "HNL", "bali": "DPS", "puerto rico": "SJU", "porto rico": "SJU",
    "maldives": "MLE", "maldivas": "MLE", "malediven": "MLE", "maldive": "MLE",
    # Asia / Middle East / Africa / Oceania
    "tokyo": "TYO", "xangai": "SHA", "shanghai": "SHA", "xanghai": "SHA", "cantao": "CAN",
    "canton": "CAN", "guangzhou": "CAN", "hong kong": "HKG", "hongkong": "HKG", "cingapura": "SIN",
    "bangkok": "BKK", "banguecoque": "BKK", "dubai": "DXB", "doubai": "DXB", "delhi": "DEL",
    "bombay": "BOM", "mumbai": "BOM", "bangalore": "BLR", "bengaluru": "BLR", "madras": "MAA",
    "calcutta": "CCU", "saigon": "SGN", "sidney": "SYD", "sydney": "SYD", "taipei": "TPE",
    "osaka": "OSA", "teheran": "THR", "jerusalem": "TLV", "tel aviv": "TLV", "marrakech": "RAK",
    "yakarta": "JKT", "jakarta": "JKT", "manila": "MNL", "pekin capital": "PEK", "beijing": "BJS",
    "moscow": "MOW", "paris": "PAR", "new york": "NYC",
    # nicknames callers use ("Malle" was Malé, Maldives, at 0.91)
    "malle": "PMI", "sampa": "SAO", "twin cities": "MSP", "lamezia": "SUF",
    "santa cruz de tenerife": "TFN",  # not Santa Cruz, Bolivia (its "de" cut it in two)
}

_STRIP_LEADING = {
    "to", "from", "the", "fly", "flying", "going", "in", "into", "at", "for", "via",
    "a", "al", "au", "aux", "à", "de", "del", "des", "du", "di", "da", "do", "desde",
    "hacia", "para", "vers", "per", "nach", "von", "vom", "zum", "zur", "nel", "na", "no",
    "of", "airport", "aeropuerto", "aeroport", "aeroporto", "flughafen", "um", "uh",
}
_STRIP_TRAILING = {
    "airport", "airports", "international", "intl", "aeropuerto", "aeroport", "aeroporto",
    "flughafen", "please", "metro", "internacional", "international airport",
}
_LETTER_NAMES = {
    "ay": "a", "eh": "a", "bee": "b", "be": "b", "see": "c", "cee": "c", "sea": "c",
    "dee": "d", "ee": "e", "eff": "f", "ef": "f", "gee": "g", "aitch": "h", "eye": "i",
    "jay": "j", "kay": "k", "el": "l", "ell": "l", "em": "m", "en": "n", "oh": "o",
    "pee": "p", "cue": "q", "queue": "q", "ar": "r", "are": "r", "ess": "s", "es": "s",
    "tee": "t", "tea": "t", "you": "u", "vee": "v", "double you": "w", "ex": "x",
    "why": "y", "zee": "z", "zed": "z",
}


def _fold(text: str) -> str:
    """Lowercase, strip accents and punctuation; apostrophes vanish ("O'Hare" -> "ohare")."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = text.replace("ß", "ss").replace("'", "").replace("’", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    tokens = ["st" if t == "saint" else t for t in text.split()]
    return " ".join(tokens)


def _strip_words(norm: str, names: dict | frozenset = frozenset()) -> str:
    """``norm`` without the leading/trailing filler words; a name in ``names`` keeps its own first
    word ("des moines", "da nang": "des" and "da" are also articles)."""
    tokens = norm.split()
    while tokens and tokens[-1] in _STRIP_TRAILING and len(tokens) > 1:
        tokens.pop()
    while tokens and tokens[0] in _STRIP_LEADING and len(tokens) > 1 and " ".join(tokens) not in names:
        tokens.pop(0)
    if len(tokens) == 1 and tokens[0] in _STRIP_LEADING | _STRIP_TRAILING:
        return ""
    return " ".join(tokens)


def _spelled_code(norm: str) -> str | None:
    """'j f k' / 'jay eff kay' / 'l a x' -> 'JFK'/'LAX' (None unless 3 spelled letters)."""
    tokens = norm.split()
    letters: list[str] = []
    for t in tokens:
        if len(t) == 1 and t.isalpha():
            letters.append(t)
        elif t in _LETTER_NAMES:
            letters.append(_LETTER_NAMES[t])
        else:
            return None
    return "".join(letters).upper() if len(letters) == 3 else None


# --- sound skeleton: tells a mishearing ("Bostin") from an invention ("Atlantis") ----------

_SOUND_RULES: tuple[tuple[str, str], ...] = (
    ("sch", "x"), ("ph", "f"), ("gh", ""), ("ch", "k"), ("sh", "x"), ("th", "t"), ("ck", "k"),
    ("qu", "k"), ("x", "ks"), ("ce", "se"), ("ci", "si"), ("cy", "sy"),
)
_SOUND_MAP = str.maketrans({
    "c": "k", "q": "k", "g": "k", "z": "s", "d": "t", "b": "p", "v": "f", "w": "f", "m": "n",
    "a": None, "e": None, "i": None, "o": None, "u": None, "y": None, "h": None, " ": None,
})


@lru_cache(maxsize=8192)
def _skeleton(norm: str) -> str:
    """Consonant skeleton of a folded phrase with sound-alike letters merged (c/k/g/q, d/t,
    b/p, v/f/w, m/n, s/z, soft c -> s) and repeats collapsed: "chicago" and "chicaco" -> "kkk"
    ... "kk"; "boston"/"bostin" -> "pstn"; "atlanta" "tlnt" vs "atlantis" "tlnts".

    Speech recognisers mostly slip on vowels and on voiced/unvoiced pairs, so a near miss that
    keeps the skeleton is a likely mishearing, one that changes it is likely another word.
    """
    text = norm
    for a, b in _SOUND_RULES:
        text = text.replace(a, b)
    text = text.translate(_SOUND_MAP)
    return re.sub(r"(.)\1+", r"\1", text)


def _sound_score(norm: str, alias: str, ratio: float) -> float:
    """Fuzzy score of ``norm`` against ``alias`` (ratio 0..1) adjusted by their skeletons:
    same skeleton -> up to 40 % of the gap to 1 added; different -> ratio x skeleton_ratio²."""
    a, b = _skeleton(norm), _skeleton(alias)
    if not a or not b:
        return ratio
    if a == b:
        return ratio + (1.0 - ratio) * 0.4 if ratio >= 0.7 else ratio
    sk = fuzz.ratio(a, b) / 100.0
    return ratio * sk * sk


# --- index -------------------------------------------------------------------------------


@lru_cache(maxsize=None)
def _common_words(language: str) -> frozenset[str]:
    """``language``'s words at least :data:`COMMON_WORD_ZIPF` frequent, folded like the text (about
    1,000 a language). Built from ``wordfreq``'s 10,000 most frequent words, which hold all of them
    (at most 10,000 words can each be 1 in 10,000); wordfreq's own frequency tables (~40 MB a
    language) are dropped afterwards. An unknown language has none."""
    import wordfreq

    try:
        words = frozenset(_fold(w) for w in wordfreq.top_n_list(language, 10_000)
                          if wordfreq.zipf_frequency(w, language) >= COMMON_WORD_ZIPF)
    except (LookupError, ValueError):
        words = frozenset()
    wordfreq.get_frequency_dict.cache_clear()
    wordfreq.get_frequency_list.cache_clear()
    return words


def _is_common_word(word: str, language: str) -> bool:
    """``word`` (folded, one token) is a common word in ``language`` or in English."""
    return word in _common_words("en") or bool(language) and word in _common_words(language)


def is_common_phrase(text: str, language: str) -> bool:
    """True when every word of ``text`` is a common word (Zipf ≥ :data:`COMMON_WORD_ZIPF`) in
    ``language`` or in English: "very much", "sehr", "muy bien", "très". Such a chunk that resolves
    to no place is chatter left over from a polite turn ("Thank you very much.", "Bitte sehr."), not
    a place the caller tried to name. Place names that are common words ("Nice", "Grand Rapids")
    resolve before anyone asks; the dialogue only drops such a chunk in a polite turn, since a bare
    one may be a place the curated index lacks ("Little Rock"). Empty text: False."""
    words = _fold(text).split()
    return bool(words) and all(_is_common_word(w, language) for w in words)


def _rank_weight(code: str) -> float:
    """Prior in (0.9, 1.0]: busier airports and metros win close calls."""
    if code.startswith("@"):
        return 1.0
    try:
        rank = BUSIEST_AIRPORTS.index(code)
    except ValueError:
        return 0.93
    return 1.0 - 0.05 * rank / len(BUSIEST_AIRPORTS)


def _airport_place(code: str) -> Place:
    rec = airport(code)
    city = city_of(code)
    spoken = AIRPORT_SPOKEN_NAMES.get(code, ())
    in_metro = code in metro_of_airport()
    short = spoken[0] if spoken and in_metro else ""
    if short and city.lower() not in short.lower():
        name = f"{city} {short}"
    elif short:
        name = short
    else:
        name = city
    return Place(
        code=code,
        name=name,
        city=city,
        country=rec["country"] if rec else "",
        kind="airport",
        airports=(code,),
    )


def _metro_place(code: str) -> Place:
    name, country, airports = METROS[code]
    if len(airports) == 1:
        return _airport_place(airports[0])
    return Place(code=code, name=name, city=name, country=country, kind="city", airports=airports)


@lru_cache(maxsize=4096)
def place_for_code(code: str, prefer: Literal["airport", "city"] = "airport") -> Place | None:
    """Place for an exact IATA airport or metro code (any airportsdata airport), else None.

    When a code is both an airport and a metro code (IST, BKK, HOU...), ``prefer`` decides.
    """
    code = code.upper()
    if code in METROS and (prefer == "city" or airport(code) is None):
        return _metro_place(code)
    if airport(code) is not None:
        return _airport_place(code)
    return None


class _Index:
    """alias (folded) -> {code: weight}; plus the choices list for rapidfuzz."""

    def __init__(self) -> None:
        self.alias: dict[str, dict[str, float]] = {}
        self.codes: set[str] = set()
        searchable = list(BUSIEST_AIRPORTS) + list(EXTRA_AIRPORTS)
        metro_of = metro_of_airport()
        for code in searchable:
            self.codes.add(code)
            city = city_of(code)
            # the city name: point to the metro when the airport belongs to one
            metro = metro_of.get(code)
            target = "@" + metro if metro and _fold(METROS[metro][0]) == _fold(city) else code
            self._add(city, target, 1.0)
            for spoken in AIRPORT_SPOKEN_NAMES.get(code, ()):
                self._add(spoken, code, 1.0)
                self._add(f"{city} {spoken}", code, 1.0)
            rec = airport(code)
            if rec:
                full = re.sub(r"\b(international|intl|airport|regional|ntl)\b", " ", rec["name"], flags=re.I)
                self._add(full, code, 0.97)
                if _fold(rec["city"]) != _fold(city):
                    self._add(rec["city"], code, 0.9)
        for code, (name, _, _) in METROS.items():
            self.codes.add(code)
            self._add(name, "@" + code, 1.0)
        localized = ((name, code) for code, names in LOCALIZED_CITY_NAMES.items() for name in names.values())
        for alias, code in (*_ALIASES.items(), *localized):
            self._add(alias, "@" + code if code in METROS else code, 1.0)
        self.choices = list(self.alias)

    def _add(self, text: str, code: str, weight: float) -> None:
        key = _fold(text)
        if not key:
            return
        slot = self.alias.setdefault(key, {})
        slot[code] = max(slot.get(code, 0.0), weight)


@lru_cache(maxsize=1)
def _index() -> _Index:
    return _Index()


def _merge(scores: dict[str, float], code: str, score: float) -> None:
    if score > scores.get(code, 0.0):
        scores[code] = score


def names_with_words(words: frozenset[str]) -> tuple[str, ...]:
    """Place names of two or more words, one of which is in ``words`` (lower-case, no accents),
    folded (lower-case, no accents or punctuation), longest first: for ``{"janeiro", "domingo",
    "mai"}`` → ``("rio de janeiro santos dumont", …, "rio de janeiro", "santo domingo", "chiang
    mai")``. Every name the resolver knows (city, airport and spoken names, metros, localized names).
    """
    found = {name for name in _index().choices
             if len(name.split()) > 1 and not words.isdisjoint(name.split())}
    return tuple(sorted(found, key=lambda n: (-len(n), n)))


#: names a caller gives a country by that babel's territory names miss ("Portland, Oregon, USA")
_COUNTRY_EXTRAS = {
    # not "us" (the pronoun: "Paris us" would drop Paris) nor "america" ("South America")
    "usa": "US", "the usa": "US", "the states": "US",
    "uk": "GB", "the uk": "GB", "britain": "GB", "great britain": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "eeuu": "US", "ee uu": "US", "eua": "US",
    "inglaterra": "GB", "angleterre": "GB", "inghilterra": "GB", "escocia": "GB", "ecosse": "GB",
    "schottland": "GB", "scozia": "GB", "gales": "GB", "pays de galles": "GB",
}
#: subdivisions callers name in their own language where airportsdata has another spelling
_SUBDIVISION_EXTRAS = {
    "canarias": ("ES", "canary islands"), "islas canarias": ("ES", "canary islands"),
    "iles canaries": ("ES", "canary islands"), "kanaren": ("ES", "canary islands"),
    "baleares": ("ES", "islas baleares"), "balears": ("ES", "islas baleares"),
    "catalunya": ("ES", "cataluna"), "catalonia": ("ES", "cataluna"), "catalogne": ("ES", "cataluna"),
    "andalusia": ("ES", "andalucia"), "andalousie": ("ES", "andalucia"), "andalusien": ("ES", "andalucia"),
    "sicilia": ("IT", "sicily"), "sicile": ("IT", "sicily"), "sizilien": ("IT", "sicily"),
    "sardegna": ("IT", "sardinia"), "sardaigne": ("IT", "sardinia"), "sardinien": ("IT", "sardinia"),
    "bavaria": ("DE", "bayern"), "baviere": ("DE", "bayern"),
}
#: words between a city and its region ("Santiago de Chile", "Córdoba en Argentina", "Frankfurt in Deutschland")
_REGION_JOINERS = frozenset({"de", "in", "en", "em", "im", "di", "du", "do", "da"})


@lru_cache(maxsize=1)
def _regions() -> dict[str, frozenset[tuple[str, str]]]:
    """Folded region name → its (country code, subdivision) pairs; subdivision ``""`` for a whole
    country. Countries by their names in the supported languages (babel's CLDR territory names:
    "Spain", "España", "Espagne", "Spanien", "Spagna", "Espanha") and :data:`_COUNTRY_EXTRAS`;
    subdivisions by airportsdata's ``subd`` of the searchable airports ("Oregon", "Maine",
    "Ontario", "Texas")."""
    from babel import Locale

    from flights.languages import SUPPORTED_LANGUAGES

    regions: dict[str, set[tuple[str, str]]] = {}
    countries = {rec["country"] for rec in all_iata().values()}  # not "EU", "IC" (Canarias: ES), "ZZ"…
    for lang in SUPPORTED_LANGUAGES:
        for territory, name in Locale.parse(lang).territories.items():
            if territory in countries:
                regions.setdefault(_fold(name), set()).add((territory, ""))
    for name, country in _COUNTRY_EXTRAS.items():
        regions.setdefault(name, set()).add((country, ""))
    for code in _index().codes:
        rec = airport(code)
        if rec and rec.get("subd"):
            regions.setdefault(_fold(rec["subd"]), set()).add((rec["country"], _fold(rec["subd"])))
    subdivisions = {pair for pairs in regions.values() for pair in pairs}
    for name, pair in _SUBDIVISION_EXTRAS.items():
        if pair in subdivisions:  # airportsdata's own spelling, checked
            regions.setdefault(name, set()).add(pair)
    return {name: frozenset(pairs) for name, pairs in regions.items() if name}


def _in_region(place: Place, region: frozenset[tuple[str, str]]) -> bool:
    """Whether one of ``place``'s airports lies in ``region`` (its country, or its subdivision)."""
    for code in place.airports:
        rec = airport(code)
        if rec is None:
            continue
        for country, subd in region:
            if rec["country"] == country and (not subd or _fold(rec.get("subd") or "") == subd):
                return True
    return False


def _split_region(norm: str) -> tuple[str, frozenset[tuple[str, str]]] | None:
    """(city words, region) of a folded place said with its state or country ("portland oregon",
    "paris france", "santiago de chile", "cordoba argentina"), longest region first; ``None``
    when the last words name no region or nothing is left before them."""
    tokens = norm.split()
    regions = _regions()
    for k in (3, 2, 1):
        if len(tokens) <= k:
            continue
        region = regions.get(" ".join(tokens[-k:]))
        if region is None:
            continue
        head = tokens[:-k]
        if len(head) > 1 and head[-1] in _REGION_JOINERS:
            head = head[:-1]
        return " ".join(head), region
    return None


#: nicknames that are an article or an adverb in another supported language: no place there unless
#: written as the abbreviation ("LA", "L.A.")
_ARTICLE_ALIASES = frozenset({"la", "l a"})


def resolve_place(text: str, language: str = "en") -> Resolution:
    """Resolve ``text`` (a spoken/typed place) to ranked :class:`Place` candidates.

    Handles IATA airport codes ("JFK", "j f k", "L.A.X."), metro codes ("NYC", "LON"), city
    and airport names in several languages ("Londres", "Heathrow", "O'Hare") and near misses
    from speech recognition ("Chicaco" -> Chicago, confidence < 1). Words such as "to", "from",
    "the airport" are ignored. ``language`` (ISO 639-1) decides which words are common (see
    the module docstring); the alias table is multilingual already. Never raises; returns empty
    candidates when nothing scores at least ``MIN_SCORE``.
    """
    idx = _index()
    norm = _strip_words(_fold(text or ""), idx.alias)
    res = Resolution(text=text)
    if not norm:
        return res
    if norm not in idx.alias and (split := _split_region(norm)) is not None:
        # "Portland, Oregon", "Paris, France", "Córdoba, Argentina": the city's candidates in that
        # region, and none when it has none ("Paris, Texas" is not Paris; nothing is served there)
        head, region = split
        res.region_head = head
        res.candidates = [(place, score) for place, score in resolve_place(head, language).candidates
                          if _in_region(place, region)]
        return res
    scores: dict[str, float] = {}

    compact = norm.replace(" ", "")
    spelled = _spelled_code(norm)
    exact = idx.alias.get(norm) or (idx.alias.get(compact) if len(compact) > 3 else None)
    if exact and norm in _ARTICLE_ALIASES and language != "en" and not re.search(r"\bL\.?\s?A\b", text or ""):
        # "la", "lá", "là" in a Spanish, French, Italian or Portuguese turn is an article or "there",
        # not L.A. ("Saio de lá" searched from Los Angeles); "LA" in capitals still is
        return res
    # common words that are no place's name ("much", "hay nada" (≈ Haneda at 0.83)): a near miss or
    # a lower-case code is only a guess
    near = COMMON_WORD_FACTOR if (not exact and is_common_phrase(norm, language)) else 1.0
    code_guess = spelled or (compact.upper() if len(compact) == 3 and " " not in norm else None)
    if code_guess and code_guess.isalpha():
        # A code spelled out ("J F K", "L.A.X.") or written in capitals ("JFK") is a code; a plain
        # lower-case word that happens to be one ("dir" in "quiero dir a Roma") is much less sure.
        as_code = bool(spelled) or any(t.isupper() and len(t) == 3 for t in re.findall(r"[A-Za-z]+", text or ""))
        if code_guess in idx.codes:
            _merge(scores, code_guess, 1.0 if as_code else 0.85 * near)
        elif place_for_code(code_guess) is not None:
            # real airport, not in the curated index
            _merge(scores, code_guess, 0.9 if as_code else 0.6 * near)

    if exact:
        for code, w in exact.items():
            _merge(scores, code, w * _rank_weight(code))
    if not exact and (not scores or max(scores.values()) < 0.95):
        # fuzzy: rapidfuzz ratio over aliases (avoid partial scorers: too noisy on short text); not
        # for a name the index holds as said: "Genova" (Genoa, a smaller airport, prior 0.93) was
        # made ambiguous by its near miss "Geneva"
        for alias, sc, _ in process.extract(norm, idx.choices, scorer=fuzz.ratio, limit=8, score_cutoff=MIN_SCORE * 100 - 5):
            s = sc / 100.0
            if alias in (norm, compact):
                continue
            s = _sound_score(norm, alias, s)
            for code, w in idx.alias[alias].items():
                _merge(scores, code, min(0.95, s * w) * _rank_weight(code) * near)

    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    seen: set[str] = set()
    for code, score in ranked:
        if score < MIN_SCORE:
            continue
        place = place_for_code(code[1:], "city") if code.startswith("@") else place_for_code(code)
        if place is None or place.code in seen:
            continue
        seen.add(place.code)
        res.candidates.append((place, round(score, 4)))
    return res


__all__ = ["Place", "Resolution", "resolve_place", "place_for_code", "MIN_SCORE"]
