"""Flight search that holds up on a live phone line: ordered providers with timeouts, an overall
deadline, per-provider circuit breakers, a TTL cache and single-flight.

    chain = ProviderChain([AmadeusProvider(...), SerpApiProvider(...), TimetableProvider()])
    result = await chain.search(query)      # -> SearchResult, never raises for provider errors
    chain.stats()                           # -> dict for /health
    build_chain(settings)                   # -> ProviderChain from any settings-like object

Rules (:meth:`ProviderChain.search`):

* Providers are tried in the order given. A provider is *live* when its ``live`` attribute is
  true (Amadeus, SerpApi); the timetable is not (``live=False``, notice "sample timetable data").
* Each attempt gets ``per_provider_timeout`` seconds, cut to what is left of ``deadline``. When
  a non-live provider comes after live ones, ``backstop_reserve`` seconds of the deadline are
  kept for it, so a dead live vendor still leaves time for the timetable.
* Circuit breaker per provider: ``breaker_failures`` consecutive failures open it for
  ``breaker_open_secs``; then it is half-open: exactly one call probes it (others skip it); the
  probe's success closes it, its failure re-opens it for another window. Failures are
  :class:`UpstreamError`, :class:`AuthError`, :class:`RateLimitedError`, timeouts and any
  unexpected exception. A :class:`BadRequestError` is an answer, not a failure.
* :class:`BadRequestError` -> no fallback: the result has ``error="bad_request"`` (and
  ``detail`` for logs) so the brain asks the caller to rephrase.
* :class:`RateLimitedError`: when ``retry_after`` fits in the time left the same provider is
  retried once after it; otherwise the provider is skipped until then and the chain falls back.
* When a live provider failed or was skipped and a non-live one answered, ``fallback_reason``
  is "live fares unavailable". When every provider failed: no offers, provider "none",
  ``error="unavailable"``.
* Successful answers are cached ``cache_ttl`` seconds under ``query.cache_key()`` (a non-live
  fallback answer only ``fallback_cache_ttl``, so live fares come back quickly); cached results
  have ``cached=True`` and keep ``provider``/``live``. Failures are never cached. The cache is a
  ``cachetools.TLRUCache`` (per-entry lifetimes on ``clock``, at most ``cache_max_entries``).
* Identical concurrent queries share one upstream search (single-flight); a caller cancelled
  mid-search does not cancel it for the others.

``clock`` drives the breaker windows and cache expiry (inject a fake one in tests); timeouts
and the deadline always use the event loop's real time.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cachetools import TLRUCache
from loguru import logger

from flights.errors import BadRequestError, ProviderError, RateLimitedError
from flights.models import FlightQuery, SearchResult
from flights.timetable import TimetableProvider

SAMPLE_NOTICE = "sample timetable data"
FALLBACK_REASON = "live fares unavailable"
DEFAULT_PROVIDERS = "amadeus,serpapi,timetable"

BreakerState = Literal["closed", "open", "half_open", "disabled"]


@dataclass
class _Health:
    """Per-provider breaker and health figures."""

    name: str
    configured: bool = True
    state: BreakerState = "closed"
    consecutive_failures: int = 0
    opened_at: float = 0.0
    probing: bool = False
    not_before: float = 0.0
    last_error: str | None = None
    last_latency_ms: float | None = None
    calls: int = 0
    failures: int = 0


def _is_live(provider: Any) -> bool:
    live = getattr(provider, "live", None)
    if live is None:
        return getattr(provider, "name", "") != TimetableProvider.name
    return bool(live)


class ProviderChain:
    """Ordered, guarded provider chain (see module docstring)."""

    def __init__(
        self,
        providers: Iterable[Any],
        per_provider_timeout: float = 4.0,
        deadline: float = 6.0,
        cache_ttl: float = 1800.0,
        breaker_failures: int = 3,
        breaker_open_secs: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        *,
        backstop_reserve: float = 0.5,
        fallback_cache_ttl: float = 60.0,
        cache_max_entries: int = 2048,
        unconfigured: Iterable[str] = (),
    ) -> None:
        self.providers: list[Any] = list(providers)
        if not self.providers:
            raise ValueError("ProviderChain: no providers (FLIGHT_PROVIDERS)")
        if per_provider_timeout <= 0 or deadline <= 0:
            raise ValueError("ProviderChain: per_provider_timeout and deadline must be > 0")
        self.per_provider_timeout = float(per_provider_timeout)
        self.deadline = float(deadline)
        self.cache_ttl = float(cache_ttl)
        self.fallback_cache_ttl = float(fallback_cache_ttl)
        self.breaker_failures = int(breaker_failures)
        self.breaker_open_secs = float(breaker_open_secs)
        self.backstop_reserve = float(backstop_reserve)
        self.cache_max_entries = int(cache_max_entries)
        self.clock = clock
        self._health: dict[str, _Health] = {}
        for p in self.providers:
            self._health[self._name(p)] = _Health(self._name(p))
        for name in unconfigured:
            self._health.setdefault(name, _Health(name, configured=False, state="disabled"))
        # (ttl s, result) per query key; each entry lives its own ttl on ``clock`` (TLRUCache)
        self._cache: TLRUCache[str, tuple[float, SearchResult]] = TLRUCache(
            maxsize=self.cache_max_entries, ttu=lambda _key, entry, now: now + entry[0], timer=clock
        )
        self._inflight: dict[str, asyncio.Future[SearchResult]] = {}
        self.upstream_searches = 0  # searches that went past cache and single-flight

    @staticmethod
    def _note(trouble: list[str], live: bool, what: str) -> None:
        if live:
            trouble.append(what)

    @staticmethod
    def _name(provider: Any) -> str:
        return getattr(provider, "name", type(provider).__name__)

    # --- public ------------------------------------------------------------------------------

    async def search(self, query: FlightQuery) -> SearchResult:
        """Search ``query`` (rules in the module docstring). Never raises for provider errors."""
        key = query.cache_key()
        hit = self._cache_get(key)
        if hit is not None:
            logger.debug("flight search {}: cache hit ({})", key, hit.provider)
            return hit
        fut = self._inflight.get(key)
        if fut is None:
            fut = asyncio.ensure_future(self._search_upstream(query, key))
            self._inflight[key] = fut
            fut.add_done_callback(lambda _f, k=key: self._inflight.pop(k, None))
        return await asyncio.shield(fut)

    def stats(self) -> dict[str, Any]:
        """Health figures: per provider {configured, live, state, consecutive_failures,
        last_error, last_latency_ms, calls, failures} plus cache size and searches in flight."""
        now = self.clock()
        providers: dict[str, Any] = {}
        for name, h in self._health.items():
            state = h.state
            if state == "open" and h.configured and now - h.opened_at >= self.breaker_open_secs:
                state = "half_open"
            providers[name] = {
                "configured": h.configured,
                "state": state,
                "consecutive_failures": h.consecutive_failures,
                "last_error": h.last_error,
                "last_latency_ms": None if h.last_latency_ms is None else round(h.last_latency_ms, 1),
                "calls": h.calls,
                "failures": h.failures,
            }
        for p in self.providers:
            providers[self._name(p)]["live"] = _is_live(p)
        return {"providers": providers, "cache_size": self._cache_size(), "inflight": len(self._inflight),
                "upstream_searches": self.upstream_searches}

    def clear_cache(self) -> None:
        """Forget every cached answer."""
        self._cache.clear()

    async def aclose(self) -> None:
        """Close providers that hold connections or threads."""
        for p in self.providers:
            closer = getattr(p, "aclose", None) or getattr(p, "close", None)
            if closer is None:
                continue
            res = closer()
            if asyncio.iscoroutine(res):
                await res

    # --- cache -------------------------------------------------------------------------------

    def _cache_get(self, key: str) -> SearchResult | None:
        entry = self._cache.get(key)
        if entry is None:
            return None
        return entry[1].model_copy(update={"cached": True})

    def _cache_put(self, key: str, result: SearchResult, ttl: float) -> None:
        if ttl <= 0:
            return
        self._cache[key] = (ttl, result)

    def _cache_size(self) -> int:
        self._cache.expire()
        return len(self._cache)

    # --- breaker -----------------------------------------------------------------------------

    def _admit(self, h: _Health) -> str | None:
        """None when the provider may be called now (claims the half-open probe), else why not."""
        now = self.clock()
        if now < h.not_before:
            return "rate limited"
        if h.state == "closed":
            return None
        if h.state == "open":
            if now - h.opened_at < self.breaker_open_secs:
                return "breaker open"
            h.state = "half_open"
            h.probing = False
        if h.probing:
            return "breaker half-open, probe in flight"
        h.probing = True
        return None

    def _success(self, h: _Health) -> None:
        if h.state != "closed":
            logger.info("flight provider {}: breaker closed", h.name)
        h.state, h.consecutive_failures, h.probing = "closed", 0, False

    def _failure(self, h: _Health, error: str) -> None:
        h.failures += 1
        h.consecutive_failures += 1
        h.last_error = error
        if h.state == "half_open" or h.consecutive_failures >= self.breaker_failures:
            if h.state != "open":
                logger.warning("flight provider {}: breaker open for {:.0f}s after {} failure(s): {}",
                               h.name, self.breaker_open_secs, h.consecutive_failures, error)
            h.state, h.opened_at, h.probing = "open", self.clock(), False

    # --- the search --------------------------------------------------------------------------

    async def _call(self, provider: Any, h: _Health, query: FlightQuery, timeout: float) -> list:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        h.calls += 1
        try:
            return await asyncio.wait_for(provider.search(query), timeout)
        finally:
            h.last_latency_ms = (loop.time() - t0) * 1000

    async def _search_upstream(self, query: FlightQuery, key: str) -> SearchResult:
        self.upstream_searches += 1
        loop = asyncio.get_running_loop()
        end = loop.time() + self.deadline
        live_trouble: list[str] = []
        n = len(self.providers)
        for i, provider in enumerate(self.providers):
            name = self._name(provider)
            h = self._health[name]
            live = _is_live(provider)
            why_not = self._admit(h)
            if why_not:
                logger.info("flight search {}: skip {} ({})", key, name, why_not)
                if live:
                    live_trouble.append(f"{name}: {why_not}")
                continue
            backstop_after = any(not _is_live(p) for p in self.providers[i + 1:])
            reserve = self.backstop_reserve if (live and backstop_after) else 0.0
            attempts = 0
            while True:
                attempts += 1
                left = end - loop.time() - reserve
                timeout = min(self.per_provider_timeout, left)
                if timeout <= 0.01:
                    if h.probing:
                        h.probing = False  # give the probe back: we never called it
                    self._note(live_trouble, live, f"{name}: no time left")
                    logger.warning("flight search {}: no time left for {}", key, name)
                    break
                try:
                    offers = await self._call(provider, h, query, timeout)
                except asyncio.CancelledError:
                    h.probing = False  # a cancelled probe must not keep the breaker half-open forever
                    raise
                except BadRequestError as exc:
                    self._success(h)  # the vendor is healthy; the query is wrong
                    logger.info("flight search {}: {} refused the query: {}", key, name, exc.detail)
                    return SearchResult(offers=[], provider=name, live=live, error="bad_request",
                                        detail=exc.detail)
                except RateLimitedError as exc:
                    wait = exc.retry_after
                    left_after = end - loop.time() - reserve - wait if wait is not None else -1.0
                    if wait is not None and attempts == 1 and left_after > 0.05:
                        logger.info("flight search {}: {} rate limited, retrying in {:.2f}s", key, name, wait)
                        await asyncio.sleep(wait)
                        continue
                    if wait is not None:
                        h.not_before = self.clock() + wait
                    self._failure(h, f"RateLimitedError: {exc.detail}")
                    self._note(live_trouble, live, f"{name}: rate limited")
                    logger.warning("flight search {}: {} rate limited (retry_after={}), falling back",
                                   key, name, wait)
                    break
                except (asyncio.TimeoutError, TimeoutError):
                    self._failure(h, f"timeout after {timeout:.2f}s")
                    self._note(live_trouble, live, f"{name}: timeout")
                    logger.warning("flight search {}: {} timed out after {:.2f}s", key, name, timeout)
                    break
                except ProviderError as exc:
                    self._failure(h, f"{type(exc).__name__}: {exc.detail}")
                    self._note(live_trouble, live, f"{name}: {type(exc).__name__}")
                    logger.warning("flight search {}: {} failed: {}: {}", key, name, type(exc).__name__, exc.detail)
                    break
                except Exception as exc:  # a provider bug must not end the call
                    self._failure(h, f"{type(exc).__name__}: {exc}")
                    self._note(live_trouble, live, f"{name}: {type(exc).__name__}")
                    logger.opt(exception=exc).warning("flight search {}: {} crashed", key, name)
                    break
                self._success(h)
                h.last_error = None
                fallback = FALLBACK_REASON if (live_trouble and not live) else None
                result = SearchResult(
                    offers=offers, provider=name, live=live,
                    notice=None if live else SAMPLE_NOTICE, fallback_reason=fallback,
                )
                logger.info("flight search {} via {}: {} offers{}", key, name, len(offers),
                            f" (fallback: {'; '.join(live_trouble)})" if live_trouble else "")
                ttl = min(self.cache_ttl, self.fallback_cache_ttl) if fallback else self.cache_ttl
                self._cache_put(key, result, ttl)
                return result
        logger.error("flight search {}: all {} providers failed ({})", key, n, "; ".join(live_trouble) or "-")
        return SearchResult(offers=[], provider="none", live=False, notice="all flight providers failed",
                            fallback_reason=FALLBACK_REASON if live_trouble else None, error="unavailable")


# --- building from settings ------------------------------------------------------------------


def _setting(settings: Any, name: str, default: Any = None) -> Any:
    value = getattr(settings, name, default)
    if hasattr(value, "get_secret_value"):
        value = value.get_secret_value()
    if isinstance(value, str):
        value = value.strip()
        if value == "":
            return default
    return default if value is None else value


def _bool(value: Any, default: bool = True) -> bool:
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off", "")
    return bool(value)


def build_chain(settings: Any, **chain_kwargs: Any) -> ProviderChain:
    """A :class:`ProviderChain` from any object with these attributes (all optional):

    ``flight_providers`` ("amadeus,serpapi,timetable"), ``amadeus_client_id``,
    ``amadeus_client_secret`` (str or pydantic ``SecretStr``), ``amadeus_hostname``
    ("test"|"production"), ``amadeus_host``, ``amadeus_port``, ``amadeus_ssl`` (bool or
    "false"/"0"/"no"), ``serpapi_api_key``, ``serpapi_base_url``, ``timetable_path``,
    ``flight_provider_timeout_secs`` (4), ``flight_search_deadline_secs`` (6).

    Providers without credentials are skipped and logged (they show ``configured: False`` in
    :meth:`ProviderChain.stats`). Raises ``ValueError`` for an unknown provider name or when no
    provider is left. Extra keyword arguments go to :class:`ProviderChain`.
    """
    from flights.amadeus_provider import AmadeusProvider
    from flights.serpapi_provider import SerpApiProvider

    names = [n.strip().lower() for n in str(_setting(settings, "flight_providers", DEFAULT_PROVIDERS)).split(",")
             if n.strip()]
    timeout = float(_setting(settings, "flight_provider_timeout_secs", 4.0))
    deadline = float(_setting(settings, "flight_search_deadline_secs", 6.0))
    providers: list[Any] = []
    skipped: list[str] = []
    for name in names:
        if name == "amadeus":
            cid = _setting(settings, "amadeus_client_id")
            secret = _setting(settings, "amadeus_client_secret")
            if not cid or not secret:
                missing = [v for v, x in (("AMADEUS_CLIENT_ID", cid), ("AMADEUS_CLIENT_SECRET", secret)) if not x]
                logger.warning("flight provider amadeus skipped: {} not set", ", ".join(missing))
                skipped.append(name)
                continue
            port = _setting(settings, "amadeus_port")
            providers.append(AmadeusProvider(
                str(cid), str(secret),
                hostname=str(_setting(settings, "amadeus_hostname", "test")),
                host=_setting(settings, "amadeus_host"),
                port=int(port) if port else None,
                ssl=_bool(_setting(settings, "amadeus_ssl"), True),
                timeout=timeout,
            ))
        elif name == "serpapi":
            key = _setting(settings, "serpapi_api_key")
            if not key:
                logger.warning("flight provider serpapi skipped: SERPAPI_API_KEY not set")
                skipped.append(name)
                continue
            providers.append(SerpApiProvider(
                str(key), base_url=str(_setting(settings, "serpapi_base_url", "https://serpapi.com")),
                timeout=timeout,
            ))
        elif name == "timetable":
            path = _setting(settings, "timetable_path")
            providers.append(TimetableProvider(Path(path) if path else None))
        else:
            raise ValueError(f"FLIGHT_PROVIDERS: unknown provider {name!r} (known: amadeus, serpapi, timetable)")
    if not providers:
        raise ValueError(f"FLIGHT_PROVIDERS={','.join(names)!r}: no usable provider "
                         f"(missing credentials for {', '.join(skipped) or 'all'})")
    logger.info("flight providers: {}{}", ", ".join(ProviderChain._name(p) for p in providers),
                f" (skipped, no credentials: {', '.join(skipped)})" if skipped else "")
    chain_kwargs.setdefault("per_provider_timeout", timeout)
    chain_kwargs.setdefault("deadline", deadline)
    return ProviderChain(providers, unconfigured=skipped, **chain_kwargs)


__all__ = ["ProviderChain", "build_chain", "SAMPLE_NOTICE", "FALLBACK_REASON", "DEFAULT_PROVIDERS"]
