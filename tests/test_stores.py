"""In-memory stores that cannot grow without bound: stream-token ledger, outbound contexts, flight cache."""

from __future__ import annotations

from cachetools import TTLCache

from flights.chain import ProviderChain
from flights.timetable import TimetableProvider
from gateway.app import OUTBOUND_CONTEXT_TTL_SECS, create_app
from gateway.settings import Settings
from gateway.twilio import StreamTokenLedger, make_stream_token


class Clock:
    def __init__(self, now: float = 1_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_used_stream_tokens_are_forgotten_once_expired_and_capped():
    clock = Clock()
    ledger = StreamTokenLedger(b"secret", max_tokens=3, timer=clock)
    token = make_stream_token(b"secret", "CA1", 120, now=clock.now)
    assert ledger.redeem("CA1", token, now=clock.now) is None
    assert ledger.redeem("CA1", token, now=clock.now) == "stream token already used"
    assert len(ledger) == 1
    clock.now += 121  # past the token's own expiry: remembered no longer, and refused as expired
    assert len(ledger) == 0
    assert ledger.redeem("CA1", token, now=clock.now) == "stream token expired"
    for i in range(5):
        t = make_stream_token(b"secret", f"CA{i}", 120, now=clock.now)
        assert ledger.redeem(f"CA{i}", t, now=clock.now) is None
    assert len(ledger) == 3


def test_outbound_contexts_live_in_a_ttl_cache():
    app = create_app(Settings(_env_file=None), resources=None)
    store = app.state.call_state.contexts  # in-process state: REDIS_URL unset
    assert isinstance(store, TTLCache) and store.ttl == OUTBOUND_CONTEXT_TTL_SECS and store.maxsize > 0


async def test_flight_cache_entries_expire_on_their_own_lifetime_and_are_capped():
    from datetime import date, timedelta

    from flights.models import FlightQuery

    clock = Clock()
    chain = ProviderChain([TimetableProvider()], clock=clock, cache_ttl=100, cache_max_entries=2)
    day = date.today() + timedelta(days=3)
    queries = [FlightQuery(origin=o, destination="ORD", departure_date=day) for o in ("BOS", "JFK", "ATL")]
    for q in queries:
        assert not (await chain.search(q)).cached
    assert chain.stats()["cache_size"] == 2  # capped
    assert (await chain.search(queries[2])).cached
    clock.now += 101
    assert chain.stats()["cache_size"] == 0
    assert not (await chain.search(queries[2])).cached
