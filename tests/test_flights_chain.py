"""ProviderChain against the local vendor servers (testkit/fake_vendors.py) and the real timetable:
breaker, cache, single-flight, deadline, rate limits, bad requests, build_chain, stats."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from pydantic import SecretStr

from flights.amadeus_provider import AmadeusProvider
from flights.chain import FALLBACK_REASON, ProviderChain, build_chain
from flights.models import FlightQuery
from flights.search import FlightSearch
from flights.serpapi_provider import SerpApiProvider
from flights.timetable import TimetableProvider
from testkit.fake_vendors import FakeAmadeus, FakeSerpApi

DAY = date.today() + timedelta(days=30)
QUERY = FlightQuery(origin="LHR", destination="JFK", departure_date=DAY)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def vendors():
    async with FakeAmadeus() as am, FakeSerpApi() as serp:
        amadeus = AmadeusProvider("test-id", "test-secret", host="127.0.0.1", port=am.port, ssl=False, timeout=1.0)
        serpapi = SerpApiProvider("serp-key", base_url=serp.base_url, timeout=1.0)
        yield am, serp, amadeus, serpapi
        amadeus.close()
        await serpapi.close()


async def test_first_live_provider_answers_and_is_cached(vendors) -> None:
    am, serp, amadeus, serpapi = vendors
    clock = FakeClock()
    chain = ProviderChain([amadeus, serpapi, TimetableProvider()], clock=clock, cache_ttl=1800)
    first = await chain.search(QUERY)
    assert (first.provider, first.live, first.cached, first.fallback_reason, first.error) == (
        "amadeus", True, False, None, None)
    assert first.offers and all(o.provider == "amadeus" for o in first.offers)
    again = await chain.search(QUERY)   # (how fast a hit is: bench/flight_search.py)
    assert again.cached and again.provider == "amadeus" and again.live and again.offers == first.offers
    assert am.offer_requests == 1 and serp.requests == 0
    assert chain.stats()["cache_size"] == 1
    clock.now += 1801  # expired
    assert not (await chain.search(QUERY)).cached and am.offer_requests == 2


async def test_single_flight(vendors) -> None:
    am, serp, amadeus, serpapi = vendors
    am.delay = 0.2
    chain = ProviderChain([amadeus, serpapi, TimetableProvider()])
    results = await asyncio.gather(*(chain.search(QUERY) for _ in range(10)))
    assert am.offer_requests == 1 and chain.upstream_searches == 1
    assert all(r.provider == "amadeus" and r.offers == results[0].offers for r in results)
    other = QUERY.model_copy(update={"adults": 2})
    await asyncio.gather(chain.search(QUERY), chain.search(other), chain.search(other))
    assert am.offer_requests == 2  # QUERY cached, `other` fetched once


async def test_single_flight_survives_a_cancelled_caller(vendors) -> None:
    am, _, amadeus, _ = vendors
    am.delay = 0.2
    chain = ProviderChain([amadeus, TimetableProvider()])
    first = asyncio.create_task(chain.search(QUERY))
    second = asyncio.create_task(chain.search(QUERY))
    await asyncio.sleep(0.05)
    first.cancel()
    result = await second
    assert result.provider == "amadeus" and am.offer_requests == 1


async def test_failover_to_next_live_provider(vendors) -> None:
    am, serp, amadeus, serpapi = vendors
    am.fail_next(500)
    chain = ProviderChain([amadeus, serpapi, TimetableProvider()])
    result = await chain.search(QUERY)
    assert (result.provider, result.live, result.fallback_reason) == ("serpapi", True, None)
    stats = chain.stats()["providers"]
    assert stats["amadeus"]["consecutive_failures"] == 1 and "UpstreamError" in stats["amadeus"]["last_error"]
    assert stats["serpapi"]["last_latency_ms"] is not None


async def test_breaker_opens_after_3_failures_and_half_opens(vendors) -> None:
    am, serp, amadeus, _ = vendors
    clock = FakeClock()
    chain = ProviderChain([amadeus, TimetableProvider()], clock=clock, cache_ttl=0, breaker_failures=3,
                          breaker_open_secs=300)
    am.fail_next(503, times=3)
    for i in range(3):
        result = await chain.search(QUERY)
        assert result.provider == "timetable" and result.fallback_reason == FALLBACK_REASON and not result.live
        assert result.notice == "sample timetable data"
    assert am.offer_requests == 3
    assert chain.stats()["providers"]["amadeus"]["state"] == "open"
    # open: not called at all
    result = await chain.search(QUERY)
    assert result.provider == "timetable" and result.fallback_reason == FALLBACK_REASON and am.offer_requests == 3
    clock.now += 299
    await chain.search(QUERY)
    assert am.offer_requests == 3
    # window over: half-open, a single probe; it fails -> open again
    clock.now += 2
    assert chain.stats()["providers"]["amadeus"]["state"] == "half_open"
    am.fail_next(500)
    await chain.search(QUERY)
    assert am.offer_requests == 4 and chain.stats()["providers"]["amadeus"]["state"] == "open"
    await chain.search(QUERY)
    assert am.offer_requests == 4
    # next window: the probe succeeds -> closed
    clock.now += 301
    result = await chain.search(QUERY)
    assert result.provider == "amadeus" and am.offer_requests == 5
    assert chain.stats()["providers"]["amadeus"]["state"] == "closed"
    assert chain.stats()["providers"]["amadeus"]["consecutive_failures"] == 0


async def test_half_open_allows_one_probe_at_a_time(vendors) -> None:
    am, _, amadeus, _ = vendors
    clock = FakeClock()
    chain = ProviderChain([amadeus, TimetableProvider()], clock=clock, cache_ttl=0, breaker_failures=1)
    am.fail_next(500)
    await chain.search(QUERY)
    clock.now += 301
    am.delay = 0.3
    q2 = QUERY.model_copy(update={"adults": 3})
    probe, other = await asyncio.gather(chain.search(QUERY), chain.search(q2))
    assert probe.provider == "amadeus" and other.provider == "timetable" and am.offer_requests == 2


#: Only there so a broken deadline fails the test instead of hanging it; far above the chain's deadline.
HANG_GUARD_SECS = 60.0


async def test_deadline_with_hanging_providers_returns_the_timetable(vendors) -> None:
    """Both live providers never answer (their handlers sleep until the fake servers close): the
    chain's own timeouts and deadline must give up on them and answer from the timetable. How long
    that takes against the deadline is a figure of bench/flight_search.py."""
    am, serp, amadeus, serpapi = vendors
    am.delay = serp.delay = float("inf")
    _ = TimetableProvider().timetable  # production loads it at start-up (flights.warm_up)
    chain = ProviderChain([amadeus, serpapi, TimetableProvider()], per_provider_timeout=0.6, deadline=1.0)
    result = await asyncio.wait_for(chain.search(QUERY), HANG_GUARD_SECS)
    assert result.provider == "timetable" and result.offers and result.fallback_reason == FALLBACK_REASON
    assert not result.live and result.error is None
    assert am.offer_requests + am.token_requests >= 1
    assert "timeout" in chain.stats()["providers"]["amadeus"]["last_error"]


async def test_bad_request_does_not_fall_back(vendors) -> None:
    am, serp, amadeus, serpapi = vendors
    am.fail_next(400, 425, "INVALID DATE", "Date/Time is in the past")
    chain = ProviderChain([amadeus, serpapi, TimetableProvider()])
    result = await chain.search(QUERY)
    assert (result.error, result.provider, result.offers) == ("bad_request", "amadeus", [])
    assert "in the past" in result.detail
    assert serp.requests == 0 and chain.stats()["cache_size"] == 0  # not cached
    assert chain.stats()["providers"]["amadeus"]["consecutive_failures"] == 0


async def test_rate_limit_retry_after_within_deadline(vendors) -> None:
    am, serp, amadeus, serpapi = vendors
    am.fail_next(429, headers={"Retry-After": "0.3"})
    chain = ProviderChain([amadeus, serpapi, TimetableProvider()], deadline=3.0)
    result = await chain.search(QUERY)
    assert result.provider == "amadeus" and am.offer_requests == 2 and serp.requests == 0


async def test_rate_limit_beyond_deadline_falls_back_and_waits(vendors) -> None:
    am, serp, amadeus, serpapi = vendors
    clock = FakeClock()
    am.fail_next(429, headers={"Retry-After": "30"})
    chain = ProviderChain([amadeus, serpapi, TimetableProvider()], deadline=2.0, clock=clock, cache_ttl=0)
    result = await chain.search(QUERY)
    assert result.provider == "serpapi" and am.offer_requests == 1
    await chain.search(QUERY)
    assert am.offer_requests == 1  # still inside Retry-After
    clock.now += 31
    assert (await chain.search(QUERY)).provider == "amadeus"


async def test_all_fail_is_unavailable_and_not_cached(tmp_path) -> None:
    chain = ProviderChain([TimetableProvider(tmp_path / "missing.csv")])
    result = await chain.search(QUERY)
    assert (result.provider, result.error, result.offers) == ("none", "unavailable", [])
    assert chain.stats()["cache_size"] == 0


async def test_flight_search_wrapper_still_works() -> None:
    result = await FlightSearch([TimetableProvider()]).search(QUERY)
    assert result.provider == "timetable" and not result.live and result.offers
    assert result.notice == "sample timetable data" and result.fallback_reason is None
    assert (await FlightSearch().search(QUERY)).provider == "timetable"


class _Settings:
    def __init__(self, **kw) -> None:
        self.__dict__.update(kw)


async def test_build_chain_from_settings(vendors) -> None:
    am, serp, _, _ = vendors
    settings = _Settings(
        flight_providers="amadeus, serpapi ,timetable", amadeus_client_id="test-id",
        amadeus_client_secret=SecretStr("test-secret"), amadeus_hostname="test", amadeus_host="127.0.0.1",
        amadeus_port=str(am.port), amadeus_ssl="false", serpapi_api_key=SecretStr("serp-key"),
        serpapi_base_url=serp.base_url, timetable_path=None, flight_provider_timeout_secs=2,
        flight_search_deadline_secs=3,
    )
    chain = build_chain(settings)
    assert [p.name for p in chain.providers] == ["amadeus", "serpapi", "timetable"]
    assert (chain.per_provider_timeout, chain.deadline) == (2.0, 3.0)
    assert (await chain.search(QUERY)).provider == "amadeus"
    await chain.aclose()


def test_build_chain_skips_unconfigured_and_reports_them() -> None:
    chain = build_chain(_Settings(amadeus_client_id="", amadeus_client_secret=SecretStr(""), serpapi_api_key=None))
    assert [p.name for p in chain.providers] == ["timetable"]
    stats = chain.stats()
    assert stats["providers"]["amadeus"]["configured"] is False
    assert stats["providers"]["serpapi"]["configured"] is False
    assert stats["providers"]["amadeus"]["state"] == "disabled"
    assert stats["providers"]["timetable"] == {
        "configured": True, "state": "closed", "consecutive_failures": 0, "last_error": None,
        "last_latency_ms": None, "calls": 0, "failures": 0, "live": False}
    assert stats["cache_size"] == 0
    with pytest.raises(ValueError, match="unknown provider 'kayak'"):
        build_chain(_Settings(flight_providers="kayak,timetable"))
    with pytest.raises(ValueError, match="no usable provider"):
        build_chain(_Settings(flight_providers="amadeus"))
