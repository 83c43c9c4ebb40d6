"""Amadeus and SerpApi providers against local servers speaking the vendors' wire formats
(testkit/fake_vendors.py), through the real clients: the amadeus SDK and aiohttp."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from flights.amadeus_provider import AmadeusProvider, parse_iso_duration
from flights.errors import AuthError, BadRequestError, RateLimitedError, UpstreamError
from flights.models import FlightQuery
from flights.serpapi_provider import SerpApiProvider
from testkit.fake_vendors import FakeAmadeus, FakeSerpApi

DAY = date.today() + timedelta(days=30)
QUERY = FlightQuery(origin="LHR", destination="JFK", departure_date=DAY, currency="EUR")
ROUND = FlightQuery(origin="LON", destination="NYC", departure_date=DAY, return_date=DAY + timedelta(days=7),
                    adults=2, children=1, travel_class="BUSINESS", currency="GBP")


@pytest.fixture
async def amadeus():
    async with FakeAmadeus() as server:
        provider = AmadeusProvider("test-id", "test-secret", host="127.0.0.1", port=server.port, ssl=False,
                                   timeout=1.0)
        yield server, provider
        provider.close()


@pytest.fixture
async def serp():
    async with FakeSerpApi() as server:
        provider = SerpApiProvider("serp-key", base_url=server.base_url, timeout=1.0)
        yield server, provider
        await provider.close()


def test_iso_durations() -> None:
    assert parse_iso_duration("PT2H10M") == 130
    assert parse_iso_duration("PT45M") == 45
    assert parse_iso_duration("P1DT1H") == 1500
    with pytest.raises(ValueError):
        parse_iso_duration("2h10")


# --- Amadeus ---------------------------------------------------------------------------------


async def test_amadeus_maps_offers(amadeus) -> None:
    server, provider = amadeus
    offers = await provider.search(QUERY)
    assert server.token_requests == 1 and server.offer_requests == 1
    assert server.last_params == {
        "originLocationCode": "LHR", "destinationLocationCode": "JFK", "departureDate": DAY.isoformat(),
        "adults": "1", "travelClass": "ECONOMY", "nonStop": "false", "currencyCode": "EUR", "max": "10",
    }
    assert [o.price for o in offers] == [Decimal("455.10"), Decimal("612.40")]
    direct = offers[1]
    assert direct.provider == "amadeus" and direct.currency == "EUR" and direct.cabin == "ECONOMY"
    seg = direct.segments[0]
    assert (seg.carrier_code, seg.carrier_name, seg.flight_number, seg.origin, seg.destination) == (
        "BA", "British Airways", "BA 117", "LHR", "JFK")
    # "at" is local without offset: London in GMT/BST, New York in EST/EDT
    assert seg.departure.hour == 8 and seg.departure.minute == 25
    assert str(seg.departure.tzinfo) == "Europe/London" and str(seg.arrival.tzinfo) == "America/New_York"
    assert seg.duration_minutes == 470
    assert (seg.arrival - seg.departure) == timedelta(minutes=470)
    one_stop = offers[0]
    assert one_stop.stops == 1 and one_stop.carrier_name == "Zed Air"  # from dictionaries.carriers
    # second token reused
    await provider.search(QUERY)
    assert server.token_requests == 1 and server.offer_requests == 2


async def test_amadeus_round_trip_params_and_return_segments(amadeus) -> None:
    server, provider = amadeus
    offers = await provider.search(ROUND)
    p = server.last_params
    assert (p["returnDate"], p["adults"], p["children"], p["travelClass"], p["currencyCode"]) == (
        ROUND.return_date.isoformat(), "2", "1", "BUSINESS", "GBP")
    assert all(o.return_segments for o in offers)
    assert offers[0].return_segments[0].origin == "JFK" and offers[0].cabin == "BUSINESS"
    nonstop = await provider.search(QUERY.model_copy(update={"nonstop": True}))
    assert server.last_params["nonStop"] == "true" and all(o.stops == 0 for o in nonstop)


@pytest.mark.parametrize(("status", "code", "error"), [
    (400, 477, BadRequestError), (400, 425, BadRequestError), (403, 38197, AuthError),
    (500, 141, UpstreamError), (503, 38189, UpstreamError),
])
async def test_amadeus_error_mapping(amadeus, status, code, error) -> None:
    server, provider = amadeus
    server.fail_next(status, code)
    with pytest.raises(error) as info:
        await provider.search(QUERY)
    assert info.value.status == status and info.value.code == str(code) and info.value.provider == "amadeus"


async def test_amadeus_429_carries_retry_after(amadeus) -> None:
    server, provider = amadeus
    server.fail_next(429, headers={"Retry-After": "3"})
    with pytest.raises(RateLimitedError) as info:
        await provider.search(QUERY)
    assert info.value.retry_after == 3.0 and info.value.code == "38194"
    server.fail_next(429)
    with pytest.raises(RateLimitedError) as info:
        await provider.search(QUERY)
    assert info.value.retry_after is None


async def test_amadeus_expired_token_is_refreshed(amadeus) -> None:
    server, provider = amadeus
    await provider.search(QUERY)
    server.expire_tokens()  # the server expires the token before the SDK's clock does
    offers = await provider.search(QUERY)
    assert offers and server.token_requests == 2
    assert server.offer_requests == 3  # 401 38192, then the retry with the new token


async def test_amadeus_sdk_refreshes_token_near_expiry() -> None:
    async with FakeAmadeus(expires_in=5) as server:  # inside the SDK's 10 s refresh buffer
        provider = AmadeusProvider("test-id", "test-secret", host="127.0.0.1", port=server.port, ssl=False)
        await provider.search(QUERY)
        await provider.search(QUERY)
        provider.close()
    assert server.token_requests == 2 and server.offer_requests == 2


async def test_amadeus_bad_credentials_is_auth_error() -> None:
    async with FakeAmadeus() as server:
        provider = AmadeusProvider("test-id", "wrong", host="127.0.0.1", port=server.port, ssl=False)
        with pytest.raises(AuthError):
            await provider.search(QUERY)
        provider.close()
    assert server.offer_requests == 0


async def test_amadeus_slow_and_dead_servers_are_upstream_errors(amadeus) -> None:
    server, provider = amadeus
    await provider.search(QUERY)  # token fetched
    server.delay = 3.0
    with pytest.raises(UpstreamError, match="timeout"):
        await provider.search(QUERY)
    dead = AmadeusProvider("test-id", "test-secret", host="127.0.0.1", port=1, ssl=False, timeout=0.5)
    with pytest.raises(UpstreamError):
        await dead.search(QUERY)
    dead.close()


def test_amadeus_config_errors_name_the_setting() -> None:
    with pytest.raises(ValueError, match="AMADEUS_CLIENT_ID"):
        AmadeusProvider("", "x")
    with pytest.raises(ValueError, match="AMADEUS_CLIENT_SECRET"):
        AmadeusProvider("x", "")


# --- SerpApi ---------------------------------------------------------------------------------


async def test_serpapi_maps_offers(serp) -> None:
    server, provider = serp
    offers = await provider.search(QUERY)
    p = server.last_params
    assert {k: p[k] for k in ("engine", "departure_id", "arrival_id", "outbound_date", "type", "travel_class",
                              "adults", "children", "currency", "hl")} == {
        "engine": "google_flights", "departure_id": "LHR", "arrival_id": "JFK", "outbound_date": DAY.isoformat(),
        "type": "2", "travel_class": "1", "adults": "1", "children": "0", "currency": "EUR", "hl": "en"}
    assert "stops" not in p and "return_date" not in p
    # best_flights first, then other_flights
    assert [o.price for o in offers] == [Decimal(612), Decimal(640), Decimal(455)]
    seg = offers[0].segments[0]
    assert (seg.carrier_code, seg.carrier_name, seg.flight_number, seg.duration_minutes) == (
        "BA", "British Airways", "BA 117", 470)
    assert str(seg.departure.tzinfo) == "Europe/London" and seg.arrival - seg.departure == timedelta(minutes=470)
    assert offers[2].stops == 1 and offers[2].segments[1].origin == "AMS"
    assert all(o.provider == "serpapi" and o.currency == "EUR" for o in offers)


async def test_serpapi_round_trip_metro_and_nonstop(serp) -> None:
    server, provider = serp
    offers = await provider.search(ROUND.model_copy(update={"nonstop": True}))
    p = server.last_params
    assert p["type"] == "1" and p["return_date"] == ROUND.return_date.isoformat() and p["stops"] == "1"
    assert p["departure_id"].startswith("LHR,") and "EWR" in p["arrival_id"] and p["travel_class"] == "3"
    assert offers and all(o.stops == 0 and o.cabin == "BUSINESS" and o.currency == "GBP" for o in offers)


@pytest.mark.parametrize(("status", "error"), [(400, BadRequestError), (500, UpstreamError), (503, UpstreamError)])
async def test_serpapi_error_mapping(serp, status, error) -> None:
    server, provider = serp
    server.fail_next(status)
    with pytest.raises(error):
        await provider.search(QUERY)


async def test_serpapi_bad_key_429_and_no_results(serp) -> None:
    server, provider = serp
    server.fail_next(429, headers={"Retry-After": "1.5"})
    with pytest.raises(RateLimitedError) as info:
        await provider.search(QUERY)
    assert info.value.retry_after == 1.5
    server.fail_next(200, "Google Flights hasn't returned any results for this query.")
    assert await provider.search(QUERY) == []
    bad = SerpApiProvider("nope", base_url=server.base_url)
    with pytest.raises(AuthError, match="Invalid API key"):
        await bad.search(QUERY)
    await bad.close()


async def test_serpapi_timeout(serp) -> None:
    server, provider = serp
    server.delay = 3.0
    with pytest.raises(UpstreamError, match="timeout"):
        await provider.search(QUERY)
