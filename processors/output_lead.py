"""Bot audio sent a little ahead of real time, so a short CPU stall is not a gap on the line.

Pipecat's ``FastAPIWebsocketOutputTransport`` paces outbound audio like a sound card: after each
chunk (40 ms by default) it sleeps until the chunk would have finished playing, so Twilio's
playback buffer holds almost nothing. When the event loop stalls for longer than a chunk (a busy
moment with many calls, a garbage collection), the caller hears the stall as a stutter.

:class:`LeadingWebsocketTransport` is Pipecat's ``FastAPIWebsocketTransport`` whose output keeps
up to ``lead_secs`` of audio queued at Twilio instead: it sends without waiting until it is
``lead_secs`` ahead of the caller's playback, then paces as before. Twilio plays what it has
buffered in order, echoes a ``mark`` once the audio before it has played, and empties the buffer
on ``clear`` (https://www.twilio.com/docs/voice/media-streams/websocket-messages#send-a-clear-message),
so a barge-in still stops the bot at once; the transport's playback clock restarts on every
interruption, as Pipecat's does. What is said to have been heard comes from the mark echoes, not
from what was sent (:mod:`processors.played_audio`, :mod:`processors.resume`), so the lead does
not change it. The bot's "stopped speaking" is reported up to ``lead_secs`` before the caller's
playback ends.
"""

from __future__ import annotations

import asyncio
import time

from pipecat.transports.websocket.fastapi import (
    FastAPIWebsocketOutputTransport,
    FastAPIWebsocketParams,
    FastAPIWebsocketTransport,
)


class LeadingWebsocketOutputTransport(FastAPIWebsocketOutputTransport):
    """Pipecat's WebSocket output, keeping up to ``lead_secs`` of audio ahead of real time.

    Args:
        lead_secs: audio (s) that may be sent before the caller's playback reaches it; 0 is
            Pipecat's pacing (one chunk ahead at most).
    """

    def __init__(self, *args, lead_secs: float = 0.2, **kwargs):
        super().__init__(*args, **kwargs)
        self._lead_secs = max(0.0, float(lead_secs))

    async def _write_audio_sleep(self):
        # ``_next_send_time`` is when the caller's playback of everything sent so far ends; Pipecat
        # sets it to 0 on an interruption (Twilio's buffer is cleared then).
        now = time.monotonic()
        if self._next_send_time < now:  # the first chunk of a reply, or playback ran dry
            self._next_send_time = now
        self._next_send_time += self._send_interval
        wait = self._next_send_time - self._lead_secs - now
        if wait > 0:
            await asyncio.sleep(wait)


class LeadingWebsocketTransport(FastAPIWebsocketTransport):
    """``FastAPIWebsocketTransport`` whose output is a :class:`LeadingWebsocketOutputTransport`.

    Args:
        websocket: the FastAPI WebSocket (Twilio Media Streams).
        params: Pipecat's transport parameters (serializer, audio in/out).
        lead_secs: see :class:`LeadingWebsocketOutputTransport`.
    """

    def __init__(self, websocket, params: FastAPIWebsocketParams, *, lead_secs: float = 0.2, **kwargs):
        super().__init__(websocket, params, **kwargs)
        self._output = LeadingWebsocketOutputTransport(
            self, self._client, self._params, name=self._output_name, lead_secs=lead_secs
        )
