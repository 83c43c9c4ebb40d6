"""``search_flights``: the one tool every brain (local rules, OpenAI Realtime, a cascade LLM) calls.

:class:`FlightToolProcessor` owns the three parts of the tool:

- **schema** — :data:`SEARCH_FLIGHTS` (a Pipecat ``FunctionSchema``) for an LLM context's tools;
- **handler** — :meth:`FlightToolProcessor.handle_search`, registered on the brain/LLM service with
  :meth:`FlightToolProcessor.register`. It validates the arguments into a
  :class:`flights.models.FlightQuery`, runs :class:`flights.search.FlightSearch` and returns
  ``{"status": "ok"|"no_flights"|"invalid"|"error", "speech": str, ...}``;
- **feedback** — as a processor placed after the brain, it pushes a short filler ("Let me check
  flights from Boston to Chicago.") as soon as the brain's ``FunctionCallInProgressFrame`` for
  ``search_flights`` passes, so the caller never hears silence while a search runs. The filler goes
  out as the frame the profile's speaker handles (``filler_frame``, ``TTSSpeakFrame`` by default).

The filler and the result speech are in the call's current language, read from its
:class:`~processors.call_language.CallLanguage` when they are made.

One search runs at a time per call: a second call while one is running waits for it.

A barge-in cancels a running search (Pipecat's ``cancel_on_interruption``). When the barge-in turns
out to hold nothing for the brain (a cough, a hum: the caller's turn ends empty), nothing would ever
answer the caller's request: :meth:`FlightToolProcessor.retry_cancelled` runs the same search again
through the brain's LLM service, without a second filler. A turn with words forgets it
(:meth:`FlightToolProcessor.forget_cancelled`): the brain decides what to search then. Both are
driven by :meth:`FlightToolProcessor.on_user_turn_stopped` (profiles whose barge-ins resume).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from loguru import logger
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.frames.frames import Frame, FunctionCallInProgressFrame, TTSSpeakFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor
from pipecat.services.llm_service import FunctionCallFromLLM, FunctionCallParams
from pydantic import ValidationError

from dialogue.phrases import phrase
from dialogue.speech import offer_summary, place_name, speak_offers
from flights.models import FlightQuery
from flights.search import FlightSearch
from processors.call_language import CallLanguage

TOOL_NAME = "search_flights"

SEARCH_FLIGHTS = FunctionSchema(
    name=TOOL_NAME,
    description=(
        "Search flights between two airports or cities. Call it once origin, destination and "
        "departure date are known. Returns a ready-to-speak summary in 'speech' and every flight "
        "found in 'offers' (carrier, local departure and arrival times, stops, via, total price, "
        "currency; cheapest or best first as the provider sorts them) for follow-up questions such "
        "as the other options or the cheapest."
    ),
    properties={
        "origin": {"type": "string", "description": "IATA airport or city code, e.g. BOS, NYC"},
        "destination": {"type": "string", "description": "IATA airport or city code, e.g. ORD, LON"},
        "departure_date": {"type": "string", "description": "YYYY-MM-DD"},
        "return_date": {"type": "string", "description": "YYYY-MM-DD, for a round trip"},
        "adults": {"type": "integer", "minimum": 1, "maximum": 9},
        "children": {"type": "integer", "minimum": 0, "maximum": 9},
        "travel_class": {
            "type": "string",
            "enum": ["ECONOMY", "PREMIUM_ECONOMY", "BUSINESS", "FIRST"],
        },
        "nonstop": {"type": "boolean"},
    },
    required=["origin", "destination", "departure_date"],
)


class FlightToolProcessor(FrameProcessor):
    """Schema, handler and spoken feedback of ``search_flights``; see the module docstring.

    Args:
        search: the flight search to run (shared by calls; it is stateless per query).
        language: the call's language state (or an ISO 639-1 code for a fixed language) for the
            filler and result speech.
        filler_frame: ``text -> Frame`` the profile's speaker turns into speech (default
            ``TTSSpeakFrame``); ``None``: no filler (the brain speaks its own).
    """

    def __init__(self, search: FlightSearch, *, language: CallLanguage | str = "en",
                 filler_frame: Callable[[str], Frame] | None = TTSSpeakFrame, **kwargs):
        super().__init__(**kwargs)
        self._search = search
        self._state = language if isinstance(language, CallLanguage) else CallLanguage(current=language)
        self._filler_frame = filler_frame
        self._lock = asyncio.Lock()
        self.searches = 0
        #: one dict per search run: ``{"origin", "destination", "departure_date", "provider",
        #: "results", "fallback", "status", "secs"}`` (for the call record).
        self.history: list[dict[str, Any]] = []
        self.last_search_secs: float | None = None
        #: the search an interruption cancelled, until it is retried or forgotten
        self._cancelled: FunctionCallParams | None = None
        self._quiet_calls: set[str] = set()  # retried calls: no second filler
        self.retries = 0

    @property
    def language(self) -> str:
        """Current language (ISO 639-1)."""
        return self._state.current

    def register(self, llm) -> None:
        """Register :meth:`handle_search` as the ``search_flights`` handler on ``llm``."""
        llm.register_function(TOOL_NAME, self.handle_search, cancel_on_interruption=True)

    def filler(self, arguments: dict[str, Any]) -> str:
        """What the caller hears while the search runs."""
        language = self.language
        return phrase(
            language, "searching",
            origin=place_name(str(arguments.get("origin", "")).upper(), language),
            destination=place_name(str(arguments.get("destination", "")).upper(), language),
        )

    async def run(self, arguments: dict[str, Any]) -> dict[str, Any]:
        """Validate ``arguments`` and search; never raises.

        Returns:
            ``{"status": "ok", "speech", "count", "live", "notice", "fallback", "provider", "offers"}``
            (``offers``: every offer found, :func:`dialogue.speech.offer_summary` each, in the
            provider's order),
            ``{"status": "no_flights", "speech"}``, ``{"status": "invalid", "message"}`` (bad
            arguments, or a provider rejected the query: rephrase) or ``{"status": "error",
            "message"}`` (no provider answered).
        """
        try:
            args = dict(arguments)
            for key in ("departure_date", "return_date"):
                if isinstance(args.get(key), str) and args[key]:
                    args[key] = date.fromisoformat(args[key])
            for key in ("origin", "destination"):
                if isinstance(args.get(key), str):
                    args[key] = args[key].strip().upper()
            query = FlightQuery(**{k: v for k, v in args.items() if v is not None})
        except (ValidationError, ValueError, TypeError) as e:
            logger.info(f"search_flights: invalid arguments: {e}")
            return {"status": "invalid", "message": str(e)}
        async with self._lock:
            started = time.perf_counter()
            try:
                result = await self._search.search(query)
            except Exception as e:  # a provider bug must become a spoken apology, not a dead call
                logger.exception(f"search_flights failed: {e}")
                return {"status": "error", "message": str(e)}
            finally:
                self.searches += 1
                self.last_search_secs = time.perf_counter() - started
        self.history.append({
            "origin": query.origin, "destination": query.destination,
            "departure_date": query.departure_date.isoformat(), "provider": result.provider,
            "results": len(result.offers), "fallback": bool(result.fallback_reason),
            "status": result.error or ("ok" if result.offers else "no_flights"),
            "secs": round(self.last_search_secs, 3),
        })
        speech = speak_offers(result.offers, query, self.language)
        logger.info(
            f"search_flights {query.origin}->{query.destination} {query.departure_date}: "
            f"{len(result.offers)} offers from {result.provider} in {self.last_search_secs:.3f}s"
        )
        if result.error == "bad_request":  # the provider rejected the query: ask the caller to rephrase
            return {"status": "invalid", "message": result.detail or "rejected by the flight provider"}
        if result.error == "unavailable":  # every provider failed
            return {"status": "error", "message": result.detail or "no flight provider answered"}
        if not result.offers:
            return {"status": "no_flights", "speech": speech, "provider": result.provider}
        return {
            "status": "ok",
            "speech": speech,
            "count": len(result.offers),
            "live": result.live,
            "notice": result.notice,
            # live providers failed and the timetable answered: the caller must be told
            "fallback": bool(result.fallback_reason),
            "provider": result.provider,
            # every offer found (the LLM profiles answer "anything cheaper?" from them, the rule
            # brain reads them out again): dialogue.speech.offer_summary
            "offers": [offer_summary(o) for o in result.offers],
        }

    async def handle_search(self, params: FunctionCallParams) -> None:
        """Pipecat function-call handler: runs :meth:`run` and reports through ``result_callback``.

        Cancelled (an interruption reached the LLM service): the call is remembered for
        :meth:`retry_cancelled`, and the ``CancelledError`` goes on as Pipecat expects.
        """
        self._cancelled = None
        try:
            result = await self.run(dict(params.arguments))
        except asyncio.CancelledError:
            self._cancelled = params
            raise
        await params.result_callback(result)

    async def on_user_turn_stopped(self, _aggregator, _strategy=None, message=None, *_args) -> None:
        """The user aggregator's ``on_user_turn_stopped``: an empty turn retries a cancelled search,
        a turn with words forgets it. Attach with
        ``aggregator.add_event_handler("on_user_turn_stopped", tool.on_user_turn_stopped)``."""
        if getattr(message, "content", None):
            self.forget_cancelled()
        else:
            await self.retry_cancelled()

    def forget_cancelled(self) -> None:
        """The caller said something after the interruption: the brain decides what to search."""
        self._cancelled = None

    async def retry_cancelled(self) -> bool:
        """Run the search an interruption cancelled again, if there is one (then ``True``).

        The call goes through the LLM service that made it (``run_function_calls``, a new
        ``tool_call_id``), so its result reaches the brain and the context like the first one's.
        """
        params, self._cancelled = self._cancelled, None
        if params is None:
            return False
        self.retries += 1
        call_id = f"call_retry_{uuid.uuid4().hex[:12]}"
        self._quiet_calls.add(call_id)
        logger.info("search_flights: an interruption with no request cancelled the search: searching again")
        await params.llm.run_function_calls([FunctionCallFromLLM(
            function_name=params.function_name, tool_call_id=call_id,
            arguments=dict(params.arguments), context=params.context,
        )])
        return True

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Push the filler when a ``search_flights`` call starts; pass everything on."""
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if (
            self._filler_frame is not None
            and isinstance(frame, FunctionCallInProgressFrame)
            and frame.function_name == TOOL_NAME
            and direction == FrameDirection.DOWNSTREAM
        ):
            if frame.tool_call_id in self._quiet_calls:
                self._quiet_calls.discard(frame.tool_call_id)
                return
            await self.push_frame(self._filler_frame(self.filler(dict(frame.arguments or {}))))
