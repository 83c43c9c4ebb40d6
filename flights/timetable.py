"""Offline flight provider over a daily timetable CSV (the shipped sample or an operator's own).

CSV format (UTF-8, header row required, one row per scheduled daily flight)::

    carrier,flight_number,origin,destination,departure_local,duration_minutes,economy,premium_economy,business,first[,days]
    BA,117,LHR,JFK,08:25,470,612.00,979.20,2142.00,3672.00

* ``carrier``          2-character IATA airline code ("BA"); spoken name from ``flights.carriers``.
* ``flight_number``    the number without the carrier ("117"); offers show "BA 117".
* ``origin``/``destination``  IATA airport codes known to airportsdata (their ``tz`` is used).
* ``departure_local``  HH:MM, local time at the origin airport.
* ``duration_minutes`` block time; the arrival is computed in the destination's time zone on
                       the actual date, so daylight-saving changes are handled.
* ``economy`` .. ``first``  one-way fare per adult in **USD**; empty = cabin not sold.
* ``days``             optional ISO weekdays the flight operates ("12345" = Mon-Fri);
                       empty or missing column = daily.

Search semantics (:class:`TimetableProvider`): direct flights and one-stop connections
(60 min .. 6 h at the connecting airport, same or next day, detour at most 1.5 x the direct
distance + 800 km) departing on ``query.departure_date``; metro codes (NYC, LON, IST...)
expand to their airports (``flights.airports.METROS``). A connection costs 80 % of the sum of
its legs; a round trip costs 90 % of outbound + return. Price = fare x (adults + 0.75 x
children), converted from USD with the fixed approximate rates in ``FX_PER_USD`` (unknown
currency -> USD). Results sort by (stops, price, duration), at most ``MAX_OFFERS``.
Unknown airports give an empty list, never an exception. The CSV is loaded once per path
(lazy, cached) with adjacency indexes precomputed.
"""

from __future__ import annotations

import asyncio
import csv
import math
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo
from typing import TypeVar

from loguru import logger

from flights.airports import METROS, airport
from flights.carriers import carrier_name
from flights.models import FlightQuery, Offer, Segment, TravelClass

T = TypeVar("T")

DEFAULT_PATH = Path(__file__).parent / "data" / "timetable.csv"
MAX_OFFERS = 10
MIN_CONNECTION = timedelta(minutes=60)
MAX_CONNECTION = timedelta(hours=6)
CONNECTION_FACTOR = Decimal("0.80")
ROUND_TRIP_FACTOR = Decimal("0.90")
CHILD_FACTOR = Decimal("0.75")
CABINS: tuple[TravelClass, ...] = ("ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST")
COLUMNS = ("carrier", "flight_number", "origin", "destination", "departure_local",
           "duration_minutes", "economy", "premium_economy", "business", "first")

#: approximate fixed rates, units of currency per 1 USD (sample data only)
FX_PER_USD: dict[str, Decimal] = {
    "USD": Decimal("1"), "EUR": Decimal("0.92"), "GBP": Decimal("0.79"), "CAD": Decimal("1.37"),
    "MXN": Decimal("17.5"), "BRL": Decimal("5.4"), "JPY": Decimal("150"), "CNY": Decimal("7.2"),
    "INR": Decimal("84"), "AUD": Decimal("1.52"), "CHF": Decimal("0.88"), "SEK": Decimal("10.5"),
    "NOK": Decimal("10.8"), "DKK": Decimal("6.9"), "PLN": Decimal("3.95"), "TRY": Decimal("34"),
    "AED": Decimal("3.67"), "SGD": Decimal("1.34"), "HKD": Decimal("7.8"), "KRW": Decimal("1380"),
    "ZAR": Decimal("18"), "ARS": Decimal("1000"), "COP": Decimal("4000"), "CLP": Decimal("950"),
}
_ZERO_DECIMAL = {"JPY", "KRW", "CLP", "COP", "ARS"}


@dataclass(frozen=True, slots=True)
class Flight:
    """One timetable row, parsed. ``dep_minute`` = minutes after local midnight at origin."""

    carrier: str
    number: str
    origin: str
    destination: str
    dep_minute: int
    duration: int
    fares: tuple[Decimal | None, Decimal | None, Decimal | None, Decimal | None]
    days: frozenset[int] | None

    def runs_on(self, d: date) -> bool:
        return self.days is None or d.isoweekday() in self.days


