"""speak_offers / place_name and FlightSearch over the sample timetable."""

from datetime import date

from dialogue.speech import place_name, speak_offers
from flights import FlightQuery, FlightSearch, SearchResult
from flights.models import Offer

DAY = date(2027, 3, 5)


class Broken:
    name = "broken"

    async def search(self, query: FlightQuery) -> list[Offer]:
        raise RuntimeError("vendor down")


async def test_speak_offers_mentions_city_time_price() -> None:
    q = FlightQuery(origin="BOS", destination="CHI", departure_date=DAY)
    result = await FlightSearch().search(q)
    text = speak_offers(result.offers, q)
    print(text)
    assert "from Boston to Chicago" in text and "Friday, March 5" in text
    assert " AM" in text or " PM" in text
    assert "dollars" in text
    assert result.offers[0].carrier_name in text
    assert text.count("leaving at") == 3
    assert f"There are {len(result.offers) - 3} more options." in text


async def test_speak_euros_and_stop_city() -> None:
    q = FlightQuery(origin="BTV", destination="SIN", departure_date=DAY, currency="EUR")
    result = await FlightSearch().search(q)
    one_stop = [o for o in result.offers if o.stops == 1]
    assert one_stop
    text = speak_offers(one_stop[:1], q)
    via = place_name(one_stop[0].segments[0].destination)
    assert text.startswith("I found one flight from Burlington to Singapore")
    assert "euros" in text and f"with one stop in {via}" in text and "more option" not in text


def test_speak_empty() -> None:
    q = FlightQuery(origin="LHR", destination="NYC", departure_date=DAY)
    text = speak_offers([], q)
    assert text == "I couldn't find any flights from London to New York on Friday, March 5."


def test_place_name() -> None:
    assert place_name("ORD") == "Chicago"
    assert place_name("LON") == "London"
    assert place_name("YYZ") == "Toronto"
    assert place_name("ZZZ") == "ZZZ"


async def test_search_marks_sample_and_falls_through() -> None:
    q = FlightQuery(origin="JFK", destination="LAX", departure_date=DAY)
    result = await FlightSearch([Broken(), *FlightSearch().providers]).search(q)
    assert isinstance(result, SearchResult)
    assert result.provider == "timetable" and result.live is False and result.notice == "sample timetable data"
    assert result.offers
    dead = await FlightSearch([Broken()]).search(q)
    assert dead.offers == [] and dead.provider == "none"


def test_query_validation() -> None:
    import pytest
    from pydantic import ValidationError

    assert FlightQuery(origin="bos", destination="ord", departure_date=DAY).origin == "BOS"
    for bad in (
        dict(origin="BOS", destination="BOS", departure_date=DAY),
        dict(origin="BOSX", destination="ORD", departure_date=DAY),
        dict(origin="BOS", destination="ORD", departure_date=DAY, return_date=date(2027, 3, 1)),
        dict(origin="BOS", destination="ORD", departure_date=DAY, adults=0),
        dict(origin="BOS", destination="ORD", departure_date=DAY, children=10),
    ):
        with pytest.raises(ValidationError):
            FlightQuery(**bad)
    a = FlightQuery(origin="bos", destination="ORD", departure_date=DAY)
    b = FlightQuery(origin="BOS", destination="ord", departure_date=DAY)
    assert a.cache_key() == b.cache_key()
