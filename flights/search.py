"""Flight search front door: tries providers in order and returns the first answer.

    FlightSearch(providers=None).search(query) -> SearchResult

A provider is any object with a ``name: str`` and ``async def search(query) -> list[Offer]``.
The default chain is ``[TimetableProvider()]`` (sample data: ``live=False``, notice
"sample timetable data"). A provider that raises is logged and skipped; when every provider
fails the result is empty with provider "none" and a notice saying so. An empty answer from a
working provider is an answer (no fall-through). Breakers and caching come later.
"""

from __future__ import annotations

from typing import Any, Protocol

from loguru import logger

from flights.models import FlightQuery, Offer, SearchResult
from flights.timetable import TimetableProvider

SAMPLE_NOTICE = "sample timetable data"


class FlightProvider(Protocol):
    """What :class:`FlightSearch` needs from a provider."""

    name: str

    async def search(self, query: FlightQuery) -> list[Offer]: ...


class FlightSearch:
    """Ordered provider chain (see module docstring)."""

    def __init__(self, providers: list[Any] | None = None) -> None:
        self.providers: list[Any] = list(providers) if providers else [TimetableProvider()]

    async def search(self, query: FlightQuery) -> SearchResult:
        """Search ``query``; never raises for provider errors (see module docstring)."""
        for provider in self.providers:
            name = getattr(provider, "name", type(provider).__name__)
            try:
                offers = await provider.search(query)
            except Exception as exc:  # provider failure: fall through to the next one
                logger.warning("flight provider {} failed: {}: {}", name, type(exc).__name__, exc)
                continue
            live = name != TimetableProvider.name
            logger.info("flight search {} via {}: {} offers", query.cache_key(), name, len(offers))
            return SearchResult(offers=offers, provider=name, live=live, notice=None if live else SAMPLE_NOTICE)
        return SearchResult(offers=[], provider="none", live=False, notice="all flight providers failed")


__all__ = ["FlightSearch", "FlightProvider", "SAMPLE_NOTICE"]
