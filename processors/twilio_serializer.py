"""Twilio Media Streams serializer that survives bad input and speaks the whole protocol.

Pipecat's :class:`~pipecat.serializers.twilio.TwilioFrameSerializer` converts audio and sends
``clear`` on interruption, but raises on malformed base64 (which ends the call: the transport's
receive loop stops at the first exception), never sends ``mark`` and ignores inbound ``mark``/``stop``
(DESIGN.md, "Pipecat 1.14 facts"). This subclass:

- never raises from :meth:`deserialize`: every message is checked at the edge before anything reads
  it — at most :data:`MAX_MESSAGE_BYTES`, JSON nesting at most :data:`MAX_NESTING` (checked *before*
  parsing, so 1,000-deep nesting never reaches the recursive JSON parser), then the shape of its
  event (:data:`TWILIO_MESSAGE`: ``event`` one of the known names, each sub-object with the
  documented field types, SIDs in Twilio's formats). Anything else is counted, logged (rate-limited)
  and dropped; the call continues;
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
SID formats (``CA``/``MZ``/``AC`` + 32 hex digits) follow Twilio's OpenAPI description
(https://github.com/twilio/twilio-oai, e.g. ``^CA[0-9a-fA-F]{32}$``).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, Union

from loguru import logger
from pipecat.audio.utils import ulaw_to_pcm
from pipecat.frames.frames import (
    AudioRawFrame,
    Frame,
    InputAudioRawFrame,
    InputTransportMessageFrame,
    InterruptionFrame,
    OutputTransportMessageFrame,
)
from pipecat.serializers.twilio import TwilioFrameSerializer
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

#: Events Twilio sends on a bidirectional stream.
KNOWN_EVENTS = {"connected", "start", "media", "mark", "dtmf", "stop"}

#: Largest inbound message accepted (bytes of UTF-8). Twilio's largest, ``start``, is well under 4 KB
#: (its ``customParameters`` are ours: From, To, language, token, a 500-character context).
MAX_MESSAGE_BYTES = 16384
#: Deepest JSON nesting accepted; Twilio's messages are at most 3 deep (``start.mediaFormat``).
MAX_NESTING = 8

CALL_SID_PATTERN = r"^CA[0-9a-fA-F]{32}$"
STREAM_SID_PATTERN = r"^MZ[0-9a-fA-F]{32}$"
ACCOUNT_SID_PATTERN = r"^AC[0-9a-fA-F]{32}$"

CallSid = Annotated[str, StringConstraints(pattern=CALL_SID_PATTERN)]
StreamSid = Annotated[str, StringConstraints(pattern=STREAM_SID_PATTERN)]
AccountSid = Annotated[str, StringConstraints(pattern=ACCOUNT_SID_PATTERN)]
_Short = Annotated[str, StringConstraints(max_length=64)]


def is_call_sid(value: Any) -> bool:
    """Whether ``value`` is a Twilio CallSid (``CA`` + 32 hex digits)."""
    return isinstance(value, str) and re.fullmatch(CALL_SID_PATTERN[1:-1], value) is not None


def is_stream_sid(value: Any) -> bool:
    """Whether ``value`` is a Twilio StreamSid (``MZ`` + 32 hex digits)."""
    return isinstance(value, str) and re.fullmatch(STREAM_SID_PATTERN[1:-1], value) is not None


class _Part(BaseModel):
    # Strict types: "8000" is not a sample rate, a list is not a name. Unknown fields are ignored
    # (Twilio may add some), but every field we read is declared and typed.
    model_config = ConfigDict(strict=True, extra="ignore")


class _Message(_Part):
    streamSid: StreamSid | None = None


class ConnectedMessage(_Message):
    event: Literal["connected"]
    protocol: _Short | None = None
    version: _Short | None = None


class MediaFormat(_Part):
    encoding: _Short
    sampleRate: int
    channels: int = 1


class StartBody(_Part):
    streamSid: StreamSid
    callSid: CallSid
    accountSid: AccountSid | None = None
    tracks: list[_Short] = Field(default_factory=list, max_length=4)
    mediaFormat: MediaFormat | None = None
    customParameters: dict[Annotated[str, StringConstraints(max_length=64)],
                           Annotated[str, StringConstraints(max_length=1024)]] = Field(
        default_factory=dict, max_length=32)


class StartMessage(_Message):
    event: Literal["start"]
    start: StartBody


class MediaBody(_Part):
    payload: Annotated[str, StringConstraints(min_length=1)]
    track: _Short | None = None
    chunk: _Short | None = None
    timestamp: _Short | None = None


class MediaMessage(_Message):
    event: Literal["media"]
    media: MediaBody


class MarkBody(_Part):
    name: Annotated[str, StringConstraints(max_length=256)]


class MarkMessage(_Message):
    event: Literal["mark"]
    mark: MarkBody


class DtmfBody(_Part):
    digit: Annotated[str, StringConstraints(min_length=1, max_length=1)]
    track: _Short | None = None


class DtmfMessage(_Message):
    event: Literal["dtmf"]
    dtmf: DtmfBody


class StopBody(_Part):
    accountSid: AccountSid | None = None
    callSid: CallSid | None = None


class StopMessage(_Message):
    event: Literal["stop"]
    stop: StopBody | None = None


#: Every inbound Media Streams message, told apart by ``event``.
TWILIO_MESSAGE = TypeAdapter(Annotated[
    Union[ConnectedMessage, StartMessage, MediaMessage, MarkMessage, DtmfMessage, StopMessage],
    Field(discriminator="event"),
])

_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_BRACKETS = re.compile(r"[\[\]{}]")


class MalformedMessage(ValueError):
    """An inbound message that is not a well-formed Twilio Media Streams message (``str`` says why).

    ``event`` is the message's known event name when only its body was wrong (e.g. ``"start"`` with
    a non-object ``mediaFormat``), else ``None``.
    """

    def __init__(self, why: str, event: str | None = None):
        super().__init__(why)
        self.event = event


def _nesting(text: str, limit: int | None = None) -> int:
    """Deepest ``[``/``{`` nesting of a JSON text, counted outside strings, without parsing it.

    With ``limit``: a text with no more than ``limit`` opening brackets in all (a ``media`` message
    has two) cannot nest deeper, so their count is returned without the string-aware scan, which
    cost a fifth of the event loop's time at 50 calls (the regex walks every base64 payload).
    """
    opening = text.count("{") + text.count("[")
    if limit is not None and opening <= limit:
        return opening
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub("", text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def parse_message(data: str | bytes, max_bytes: int = MAX_MESSAGE_BYTES, max_nesting: int = MAX_NESTING):
    """Check one inbound WebSocket message and return it as its typed model.

    Args:
        data: the text (or bytes, UTF-8) of one WebSocket message.
        max_bytes / max_nesting: size (bytes) and JSON nesting caps, checked before parsing.

    Returns:
        One of :class:`ConnectedMessage`, :class:`StartMessage`, :class:`MediaMessage`,
        :class:`MarkMessage`, :class:`DtmfMessage`, :class:`StopMessage`.

    Raises:
        MalformedMessage: oversized, too deeply nested, not JSON, unknown ``event`` or a wrong shape.
            Never anything else.
    """
    try:
        if isinstance(data, str):
            size = len(data.encode("utf-8", "surrogatepass"))
        elif isinstance(data, (bytes, bytearray)):
            size = len(data)
        else:
            raise MalformedMessage(f"not text ({type(data).__name__})")
        if size > max_bytes:
            raise MalformedMessage(f"{size} bytes, over {max_bytes}")
        text = data if isinstance(data, str) else bytes(data).decode("utf-8")
        if _nesting(text, max_nesting) > max_nesting:
            raise MalformedMessage(f"JSON nested deeper than {max_nesting}")
        return TWILIO_MESSAGE.validate_python(json.loads(text))
    except MalformedMessage:
        raise
    except ValidationError as e:
        first = e.errors(include_url=False, include_input=False)[0]
        loc = first.get("loc", ())
        where = ".".join(str(p) for p in loc) or "message"
        event = loc[0] if loc and loc[0] in KNOWN_EVENTS else None
        raise MalformedMessage(f"{where}: {first.get('msg', 'invalid')}"[:160], event) from None
    except Exception as e:  # JSON/UTF-8 errors and anything unforeseen: still just a bad message
        raise MalformedMessage(f"not JSON ({e.__class__.__name__})") from None


EventCallback = Callable[[str, dict[str, Any]], Awaitable[None]]


class GatewayTwilioSerializer(TwilioFrameSerializer):
    """TwilioFrameSerializer that tolerates malformed messages and surfaces mark/stop/dtmf.

    Args:
        stream_sid: StreamSid from the ``start`` message; a message naming another stream is dropped.
        call_sid: CallSid (needed for the REST hang-up).
        on_event: ``async (event, message) -> None`` called for inbound ``mark``, ``stop`` and
            ``dtmf`` messages (after any frame is produced), e.g. to end the call once the goodbye
            has been played.
        max_message_bytes / max_nesting: caps checked before a message is parsed.
        **kwargs: passed to :class:`TwilioFrameSerializer` (``account_sid``, ``auth_token``,
            ``base_url``, ``params``…).
    """

    def __init__(self, stream_sid: str, call_sid: str | None = None, *, on_event: EventCallback | None = None,
                 max_message_bytes: int = MAX_MESSAGE_BYTES, max_nesting: int = MAX_NESTING, **kwargs):
        super().__init__(stream_sid, call_sid, **kwargs)
        self._on_event = on_event
        self._max_bytes = max_message_bytes
        self._max_nesting = max_nesting
        self.bad_messages = 0
        self.media_messages = 0
        self.clears_sent = 0
        #: ``time.monotonic()`` of the last valid inbound ``media`` (before any: of :meth:`setup`).
        self.last_media_at = time.monotonic()
        self._unplayed = False  # Twilio holds bot audio it has not played yet
        self._last_mark: str | None = None
        self._audio_after_mark = False
        #: ``(mark_name) -> None`` called for each inbound ``mark`` echo (e.g. ``HeardSpeech.mark_played``).
        self.on_mark: Callable[[str], None] | None = None

    def keep_call_up(self) -> None:
        """Do not hang the call up through REST when the pipeline ends (it was handed to a
        ``<Dial>`` transfer and Twilio goes on with it)."""
        self._params.auto_hang_up = False

    async def setup(self, setup) -> None:
        """Pipeline setup (the transport is about to read): media idleness is measured from here."""
        await super().setup(setup)
        self.last_media_at = time.monotonic()

    def _reject(self, why: str, data: Any) -> None:
        self.bad_messages += 1
        # Log the first few, then one line per 100 to keep a flood from filling the logs.
        if self.bad_messages <= 5 or self.bad_messages % 100 == 0:
            preview = data[:80] if isinstance(data, (str, bytes)) else type(data).__name__
            logger.bind(call_sid=self._call_sid or "-").warning(
                f"twilio stream: dropped message #{self.bad_messages} ({why!r}): {preview!r}")

    async def deserialize(self, data: str | bytes) -> Frame | None:
        """Turn one Twilio message into a frame, or ``None``; never raises.

        Pipecat's ``FastAPIWebsocketInputTransport._receive_messages`` stops reading — and so ends
        the call — at the first exception from here, so every failure is caught and counted.

        Returns:
            ``InputAudioRawFrame`` for ``media`` (PCM16 at the pipeline input rate), ``InputDTMFFrame``
            for ``dtmf``, ``InputTransportMessageFrame`` (the message) for ``mark``, otherwise ``None``.
        """
        try:
            return await self._deserialize(data)
        except Exception as e:  # last line: nothing a caller sends may end the call
            self._reject(f"{e.__class__.__name__}: {e}"[:160], data)
            return None

    async def _deserialize(self, data: str | bytes) -> Frame | None:
        try:
            message = parse_message(data, self._max_bytes, self._max_nesting)
        except MalformedMessage as e:
            self._reject(str(e), data)
            return None
        if message.streamSid is not None and message.streamSid != self._stream_sid:
            self._reject("streamSid of another stream", data)
            return None
        event = message.event

        frame = None
        if event == "media":
            try:
                payload = base64.b64decode(message.media.payload, validate=True)
            except (binascii.Error, ValueError):
                self._reject("media payload is not base64", data)
                return None
            self.media_messages += 1
            self.last_media_at = time.monotonic()
            # What TwilioFrameSerializer.deserialize does for media, without parsing the JSON and
            # decoding the payload a second time (50 messages a second per call, on the event loop).
            pcm = await ulaw_to_pcm(payload, self._twilio_sample_rate, self._sample_rate, self._input_resampler)
            if not pcm:
                return None
            return InputAudioRawFrame(audio=pcm, num_channels=1, sample_rate=self._sample_rate)

        if event == "dtmf":
            frame = await super().deserialize(data)

        if event == "mark":
            name = message.mark.name
            if name == self._last_mark and not self._audio_after_mark:
                self._unplayed = False
            if self.on_mark is not None:
                self.on_mark(name)
            frame = InputTransportMessageFrame(message=message.model_dump(exclude_none=True))
        if event in ("mark", "stop", "dtmf") and self._on_event:
            try:
                await self._on_event(event, message.model_dump(exclude_none=True))
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
