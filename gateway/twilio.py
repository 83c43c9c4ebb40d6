"""Twilio edges: TwiML for the voice webhook and parsing of the Media Streams handshake.

TwiML is built with the ``twilio`` library (``VoiceResponse`` → ``<Connect><Stream>``):
https://www.twilio.com/docs/voice/twiml/stream. The WebSocket handshake (``connected`` then
``start``) follows https://www.twilio.com/docs/voice/media-streams/websocket-messages.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cachetools import TLRUCache
from pydantic import ValidationError
from twilio.twiml.voice_response import Connect, VoiceResponse

from flights.languages import SUPPORTED_LANGUAGES, normalize_language
from pipelines.contract import CallInfo
from processors.twilio_serializer import TWILIO_MESSAGE
from processors.twilio_serializer import StartMessage as TwilioStart


def stream_twiml(stream_url: str, parameters: dict[str, str]) -> str:
    """TwiML that connects the call to our Media Streams WebSocket.

    Args:
        stream_url: ``wss://{PUBLIC_HOST}/twilio/stream``.
        parameters: ``<Parameter name value>`` pairs (From, To, language…); empty values are skipped.

    Returns:
        The XML document, e.g. ``<Response><Connect><Stream url="wss://…"><Parameter name="From"
        value="+1…"/>…</Stream></Connect></Response>``.
    """
    response = VoiceResponse()
    connect = Connect()
    stream = connect.stream(url=stream_url)
    for name, value in parameters.items():
        if value:
            stream.parameter(name=name, value=value)
    response.append(connect)
    return str(response)


def refusal_twiml(message: str) -> str:
    """TwiML that says ``message`` and hangs up (used when the gateway cannot take a call)."""
    response = VoiceResponse()
    response.say(message)
    response.hangup()
    return str(response)


#: Twilio ``<Say language>`` per call language (https://www.twilio.com/docs/voice/twiml/say#language).
SAY_LANGUAGES = {"en": "en-US", "es": "es-ES", "fr": "fr-FR", "de": "de-DE", "it": "it-IT", "pt": "pt-PT"}


def transfer_twiml(number: str, *, caller_id: str | None, whisper_url: str | None) -> str:
    """TwiML that bridges the live call to a person: ``<Dial callerId><Number url>``.

    Args:
        number: ``TRANSFER_NUMBER`` (E.164).
        caller_id: the caller's own number, so the agent sees who is calling (``None``: Twilio's
            default, the number the call came in on); https://www.twilio.com/docs/voice/twiml/dial#callerid.
        whisper_url: TwiML the *agent's* leg runs once the agent answers and before the two parties
            are connected — the whisper (https://www.twilio.com/docs/voice/twiml/number#url).

    Returns:
        e.g. ``<Response><Dial callerId="+1…"><Number url="https://…/twilio/whisper?…"
        method="POST">+1…</Number></Dial></Response>``.
    """
    response = VoiceResponse()
    dial = response.dial(caller_id=caller_id or None)
    dial.number(number, url=whisper_url, method="POST" if whisper_url else None)
    return str(response)


def whisper_twiml(text: str, language: str) -> str:
    """TwiML the agent hears before being bridged: ``<Say language>`` of ``text`` (cut to 300 characters)."""
    response = VoiceResponse()
    response.say(" ".join(text.split())[:300], language=SAY_LANGUAGES.get(language, "en-US"))
    return str(response)


class HandshakeError(ValueError):
    """The WebSocket did not open like a Twilio Media Stream (no valid ``start``)."""


@dataclass
class StartMessage:
    """The parts of Twilio's ``start`` message the gateway uses."""

    call: CallInfo
    media_format: dict[str, Any]


def parse_start(message: dict[str, Any] | TwilioStart, default_language: str) -> StartMessage:
    """Read a ``start`` message (decoded JSON or the serializer's checked model) into a :class:`CallInfo`.

    The ``language`` parameter is kept only if it is one of
    :data:`flights.languages.SUPPORTED_LANGUAGES` (else ``default_language``).

    Raises:
        HandshakeError: not a well-formed ``start`` (missing or malformed ``streamSid``/``callSid`` —
            ``MZ``/``CA`` + 32 hex digits —, a non-object ``mediaFormat``, a non-integer
            ``sampleRate``…) or a media format other than 8 kHz μ-law mono (``audio/x-mulaw``).
    """
    if not isinstance(message, TwilioStart):
        try:
            message = TWILIO_MESSAGE.validate_python(message)
        except ValidationError as e:
            first = e.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "message"
            raise HandshakeError(f"invalid start message: {where}: {first.get('msg')}"[:160]) from None
        if not isinstance(message, TwilioStart):
            raise HandshakeError(f"expected a start message, got {message.event}")
    start = message.start
    fmt = start.mediaFormat
    if fmt is not None and (fmt.encoding != "audio/x-mulaw" or fmt.sampleRate != 8000 or fmt.channels != 1):
        raise HandshakeError(f"unsupported mediaFormat {fmt.encoding}/{fmt.sampleRate}/{fmt.channels}"[:160])
    params = dict(start.customParameters)
    language = (normalize_language(params.get("language")) or normalize_language(default_language)
                or SUPPORTED_LANGUAGES[0])
    params["language"] = language
    call = CallInfo(
        call_sid=start.callSid,
        stream_sid=start.streamSid,
        account_sid=start.accountSid or "",
        from_number=params.get("From", ""),
        to_number=params.get("To", ""),
        language=language,
        direction="outbound" if params.get("direction") == "outbound" else "inbound",
        parameters=params,
    )
    return StartMessage(call=call, media_format=fmt.model_dump() if fmt else {})


# --- request signatures ---------------------------------------------------------------------
# https://www.twilio.com/docs/usage/webhooks/webhooks-security — Twilio signs every webhook and the
# Media Streams WebSocket upgrade with X-Twilio-Signature: HMAC-SHA1 (base64) of the full URL it
# requested plus, for form POSTs, the sorted POST parameters, keyed with the account's auth token.

SIGNATURE_HEADER = "x-twilio-signature"


@lru_cache(maxsize=16)
def _trusted_networks(spec: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] | None:
    """``FORWARDED_ALLOW_IPS`` parsed: ``None`` for ``*`` (every peer), else the networks listed."""
    items = [i.strip() for i in spec.split(",") if i.strip()]
    if "*" in items:
        return None
    return tuple(ipaddress.ip_network(i, strict=False) for i in items)


def peer_is_trusted_proxy(settings, peer: str | None) -> bool:
    """Whether the TCP peer ``peer`` (an IP address) is one of ``FORWARDED_ALLOW_IPS``.

    Same convention as uvicorn's ``--forwarded-allow-ips``: comma-separated addresses or networks,
    ``*`` for any; unset (the default) trusts no one.
    """
    spec = settings.forwarded_allow_ips or ""
    if not spec.strip() or not peer:
        return False
    networks = _trusted_networks(spec)
    if networks is None:
        return True
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in net for net in networks)


