"""Typed provider errors: what a flight provider raises, and what the chain does with it.

    ProviderError            base class (``provider``: name of the provider that raised)
    ├── BadRequestError      the query itself was refused (bad code/date...): the caller should
    │                        rephrase; the chain does NOT fall back to another provider
    ├── AuthError            credentials refused or expired beyond refresh
    ├── RateLimitedError     429; ``retry_after`` seconds (None when the vendor gave none)
    └── UpstreamError        5xx, timeouts, network errors, unparseable answers

Every error but :class:`BadRequestError` counts as a provider failure for the circuit breaker
and lets the chain try the next provider.
"""

from __future__ import annotations


class ProviderError(Exception):
    """Base class of every flight provider error. ``status`` is the HTTP status if any."""

    def __init__(self, message: str, *, provider: str = "", status: int | None = None,
                 code: str | None = None) -> None:
        super().__init__(message)
        self.provider = provider
        self.status = status
        self.code = code

    @property
    def detail(self) -> str:
        """The message without the class name (safe to log; never contains a secret)."""
        return str(self)


class BadRequestError(ProviderError):
    """The provider refused the query itself (HTTP 400 / Amadeus 477 ...): ask the caller to
    rephrase; trying another provider would not help."""


class AuthError(ProviderError):
    """Credentials missing, refused, or an access token that could not be refreshed (401/403)."""


class RateLimitedError(ProviderError):
    """HTTP 429. ``retry_after`` is the vendor's Retry-After in seconds, or None."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class UpstreamError(ProviderError):
    """The vendor is failing: 5xx, timeout, connection refused, malformed body."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        from datetime import datetime, timezone
        from email.utils import parsedate_to_datetime

        when = parsedate_to_datetime(value)
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError, IndexError):
        return None


__all__ = [
    "ProviderError", "BadRequestError", "AuthError", "RateLimitedError", "UpstreamError",
    "parse_retry_after",
]
