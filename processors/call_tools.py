"""Call-control tools every brain gets the same way: ``end_call`` and ``transfer_call``.

A brain — the rule-based :class:`~processors.local_brain.LocalBrainService`, an OpenAI-compatible LLM,
OpenAI Realtime — ends or hands over a call by *calling a function*, through Pipecat's
function-calling path: the shell puts :attr:`CallTools.schemas` in the context's tools and
:meth:`CallTools.register` registers the handlers with ``llm.register_function(name, handler)``.

- ``end_call``: the handler pushes a :class:`~processors.call_marks.HangupRequestFrame` from the LLM
  service downstream, behind the goodbye the brain has already produced, so
  :class:`~processors.call_marks.CallMarksProcessor` queues the ``hangup`` mark after the goodbye's
  audio and the call ends once Twilio reports it played. Reported with ``run_llm=False``.
- ``transfer_call``: with a transfer number configured, the handler says "I'm transferring you"
  (the profile's speaker, in the call's language) and pushes a
  :class:`~processors.call_marks.TransferRequestFrame` carrying the agent's whisper (the route and
  date gathered, from the tool's arguments) behind it; the gateway redirects the live call once
  Twilio reports the sentence played (:meth:`gateway.calls.CallSession.transfer`). Reported
  ``{"status": "transferring"}`` with ``run_llm=False``. Without one it reports
  ``{"status": "unavailable"}`` with ``run_llm=True``, and the brain tells the caller no one is
  available and carries on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from loguru import logger
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.frames.frames import Frame, FunctionCallResultProperties
from pipecat.services.llm_service import FunctionCallParams

from dialogue.phrases import phrase
from processors.call_language import CallLanguage
from processors.call_marks import HangupRequestFrame, TransferRequestFrame

END_CALL_TOOL = "end_call"
TRANSFER_CALL_TOOL = "transfer_call"

END_CALL = FunctionSchema(
    name=END_CALL_TOOL,
    description=(
        "Hang up the phone call. Say goodbye first, in the same response; the call ends once the "
        "caller has heard everything said before this call."
    ),
    properties={
        "reason": {"type": "string", "description": "Why the call ends, e.g. 'goodbye' or 'caller asked'"},
    },
    required=[],
)

TRANSFER_CALL = FunctionSchema(
    name=TRANSFER_CALL_TOOL,
    description=(
        "Transfer the caller to a human agent when they ask for a person, an agent or a human, or "
        "want to book or buy a flight that was read out (this line finds flights; only a person can "
        "book them). "
        "Say nothing before calling it: the gateway tells the caller. Pass what the caller gave so "
        "far, so the agent hears it before taking the call. If the result is 'unavailable', tell "
        "the caller no one is available and go on helping."
    ),
    properties={
        "origin": {"type": "string", "description": "Departure city or airport, as said to the caller"},
        "destination": {"type": "string", "description": "Arrival city or airport, as said to the caller"},
        "date": {"type": "string", "description": "Departure date, as said to the caller (e.g. 'on Friday 5 December')"},
        "reason": {"type": "string", "description": "Why, e.g. 'caller asked' or 'keypad'"},
    },
    required=[],
)

#: Longest whisper text (characters): a short sentence the agent hears before being bridged.
MAX_WHISPER_CHARS = 300


def whisper_text(language: str, arguments: dict[str, Any]) -> str:
    """The agent's whisper in ``language`` from ``transfer_call`` arguments (route and date).

    ``{"origin": "Boston", "destination": "Paris", "date": "on Friday"}`` → "Call from the flight
    desk. The caller asked about flights from Boston to Paris on Friday."; no route → the
    ``transfer_whisper_empty`` sentence. Each field is cut to 60 characters.
    """
    def arg(name: str) -> str:
        value = arguments.get(name)
        return " ".join(str(value).split())[:60] if value else ""

    origin, destination, when = arg("origin"), arg("destination"), arg("date")
    if not origin and not destination:
        return phrase(language, "transfer_whisper_empty")
    text = phrase(language, "transfer_whisper", origin=origin or "?", destination=destination or "?", date=when)
    return " ".join(text.split()).replace(" .", ".")[:MAX_WHISPER_CHARS]


class CallTools:
    """Schemas and handlers of the call-control tools; see the module docstring.

    Args:
        language: the call's language state (what the transfer sentence and whisper are said in).
        speak: ``text -> Frame`` that makes the profile's speaker say ``text`` (``None``: the
            transfer sentence is not spoken by the tool).
        transfer_available: whether ``TRANSFER_NUMBER`` is set (and Twilio REST can redirect calls).

    Attributes:
        schemas: the ``FunctionSchema``s to put in the context's tools.
        hangups: reasons of the hang-ups asked for so far (one per call, normally).
        transfers: ``transfer_call`` outcomes so far (``"transferring"`` / ``"unavailable"``).
    """

    def __init__(self, *, language: CallLanguage | None = None, speak: Callable[[str], Frame] | None = None,
                 transfer_available: bool = False) -> None:
        self.schemas: list[FunctionSchema] = [END_CALL, TRANSFER_CALL]
        self.hangups: list[str] = []
        self.transfers: list[str] = []
        self._language = language if language is not None else CallLanguage()
        self._speak = speak
        self.transfer_available = transfer_available

    def register(self, llm: Any) -> None:
        """Register every call-control handler on ``llm`` (any Pipecat ``LLMService``)."""
        llm.register_function(END_CALL_TOOL, self.handle_end_call)
        llm.register_function(TRANSFER_CALL_TOOL, self.handle_transfer_call)

    async def handle_end_call(self, params: FunctionCallParams) -> None:
        """``end_call``: ask for the hang-up behind what was said; report ``{"status": "ending"}``."""
        reason = str((params.arguments or {}).get("reason") or "goodbye")[:60]
        self.hangups.append(reason)
        logger.info(f"end_call ({reason})")
        await params.llm.push_frame(HangupRequestFrame(reason=reason))
        await params.result_callback(
            {"status": "ending"}, properties=FunctionCallResultProperties(run_llm=False)
        )

    async def handle_transfer_call(self, params: FunctionCallParams) -> None:
        """``transfer_call``: say "transferring", then ask for the transfer behind it; or report
        ``{"status": "unavailable"}`` (no ``TRANSFER_NUMBER``) and let the brain carry on."""
        arguments = dict(params.arguments or {})
        reason = str(arguments.get("reason") or "caller asked")[:60]
        if not self.transfer_available:
            self.transfers.append("unavailable")
            logger.info(f"transfer_call ({reason}): no TRANSFER_NUMBER, carrying on")
            await params.result_callback({"status": "unavailable",
                                          "message": "No one is available to take the call now."})
            return
        language = self._language.current
        self.transfers.append("transferring")
        logger.info(f"transfer_call ({reason}): transferring")
        if self._speak is not None:
            await params.llm.push_frame(self._speak(phrase(language, "transferring")))
        await params.llm.push_frame(TransferRequestFrame(
            whisper=whisper_text(language, arguments), language=language, reason=reason))
        await params.result_callback(
            {"status": "transferring"}, properties=FunctionCallResultProperties(run_llm=False)
        )
