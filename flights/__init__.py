"""Flight domain: place/date understanding, sample timetable provider, search.

The spoken text of offers is in ``dialogue.speech`` (it needs the gettext catalogs).

Imports no Pipecat. Public names are re-exported here; see each module for shapes and errors.
Nothing heavy happens at import: indexes and the timetable CSV load lazily on first use.
"""

from flights.dates import DateResult, find_date_in_text, parse_travel_date
from flights.models import FlightQuery, Offer, SearchResult, Segment, TravelClass
from flights.places import Place, Resolution, resolve_place
from flights.chain import ProviderChain, build_chain
from flights.errors import AuthError, BadRequestError, ProviderError, RateLimitedError, UpstreamError
from flights.search import FlightSearch
from flights.timetable import TimetableProvider



def warm_up(timetable: bool = True) -> None:
    """Build the place index, prime dateparser and (optionally) load the sample timetable.

    First uses otherwise cost ~0.1 s (places), ~0.15 s (dateparser) and ~0.3 s (timetable CSV);
    call this once at process start-up (e.g. in a thread) rather than inside a live call.
    """
    resolve_place("London")
    for language in ("en", "es", "fr", "de", "it", "pt"):  # wordfreq loads a list per language (~0.15 s)
        resolve_place("much", language)
    parse_travel_date("tomorrow")
    if timetable:
        _ = TimetableProvider().timetable


__all__ = [
    "warm_up",
    "DateResult",
    "find_date_in_text",
    "parse_travel_date",
    "FlightQuery",
    "Offer",
    "SearchResult",
    "Segment",
    "TravelClass",
    "Place",
    "Resolution",
    "resolve_place",
    "FlightSearch",
    "ProviderChain",
    "build_chain",
    "ProviderError",
    "BadRequestError",
    "AuthError",
    "RateLimitedError",
    "UpstreamError",
    "TimetableProvider",
]
