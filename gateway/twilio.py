"""Twilio edges: TwiML for the voice webhook and parsing of the Media Streams handshake.

TwiML is built with the ``twilio`` library (``VoiceResponse`` → ``<Connect><Stream>``):
https://www.twilio.com/docs/voice/twiml/stream. The WebSocket handshake (``connected`` then
``start``) follows https://www.twilio.com/docs/voice/media-streams/websocket-messages.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from twilio.twiml.voice_response import Connect, VoiceResponse

from pipelines.base import CallInfo


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


class HandshakeError(ValueError):
    """The WebSocket did not open like a Twilio Media Stream (no valid ``start``)."""


@dataclass
class StartMessage:
    """The parts of Twilio's ``start`` message the gateway uses."""

    call: CallInfo
    media_format: dict[str, Any]


def parse_start(message: dict[str, Any], default_language: str) -> StartMessage:
    """Read a ``start`` message into a :class:`CallInfo`.

    Raises:
        HandshakeError: ``start`` is missing ``streamSid``/``callSid`` or has a media format other
            than 8 kHz μ-law mono (``audio/x-mulaw``).
    """
    start = message.get("start")
    if not isinstance(start, dict):
        raise HandshakeError("start message without a 'start' object")
    stream_sid = start.get("streamSid") or message.get("streamSid")
    call_sid = start.get("callSid")
    if not isinstance(stream_sid, str) or not stream_sid:
        raise HandshakeError("start message without streamSid")
    if not isinstance(call_sid, str) or not call_sid:
        raise HandshakeError("start message without callSid")
    fmt = start.get("mediaFormat") or {}
    if fmt and (fmt.get("encoding") != "audio/x-mulaw" or int(fmt.get("sampleRate", 8000)) != 8000):
        raise HandshakeError(f"unsupported mediaFormat {fmt}")
    params = start.get("customParameters") or {}
    if not isinstance(params, dict):
        params = {}
    params = {str(k): str(v) for k, v in params.items()}
    language = (params.get("language") or default_language or "en").lower()[:2]
    call = CallInfo(
        call_sid=call_sid,
        stream_sid=stream_sid,
        account_sid=str(start.get("accountSid") or ""),
        from_number=params.get("From", ""),
        to_number=params.get("To", ""),
        language=language,
        direction=params.get("direction", "inbound"),
        parameters=params,
    )
    return StartMessage(call=call, media_format=fmt)


def decode_message(raw: str | bytes) -> dict[str, Any] | None:
    """JSON object of one WebSocket message, or ``None`` when it is not a JSON object."""
    try:
        message = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError, TypeError):
        return None
    return message if isinstance(message, dict) else None
