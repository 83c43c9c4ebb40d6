"""Count a call's interruptions, real and false, from the user aggregator's turn events.

A caller turn *interrupted the bot* when the serializer sent Twilio a ``clear`` during it (the
gateway only sends one while Twilio still holds unplayed bot audio, see
:class:`~processors.twilio_serializer.GatewayTwilioSerializer`). It was a *false* interruption when
the turn then ended with no words (noise, a cough: ``on_user_turn_stopped`` with empty content),
else a real one. Only counts: what the call record of ``GET /calls/{call_sid}`` reports.

A speech-to-speech service decides itself (its turn ends before its transcription arrives, so the
turn's content says nothing): pass its counts as ``verdicts`` (e.g.
:meth:`~processors.realtime_llm.HeardTruncationRealtimeLLMService.interruption_counts`).
"""

from __future__ import annotations

from collections.abc import Callable


class InterruptionCounter:
    """Counts ``real`` and ``false`` interruptions; see the module docstring.

    Args:
        clears_sent: ``() -> int``, how many ``clear`` messages the call has sent so far.
        verdicts: ``() -> {"real": n, "false": n}`` from a service that tells the two apart itself;
            ``None``: counted from the turns.
    """

    def __init__(self, clears_sent: Callable[[], int], verdicts: Callable[[], dict[str, int]] | None = None):
        self._clears_sent = clears_sent
        self._verdicts = verdicts
        self._at_turn_start: int | None = None
        self.real = 0
        self.false = 0

    def attach(self, aggregator) -> None:
        """Listen to ``aggregator``'s ``on_user_turn_started`` and ``on_user_turn_stopped``."""
        aggregator.add_event_handler("on_user_turn_started", self.on_turn_started)
        aggregator.add_event_handler("on_user_turn_stopped", self.on_turn_stopped)

    async def on_turn_started(self, _aggregator, _strategy=None, *_args) -> None:
        self._at_turn_start = self._clears_sent()

    async def on_turn_stopped(self, _aggregator, _strategy=None, message=None, *_args) -> None:
        if self._at_turn_start is None:
            return
        interrupted = self._clears_sent() > self._at_turn_start
        self._at_turn_start = None
        if interrupted:
            if getattr(message, "content", None):
                self.real += 1
            else:
                self.false += 1

    def counts(self) -> dict[str, int]:
        """``{"real": n, "false": n}``."""
        if self._verdicts is not None:
            return dict(self._verdicts())
        return {"real": self.real, "false": self.false}
