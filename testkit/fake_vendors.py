"""Local stand-ins for the flight vendors, speaking their real wire formats on 127.0.0.1:0.

    async with FakeAmadeus() as amadeus:      # amadeus.host, amadeus.port; ssl=False
        amadeus.fail_next(500, times=2)         # programmable failures, see methods
    async with FakeSerpApi() as serp:           # serp.base_url

Amadeus (https://developers.amadeus.com/self-service/category/flights/api-doc/flight-offers-search):

* ``POST /v1/security/oauth2/token`` (form ``grant_type=client_credentials&client_id&client_secret``)
  -> ``{"type": "amadeusOAuth2Token", "access_token", "expires_in": 1799, "token_type": "Bearer", ...}``;
  wrong credentials -> 401 ``{"error": "invalid_client", ...}``.
* ``GET /v2/shopping/flight-offers`` with ``Authorization: Bearer <token>`` -> the real response
  shape (``meta``, ``data[]`` flight-offers, ``dictionaries``), Content-Type exactly
  ``application/vnd.amadeus+json`` (the SDK parses JSON only for that or ``application/json``).
  Unknown token -> 401 code 38191; a token expired with :meth:`FakeAmadeus.expire_tokens` ->
  401 code 38192 "Access token expired".

SerpApi (https://serpapi.com/google-flights-api): ``GET /search.json?engine=google_flights&...``
-> ``search_metadata``, ``search_parameters``, ``best_flights``, ``other_flights``; errors
``{"error": "..."}`` (bad key 401, missing parameter 400).

Both count requests (``offer_requests`` / ``requests``) and can be slowed (``delay``) or told to
fail (``fail_next``). Slow handlers wake up at :meth:`close`, so tests never wait for them.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import airportsdata
from aiohttp import web
from zoneinfo import ZoneInfo

AMADEUS_JSON = "application/vnd.amadeus+json"

# A few real routes for plausible data: (origin, dest) -> (carrier, number, dep "HH:MM", minutes)
_ROUTES = {
    ("LHR", "JFK"): ("BA", "117", "08:25", 470), ("JFK", "LHR"): ("BA", "178", "09:30", 415),
    ("BOS", "ORD"): ("UA", "1234", "07:00", 170), ("MAD", "BCN"): ("IB", "3010", "09:00", 80),
}
_HUB = {"BA": "LHR", "UA": "ORD", "IB": "MAD", "AA": "DFW"}
_CARRIERS = {"BA": "BRITISH AIRWAYS", "UA": "UNITED AIRLINES", "IB": "IBERIA", "AA": "AMERICAN AIRLINES",
             "ZZ": "ZED AIR"}
_METRO_FIRST = {"NYC": "JFK", "LON": "LHR", "PAR": "CDG", "CHI": "ORD", "TYO": "HND"}


@dataclass
class Failure:
    """A programmed error reply: HTTP ``status`` with a vendor ``body``; optional headers/delay."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class _Base:
    def __init__(self) -> None:
        self.delay = 0.0
        self._failures: list[Failure] = []
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.host = "127.0.0.1"
        self.port = 0

    def _app(self) -> web.Application:
        raise NotImplementedError

    async def start(self) -> _Base:
        self._runner = web.AppRunner(self._app(), access_log=None, shutdown_timeout=0.2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        self._closing.set()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _sleep(self, secs: float) -> None:
        if secs > 0:
            try:
                await asyncio.wait_for(self._closing.wait(), secs)
            except asyncio.TimeoutError:
                pass

    def _next_failure(self) -> Failure | None:
        return self._failures.pop(0) if self._failures else None


_AIRPORTS = airportsdata.load("IATA")


def _arrive(origin: str, dest: str, dep: datetime, minutes: int) -> datetime:
    """Local arrival time at ``dest`` for a naive local departure at ``origin``."""
    zo, zd = ZoneInfo(_AIRPORTS[origin]["tz"]), ZoneInfo(_AIRPORTS[dest]["tz"])
    return (dep.replace(tzinfo=zo) + timedelta(minutes=minutes)).astimezone(zd).replace(tzinfo=None)


def _local(d: date, hhmm: str) -> datetime:
    h, m = hhmm.split(":")
    return datetime(d.year, d.month, d.day, int(h), int(m))


def _iso_duration(minutes: int) -> str:
    h, m = divmod(minutes, 60)
    return f"PT{h}H{m}M" if m else f"PT{h}H"


class FakeAmadeus(_Base):
    """Amadeus Self-Service stand-in (OAuth2 + Flight Offers Search v2)."""

    def __init__(self, client_id: str = "test-id", client_secret: str = "test-secret",
                 expires_in: int = 1799) -> None:
        super().__init__()
        self.client_id, self.client_secret = client_id, client_secret
        self.expires_in = expires_in
        self.token_requests = 0
        self.offer_requests = 0
        self.last_params: dict[str, str] = {}
        self._tokens: set[str] = set()
        self._expired: set[str] = set()

    # --- programming ------------------------------------------------------------------------

    def fail_next(self, status: int, code: int | None = None, title: str = "", detail: str = "",
                  *, times: int = 1, headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        """The next ``times`` flight-offers requests answer ``status`` with an Amadeus error body."""
        defaults = {400: (477, "INVALID FORMAT", "invalid query parameter format"),
                    429: (38194, "Too many requests", "The network rate limit is exceeded, please try again later"),
                    500: (141, "SYSTEM ERROR HAS OCCURRED", "Internal error"),
                    503: (38189, "Internal error", "An internal error occurred, please contact your administrator")}
        dc, dt, dd = defaults.get(status, (0, "ERROR", "error"))
        body = {"errors": [{"status": status, "code": code if code is not None else dc,
                            "title": title or dt, "detail": detail or dd}]}
        if status == 400:
            body["errors"][0]["source"] = {"parameter": "departureDate", "example": "2026-11-27"}
        for _ in range(times):
            self._failures.append(Failure(status, body, dict(headers or {}), delay))

    def expire_tokens(self) -> None:
        """Every token issued so far is now expired (401, code 38192) until a new one is fetched."""
        self._expired |= self._tokens
        self._tokens = set()

    # --- server -----------------------------------------------------------------------------

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/v1/security/oauth2/token", self._token)
        app.router.add_get("/v2/shopping/flight-offers", self._offers)
        return app

    @staticmethod
    def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> web.Response:
        resp = web.Response(status=status, body=json.dumps(body).encode(), headers=headers or {})
        resp.headers["Content-Type"] = AMADEUS_JSON  # exactly: no charset (the SDK compares verbatim)
        return resp

    async def _token(self, request: web.Request) -> web.Response:
        self.token_requests += 1
        form = await request.post()
        if form.get("grant_type") != "client_credentials":
            return self._json(400, {"error": "unsupported_grant_type", "error_description": "Only client_credentials value is allowed for the body parameter grant_type", "code": 38187, "title": "Invalid parameters"})
        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return self._json(401, {"error": "invalid_client", "error_description": "Client credentials are invalid", "code": 38187, "title": "Invalid parameters"})
        token = secrets.token_urlsafe(20)
        self._tokens.add(token)
        return self._json(200, {
            "type": "amadeusOAuth2Token", "username": "dev@example.com", "application_name": "gateway-tests",
            "client_id": self.client_id, "token_type": "Bearer", "access_token": token,
            "expires_in": self.expires_in, "state": "approved", "scope": "",
        })

    async def _offers(self, request: web.Request) -> web.Response:
        self.offer_requests += 1
        self.last_params = dict(request.query)
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ").strip()
        if token in self._expired:
            return self._json(401, {"errors": [{"code": 38192, "title": "Access token expired",
                                                "detail": "The access token is expired", "status": 401}]})
        if token not in self._tokens:
            return self._json(401, {"errors": [{"code": 38191, "title": "Invalid access token",
                                                "detail": "The access token provided in the Authorization header is invalid",
                                                "status": 401}]})
        failure = self._next_failure()
        if failure is not None:
            await self._sleep(failure.delay)
            return self._json(failure.status, failure.body, failure.headers)
        await self._sleep(self.delay)
        q = request.query
        missing = [p for p in ("originLocationCode", "destinationLocationCode", "departureDate", "adults") if not q.get(p)]
        if missing:
            return self._json(400, {"errors": [{"status": 400, "code": 32171, "title": "MANDATORY DATA MISSING",
                                                "detail": "This field must be filled.", "source": {"parameter": missing[0]}}]})
        return self._json(200, amadeus_offers(q))


def _amadeus_segment(seg_id: int, origin: str, dest: str, carrier: str, number: str, dep: datetime,
                     minutes: int) -> dict[str, Any]:
    arr = _arrive(origin, dest, dep, minutes)
    return {
        "departure": {"iataCode": origin, "terminal": "1", "at": dep.isoformat()},
        "arrival": {"iataCode": dest, "terminal": "2", "at": arr.isoformat()},
        "carrierCode": carrier, "number": number, "aircraft": {"code": "32N"},
        "operating": {"carrierCode": carrier}, "duration": _iso_duration(minutes), "id": str(seg_id),
        "numberOfStops": 0, "blacklistedInEU": False,
    }


def amadeus_offers(q: Any) -> dict[str, Any]:
    """A Flight Offers Search v2 body for the query parameters ``q`` (two offers: direct, 1 stop)."""
    origin = _METRO_FIRST.get(q["originLocationCode"], q["originLocationCode"])
    dest = _METRO_FIRST.get(q["destinationLocationCode"], q["destinationLocationCode"])
    day = date.fromisoformat(q["departureDate"])
    ret = date.fromisoformat(q["returnDate"]) if q.get("returnDate") else None
    currency = q.get("currencyCode", "EUR")
    cabin = q.get("travelClass", "ECONOMY")
    adults = int(q.get("adults", 1))
    carrier, number, dep, minutes = _ROUTES.get((origin, dest), ("AA", "100", "10:00", 180))

    def itinerary(o: str, d: str, when: date, direct: bool, base_id: int) -> dict[str, Any]:
        if direct:
            segs = [_amadeus_segment(base_id, o, d, carrier, number, _local(when, dep), minutes)]
        else:
            hub = "AMS" if "AMS" not in (o, d) else "CDG"
            first = _local(when, "06:15")
            segs = [_amadeus_segment(base_id, o, hub, "ZZ", "901", first, 75),
                    _amadeus_segment(base_id + 1, hub, d, "ZZ", "902",
                                     _arrive(o, hub, first, 75 + 90), minutes)]
        mins = sum(int(s["duration"][2:].split("H")[0]) * 60 for s in segs)
        return {"duration": _iso_duration(mins), "segments": segs}

    data = []
    for i, (direct, fare) in enumerate(((True, 612.40), (False, 455.10)), start=1):
        its = [itinerary(origin, dest, day, direct, 1)]
        if ret:
            its.append(itinerary(dest, origin, ret, direct, 3))
        grand = f"{fare * adults * (1.8 if ret else 1):.2f}"
        data.append({
            "type": "flight-offer", "id": str(i), "source": "GDS", "instantTicketingRequired": False,
            "nonHomogeneous": False, "oneWay": False, "lastTicketingDate": day.isoformat(),
            "numberOfBookableSeats": 9, "itineraries": its,
            "price": {"currency": currency, "total": grand, "base": f"{float(grand) * 0.6:.2f}",
                      "fees": [{"amount": "0.00", "type": "SUPPLIER"}, {"amount": "0.00", "type": "TICKETING"}],
                      "grandTotal": grand},
            "pricingOptions": {"fareType": ["PUBLISHED"], "includedCheckedBagsOnly": True},
            "validatingAirlineCodes": [its[0]["segments"][0]["carrierCode"]],
            "travelerPricings": [{
                "travelerId": str(n + 1), "fareOption": "STANDARD", "travelerType": "ADULT",
                "price": {"currency": currency, "total": f"{float(grand) / adults:.2f}", "base": "0.00"},
                "fareDetailsBySegment": [{"segmentId": s["id"], "cabin": cabin, "fareBasis": "OLN0K1",
                                          "class": "O", "includedCheckedBags": {"quantity": 1}}
                                         for it in its for s in it["segments"]],
            } for n in range(adults)],
        })
    if q.get("nonStop") == "true":
        data = [d for d in data if all(len(it["segments"]) == 1 for it in d["itineraries"])]
    data.sort(key=lambda d: float(d["price"]["grandTotal"]))
    codes = {s["carrierCode"] for d in data for it in d["itineraries"] for s in it["segments"]}
    return {
        "meta": {"count": len(data), "links": {"self": "http://127.0.0.1/v2/shopping/flight-offers"}},
        "data": data,
        "dictionaries": {
            "locations": {}, "aircraft": {"32N": "AIRBUS A320NEO"}, "currencies": {currency: currency},
            "carriers": {c: _CARRIERS.get(c, c) for c in codes},
        },
    }


class FakeSerpApi(_Base):
    """SerpApi google_flights stand-in."""

    def __init__(self, api_key: str = "serp-key") -> None:
        super().__init__()
        self.api_key = api_key
        self.requests = 0
        self.last_params: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def fail_next(self, status: int, error: str = "", *, times: int = 1,
                  headers: dict[str, str] | None = None, delay: float = 0.0) -> None:
        """The next ``times`` searches answer ``status`` with ``{"error": ...}``."""
        error = error or {400: "Missing `departure_id` parameter.", 429: "Your account has run out of searches.",
                          500: "Internal server error."}.get(status, "Error.")
        for _ in range(times):
            self._failures.append(Failure(status, {"error": error}, dict(headers or {}), delay))

    def _app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/search.json", self._search)
        return app

    async def _search(self, request: web.Request) -> web.Response:
        self.requests += 1
        q = request.query
        self.last_params = dict(q)
        if q.get("api_key") != self.api_key:
            return web.json_response({"error": "Invalid API key. Your API key should be here: https://serpapi.com/manage-api-key"}, status=401)
        failure = self._next_failure()
        if failure is not None:
            await self._sleep(failure.delay)
            return web.json_response(failure.body, status=failure.status, headers=failure.headers)
        await self._sleep(self.delay)
        for p in ("departure_id", "arrival_id", "outbound_date"):
            if not q.get(p):
                return web.json_response({"error": f"Missing `{p}` parameter."}, status=400)
        if q.get("engine") != "google_flights":
            return web.json_response({"error": "Unsupported engine."}, status=400)
        return web.json_response(serpapi_flights(q))


def _serp_leg(o: str, d: str, dep: datetime, minutes: int, carrier: str, number: str, airline: str,
              cls: str) -> dict[str, Any]:
    return {
        "departure_airport": {"name": f"{o} Airport", "id": o, "time": dep.strftime("%Y-%m-%d %H:%M")},
        "arrival_airport": {"name": f"{d} Airport", "id": d,
                            "time": _arrive(o, d, dep, minutes).strftime("%Y-%m-%d %H:%M")},
        "duration": minutes, "airplane": "Airbus A321neo", "airline": airline,
        "airline_logo": f"https://www.gstatic.com/flights/airline_logos/70px/{carrier}.png",
        "travel_class": cls, "flight_number": f"{carrier} {number}", "legroom": "31 in",
        "extensions": ["Average legroom (31 in)", "Wi-Fi for a fee"],
    }


def serpapi_flights(q: Any) -> dict[str, Any]:
    """A google_flights body for the query parameters ``q``: one best flight, two others."""
    origin = q["departure_id"].split(",")[0]
    dest = q["arrival_id"].split(",")[0]
    day = date.fromisoformat(q["outbound_date"])
    cls = {"1": "Economy", "2": "Premium economy", "3": "Business", "4": "First"}[q.get("travel_class", "1")]
    carrier, number, dep, minutes = _ROUTES.get((origin, dest), ("AA", "100", "10:00", 180))
    airline = _CARRIERS.get(carrier, carrier).title()
    direct = _serp_leg(origin, dest, _local(day, dep), minutes, carrier, number, airline, cls)
    late = _serp_leg(origin, dest, _local(day, "18:40"), minutes, carrier, str(int(number) + 2), airline, cls)
    first = _serp_leg(origin, "AMS", _local(day, "06:15"), 75, "KL", "1000", "KLM", cls)
    second = _serp_leg("AMS", dest, _arrive(origin, "AMS", _local(day, "06:15"), 165), minutes, "KL", "641", "KLM", cls)
    best = [{"flights": [direct], "total_duration": minutes, "carbon_emissions": {"this_flight": 90000},
             "price": 612, "type": "Round trip" if q.get("type") == "1" else "One way",
             "airline_logo": direct["airline_logo"], "departure_token": "WyJDalJJ"}]
    other = [{"flights": [late], "total_duration": minutes, "price": 640, "type": best[0]["type"],
              "airline_logo": late["airline_logo"]},
             {"flights": [first, second],
              "layovers": [{"duration": 90, "name": "Amsterdam Airport Schiphol", "id": "AMS"}],
              "total_duration": 75 + 90 + minutes, "price": 455, "type": best[0]["type"],
              "airline_logo": first["airline_logo"]}]
    if q.get("stops") == "1":
        other = [o for o in other if len(o["flights"]) == 1]
    return {
        "search_metadata": {"id": "fake", "status": "Success", "total_time_taken": 0.01},
        "search_parameters": {k: v for k, v in q.items() if k != "api_key"},
        "best_flights": best,
        "other_flights": other,
        "price_insights": {"lowest_price": 455, "price_level": "typical"},
    }


__all__ = ["FakeAmadeus", "FakeSerpApi", "Failure", "amadeus_offers", "serpapi_flights", "AMADEUS_JSON"]


class VendorLoop:
    """Runs fake vendors' aiohttp servers on their own event-loop thread, for callers without a
    running loop (a gateway subprocess talks to them while the test or benchmark blocks on a call)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()

    def run(self, coro, timeout: float = 15.0):
        """Run ``coro`` on the vendor loop and return its result (blocking, at most ``timeout`` s)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)


def dead_providers_env(amadeus: FakeAmadeus, serp: FakeSerpApi, *, provider_timeout_secs: float = 4.0,
                       deadline_secs: float = 6.0) -> dict[str, str]:
    """Gateway environment pointing the chain amadeus → serpapi → timetable at these fakes.

    Make them fail first, e.g. ``amadeus.delay = float("inf")`` (hangs) and
    ``serp.fail_next(500, times=1000)``.
    """
    return {
        "FLIGHT_PROVIDERS": "amadeus,serpapi,timetable",
        "AMADEUS_CLIENT_ID": amadeus.client_id, "AMADEUS_CLIENT_SECRET": amadeus.client_secret,
        "AMADEUS_HOST": "127.0.0.1", "AMADEUS_PORT": str(amadeus.port), "AMADEUS_SSL": "false",
        "SERPAPI_API_KEY": serp.api_key, "SERPAPI_BASE_URL": serp.base_url,
        "FLIGHT_PROVIDER_TIMEOUT_SECS": str(provider_timeout_secs), "FLIGHT_SEARCH_DEADLINE_SECS": str(deadline_secs),
    }