class Timetable:
    """Parsed CSV with indexes: ``by_origin[airport]`` and ``by_route[(origin, dest)]``."""

    def __init__(self, flights: list[Flight]) -> None:
        self.flights = flights
        self.by_origin: dict[str, list[Flight]] = {}
        self.by_route: dict[tuple[str, str], list[Flight]] = {}
        for f in flights:
            self.by_origin.setdefault(f.origin, []).append(f)
            self.by_route.setdefault((f.origin, f.destination), []).append(f)
        self.airports = {f.origin for f in flights} | {f.destination for f in flights}
        self.tz: dict[str, ZoneInfo] = {}
        self.coords: dict[str, tuple[float, float]] = {}
        for code in self.airports:
            rec = airport(code)
            if rec is None or not rec.get("tz"):
                raise ValueError(f"timetable airport {code!r} unknown to airportsdata")
            self.tz[code] = ZoneInfo(rec["tz"])
            self.coords[code] = (math.radians(rec["lat"]), math.radians(rec["lon"]))
        self._dist: dict[tuple[str, str], float] = {}

    def distance(self, a: str, b: str) -> float:
        key = (a, b) if a < b else (b, a)
        d = self._dist.get(key)
        if d is None:
            (la1, lo1), (la2, lo2) = self.coords[a], self.coords[b]
            h = math.sin((la2 - la1) / 2) ** 2 + math.cos(la1) * math.cos(la2) * math.sin((lo2 - lo1) / 2) ** 2
            d = self._dist[key] = 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))
        return d

    def expand(self, code: str) -> list[str]:
        """Airport codes served by the timetable for an airport or metro code."""
        code = code.upper()
        if code in METROS:
            codes = [a for a in METROS[code][2] if a in self.airports]
            if code in self.airports and code not in codes:
                codes.append(code)
            return codes
        return [code] if code in self.airports else []


def _fare(text: str) -> Decimal | None:
    text = (text or "").strip()
    return Decimal(text) if text else None


def load_timetable(path: Path) -> Timetable:
    """Parse a timetable CSV (format in the module docstring).

    Raises ``FileNotFoundError`` for a missing file and ``ValueError`` naming the line for a
    malformed row or an airport airportsdata does not know.
    """
    flights: list[Flight] = []
    # rows share their airports, carriers, day sets and fares: one object each, not one per row
    # (the 52,858 rows of the sample: 51.5 MiB held, 38.0 MiB shared; README "Flights")
    shared: dict[object, object] = {}
    fares: dict[str, Decimal | None] = {}  # by text: Decimal("80") == Decimal("80.00"), but prints apart

    def one(value: T) -> T:
        return shared.setdefault(value, value)  # type: ignore[return-value]

    def fare(text: str) -> Decimal | None:
        if text not in fares:
            fares[text] = _fare(text)
        return fares[text]

    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise ValueError(f"{path}: missing column(s) {', '.join(missing)}")
        for line, row in enumerate(reader, start=2):
            try:
                hh, mm = row["departure_local"].split(":")
                days = (row.get("days") or "").strip()
                flights.append(
                    Flight(
                        carrier=one(row["carrier"].strip().upper()),
                        number=row["flight_number"].strip(),
                        origin=one(row["origin"].strip().upper()),
                        destination=one(row["destination"].strip().upper()),
                        dep_minute=int(hh) * 60 + int(mm),
                        duration=int(row["duration_minutes"]),
                        fares=(fare(row["economy"]), fare(row["premium_economy"]),
                               fare(row["business"]), fare(row["first"])),
                        days=one(frozenset(int(c) for c in days)) if days else None,
                    )
                )
            except (KeyError, ValueError, ArithmeticError) as exc:
                raise ValueError(f"{path}:{line}: bad timetable row ({exc})") from exc
    return Timetable(flights)


@lru_cache(maxsize=8)
def _cached(path: str) -> Timetable:
    tt = load_timetable(Path(path))
    logger.info("timetable loaded: {} flights, {} airports from {}", len(tt.flights), len(tt.airports), path)
    return tt


# an itinerary leg: (flight, departure datetime local, arrival datetime local)
_Leg = tuple[Flight, datetime, datetime]


