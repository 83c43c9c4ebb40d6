"""Pydantic v2 models of the flight domain: query, segment, offer, search result.

All datetimes are timezone-aware and local to the airport (``airportsdata`` ``tz``); prices are
``Decimal`` in the ISO 4217 ``currency`` of the offer, total for all passengers.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

TravelClass = Literal["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"]

_CODE = re.compile(r"^[A-Z]{3}$")


def _code(value: str) -> str:
    v = (value or "").strip().upper()
    if not _CODE.match(v):
        raise ValueError(f"expected a 3-letter IATA airport or city code, got {value!r}")
    return v


class FlightQuery(BaseModel):
    """A flight search. ``origin``/``destination`` are IATA airport or metro codes (uppercased).

    Raises ``pydantic.ValidationError`` for a malformed code, origin == destination,
    ``return_date`` before ``departure_date``, or passenger counts outside 1..9 adults /
    0..9 children.
    """

    model_config = ConfigDict(frozen=True)

    origin: str
    destination: str
    departure_date: date
    return_date: date | None = None
    adults: int = Field(default=1, ge=1, le=9)
    children: int = Field(default=0, ge=0, le=9)
    travel_class: TravelClass = "ECONOMY"
    nonstop: bool = False
    currency: str = "USD"

    @field_validator("origin", "destination", mode="before")
    @classmethod
    def _upper_code(cls, v: str) -> str:
        return _code(v)

    @field_validator("currency", mode="before")
    @classmethod
    def _currency(cls, v: str) -> str:
        v = (v or "").strip().upper()
        if not re.fullmatch(r"[A-Z]{3}", v):
            raise ValueError(f"expected an ISO 4217 currency code, got {v!r}")
        return v

    @model_validator(mode="after")
    def _check(self) -> FlightQuery:
        if self.origin == self.destination:
            raise ValueError("origin and destination must differ")
        if self.return_date is not None and self.return_date < self.departure_date:
            raise ValueError("return_date must not be before departure_date")
        return self

    def cache_key(self) -> str:
        """Normalized key, e.g. ``"BOS-ORD-2026-11-27--1-0-ECONOMY-0-USD"``."""
        return "-".join(
            [
                self.origin,
                self.destination,
                self.departure_date.isoformat(),
                self.return_date.isoformat() if self.return_date else "",
                str(self.adults),
                str(self.children),
                self.travel_class,
                "1" if self.nonstop else "0",
                self.currency,
            ]
        )


class Segment(BaseModel):
    """One flight leg. ``departure``/``arrival`` are tz-aware, local to each airport."""

    carrier_code: str = Field(min_length=2, max_length=2)
    carrier_name: str
    flight_number: str  # "BA 117"
    origin: str
    destination: str
    departure: datetime
    arrival: datetime
    duration_minutes: int = Field(ge=0)

    @field_validator("departure", "arrival")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None or v.utcoffset() is None:
            raise ValueError("departure/arrival must be timezone-aware")
        return v


class Offer(BaseModel):
    """A bookable itinerary: outbound ``segments`` (+ ``return_segments`` for a round trip).

    ``price`` is the total for all passengers and both directions, in ``currency``.
    """

    segments: list[Segment] = Field(min_length=1)
    return_segments: list[Segment] = Field(default_factory=list)
    price: Decimal
    currency: str
    cabin: TravelClass
    provider: str

    @property
    def stops(self) -> int:
        """Number of stops on the outbound journey."""
        return len(self.segments) - 1

    @property
    def duration_minutes(self) -> int:
        """Outbound journey time in minutes, first departure to last arrival (incl. layovers)."""
        return int((self.segments[-1].arrival - self.segments[0].departure).total_seconds() // 60)

    @property
    def carrier_name(self) -> str:
        """Marketing carrier of the first outbound segment."""
        return self.segments[0].carrier_name


class SearchResult(BaseModel):
    """What a search returns: offers best first, the provider that answered, and whether the
    data is live (False for the shipped sample timetable) with an optional notice to speak/log.

    ``fallback_reason`` is set (e.g. "live fares unavailable") when live providers were tried
    or skipped and a non-live provider answered instead. ``error`` is ``"bad_request"`` when a
    provider refused the query itself (ask the caller to rephrase; ``detail`` says why, for
    logs, not for speech) or ``"unavailable"`` when every provider failed. ``cached`` is True
    when the answer came from the chain's TTL cache (``live`` still tells where it came from).
    """

    offers: list[Offer]
    provider: str
    live: bool
    notice: str | None = None
    fallback_reason: str | None = None
    error: Literal["bad_request", "unavailable"] | None = None
    detail: str | None = None
    cached: bool = False


__all__ = ["TravelClass", "FlightQuery", "Segment", "Offer", "SearchResult"]
