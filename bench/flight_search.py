"""Flight search latency: place resolution, timetable, the provider chain against local fake vendors,
cache hits, and the chain with a dead (hanging) live provider.

    .venv/bin/python bench/flight_search.py [--n 30] [--timeout 1.0] [--deadline 2.0]

"cold" = distinct queries (cache misses, real upstream work); "cached" = the same queries
again (TTL cache hits). The fake vendors (testkit/fake_vendors.py) run on 127.0.0.1 in this
process, so the chain figures are our overhead + the SDK/aiohttp + loopback HTTP, not a
vendor's real latency. Targets (they used to be asserts in tests/): resolve_place < 5 ms per
phrase, cache hit p95 <= 10 ms, timetable p95 <= 50 ms over random top-100 pairs, dead
providers <= deadline.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import random
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from loguru import logger  # noqa: E402

from flights.airports import BUSIEST_AIRPORTS, metro_of_airport  # noqa: E402
from flights.amadeus_provider import AmadeusProvider  # noqa: E402
from flights.chain import ProviderChain  # noqa: E402
from flights.models import FlightQuery  # noqa: E402
from flights.places import resolve_place  # noqa: E402
from flights.serpapi_provider import SerpApiProvider  # noqa: E402
from flights.timetable import TimetableProvider  # noqa: E402
from testkit.fake_vendors import FakeAmadeus, FakeSerpApi  # noqa: E402
from testkit.labelled_places import LABELLED  # noqa: E402

ROUTES = [("LHR", "JFK"), ("BOS", "ORD"), ("MAD", "BCN"), ("LON", "NYC"), ("CDG", "FCO"), ("FRA", "SIN"),
          ("LAX", "HND"), ("ATL", "MIA"), ("DXB", "BOM"), ("SYD", "MEL")]


def queries(n: int, offset: int = 0) -> list[FlightQuery]:
    start = date.today() + timedelta(days=20 + offset)
    out = []
    for i in range(n):
        o, d = ROUTES[i % len(ROUTES)]
        out.append(FlightQuery(origin=o, destination=d, departure_date=start + timedelta(days=i // len(ROUTES)),
                               return_date=(start + timedelta(days=7 + i // len(ROUTES))) if i % 3 == 0 else None))
    return out


def pct(values: list[float], p: float) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def line(label: str, ms: list[float], extra: str = "") -> None:
    print(f"  {label:<44} n={len(ms):<3} p50 {pct(ms, 50):8.2f} ms   p95 {pct(ms, 95):8.2f} ms   max {max(ms):8.2f} ms"
          f"{'   ' + extra if extra else ''}")


async def timed(chain: ProviderChain, qs: list[FlightQuery]) -> tuple[list[float], list]:
    ms, results = [], []
    for q in qs:
        t0 = time.perf_counter()
        r = await chain.search(q)
        ms.append((time.perf_counter() - t0) * 1000)
        results.append(r)
    return ms, results


def providers_of(results: list) -> str:
    seen: dict[str, int] = {}
    for r in results:
        seen[r.provider] = seen.get(r.provider, 0) + 1
    return "answered by " + ", ".join(f"{k} x{v}" for k, v in seen.items())


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=30, help="queries per scenario")
    ap.add_argument("--timeout", type=float, default=1.0, help="per-provider timeout for the dead-provider runs")
    ap.add_argument("--deadline", type=float, default=2.0, help="overall deadline for the dead-provider runs")
    args = ap.parse_args()
    logger.remove()
    logger.add(sys.stderr, level="ERROR")
    n = args.n

    print("place resolution (resolve_place, labelled phrases of tests/test_flights_places.py)")
    resolve_place("warm up")
    ms = []
    for _ in range(5):
        for phrase, _codes in LABELLED:
            t0 = time.perf_counter()
            resolve_place(phrase)
            ms.append((time.perf_counter() - t0) * 1000)
    line("resolve_place per phrase (target < 5 ms mean)", ms, f"mean {statistics.mean(ms):.3f} ms")

    print("timetable")
    t0 = time.perf_counter()
    _ = TimetableProvider().timetable
    print(f"  CSV load (once per process, done by flights.warm_up at start-up): {(time.perf_counter() - t0) * 1000:.0f} ms")
    chain = ProviderChain([TimetableProvider()])
    qs = queries(n)
    cold, res = await timed(chain, qs)
    line("timetable only, cold", cold, providers_of(res))
    hot, _ = await timed(chain, qs)
    line("timetable only, cached", hot)
    provider = TimetableProvider()
    metro = metro_of_airport()
    top = BUSIEST_AIRPORTS[:100]
    pairs = [(o, d) for o, d in itertools.permutations(top, 2) if not (o in metro and metro[o] == metro.get(d))]
    ms = []
    for o, d in random.Random(7).sample(pairs, 300):
        t0 = time.perf_counter()
        provider.search_sync(FlightQuery(origin=o, destination=d, departure_date=date(2027, 3, 5)))
        ms.append((time.perf_counter() - t0) * 1000)
    line("timetable pairs: 300 random top-100 (target p95 <= 50 ms)", ms)

    async with FakeAmadeus() as am, FakeSerpApi() as serp:
        amadeus = AmadeusProvider("test-id", "test-secret", host="127.0.0.1", port=am.port, ssl=False, timeout=4.0)
        serpapi = SerpApiProvider("serp-key", base_url=serp.base_url, timeout=4.0)
        print("chain amadeus -> serpapi -> timetable (fake vendors on 127.0.0.1)")
        chain = ProviderChain([amadeus, serpapi, TimetableProvider()])
        qs = queries(n, offset=100)
        cold, res = await timed(chain, qs)
        line("chain, cold (amadeus answers)", cold, providers_of(res) + f", token fetches {am.token_requests}")
        hot, _ = await timed(chain, qs)
        line("chain, cache hits", hot)
        # SerpApi as first live provider
        chain2 = ProviderChain([serpapi, TimetableProvider()])
        cold, res = await timed(chain2, queries(n, offset=200))
        line("chain, cold (serpapi answers)", cold, providers_of(res))

        # single-flight
        before = am.offer_requests
        q = queries(1, offset=300)[0]
        t0 = time.perf_counter()
        await asyncio.gather(*(chain.search(q) for _ in range(20)))
        print(f"  single-flight: 20 concurrent identical searches -> {am.offer_requests - before} upstream request(s)"
              f" in {(time.perf_counter() - t0) * 1000:.1f} ms")

        print(f"dead amadeus (hangs), per-provider timeout {args.timeout}s, deadline {args.deadline}s")
        am.delay = 60.0
        dead_n = max(5, n // 5)
        no_breaker = ProviderChain([amadeus, serpapi, TimetableProvider()], per_provider_timeout=args.timeout,
                                   deadline=args.deadline, breaker_failures=10**6)
        ms, res = await timed(no_breaker, queries(dead_n, offset=400))
        line("breaker disabled: timeout then serpapi", ms, providers_of(res))
        with_breaker = ProviderChain([amadeus, serpapi, TimetableProvider()], per_provider_timeout=args.timeout,
                                     deadline=args.deadline)
        ms, res = await timed(with_breaker, queries(n, offset=500))
        line("breaker on (opens after 3 timeouts)", ms,
             providers_of(res) + f", amadeus {with_breaker.stats()['providers']['amadeus']['state']}")
        serp.delay = 60.0
        both = ProviderChain([amadeus, serpapi, TimetableProvider()], per_provider_timeout=args.timeout,
                             deadline=args.deadline, breaker_failures=10**6)
        ms, res = await timed(both, queries(dead_n, offset=600))
        fb = {r.fallback_reason for r in res}
        line("both live dead -> timetable backstop", ms, providers_of(res) + f", fallback_reason {fb}")
        print(f"  worst case {max(ms):.0f} ms vs deadline {args.deadline * 1000:.0f} ms: "
              f"{'OK' if max(ms) <= args.deadline * 1000 + 50 else 'OVER'}")
        amadeus.close()
        await serpapi.close()


if __name__ == "__main__":
    asyncio.run(main())
