"""Live fares from Amadeus Self-Service *Flight Offers Search v2* through the official SDK.

API reference: https://developers.amadeus.com/self-service/category/flights/api-doc/flight-offers-search

    AmadeusProvider(client_id, client_secret, hostname="test", host=None, port=None, ssl=True,
                    timeout=4.0, max_offers=10)
    await provider.search(query) -> list[Offer]     (raises flights.errors.*)

Wire facts this module depends on (see /work/shared/DESIGN.md, "Vendor facts"):

* OAuth2 client credentials at ``POST /v1/security/oauth2/token``; the SDK caches the token and
  refreshes it 10 s before ``expires_in`` runs out. A token the server expires earlier is
  answered ``401`` with error code **38192** ("Access token expired") or 38191 ("Invalid access
  token"): the SDK does not retry those, so we drop the cached token and retry once.
* ``GET /v2/shopping/flight-offers``: ``data[].itineraries[].segments[]`` with
  ``departure``/``arrival`` ``{iataCode, at}`` where ``at`` is the *local* time at that airport
  without an offset (we attach the airport's tz from airportsdata), ``carrierCode``, ``number``,
  ``duration`` ISO 8601 (``"PT2H10M"``); ``price.grandTotal`` is a *string* in
  ``price.currency``; ``dictionaries.carriers`` maps codes to (upper-case) names.
* Errors: ``{"errors": [{"status", "code", "title", "detail"}]}``. 400 (incl. code 477
  INVALID FORMAT, 425 INVALID DATE...) -> :class:`BadRequestError`; 401/403 -> :class:`AuthError`;
  429 (code 38194) -> :class:`RateLimitedError` with ``Retry-After``; 5xx, timeouts, network
  errors, non-JSON bodies -> :class:`UpstreamError`.
* The SDK is synchronous (urllib) and parses JSON only when Content-Type is exactly
  ``application/json`` or ``application/vnd.amadeus+json``. We run it in a small dedicated
  thread pool (not the default executor, so a hung vendor cannot starve the timetable's
  ``asyncio.to_thread``) with a urllib socket timeout, so abandoned calls end by themselves.

Amadeus Self-Service was reportedly closed in July 2026: this is one provider among several,
never the only one (``flights.chain.build_chain``).
"""

from __future__ import annotations

import asyncio
import re
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache, partial
from typing import Any
from urllib.error import URLError
from urllib.request import urlopen
from zoneinfo import ZoneInfo

from loguru import logger

from flights.airports import tz_of
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

API_DOC = "https://developers.amadeus.com/self-service/category/flights/api-doc/flight-offers-search"
TOKEN_ERROR_CODES = {"38190", "38191", "38192"}
"""Amadeus auth error codes meaning "get a new token": invalid client/token, token expired."""

_DURATION = re.compile(r"^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")


def parse_iso_duration(text: str) -> int:
    """``"PT2H10M"`` -> 130; ``"P1DT1H"`` -> 1500 (minutes). Raises ValueError if malformed."""
    m = _DURATION.match((text or "").strip())
    if not m or text.strip() in ("P", "PT"):
        raise ValueError(f"bad ISO 8601 duration {text!r}")
    d, h, mi, s = (int(x) if x else 0 for x in m.groups())
    return d * 1440 + h * 60 + mi + (1 if s >= 30 else 0)


@lru_cache(maxsize=1024)
def _zone(code: str) -> ZoneInfo:
    return ZoneInfo(tz_of(code))


def _local(at: str, code: str) -> datetime:
    """Amadeus ``at`` ("2026-11-27T08:25:00", local, no offset) -> tz-aware at ``code``."""
    dt = datetime.fromisoformat(at)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_zone(code))
    return dt


def _carrier_name(code: str, dictionary: dict[str, str]) -> str:
    if code in CARRIERS:
        return CARRIERS[code]
    name = dictionary.get(code)
    return name.title() if name else code


