"""Outbound calls: who may dial what. ``POST /call`` is a toll-fraud hole unless every check holds.

Checks, in order (each refusal dials nothing):

1. ``Authorization: Bearer <key>`` matches one of ``GATEWAY_API_KEYS`` (constant-time compare of
   every key; several keys allow rotation) → else 401.
2. The body is at most ``MAX_REQUEST_BYTES`` → else 413; it is valid JSON ``{to, from?, language?,
   context?}`` → else 422.
3. ``to`` and ``from`` parse as valid E.164 numbers (``phonenumbers``) → else 422.
4. ``to`` is not premium-rate / shared-cost / unknown type, and its region is in
   ``OUTBOUND_ALLOWED_COUNTRIES`` (default: the from-number's region only) → else 403.
5. The key is under its rate limit (``OUTBOUND_RATE_LIMIT``, moving window, in memory) → else 429.
"""

from __future__ import annotations

import hmac

import phonenumbers
from limits import parse as parse_limit
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from phonenumbers import PhoneNumberType
from pydantic import BaseModel, ConfigDict, Field

REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.UAN: "universal access",
    PhoneNumberType.PAGER: "pager",
}


class OutboundRefused(Exception):
    """A refusal with its HTTP status and a message safe to return to the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class CallRequest(BaseModel):
    """Body of ``POST /call``."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    to: str = Field(..., max_length=32, description="E.164 number to dial, e.g. +14155550100")
    from_: str | None = Field(None, alias="from", max_length=32, description="E.164 caller ID (default TWILIO_FROM_NUMBER)")
    language: str | None = Field(None, pattern=r"^[a-zA-Z]{2}$", description="ISO 639-1 starting language")
    context: str | None = Field(None, max_length=500, description="Free text passed to the call")


def check_api_key(authorization: str | None, keys: list[str]) -> str:
    """The matching key for an ``Authorization: Bearer`` header.

    Raises:
        OutboundRefused(401): missing, malformed or unknown key (also when no key is configured).
    """
    if not authorization or not authorization.startswith("Bearer "):
        raise OutboundRefused(401, "missing bearer token")
    presented = authorization[len("Bearer "):].strip().encode()
    match = None
    for key in keys:  # compare against every key so timing does not reveal which one matched
        if hmac.compare_digest(presented, key.encode()):
            match = key
    if match is None:
        raise OutboundRefused(401, "invalid bearer token")
    return match


def parse_e164(raw: str, field: str) -> phonenumbers.PhoneNumber:
    """Parse an E.164 number. Raises OutboundRefused(422) if it is not a valid one."""
    if not raw or not raw.startswith("+"):
        raise OutboundRefused(422, f"'{field}' must be an E.164 number like +14155550100")
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise OutboundRefused(422, f"'{field}' is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise OutboundRefused(422, f"'{field}' is not a valid number")
    return number


def check_destination(to_raw: str, from_raw: str, allowed: set[str] | None) -> tuple[str, str]:
    """Validate both numbers and the destination; returns ``(to, from)`` in E.164.

    Raises:
        OutboundRefused: 422 invalid numbers, 403 refused destination (type or country).
    """
    to = parse_e164(to_raw, "to")
    from_ = parse_e164(from_raw, "from")
    kind = phonenumbers.number_type(to)
    if kind in REFUSED_TYPES:
        raise OutboundRefused(403, f"{REFUSED_TYPES[kind]} numbers cannot be called")
    region = phonenumbers.region_code_for_number(to)
    allowed = allowed if allowed is not None else {phonenumbers.region_code_for_number(from_)}
    if region not in allowed:
        raise OutboundRefused(403, f"calls to {region or 'that region'} are not allowed")
    fmt = phonenumbers.PhoneNumberFormat.E164
    return phonenumbers.format_number(to, fmt), phonenumbers.format_number(from_, fmt)


class KeyRateLimiter:
    """Moving-window rate limit per API key (``limits``; in memory now, a shared storage later)."""

    def __init__(self, rate: str):
        self._item = parse_limit(rate)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, key: str) -> None:
        """Count one call. Raises OutboundRefused(429) over the limit."""
        import hashlib

        bucket = hashlib.sha256(key.encode()).hexdigest()[:16]  # never keep keys in the limiter
        if not self._limiter.hit(self._item, "outbound", bucket):
            raise OutboundRefused(429, f"rate limit {self._item} exceeded")
