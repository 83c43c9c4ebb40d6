"""Outbound calls: who may dial what. ``POST /call`` is a toll-fraud hole unless every check holds.

Checks, in order (each refusal dials nothing):

1. The client address is under ``AUTH_FAILURE_RATE_LIMIT`` failed key attempts → else 429; then
   ``Authorization: Bearer <key>`` matches one of ``GATEWAY_API_KEYS`` (constant-time compare of
   every key; several keys allow rotation) → else 401 (and one failure counted).
2. The body is at most ``MAX_REQUEST_BYTES`` (bytes received, see :mod:`gateway.app`) → else 413;
   it is valid JSON ``{to, from?, language?, context?}``, ``language`` one of the supported ones
   → else 422.
3. ``to`` is written as strict E.164 — ``+`` then 7–15 ASCII digits and nothing else, checked on
   the raw string *before* ``phonenumbers`` sees it, so full-width or other Unicode digits,
   extensions (``x12``, ``;ext=``), pauses (``w``, ``p``, ``,``), spaces and control characters are
   refused, never normalised into a dial — and is a valid number (``phonenumbers``) → else 422.
4. The caller ID is one the operator configured: ``TWILIO_FROM_NUMBER`` (the default) or one of
   ``OUTBOUND_FROM_NUMBERS`` → else 403 (503 when none is configured).
5. ``to`` is not a fraud-prone type (:data:`REFUSED_TYPES`: premium rate, shared cost, UAN,
   personal, pager, VoIP, unknown), not a non-geographic number (country code region ``001``:
   satellite +881/+870, international networks +882/+883, international freephone/shared cost
   +800/+808…), not one of our own caller IDs, and its region is in ``OUTBOUND_ALLOWED_COUNTRIES``
   (configuration only; unset: the region of the caller ID) → else 403.
6. The key is under its rate limit (``OUTBOUND_RATE_LIMIT``, moving window, shared by every replica
   when ``REDIS_URL`` is set, see :mod:`gateway.state`) → else 429.

Number types: https://github.com/google/libphonenumber (``PhoneNumberType``; e.g. UK 070 is
PERSONAL_NUMBER, UK 056 is VOIP).
"""

from __future__ import annotations

import hashlib
import hmac
import re

import phonenumbers
from limits import parse as parse_limit
from limits.aio.storage import MemoryStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from phonenumbers import PhoneNumberType
from pydantic import BaseModel, ConfigDict, Field, field_validator

from flights.languages import SUPPORTED_LANGUAGES, normalize_language

#: Destination types refused outright, with the words used in the 403.
REFUSED_TYPES = {
    PhoneNumberType.PREMIUM_RATE: "premium-rate",
    PhoneNumberType.SHARED_COST: "shared-cost",
    PhoneNumberType.UAN: "universal access (UAN)",
    PhoneNumberType.PERSONAL_NUMBER: "personal",
    PhoneNumberType.PAGER: "pager",
    PhoneNumberType.VOIP: "VoIP",
    PhoneNumberType.UNKNOWN: "unknown-type",
}

#: ``phonenumbers`` region of country codes that belong to no country (satellite, international
#: networks, international freephone/shared-cost/premium: +800, +808, +870, +878, +881, +882, +883, +888, +979).
NON_GEOGRAPHIC_REGION = phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY  # "001"

#: Strict E.164 as written: "+", a non-zero first digit, 7 to 15 ASCII digits in all, nothing else.
E164_RAW = re.compile(r"\+[1-9][0-9]{6,14}", re.ASCII)


class OutboundRefused(Exception):
    """A refusal with its HTTP status and a message safe to return to the client."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class CallRequest(BaseModel):
    """Body of ``POST /call``."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")

    to: str = Field(..., max_length=32, description="E.164 number to dial, e.g. +14155550100 (ASCII digits only)")
    from_: str | None = Field(None, alias="from", max_length=32,
                              description="Caller ID: TWILIO_FROM_NUMBER (default) or one of OUTBOUND_FROM_NUMBERS")
    language: str | None = Field(None, pattern=r"^[a-zA-Z]{2}$",
                                 description="Starting language, one of " + ", ".join(SUPPORTED_LANGUAGES))
    context: str | None = Field(None, max_length=500, description="Free text passed to the call")

    @field_validator("language")
    @classmethod
    def _supported_language(cls, value: str | None) -> str | None:
        if value is None:
            return None
        code = normalize_language(value)
        if code is None:
            raise ValueError(f"language must be one of {', '.join(SUPPORTED_LANGUAGES)}")
        return code


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


def key_id(secret: bytes, key: str) -> str:
    """A loggable id of an API key: 12 hex digits of HMAC-SHA256(``secret``, key).

    Unlike a plain hash, it cannot be checked against guessed keys without the server's secret.
    """
    return hmac.new(secret, key.encode(), hashlib.sha256).hexdigest()[:12]