def _segment(raw: dict[str, Any], carriers: dict[str, str]) -> Segment:
    dep, arr = raw["departure"], raw["arrival"]
    code = raw["carrierCode"]
    departure = _local(dep["at"], dep["iataCode"])
    arrival = _local(arr["at"], arr["iataCode"])
    if raw.get("duration"):
        minutes = parse_iso_duration(raw["duration"])
    else:
        minutes = int((arrival - departure).total_seconds() // 60)
    return Segment(
        carrier_code=code,
        carrier_name=_carrier_name(code, carriers),
        flight_number=f"{code} {raw['number']}",
        origin=dep["iataCode"],
        destination=arr["iataCode"],
        departure=departure,
        arrival=arrival,
        duration_minutes=minutes,
    )


def map_offers(body: dict[str, Any], query: FlightQuery, provider: str = "amadeus") -> list[Offer]:
    """Amadeus Flight Offers Search JSON -> offers (order kept: Amadeus sorts by price).

    An offer that cannot be mapped (unknown airport tz, missing field) is logged and skipped;
    a body without ``data`` raises :class:`UpstreamError`.
    """
    data = body.get("data")
    if not isinstance(data, list):
        raise UpstreamError("amadeus: response without a data list", provider=provider)
    carriers = (body.get("dictionaries") or {}).get("carriers") or {}
    offers: list[Offer] = []
    for raw in data:
        try:
            itineraries = raw["itineraries"]
            outbound = [_segment(s, carriers) for s in itineraries[0]["segments"]]
            back = [_segment(s, carriers) for s in itineraries[1]["segments"]] if len(itineraries) > 1 else []
            price = raw["price"]
            cabin = query.travel_class
            for tp in raw.get("travelerPricings") or []:
                for fd in tp.get("fareDetailsBySegment") or []:
                    if fd.get("cabin") in ("ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"):
                        cabin = fd["cabin"]
                    break
                break
            offers.append(
                Offer(
                    segments=outbound,
                    return_segments=back,
                    price=Decimal(str(price.get("grandTotal") or price["total"])),
                    currency=price["currency"].upper(),
                    cabin=cabin,
                    provider=provider,
                )
            )
        except (KeyError, IndexError, TypeError, ValueError, InvalidOperation) as exc:
            logger.warning("amadeus: skipped offer {}: {}: {}", raw.get("id") if isinstance(raw, dict) else "?",
                           type(exc).__name__, exc)
    return offers


def query_params(query: FlightQuery, max_offers: int) -> dict[str, Any]:
    """Flight Offers Search GET parameters for ``query`` (names as in the API reference)."""
    params: dict[str, Any] = {
        "originLocationCode": query.origin,
        "destinationLocationCode": query.destination,
        "departureDate": query.departure_date.isoformat(),
        "adults": query.adults,
        "travelClass": query.travel_class,
        "nonStop": "true" if query.nonstop else "false",
        "currencyCode": query.currency,
        "max": max_offers,
    }
    if query.return_date is not None:
        params["returnDate"] = query.return_date.isoformat()
    if query.children:
        params["children"] = query.children
    return params


def _first_error(result: Any) -> dict[str, Any]:
    if isinstance(result, dict):
        errors = result.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], dict):
            return errors[0]
        if "error" in result:  # OAuth endpoint: {"error": "invalid_client", "error_description": ...}
            return {"code": result.get("error"), "title": result.get("error"),
                    "detail": result.get("error_description")}
    return {}


