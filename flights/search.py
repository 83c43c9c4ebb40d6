"""Flight search front door, kept for existing callers: a :class:`flights.chain.ProviderChain`.

    FlightSearch(providers=None, **chain_kwargs).search(query) -> SearchResult

A provider is any object with a ``name: str`` and ``async def search(query) -> list[Offer]``
(``live = False`` for offline data). The default chain is ``[TimetableProvider()]`` (sample
data: ``live=False``, notice "sample timetable data"). Failures fall through to the next
provider; when every provider fails the result is empty with provider "none", a notice and
``error="unavailable"``. An empty answer from a working provider is an answer. Timeouts,
deadline, breakers, cache and single-flight are :class:`ProviderChain`'s; use
:func:`flights.chain.build_chain` to build the live chain from settings.
"""

from __future__ import annotations

from typing import Any, Protocol

from flights.chain import SAMPLE_NOTICE, ProviderChain
from flights.models import FlightQuery, Offer
from flights.timetable import TimetableProvider


class FlightProvider(Protocol):
    """What the chain needs from a provider."""

    name: str

    async def search(self, query: FlightQuery) -> list[Offer]: ...


class FlightSearch(ProviderChain):
    """A :class:`ProviderChain` whose providers default to ``[TimetableProvider()]``."""

    def __init__(self, providers: list[Any] | None = None, **chain_kwargs: Any) -> None:
        super().__init__(list(providers) if providers else [TimetableProvider()], **chain_kwargs)


__all__ = ["FlightSearch", "FlightProvider", "SAMPLE_NOTICE"]
