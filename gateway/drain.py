"""Graceful drain on SIGTERM: stop taking calls, let the ones in progress finish, then exit 0.

What happens, in order, once ``python -m gateway serve`` gets SIGTERM (an orchestrator stopping it):

1. :class:`Drain` begins: ``GET /health/ready`` answers 503 ``draining`` at once, so a load balancer
   moves new calls elsewhere, and a ``/twilio/voice`` webhook that still arrives gets a refusal
   TwiML. ``/health/live`` stays 200. HTTP and the open Media Streams keep being served.
2. :class:`DrainingServer` (uvicorn) checks every 0.1 s: when no call is left, it shuts down and the
   process exits 0.
3. After ``DRAIN_TIMEOUT_SECS`` (default 600 s), every call still open is told goodbye in its
   language and ends once Twilio reports the goodbye played (or at most
   :data:`GOODBYE_GRACE_SECS` later); then the server shuts down and exits 0.

A second SIGTERM, or SIGINT, skips the drain: uvicorn's own shutdown closes the open streams (1012).
uvicorn alone would close every WebSocket at the first SIGTERM
(``uvicorn.protocols.websockets.*.shutdown``), which is why the drain happens before it.
"""

from __future__ import annotations

import signal
import time
from typing import Any

import uvicorn
from loguru import logger

#: After the goodbyes, how long (s) to wait for those calls to end before shutting down anyway.
#: A little more than the gateway's own hang-up fallback (calls.HANGUP_MARK_TIMEOUT_SECS, 15 s).
GOODBYE_GRACE_SECS = 20.0


class Drain:
    """This process's drain state, shared by the app (readiness, webhooks) and the server.

    Args:
        timeout_secs: how long (s) calls in progress may go on after the drain begins.
    """

    def __init__(self, timeout_secs: float):
        self.timeout_secs = timeout_secs
        self.started_at: float | None = None  # time.monotonic()
        self.goodbye_at: float | None = None
        self._sessions: set[Any] = set()

    @property
    def draining(self) -> bool:
        """True once SIGTERM arrived: take no new calls."""
        return self.started_at is not None

    def begin(self) -> None:
        """Start draining (idempotent)."""
        if self.started_at is None:
            self.started_at = time.monotonic()
            logger.info(f"draining: no new calls; {self.active} in progress may go on for up to "
                        f"{self.timeout_secs:.0f} s")

    def track(self, session: Any) -> None:
        """Count a call in progress (a :class:`gateway.calls.CallSession`) until :meth:`untrack`."""
        self._sessions.add(session)

    def untrack(self, session: Any) -> None:
        self._sessions.discard(session)

    @property
    def active(self) -> int:
        """Calls in progress in this process."""
        return len(self._sessions)

    def expired(self, now: float | None = None) -> bool:
        """True once the drain has lasted ``timeout_secs``."""
        now = time.monotonic() if now is None else now
        return self.started_at is not None and now - self.started_at >= self.timeout_secs

    async def say_goodbye(self) -> None:
        """Tell every call still open goodbye, once; each ends after the goodbye has played."""
        if self.goodbye_at is not None:
            return
        self.goodbye_at = time.monotonic()
        logger.info(f"drain timeout ({self.timeout_secs:.0f} s): saying goodbye on {self.active} call(s)")
        for session in list(self._sessions):
            try:
                await session.wind_down("gateway shutting down")
            except Exception as e:  # one call's failure must not keep the others open
                logger.bind(call_sid=getattr(session.call, "call_sid", "-")).exception(f"goodbye failed: {e}")
                await session.cancel("gateway shutting down")


class DrainingServer(uvicorn.Server):
    """``uvicorn.Server`` whose first SIGTERM drains calls (see the module docstring) instead of
    closing every WebSocket at once. Exits 0 after a drain."""

    def __init__(self, config: uvicorn.Config, drain: Drain):
        super().__init__(config)
        self.drain = drain

    def handle_exit(self, sig: int, frame) -> None:
        if sig == signal.SIGTERM and not self.should_exit and not self.drain.draining:
            # Not recorded in uvicorn's captured signals, so the process is not re-killed by it
            # after a clean shutdown: a finished drain exits 0.
            self.drain.begin()
            return
        super().handle_exit(sig, frame)

    async def on_tick(self, counter: int) -> bool:
        drain = self.drain
        if drain.draining and not self.should_exit:
            now = time.monotonic()
            if drain.active == 0:
                logger.info("drained: no call in progress; shutting down")
                self.should_exit = True
            elif drain.expired(now):
                await drain.say_goodbye()
                if now - drain.goodbye_at >= GOODBYE_GRACE_SECS:
                    logger.warning(f"{drain.active} call(s) still open after the goodbye; shutting down")
                    self.should_exit = True
        return await super().on_tick(counter)
