"""TimetableProvider over the shipped sample CSV: coverage, time zones, filters, round trips."""

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from flights.airports import BUSIEST_AIRPORTS, metro_of_airport
from flights.models import FlightQuery
from flights.timetable import DEFAULT_PATH, TimetableProvider

TOP100 = BUSIEST_AIRPORTS[:100]
DAY = date(2027, 3, 5)


@pytest.fixture(scope="module")
def provider() -> TimetableProvider:
    p = TimetableProvider()
    _ = p.timetable  # load once
    return p


def _pairs() -> list[tuple[str, str]]:
    mo = metro_of_airport()
    return [(o, d) for o, d in itertools.permutations(TOP100, 2) if not (o in mo and mo[o] == mo.get(d))]


def test_sample_file_is_small() -> None:
    assert DEFAULT_PATH.exists() and DEFAULT_PATH.stat().st_size < 3_000_000


def test_sampled_top100_pairs_have_itineraries(provider: TimetableProvider) -> None:
    rng = random.Random(42)
    pairs = rng.sample(_pairs(), 500)  # every pair is checked structurally below
    missing = [(o, d) for o, d in pairs if not provider.search_sync(FlightQuery(origin=o, destination=d, departure_date=DAY))]
    assert missing == []


def test_every_top100_pair_connected_in_index(provider: TimetableProvider) -> None:
    """Cheap structural check over all ~9,900 ordered pairs: a route or a one-stop route exists."""
    tt = provider.timetable
    out: dict[str, set[str]] = {}
    for (o, d) in tt.by_route:
        out.setdefault(o, set()).add(d)

    def reachable(o: str, d: str) -> bool:  # codes like SHA/IST are metro codes: expand them
        targets = set(tt.expand(d))
        for a in tt.expand(o):
            hops = out.get(a, set())
            if hops & targets or any(out.get(h, set()) & targets for h in hops):
                return True
        return False

    missing = [(o, d) for o, d in _pairs() if not reachable(o, d)]
    assert missing == []


def test_times_are_tz_aware_local(provider: TimetableProvider) -> None:
    offers = provider.search_sync(FlightQuery(origin="LHR", destination="JFK", departure_date=DAY))
    assert offers
    seg = offers[0].segments[0]
    assert str(seg.departure.tzinfo) == "Europe/London" and str(seg.arrival.tzinfo) == "America/New_York"
    assert seg.departure.date() == DAY
    assert (seg.arrival - seg.departure) == timedelta(minutes=seg.duration_minutes)
    assert seg.flight_number.startswith(seg.carrier_code + " ")


def test_sorted_by_stops_price_and_nonstop_filter(provider: TimetableProvider) -> None:
    q = FlightQuery(origin="BOS", destination="SIN", departure_date=DAY)
    offers = provider.search_sync(q)
    assert 1 <= len(offers) <= 10
    keys = [(o.stops, o.price) for o in offers]
    assert keys == sorted(keys)
    for o in offers:
        if o.stops == 1:
            a, b = o.segments
            gap = b.departure - a.arrival
            assert timedelta(minutes=60) <= gap <= timedelta(hours=6)
            assert a.destination == b.origin
    nonstop = provider.search_sync(FlightQuery(origin="BOS", destination="ORD", departure_date=DAY, nonstop=True))
    assert nonstop and all(o.stops == 0 for o in nonstop)
    assert provider.search_sync(FlightQuery(origin="BTV", destination="SIN", departure_date=DAY, nonstop=True)) == []


def test_round_trip_and_passengers(provider: TimetableProvider) -> None:
    one_way = provider.search_sync(FlightQuery(origin="BOS", destination="ORD", departure_date=DAY))
    rt = provider.search_sync(FlightQuery(origin="BOS", destination="ORD", departure_date=DAY, return_date=DAY + timedelta(days=7)))
    assert rt and all(o.return_segments for o in rt)
    assert rt[0].return_segments[0].origin in {"ORD", "MDW"} and rt[0].return_segments[-1].destination == "BOS"
    assert rt[0].return_segments[0].departure.date() == DAY + timedelta(days=7)
    assert rt[0].price > one_way[0].price
    family = provider.search_sync(FlightQuery(origin="BOS", destination="ORD", departure_date=DAY, adults=2, children=2))
    assert family[0].price == (one_way[0].price * Decimal("3.5")).quantize(Decimal("0.01"))


