"""Live fares from Google Flights through SerpApi, with plain aiohttp (no SDK).

API reference: https://serpapi.com/google-flights-api

    SerpApiProvider(api_key, base_url="https://serpapi.com", timeout=4.0)
    await provider.search(query) -> list[Offer]     (raises flights.errors.*)
    await provider.close()

Request: ``GET {base_url}/search.json?engine=google_flights&departure_id=..&arrival_id=..
&outbound_date=YYYY-MM-DD[&return_date=..]&type=1|2&travel_class=1..4[&stops=1]&adults=..
&children=..&currency=..&hl=en&api_key=..`` (``type`` 1 = round trip, 2 = one way;
``travel_class`` 1 economy, 2 premium economy, 3 business, 4 first; ``stops=1`` nonstop only).
Metro codes (NYC, LON...) are sent as the comma-separated list of their airports, which the
API accepts for ``departure_id``/``arrival_id``.

Response: ``best_flights`` and ``other_flights`` (merged, in that order), each item with
``flights[]`` (``departure_airport``/``arrival_airport`` ``{id, time: "YYYY-MM-DD HH:MM"}``
local to the airport, ``airline``, ``flight_number`` "UA 1234", ``duration`` minutes),
``price`` (integer, total, in ``currency``) and ``total_duration``. Errors come as
``{"error": "..."}``: 400 -> :class:`BadRequestError`, 401/403 -> :class:`AuthError`, 429 ->
:class:`RateLimitedError`, 5xx/timeouts/bad JSON -> :class:`UpstreamError`. A 200 whose error
says Google returned no results is an empty answer, not a failure.

Round trips: Google Flights prices the round trip on the outbound list but returns the return
legs only through a second request (``departure_token``); to keep one HTTP exchange per search
the offers carry the outbound segments and the round-trip price, with ``return_segments`` empty.
The API key is sent as a query parameter and is never logged.
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from loguru import logger

from flights.airports import METROS, tz_of
from flights.carriers import CARRIERS
from flights.errors import (
    AuthError,
    BadRequestError,
    ProviderError,
    RateLimitedError,
    UpstreamError,
    parse_retry_after,
)
from flights.models import FlightQuery, Offer, Segment

API_DOC = "https://serpapi.com/google-flights-api"
TRAVEL_CLASS = {"ECONOMY": 1, "PREMIUM_ECONOMY": 2, "BUSINESS": 3, "FIRST": 4}


@lru_cache(maxsize=1024)
def _zone(code: str) -> ZoneInfo:
    return ZoneInfo(tz_of(code))


def _place_ids(code: str) -> str:
    if code in METROS and len(METROS[code][2]) > 1:
        return ",".join(METROS[code][2])
    return code


def query_params(query: FlightQuery, api_key: str) -> dict[str, str]:
    """SerpApi google_flights parameters for ``query`` (names as in the API reference)."""
    params = {
        "engine": "google_flights",
        "departure_id": _place_ids(query.origin),
        "arrival_id": _place_ids(query.destination),
        "outbound_date": query.departure_date.isoformat(),
        "type": "1" if query.return_date else "2",
        "travel_class": str(TRAVEL_CLASS[query.travel_class]),
        "adults": str(query.adults),
        "children": str(query.children),
        "currency": query.currency,
        "hl": "en",
        "api_key": api_key,
    }
    if query.return_date:
        params["return_date"] = query.return_date.isoformat()
    if query.nonstop:
        params["stops"] = "1"
    return params


def _segment(raw: dict[str, Any]) -> Segment:
    dep, arr = raw["departure_airport"], raw["arrival_airport"]
    number = " ".join(str(raw["flight_number"]).split())
    code, _, digits = number.partition(" ")
    if not digits:  # "UA1234"
        code, digits = number[:2], number[2:]
    code = code.upper()
    departure = datetime.strptime(dep["time"], "%Y-%m-%d %H:%M").replace(tzinfo=_zone(dep["id"]))
    arrival = datetime.strptime(arr["time"], "%Y-%m-%d %H:%M").replace(tzinfo=_zone(arr["id"]))
    minutes = raw.get("duration")
    if minutes is None:
        minutes = int((arrival - departure).total_seconds() // 60)
    return Segment(
        carrier_code=code,
        carrier_name=CARRIERS.get(code) or raw.get("airline") or code,
        flight_number=f"{code} {digits.strip()}",
        origin=dep["id"],
        destination=arr["id"],
        departure=departure,
        arrival=arrival,
        duration_minutes=int(minutes),
    )


def map_offers(body: dict[str, Any], query: FlightQuery, provider: str = "serpapi") -> list[Offer]:
    """google_flights JSON -> offers: ``best_flights`` then ``other_flights``; items without a
    price or with an unmappable leg are logged and skipped."""
    offers: list[Offer] = []
    for item in list(body.get("best_flights") or []) + list(body.get("other_flights") or []):
        try:
            if item.get("price") is None:
                continue
            offers.append(
                Offer(
                    segments=[_segment(f) for f in item["flights"]],
                    price=Decimal(str(item["price"])),
                    currency=query.currency,
                    cabin=query.travel_class,
                    provider=provider,
                )
            )
        except (KeyError, IndexError, TypeError, ValueError, InvalidOperation) as exc:
            logger.warning("serpapi: skipped itinerary: {}: {}", type(exc).__name__, exc)
    return offers


class SerpApiProvider:
    """Google Flights via SerpApi (see module docstring and :data:`API_DOC`)."""

    name = "serpapi"
    live = True

    def __init__(self, api_key: str, base_url: str = "https://serpapi.com", timeout: float = 4.0,
                 max_offers: int = 10) -> None:
        if not api_key:
            raise ValueError("SerpApiProvider: missing api_key (SERPAPI_API_KEY)")
        if not base_url:
            raise ValueError("SerpApiProvider: missing base_url (SERPAPI_BASE_URL)")
        self._api_key = api_key
        self.base_url = base_url.rstrip("/")
        self.timeout = float(timeout)
        self.max_offers = int(max_offers)
        self._session: aiohttp.ClientSession | None = None
        self._session_loop: asyncio.AbstractEventLoop | None = None

    def _get_session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        if self._session is None or self._session.closed or self._session_loop is not loop:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=32, ttl_dns_cache=300),
            )
            self._session_loop = loop
        return self._session

    async def close(self) -> None:
        """Close the HTTP session (safe to call twice)."""
        if self._session is not None and not self._session.closed:
            await self._session.close()
        self._session = None

    async def search(self, query: FlightQuery) -> list[Offer]:
        """Search Google Flights for ``query``; raises a :mod:`flights.errors` error on failure."""
        session = self._get_session()
        url = f"{self.base_url}/search.json"
        try:
            async with session.get(url, params=query_params(query, self._api_key)) as resp:
                status = resp.status
                retry_after = resp.headers.get("Retry-After")
                text = await resp.text()
        except asyncio.TimeoutError as exc:
            raise UpstreamError(f"serpapi: timeout after {self.timeout:.1f}s", provider=self.name) from exc
        except aiohttp.ClientError as exc:
            raise UpstreamError(f"serpapi: {type(exc).__name__}: {exc}", provider=self.name) from exc
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if status == 200 and _no_results(body):
            return []
        if status >= 400 or not isinstance(body, dict) or body.get("error"):
            raise self._error(status, body, retry_after)
        return map_offers(body, query, self.name)[: self.max_offers]

    def _error(self, status: int, body: Any, retry_after: str | None) -> ProviderError:
        message = body.get("error") if isinstance(body, dict) else None
        msg = f"serpapi {status}: {message or 'non-JSON response'}"
        kw = {"provider": self.name, "status": status}
        if status == 429:
            return RateLimitedError(msg, retry_after=parse_retry_after(retry_after), **kw)
        if status in (401, 403):
            return AuthError(msg, **kw)
        if status >= 500 or message is None:
            return UpstreamError(msg, **kw)
        if status >= 400:
            return BadRequestError(msg, **kw)
        return UpstreamError(msg, **kw)  # 200 with an error other than "no results"


def _no_results(body: Any) -> bool:
    return isinstance(body, dict) and "returned any results" in str(body.get("error", ""))


__all__ = ["SerpApiProvider", "map_offers", "query_params", "API_DOC"]
