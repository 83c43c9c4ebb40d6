r"""How much of the bot's current reply the caller has actually heard, from Twilio's mark echoes.

Twilio echoes an outbound ``mark`` once every byte of audio sent before it has been played
(https://www.twilio.com/docs/voice/media-streams/websocket-messages#send-a-mark-message).
:class:`PlayedAudioMarks` sits just before ``transport.output()`` and, inside each reply (from
``TTSStartedFrame``), queues a mark ``played-<reply>-<ms>`` after every :data:`MARK_EVERY_MS` of bot
audio. The echoes come back through the pipeline as ``InputTransportMessageFrame``\ s (see
:mod:`processors.twilio_serializer`), or can be fed to :meth:`PlayedAudioMarks.on_mark`;
:attr:`PlayedAudioMarks.heard_ms` is then the audio of the current reply the caller has heard, to
within ``MARK_EVERY_MS`` (a lower bound). After an interruption passes (the serializer sends
``clear`` and Twilio echoes every pending mark at once) the figure is frozen until the next reply,
so the flushed echoes are not taken for played audio.

Used by the ``realtime`` profile to truncate the assistant item to what was heard
(``conversation.item.truncate`` with ``audio_end_ms``).
"""

from __future__ import annotations

from typing import Any

from pipecat.frames.frames import (
    Frame,
    InputTransportMessageFrame,
    InterruptionFrame,
    OutputTransportMessageFrame,
    TTSAudioRawFrame,
    TTSStartedFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from processors.call_marks import mark_message

MARK_EVERY_MS = 100
PREFIX = "played-"


class PlayedAudioMarks(FrameProcessor):
    """See the module docstring.

    Args:
        stream_sid: the StreamSid outbound marks carry.
        every_ms: audio between two marks (ms).
    """

    def __init__(self, stream_sid: str, *, every_ms: int = MARK_EVERY_MS, **kwargs):
        super().__init__(**kwargs)
        self._stream_sid = stream_sid
        self._every = every_ms
        self._reply = 0
        self._sent_ms = 0.0
        self._next_mark = every_ms
        self._heard = 0
        self._frozen = False

    @property
    def heard_ms(self) -> int:
        """Audio of the current reply the caller has heard (ms; multiple of ``every_ms``)."""
        return self._heard

    @property
    def sent_ms(self) -> int:
        """Audio of the current reply sent towards Twilio so far (ms)."""
        return int(self._sent_ms)

    def on_mark(self, name: Any) -> None:
        """Take one mark echo (``mark.name`` of an inbound ``mark``); other marks are ignored."""
        if self._frozen or not isinstance(name, str) or not name.startswith(PREFIX):
            return
        try:
            reply, ms = name[len(PREFIX):].split("-", 1)
            if int(reply) == self._reply:
                self._heard = max(self._heard, int(ms))
        except ValueError:
            return

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, InputTransportMessageFrame) and isinstance(frame.message, dict) \
                and frame.message.get("event") == "mark":
            mark = frame.message.get("mark")
            self.on_mark(mark.get("name") if isinstance(mark, dict) else None)
        if isinstance(frame, TTSStartedFrame):
            self._reply += 1
            self._sent_ms, self._next_mark, self._heard, self._frozen = 0.0, self._every, 0, False
        elif isinstance(frame, InterruptionFrame):
            self._frozen = True
        elif isinstance(frame, TTSAudioRawFrame) and frame.sample_rate:
            self._sent_ms += len(frame.audio) / 2 / frame.num_channels / frame.sample_rate * 1000
            while self._sent_ms >= self._next_mark:
                name = f"{PREFIX}{self._reply}-{self._next_mark}"
                await self.push_frame(OutputTransportMessageFrame(message=mark_message(self._stream_sid, name)))
                self._next_mark += self._every