def test_cabin_and_currency(provider: TimetableProvider) -> None:
    eco = provider.search_sync(FlightQuery(origin="CDG", destination="FRA", departure_date=DAY))
    biz = provider.search_sync(FlightQuery(origin="CDG", destination="FRA", departure_date=DAY, travel_class="BUSINESS"))
    assert biz[0].cabin == "BUSINESS" and biz[0].price > 3 * eco[0].price
    eur = provider.search_sync(FlightQuery(origin="CDG", destination="FRA", departure_date=DAY, currency="EUR"))
    assert eur[0].currency == "EUR"


def test_city_codes_expand(provider: TimetableProvider) -> None:
    offers = provider.search_sync(FlightQuery(origin="NYC", destination="LON", departure_date=DAY))
    assert offers
    assert {o.segments[0].origin for o in offers} <= {"JFK", "EWR", "LGA"}
    assert {o.segments[-1].destination for o in offers} <= {"LHR", "LGW", "STN", "LTN", "LCY"}


def test_unknown_code_gives_empty(provider: TimetableProvider) -> None:
    assert provider.search_sync(FlightQuery(origin="ZZZ", destination="JFK", departure_date=DAY)) == []
    assert provider.search_sync(FlightQuery(origin="JFK", destination="QQQ", departure_date=DAY)) == []


async def test_async_search_returns_the_sync_offers(provider: TimetableProvider) -> None:
    query = FlightQuery(origin="ATL", destination="DXB", departure_date=DAY)
    offers = await provider.search(query)   # (how fast: bench/flight_search.py, "timetable pairs")
    assert offers and offers == provider.search_sync(query)


def test_operator_csv(tmp_path: Path) -> None:
    csv_path = tmp_path / "mine.csv"
    csv_path.write_text(
        "carrier,flight_number,origin,destination,departure_local,duration_minutes,economy,premium_economy,business,first,days\n"
        "XX,1,BOS,JFK,09:00,75,100,,,,\n"
        "XX,2,JFK,MIA,12:00,190,150,,,,5\n"
    )
    p = TimetableProvider(csv_path)
    friday = date(2027, 3, 5)
    offers = p.search_sync(FlightQuery(origin="BOS", destination="MIA", departure_date=friday))
    assert len(offers) == 1 and offers[0].stops == 1 and offers[0].price == Decimal("200.00")
    assert offers[0].segments[0].carrier_name == "XX"
    assert p.search_sync(FlightQuery(origin="BOS", destination="MIA", departure_date=friday + timedelta(days=1))) == []
    assert p.search_sync(FlightQuery(origin="BOS", destination="JFK", departure_date=friday, travel_class="FIRST")) == []


def test_every_searchable_airport_has_flights_both_ways(provider: TimetableProvider) -> None:
    # an airport the resolver knows but the sample has no flight for is a search that always fails
    from flights.airports import EXTRA_AIRPORTS

    origins = {o for o, _ in provider.timetable.by_route}
    destinations = {d for _, d in provider.timetable.by_route}
    missing = [c for c in (*BUSIEST_AIRPORTS, *EXTRA_AIRPORTS) if c not in origins or c not in destinations]
    assert missing == []


def test_extending_a_timetable_keeps_its_rows_and_numbers_new_flights_after_them() -> None:
    from flights.make_timetable import extended

    kept = [["AF", "7", "CDG", "NCE", "07:00", "90", "100", "", "", ""],
            ["AF", "9999", "NCE", "CDG", "09:00", "90", "100", "", "", ""]]
    generated = [["AF", "7", "CDG", "NCE", "08:00", "90", "1", "", "", ""],  # a served route: dropped
                 ["AF", "1", "CDG", "LIL", "10:00", "60", "80", "", "", ""],
                 ["XX", "5", "LIL", "CDG", "11:00", "60", "80", "", "", ""]]
    rows = extended(kept, generated)
    assert rows[:2] == kept
    # AF's highest number is 9999: the next free one is taken from 1, never a number in use
    assert rows[2:] == [["AF", "1", "CDG", "LIL", "10:00", "60", "80", "", "", ""],
                        ["XX", "1", "LIL", "CDG", "11:00", "60", "80", "", "", ""]]