class TimetableProvider:
    """Flight offers from a timetable CSV (default: the shipped sample, ``flights/data``).

    ``await search(query)`` -> ``list[Offer]`` (≤ ``MAX_OFFERS``, best first). Raises only for
    an unreadable/malformed CSV (``FileNotFoundError``/``ValueError``, on first use).
    """

    name = "timetable"
    live = False

    def __init__(self, path: Path | None = None) -> None:
        self.path = Path(path) if path is not None else DEFAULT_PATH

    @property
    def timetable(self) -> Timetable:
        """The parsed timetable (loaded on first access, cached per path)."""
        return _cached(str(self.path.resolve()))

    async def search(self, query: FlightQuery) -> list[Offer]:
        """Search off the event loop (a thread) so audio tasks keep running."""
        return await asyncio.to_thread(self.search_sync, query)

    def search_sync(self, query: FlightQuery) -> list[Offer]:
        """Synchronous search (same contract as :meth:`search`)."""
        tt = self.timetable
        origins, dests = tt.expand(query.origin), tt.expand(query.destination)
        if not origins or not dests or set(origins) & set(dests):
            return []
        cabin = CABINS.index(query.travel_class)
        outbound = _itineraries(tt, origins, dests, query.departure_date, cabin, query.nonstop)
        if not outbound:
            return []
        inbound: list[tuple[list[_Leg], Decimal]] = []
        if query.return_date is not None:
            inbound = _itineraries(tt, dests, origins, query.return_date, cabin, query.nonstop, limit=1)
            if not inbound:
                return []
        pax = Decimal(query.adults) + CHILD_FACTOR * query.children
        currency = query.currency if query.currency in FX_PER_USD else "USD"
        rate = FX_PER_USD[currency]
        offers: list[Offer] = []
        back = inbound[0] if inbound else None
        for legs, fare in outbound[:MAX_OFFERS]:
            total = fare
            if back is not None:
                total = (fare + back[1]) * ROUND_TRIP_FACTOR
            amount = total * pax * rate
            q = Decimal("1") if currency in _ZERO_DECIMAL else Decimal("0.01")
            offers.append(
                Offer(
                    segments=[_segment(leg) for leg in legs],
                    return_segments=[_segment(leg) for leg in back[0]] if back else [],
                    price=amount.quantize(q, rounding=ROUND_HALF_UP),
                    currency=currency,
                    cabin=query.travel_class,
                    provider=self.name,
                )
            )
        return offers


def _segment(leg: _Leg) -> Segment:
    f, dep, arr = leg
    return Segment(
        carrier_code=f.carrier,
        carrier_name=carrier_name(f.carrier),
        flight_number=f"{f.carrier} {f.number}",
        origin=f.origin,
        destination=f.destination,
        departure=dep,
        arrival=arr,
        duration_minutes=f.duration,
    )


def _times(tt: Timetable, f: Flight, day: date) -> tuple[datetime, datetime]:
    dep = datetime.combine(day, time(f.dep_minute // 60 % 24, f.dep_minute % 60), tzinfo=tt.tz[f.origin])
    arr = (dep.astimezone(timezone.utc) + timedelta(minutes=f.duration)).astimezone(tt.tz[f.destination])
    return dep, arr


def _itineraries(
    tt: Timetable, origins: list[str], dests: list[str], day: date, cabin: int, nonstop: bool,
    limit: int = MAX_OFFERS,
) -> list[tuple[list[_Leg], Decimal]]:
    """Itineraries departing on ``day``, sorted by (stops, fare, duration); fare per adult USD.

    Connections are skipped when ``limit`` direct flights already exist (they sort first).
    """
    found: list[tuple[int, Decimal, float, list[_Leg]]] = []
    dest_set = set(dests)
    for o in origins:
        for d in dests:
            for f in tt.by_route.get((o, d), ()):
                fare = f.fares[cabin]
                if fare is None or not f.runs_on(day):
                    continue
                dep, arr = _times(tt, f, day)
                found.append((0, fare, (arr - dep).total_seconds(), [(f, dep, arr)]))
    if len(found) >= limit:
        nonstop = True
    for o in origins:
        if nonstop:
            break
        for f1 in tt.by_origin.get(o, ()):
            hub = f1.destination
            fare1 = f1.fares[cabin]
            if hub in dest_set or fare1 is None or not f1.runs_on(day):
                continue
            dep1 = arr1 = None
            for d in dests:
                seconds = tt.by_route.get((hub, d))
                if not seconds:
                    continue
                if tt.distance(o, hub) + tt.distance(hub, d) > 1.5 * tt.distance(o, d) + 800:
                    continue
                if dep1 is None:
                    dep1, arr1 = _times(tt, f1, day)
                for f2 in seconds:
                    fare2 = f2.fares[cabin]
                    if fare2 is None:
                        continue
                    for extra in (0, 1):
                        day2 = arr1.date() + timedelta(days=extra)
                        if not f2.runs_on(day2):
                            continue
                        dep2, arr2 = _times(tt, f2, day2)
                        gap = dep2 - arr1
                        if MIN_CONNECTION <= gap <= MAX_CONNECTION:
                            fare = ((fare1 + fare2) * CONNECTION_FACTOR).quantize(Decimal("0.01"))
                            found.append((1, fare, (arr2 - dep1).total_seconds(), [(f1, dep1, arr1), (f2, dep2, arr2)]))
                            break
    found.sort(key=lambda t: (t[0], t[1], t[2]))
    return [(legs, fare) for _, fare, _, legs in found]


__all__ = ["TimetableProvider", "Timetable", "Flight", "load_timetable", "DEFAULT_PATH", "FX_PER_USD"]
