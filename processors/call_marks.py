"""Twilio ``mark`` bookkeeping: know when the caller has *heard* a reply, and hang up only after that.

Twilio plays outbound ``media`` from a buffer and echoes each outbound ``mark`` once every byte
sent before it has been played (or at once after a ``clear``)
(https://www.twilio.com/docs/voice/media-streams/websocket-messages#send-a-mark-message).
:class:`CallMarksProcessor` sits just before ``transport.output()``:

- after each TTS reply (on ``TTSStoppedFrame``) it queues a ``mark`` named ``reply-<n>``;
- with a :class:`~processors.resume.HeardSpeech`, after each sentence (Pipecat's TTS pushes a
  sentence's ``TTSTextFrame`` right after its audio) it queues a ``mark`` named ``s-<n>``, so the
  echoes tell which sentences the caller heard in full; on ``InterruptionFrame`` (on its way to the
  serializer, which sends the ``clear``) it snapshots what was heard (:meth:`HeardSpeech.interrupt`);
- on :class:`HangupRequestFrame` (pushed by a brain after its goodbye, behind the goodbye's text so
  the TTS keeps it in order) it queues a ``mark`` named :data:`HANGUP_MARK`. The gateway ends the
  call when Twilio echoes that mark, i.e. after the caller heard the goodbye.
- on :class:`TransferRequestFrame` (pushed by the ``transfer_call`` tool behind "I'm transferring
  you") it queues a ``mark`` named :data:`TRANSFER_MARK`; once Twilio echoes it the gateway
  redirects the live call to a person (:meth:`gateway.calls.CallSession.transfer`).

Outbound marks travel as ``OutputTransportMessageFrame`` so they stay ordered with the audio.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from pipecat.frames.frames import (
    DataFrame,
    Frame,
    InterruptionFrame,
    OutputTransportMessageFrame,
    TTSStoppedFrame,
    TTSTextFrame,
)
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

from processors.resume import HeardSpeech

HANGUP_MARK = "hangup"
TRANSFER_MARK = "transfer"


@dataclass
class HangupRequestFrame(DataFrame):
    """Ask for the call to end once everything queued before this frame has been played.

    Parameters:
        reason: why the call ends (``goodbye``, ``error``…), for logs and the call registry.
    """

    reason: str = "goodbye"


class HeldHangup:
    """A :class:`HangupRequestFrame` a speaking service holds back until the words before it are out
    (the Cartesia TTS behind its goodbye, the Realtime service behind words it was asked to say),
    with one deadline task that releases it anyway.

    Args:
        owner: the holding processor (its ``create_task`` / ``cancel_task``).
        push: ``async (frame) -> None`` that sends the released frame on downstream.
    """

    def __init__(self, owner: FrameProcessor, push: Callable[[Frame], Awaitable[None]]):
        self._owner = owner
        self._push = push
        self.frame: HangupRequestFrame | None = None
        self._timer: asyncio.Task | None = None

    def hold(self, frame: HangupRequestFrame, deadline: Coroutine[Any, Any, None] | None = None,
             name: str = "hangup_wait") -> None:
        """Keep ``frame``; start ``deadline`` (a coroutine that ends by calling :meth:`release`)
        unless one already runs (then it is closed unstarted)."""
        self.frame = frame
        if deadline is None:
            return
        if self._timer is None:
            self._timer = self._owner.create_task(deadline, name=name)
        else:
            deadline.close()

    async def release(self) -> None:
        """Send the held frame on (if any) and stop the deadline (unless it is the caller)."""
        held, self.frame = self.frame, None
        timer, self._timer = self._timer, None
        if timer is not None and timer is not asyncio.current_task():
            await self._owner.cancel_task(timer)
        if held is not None:
            await self._push(held)

    async def cancel(self) -> None:
        """Stop the deadline, keep nothing (the service's cleanup, or another hang-up replaces it)."""
        self.frame = None
        timer, self._timer = self._timer, None
        if timer is not None and timer is not asyncio.current_task():
            await self._owner.cancel_task(timer)


@dataclass
class TransferRequestFrame(DataFrame):
    """Hand the call to a person once everything queued before this frame has been played.

    Parameters:
        whisper: what the agent hears before being bridged (the route and date gathered so far).
        language: ISO 639-1 language of ``whisper`` (for Twilio's ``<Say language>``).
        reason: why, for logs and the call record.
    """

    whisper: str = ""
    language: str = "en"
    reason: str = "caller asked"


def mark_message(stream_sid: str, name: str) -> dict:
    """The outbound Twilio ``mark`` message ``{"event": "mark", "streamSid", "mark": {"name"}}``."""
    return {"event": "mark", "streamSid": stream_sid, "mark": {"name": name}}


class CallMarksProcessor(FrameProcessor):
    """Queues Twilio ``mark`` messages behind bot audio; see the module docstring.

    Args:
        stream_sid: the StreamSid every outbound message must carry.
        heard: the call's :class:`HeardSpeech` for per-sentence marks (``None``: reply marks only).
    """

    def __init__(self, stream_sid: str, heard: HeardSpeech | None = None, **kwargs):
        super().__init__(**kwargs)
        self._stream_sid = stream_sid
        self.heard = heard
        self._replies = 0
        self.hangup_requested: str | None = None
        #: ``async (reason) -> None`` called when a hang-up is requested (e.g. to arm a fallback timer).
        self.on_hangup_requested = None
        #: ``async (reason) -> None`` called when a requested hang-up is withdrawn (:meth:`withdraw_hangup`).
        self.on_hangup_withdrawn = None
        self.transfer_requested: TransferRequestFrame | None = None
        #: ``async (TransferRequestFrame) -> None`` called when a transfer is requested.
        self.on_transfer_requested = None

    async def withdraw_hangup(self, reason: str) -> None:
        """The caller spoke over the goodbye and the brain is to answer: the hang-up it asked for
        (``reason``; its ``mark`` already gone with the ``clear``) no longer stands. A brain that
        says goodbye again asks anew."""
        self.hangup_requested = None
        if self.on_hangup_withdrawn is not None:
            await self.on_hangup_withdrawn(reason)

    def _mark(self, name: str) -> OutputTransportMessageFrame:
        return OutputTransportMessageFrame(message=mark_message(self._stream_sid, name))

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Push every frame on; add a ``mark`` after each reply and for a hang-up request."""
        await super().process_frame(frame, direction)
        if isinstance(frame, HangupRequestFrame) and direction == FrameDirection.DOWNSTREAM:
            self.hangup_requested = frame.reason
            await self.push_frame(self._mark(HANGUP_MARK))
            if self.on_hangup_requested is not None:
                await self.on_hangup_requested(frame.reason)
            return
        if isinstance(frame, TransferRequestFrame) and direction == FrameDirection.DOWNSTREAM:
            self.transfer_requested = frame
            await self.push_frame(self._mark(TRANSFER_MARK))
            if self.on_transfer_requested is not None:
                await self.on_transfer_requested(frame)
            return
        if isinstance(frame, InterruptionFrame) and self.heard is not None:
            self.heard.interrupt()
        await self.push_frame(frame, direction)
        if direction != FrameDirection.DOWNSTREAM:
            return
        if isinstance(frame, TTSTextFrame) and self.heard is not None and frame.text.strip():
            await self.push_frame(self._mark(self.heard.next_mark(frame.text.strip())))
        if isinstance(frame, TTSStoppedFrame):
            self._replies += 1
            await self.push_frame(self._mark(f"reply-{self._replies}"))