def parse_e164(raw: str, field: str) -> phonenumbers.PhoneNumber:
    """Parse a strict E.164 number.

    Raises:
        OutboundRefused(422): not ``+`` and 7–15 ASCII digits (nothing else), or not a valid number.
    """
    if not isinstance(raw, str) or not E164_RAW.fullmatch(raw):
        raise OutboundRefused(422, f"'{field}' must be an E.164 number like +14155550100 "
                                   "(ASCII digits only: no spaces, extensions or pauses)")
    try:
        number = phonenumbers.parse(raw, None)
    except phonenumbers.NumberParseException:
        raise OutboundRefused(422, f"'{field}' is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise OutboundRefused(422, f"'{field}' is not a valid number")
    return number


def _e164(number: phonenumbers.PhoneNumber) -> str:
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def choose_caller_id(requested: str | None, configured: list[str]) -> str:
    """The caller ID for a call: ``requested`` if it is one of ``configured``, else the first.

    Raises:
        OutboundRefused: 503 none configured; 422 ``requested`` is not E.164; 403 not configured.
    """
    numbers = {_e164(phonenumbers.parse(n, None)) for n in configured
               if E164_RAW.fullmatch(n)} if configured else set()
    if not numbers:
        raise OutboundRefused(503, "no caller ID configured (TWILIO_FROM_NUMBER)")
    if requested is None:
        return _e164(phonenumbers.parse(configured[0], None))
    chosen = _e164(parse_e164(requested, "from"))
    if chosen not in numbers:
        raise OutboundRefused(403, "'from' is not one of the configured caller IDs")
    return chosen


def check_destination(to_raw: str, from_number: str, allowed: set[str] | None,
                      own_numbers: list[str] = ()) -> tuple[str, str]:
    """Validate the destination for a call from the (configured) ``from_number``.

    Args:
        to_raw: the ``to`` string as the client sent it.
        from_number: the caller ID, already chosen by :func:`choose_caller_id`.
        allowed: ``OUTBOUND_ALLOWED_COUNTRIES``; ``None`` = the region of ``from_number``.
        own_numbers: every configured caller ID (none of them may be dialled).

    Returns:
        ``(to, from)`` in E.164.

    Raises:
        OutboundRefused: 422 invalid number, 403 refused destination (type, region, own number).
    """
    to = parse_e164(to_raw, "to")
    from_ = phonenumbers.parse(from_number, None)
    to_e164 = _e164(to)
    own = {from_number, *own_numbers}
    if to_e164 in own:
        raise OutboundRefused(403, "the gateway's own caller ID cannot be called")
    region = phonenumbers.region_code_for_number(to)
    if region == NON_GEOGRAPHIC_REGION:
        raise OutboundRefused(403, "non-geographic numbers (satellite, international networks) cannot be called")
    kind = phonenumbers.number_type(to)
    if kind in REFUSED_TYPES:
        raise OutboundRefused(403, f"{REFUSED_TYPES[kind]} numbers cannot be called")
    allowed = allowed if allowed is not None else {phonenumbers.region_code_for_number(from_)}
    if region not in allowed:
        raise OutboundRefused(403, f"calls to {region or 'that region'} are not allowed")
    return to_e164, _e164(from_)


class KeyRateLimiter:
    """Moving-window rate limit per API key id (``limits``' async API).

    Args:
        rate: ``OUTBOUND_RATE_LIMIT`` (limits syntax, e.g. ``10/minute``).
        storage: a ``limits.aio.storage`` backend — memory (this process) or Redis (every replica,
            :attr:`gateway.state.CallState.rate_storage`); default: memory.
    """

    def __init__(self, rate: str, storage: Storage | None = None):
        self._item = parse_limit(rate)
        self._limiter = MovingWindowRateLimiter(storage if storage is not None else MemoryStorage())

    async def hit(self, key_id: str) -> None:
        """Count one call for ``key_id`` (never the key itself). Raises OutboundRefused(429) over the limit.

        Raises ``limits.errors.StorageError`` when a shared storage does not answer.
        """
        if not await self._limiter.hit(self._item, "outbound", key_id):
            raise OutboundRefused(429, f"rate limit {self._item} exceeded")


class AuthFailureLimiter:
    """Moving-window limit on failed bearer-key attempts per client address (``limits``' async API;
    ``storage`` as for :class:`KeyRateLimiter`)."""

    def __init__(self, rate: str, storage: Storage | None = None):
        self._item = parse_limit(rate)
        self._limiter = MovingWindowRateLimiter(storage if storage is not None else MemoryStorage())

    async def check(self, client: str) -> None:
        """Raises OutboundRefused(429) while ``client`` is over the limit of failures."""
        if not await self._limiter.test(self._item, "auth-fail", client):
            raise OutboundRefused(429, "too many failed authentication attempts")

    async def failed(self, client: str) -> None:
        """Count one failed attempt from ``client``."""
        await self._limiter.hit(self._item, "auth-fail", client)
