"""Call-control tools every brain gets the same way: ``end_call`` now, ``transfer_call`` next.

A brain — the rule-based :class:`~processors.local_brain.LocalBrainService`, an OpenAI-compatible LLM,
OpenAI Realtime — ends a call by *calling a function*, through Pipecat's function-calling path: the
shell puts :data:`END_CALL` in the context's tools and registers :meth:`CallTools.handle_end_call`
with ``llm.register_function("end_call", handler)``. The handler pushes a
:class:`~processors.call_marks.HangupRequestFrame` from the LLM service downstream, behind the
goodbye the brain has already produced, so :class:`~processors.call_marks.CallMarksProcessor` queues
the ``hangup`` mark after the goodbye's audio and the call ends once Twilio reports it played. The
result is reported with ``run_llm=False``: nothing more is said after the goodbye.

To add ``transfer_call`` later: a second ``FunctionSchema`` in :attr:`CallTools.schemas` and a
handler registered in :meth:`CallTools.register` (e.g. pushing a transfer frame the gateway acts on).
"""

from __future__ import annotations

from typing import Any

from loguru import logger
from pipecat.adapters.llm.schemas.function_schema import FunctionSchema
from pipecat.frames.frames import FunctionCallResultProperties
from pipecat.services.llm_service import FunctionCallParams

from processors.call_marks import HangupRequestFrame

END_CALL_TOOL = "end_call"

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


class CallTools:
    """Schemas and handlers of the call-control tools; see the module docstring.

    Attributes:
        schemas: the ``FunctionSchema``s to put in the context's tools.
        hangups: reasons of the hang-ups asked for so far (one per call, normally).
    """

    def __init__(self) -> None:
        self.schemas: list[FunctionSchema] = [END_CALL]
        self.hangups: list[str] = []

    def register(self, llm: Any) -> None:
        """Register every call-control handler on ``llm`` (any Pipecat ``LLMService``)."""
        llm.register_function(END_CALL_TOOL, self.handle_end_call)

    async def handle_end_call(self, params: FunctionCallParams) -> None:
        """``end_call``: ask for the hang-up behind what was said; report ``{"status": "ending"}``."""
        reason = str((params.arguments or {}).get("reason") or "goodbye")[:60]
        self.hangups.append(reason)
        logger.info(f"end_call ({reason})")
        await params.llm.push_frame(HangupRequestFrame(reason=reason))
        await params.result_callback(
            {"status": "ending"}, properties=FunctionCallResultProperties(run_llm=False)
        )
