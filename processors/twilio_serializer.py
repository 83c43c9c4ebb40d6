"""Twilio Media Streams serializer that survives bad input and speaks the whole protocol.

Pipecat's :class:`~pipecat.serializers.twilio.TwilioFrameSerializer` converts audio and sends
``clear`` on interruption, but raises on malformed base64 (which ends the call: the transport's
receive loop stops at the first exception), never sends ``mark`` and ignores inbound ``mark``/``stop``
(DESIGN.md, "Pipecat 1.14 facts"). This subclass:

- never raises from :meth:`deserialize`: non-JSON, non-object JSON, unknown events, media with a
  missing or invalid base64 payload are logged (rate-limited) and dropped; the call continues;
- reports inbound ``mark`` echoes, ``stop`` and ``dtmf`` to the call through ``on_event``, and puts
  each mark echo into the pipeline as an ``InputTransportMessageFrame`` (for processors that track
  what the caller heard, e.g. :class:`~processors.played_audio.PlayedAudioMarks`);
- passes outbound ``mark`` messages (queued behind the audio by
  :class:`~processors.call_marks.CallMarksProcessor`) and uses their echoes to know whether Twilio
  still holds unplayed audio;
- sends ``clear`` on interruption only while Twilio holds unplayed bot audio: a caller starting a
  turn after the bot went quiet is not a barge-in, and no ``clear`` goes out.

Protocol: https://www.twilio.com/docs/voice/media-streams/websocket-messages — inbound ``media``
payloads are base64 8 kHz μ-law, 20 ms (160 bytes) each; outbound ``media``/``mark``/``clear``.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Awaitable, Callable
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    AudioRawFrame,
    Frame,
    InputTransportMessageFrame,
    InterruptionFrame,
    OutputTransportMessageFrame,
)
from pipecat.serializers.twilio import TwilioFrameSerializer

#: Events Twilio sends on a bidirectional stream.
KNOWN_EVENTS = {"connected", "start", "media", "mark", "dtmf", "stop"}

EventCallback = Callable[[str, dict[str, Any]], Awaitable[None]]


class GatewayTwilioSerializer(TwilioFrameSerializer):
    """TwilioFrameSerializer that tolerates malformed messages and surfaces mark/stop/dtmf.

    Args:
        stream_sid: StreamSid from the ``start`` message.
        call_sid: CallSid (needed for the REST hang-up).
        on_event: ``async (event, message) -> None`` called for inbound ``mark``, ``stop`` and
            ``dtmf`` messages (after any frame is produced), e.g. to end the call once the goodbye
            has been played.
        **kwargs: passed to :class:`TwilioFrameSerializer` (``account_sid``, ``auth_token``,
            ``base_url``, ``params``…).
    """

    def __init__(self, stream_sid: str, call_sid: str | None = None, *, on_event: EventCallback | None = None, **kwargs):
        super().__init__(stream_sid, call_sid, **kwargs)
        self._on_event = on_event
        self.bad_messages = 0
        self.media_messages = 0
        self.clears_sent = 0
        self._unplayed = False  # Twilio holds bot audio it has not played yet
        self._last_mark: str | None = None
        self._audio_after_mark = False

    def _reject(self, why: str, data: str | bytes) -> None:
        self.bad_messages += 1
        # Log the first few in full, then one line per 100 to keep a flood from filling the logs.
        if self.bad_messages <= 5 or self.bad_messages % 100 == 0:
            preview = data[:120] if isinstance(data, (str, bytes)) else repr(data)[:120]
            logger.warning(f"twilio stream: dropped message #{self.bad_messages} ({why}): {preview!r}")

    async def deserialize(self, data: str | bytes) -> Frame | None:
        """Turn one Twilio message into a frame, or ``None``; never raises.

        Returns:
            ``InputAudioRawFrame`` for ``media`` (PCM16 at the pipeline input rate), ``InputDTMFFrame``
            for ``dtmf``, ``InputTransportMessageFrame`` (the message) for ``mark``, otherwise ``None``.
        """
        try:
            message = json.loads(data)
        except (json.JSONDecodeError, UnicodeDecodeError, TypeError):
            self._reject("not JSON", data)
            return None
        if not isinstance(message, dict):
            self._reject("not a JSON object", data)
            return None
        event = message.get("event")
        if event not in KNOWN_EVENTS:
            self._reject(f"unknown event {event!r}", data)
            return None

        if event == "media":
            media = message.get("media")
            payload = media.get("payload") if isinstance(media, dict) else None
            if not isinstance(payload, str) or not payload:
                self._reject("media without payload", data)
                return None
            try:
                base64.b64decode(payload, validate=True)
            except (binascii.Error, ValueError):
                self._reject("media payload is not base64", data)
                return None
            self.media_messages += 1

        frame = None
        try:
            frame = await super().deserialize(data)
        except Exception as e:  # a vendor-format surprise must not end the call
            self._reject(f"{e.__class__.__name__}: {e}", data)
            return None

        if event == "mark":
            mark = message.get("mark")
            name = mark.get("name") if isinstance(mark, dict) else None
            if name is not None and name == self._last_mark and not self._audio_after_mark:
                self._unplayed = False
            frame = InputTransportMessageFrame(message=message)
        if event in ("mark", "stop", "dtmf") and self._on_event:
            try:
                await self._on_event(event, message)
            except Exception as e:
                logger.exception(f"twilio stream: {event} handler failed: {e}")
        return frame

    async def serialize(self, frame: Frame) -> str | bytes | None:
        """Serialize like the parent, tracking unplayed audio; ``clear`` only when there is some."""
        if isinstance(frame, InterruptionFrame):
            if not self._unplayed:
                return None
            self._unplayed = False
            self.clears_sent += 1
            return await super().serialize(frame)
        payload = await super().serialize(frame)
        if payload is None:
            return None
        if isinstance(frame, AudioRawFrame):
            self._unplayed = True
            self._audio_after_mark = True
        elif isinstance(frame, OutputTransportMessageFrame) and isinstance(frame.message, dict) \
                and frame.message.get("event") == "mark":
            self._last_mark = (frame.message.get("mark") or {}).get("name")
            self._audio_after_mark = False
        return payload