_HOST = re.compile(r"^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]{2,45}\](:[0-9]{1,5})?$")


def public_request_url(settings, path_qs: str, headers, websocket: bool = False, peer: str | None = None) -> str:
    """The URL Twilio requested: ``{scheme}://{PUBLIC_HOST}{path_qs}``.

    Behind a proxy the app sees its own address; Twilio signed the public one. ``X-Forwarded-Host``
    and ``X-Forwarded-Proto`` (first value of each) replace host and scheme only when the TCP
    ``peer`` is a trusted proxy (``FORWARDED_ALLOW_IPS``), the host is a plain ``host[:port]`` and
    the scheme is ``http`` or ``https``; from anyone else they are ignored. WebSocket upgrades
    always use ``STREAM_SCHEME``.
    """
    host, scheme = settings.public_host, settings.http_scheme
    if peer_is_trusted_proxy(settings, peer):
        fwd_host = (headers.get("x-forwarded-host") or "").split(",")[0].strip()
        if fwd_host and _HOST.match(fwd_host):
            host = fwd_host
        fwd_proto = (headers.get("x-forwarded-proto") or "").split(",")[0].strip().lower()
        if fwd_proto in ("http", "https"):
            scheme = fwd_proto
    if websocket:
        scheme = settings.stream_scheme
    return f"{scheme}://{host}{path_qs}"


def signature_valid(auth_token: str, url: str, params: dict[str, str], signature: str | None) -> bool:
    """Check ``signature`` with twilio's ``RequestValidator`` (False when missing)."""
    if not signature:
        return False
    from twilio.request_validator import RequestValidator

    return RequestValidator(auth_token).validate(url, params, signature)


# --- per-call stream tokens (defence in depth) -------------------------------------------------
# The TwiML for a call carries a short-lived token bound to its CallSid as a <Parameter> (Twilio's
# <Stream url> may not carry a query string); the stream's `start` must present it for that CallSid,
# once. A token copied from one call's TwiML is useless for another call or a second connection.