class AmadeusProvider:
    """Amadeus Flight Offers Search v2 (see module docstring and :data:`API_DOC`).

    ``hostname`` is "test" (test.api.amadeus.com) or "production"; ``host``/``port``/``ssl``
    point the SDK anywhere else (a local fake in tests). ``timeout`` is the socket timeout of
    each HTTP exchange (the chain applies its own, usually equal, deadline on top).
    """

    name = "amadeus"
    live = True

    def __init__(self, client_id: str, client_secret: str, hostname: str = "test",
                 host: str | None = None, port: int | None = None, ssl: bool = True,
                 timeout: float = 4.0, max_offers: int = 10, max_threads: int = 4) -> None:
        if not client_id:
            raise ValueError("AmadeusProvider: missing client_id (AMADEUS_CLIENT_ID)")
        if not client_secret:
            raise ValueError("AmadeusProvider: missing client_secret (AMADEUS_CLIENT_SECRET)")
        if hostname not in ("test", "production"):
            raise ValueError(f"AmadeusProvider: hostname must be 'test' or 'production', got {hostname!r}")
        import amadeus  # deferred: only deployments using Amadeus pay the import

        self.timeout = float(timeout)
        self.max_offers = int(max_offers)
        options: dict[str, Any] = {"client_id": client_id, "client_secret": client_secret,
                                   "hostname": hostname, "ssl": bool(ssl),
                                   "port": int(port) if port else (443 if ssl else 80)}
        if host:
            options["host"] = host
        self._client = amadeus.Client(**options)
        # urlopen without a timeout would block a thread forever on a hung vendor.
        self._client.http = partial(urlopen, timeout=self.timeout)
        self._errors = amadeus.ResponseError
        self._executor = ThreadPoolExecutor(max_workers=max_threads, thread_name_prefix="amadeus")
        self.endpoint = f"{'https' if ssl else 'http'}://{self._client.host}:{self._client.port}"

    def close(self) -> None:
        """Release the worker threads (calls in flight finish within ``timeout``)."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def search(self, query: FlightQuery) -> list[Offer]:
        """Search Amadeus for ``query``; raises a :mod:`flights.errors` error on failure."""
        loop = asyncio.get_running_loop()
        t0 = time.perf_counter()
        body = await loop.run_in_executor(self._executor, self._search_sync, query)
        offers = map_offers(body, query, self.name)
        logger.debug("amadeus {}: {} offers in {:.0f} ms", query.cache_key(), len(offers),
                     (time.perf_counter() - t0) * 1000)
        return offers

    # --- runs in a worker thread -----------------------------------------------------------

    def _search_sync(self, query: FlightQuery) -> dict[str, Any]:
        params = query_params(query, self.max_offers)
        try:
            return self._get(params)
        except AuthError as exc:
            if exc.code not in TOKEN_ERROR_CODES:
                raise
            # The server expired our token before the SDK's own clock did: drop it, retry once.
            logger.info("amadeus: access token rejected ({}), fetching a new one", exc.code)
            token = getattr(self._client, "access_token", None)
            if token is not None:
                token.access_token = None
                token.expires_at = 0
            return self._get(params)

    def _get(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = self._client.shopping.flight_offers_search.get(**params)
        except self._errors as exc:
            raise self._map_error(exc) from None
        except (TimeoutError, socket.timeout) as exc:
            raise UpstreamError(f"amadeus: timeout after {self.timeout:.1f}s", provider=self.name) from exc
        except (URLError, OSError, ValueError) as exc:
            raise UpstreamError(f"amadeus: {type(exc).__name__}: {exc}", provider=self.name) from exc
        result = response.result
        if not isinstance(result, dict):
            raise UpstreamError("amadeus: response body is not JSON", provider=self.name,
                                status=response.status_code)
        return result

    def _map_error(self, exc: Any) -> ProviderError:
        response = exc.response
        status = getattr(response, "status_code", None)
        err = _first_error(getattr(response, "result", None))
        code = str(err.get("code")) if err.get("code") is not None else None
        title = err.get("title") or ""
        detail = err.get("detail") or title or type(exc).__name__
        msg = f"amadeus {status or 'network'} {code or ''} {title}: {detail}".replace("  ", " ")
        kw = {"provider": self.name, "status": status, "code": code}
        if status is None:
            reason = getattr(response, "http_response", None)
            reason = getattr(reason, "reason", reason)
            return UpstreamError(f"amadeus: network error: {reason}", **kw)
        if status == 429:
            headers = getattr(response, "headers", None) or {}
            retry = parse_retry_after(headers.get("Retry-After") if hasattr(headers, "get") else None)
            return RateLimitedError(msg, retry_after=retry, **kw)
        if status in (401, 403):
            return AuthError(msg, **kw)
        if status >= 500 or status in (404, 408):
            return UpstreamError(msg, **kw)
        if status >= 400:
            return BadRequestError(msg, **kw)
        return UpstreamError(msg, **kw)  # 2xx that the SDK could not parse (ParserError)


__all__ = ["AmadeusProvider", "map_offers", "query_params", "parse_iso_duration", "API_DOC"]