def _token_mac(secret: bytes, call_sid: str, expires: int) -> str:
    import base64
    import hashlib
    import hmac

    mac = hmac.new(secret, f"{call_sid}|{expires}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode()


def make_stream_token(secret: bytes, call_sid: str, ttl_secs: int, now: float | None = None) -> str:
    """``"<expiry unix s>.<mac>"`` for ``call_sid``."""
    import time

    expires = int((now if now is not None else time.time()) + ttl_secs)
    return f"{expires}.{_token_mac(secret, call_sid, expires)}"


class StreamTokenLedger:
    """Checks stream tokens and remembers used ones until they expire (in memory, per process)."""

    def __init__(self, secret: bytes, max_tokens: int = 100_000, timer: Callable[[], float] = time.time):
        self._secret = secret
        # Used tokens, each remembered until its own expiry (unix s), then dropped: the ledger
        # cannot grow past max_tokens (beyond that, the least recently used are forgotten first).
        self._used: TLRUCache[str, int] = TLRUCache(
            maxsize=max_tokens, ttu=lambda _token, expires, _now: expires, timer=timer
        )

    def __len__(self) -> int:
        """Used tokens still remembered."""
        self._used.expire()
        return len(self._used)

    def issue(self, call_sid: str, ttl_secs: int) -> str:
        return make_stream_token(self._secret, call_sid, ttl_secs)

    def verify(self, call_sid: str, token: str | None, now: float | None = None) -> tuple[str | None, int]:
        """Check ``token`` for ``call_sid`` without using it up.

        Returns ``(None, expires)`` — ``expires`` in unix s — when it was issued for this call and is
        still valid, else ``(reason, 0)``. Single use is the caller's (:meth:`redeem` in process,
        :meth:`gateway.state.CallState.use_token` across replicas).
        """
        import hmac

        now = now if now is not None else time.time()
        if not token or "." not in token:
            return "missing stream token", 0
        expires_s, _, mac = token.partition(".")
        if not expires_s.isdigit():
            return "malformed stream token", 0
        expires = int(expires_s)
        if not hmac.compare_digest(mac, _token_mac(self._secret, call_sid, expires)):
            return "stream token not issued for this call", 0
        if expires < now:
            return "stream token expired", 0
        return None, expires

    def redeem(self, call_sid: str, token: str | None, now: float | None = None) -> str | None:
        """Accept ``token`` for ``call_sid`` once (in this ledger). Returns ``None`` if accepted, else the reason."""
        refused, expires = self.verify(call_sid, token, now)
        if refused:
            return refused
        if token in self._used:
            return "stream token already used"
        self._used[token] = expires
        return None


# --- REST -----------------------------------------------------------------------------------


class TwilioRest:
    """Thin async wrapper over the ``twilio`` REST client (Calls resource).

    Args:
        account_sid / auth_token: credentials (Basic auth).
        base_url: REST root for a Twilio-compatible server (default https://api.twilio.com).

    API: https://www.twilio.com/docs/voice/api/call-resource
    """

    def __init__(self, account_sid: str, auth_token: str, base_url: str | None = None):
        from twilio.http.async_http_client import AsyncTwilioHttpClient
        from twilio.rest import Client

        self._client = Client(account_sid, auth_token, http_client=AsyncTwilioHttpClient(timeout=10))
        if base_url:
            self._client.api.base_url = base_url.rstrip("/")

    async def create_call(self, *, to: str, from_: str, url: str, status_callback: str,
                          machine_detection: bool) -> tuple[str, str]:
        """Place a call; returns ``(CallSid, status)``.

        Raises:
            twilio.base.exceptions.TwilioRestException: Twilio refused (``.status``, ``.code``, ``.msg``).
        """
        kwargs = {}
        if machine_detection:
            kwargs["machine_detection"] = "Enable"
        call = await self._client.calls.create_async(
            to=to, from_=from_, url=url, method="POST", status_callback=status_callback,
            status_callback_method="POST",
            status_callback_event=["initiated", "ringing", "answered", "completed"], **kwargs,
        )
        return call.sid, call.status

    async def update_call(self, call_sid: str, *, twiml: str) -> str:
        """Replace the TwiML a live call is running (``POST /Calls/{CallSid}.json`` with ``Twiml``):
        Twilio ends the ``<Connect><Stream>`` and runs ``twiml`` instead (e.g. a ``<Dial>`` transfer).
        Returns the call's status. https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource

        Raises:
            twilio.base.exceptions.TwilioRestException: Twilio refused (unknown or finished call…).
        """
        call = await self._client.calls(call_sid).update_async(twiml=twiml)
        return call.status

    async def close(self) -> None:
        http = self._client.http_client
        if hasattr(http, "close"):
            await http.close()
