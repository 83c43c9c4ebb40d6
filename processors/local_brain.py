"""The offline dialogue brain as a Pipecat LLM service, so it drives tools exactly like an LLM.

:class:`LocalBrainService` is an ``LLMService``: it sits where an LLM sits (after the user context
aggregator), reads the ``LLMContext`` it is given, and answers with ``LLMFullResponseStartFrame`` →
``LLMTextFrame``s (words with their spaces) → ``LLMFullResponseEndFrame``. When the dialogue has all
the slots it calls ``search_flights`` through Pipecat's function-calling path
(``run_function_calls``), so the assistant aggregator records the call and its result in the context
and hands the context back — the same loop an OpenAI or Realtime LLM goes through. The rules live in
:class:`dialogue.policy.FlightDialogue` (no Pipecat); this class only translates frames.

After the goodbye it calls the ``end_call`` tool (:mod:`processors.call_tools`) the same way, so
hanging up goes through the path an LLM takes: the tool's handler asks for the hang-up behind the
goodbye, and the gateway ends the call once Twilio reports the goodbye played.

When the caller asks for a person (words, or keypad :data:`~processors.dtmf_commands.TRANSFER_DIGIT`)
it calls ``transfer_call`` with what the dialogue has gathered (:meth:`FlightDialogue.handover`); an
``unavailable`` result makes it say so and ask the open question again.

The language it parses and speaks is the call's :class:`~processors.call_language.CallLanguage`
(read at each answer; a switch makes the next answer open with the acknowledgement); an
``LLMUpdateSettingsFrame(delta=LocalBrainSettings(language=…))`` also switches it.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from loguru import logger
from pipecat.frames.frames import (
    Frame,
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
)
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.processors.frame_processor import FrameDirection
from pipecat.services.llm_service import FunctionCallFromLLM, LLMService
from pipecat.services.settings import LLMSettings
from pipecat.utils.tracing.service_decorators import traced_llm
from pipecat.utils.types import NOT_GIVEN, NotGiven, is_given

from dialogue.policy import BrainTurn, FlightDialogue
from processors.call_language import CallLanguage
from processors.call_tools import END_CALL_TOOL, TRANSFER_CALL_TOOL
from processors.dtmf_commands import KEYPAD_PREFIX, TRANSFER_DIGIT
from processors.flight_tool import TOOL_NAME


@dataclass
class LocalBrainSettings(LLMSettings):
    """Runtime settings of the local brain.

    Parameters:
        language: ISO 639-1 code the brain speaks and parses (a language switch updates it with
            ``LLMUpdateSettingsFrame(delta=LocalBrainSettings(language="es"))``).
    """

    language: str | None | NotGiven = field(default_factory=lambda: NOT_GIVEN)


def _message_text(message: dict[str, Any]) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # multi-part content
        return " ".join(p.get("text", "") for p in content if isinstance(p, dict))
    return ""


class LocalBrainService(LLMService):
    """Rule-based flight dialogue speaking through the LLM frame protocol; see the module docstring.

    Args:
        dialogue: the per-call :class:`FlightDialogue` (its state is the call's booking state).
        language: the call's language state, followed at each answer (``None``: only settings frames).
        **kwargs: passed to ``LLMService``.
    """

    Settings = LocalBrainSettings

    def __init__(self, *, dialogue: FlightDialogue, language: CallLanguage | None = None, **kwargs):
        super().__init__(
            settings=LocalBrainSettings(
                model="local-rules", system_instruction=None, temperature=None, max_tokens=None,
                top_p=None, top_k=None, frequency_penalty=None, presence_penalty=None, seed=None,
                filter_incomplete_user_turns=False, user_turn_completion_config=None,
                language=dialogue.language,
            ),
            run_in_parallel=False,
            **kwargs,
        )
        self.dialogue = dialogue
        self._language = language
        self._handled_messages = 0
        self._end_call_ids: set[str] = set()
        self._transfer_ids: set[str] = set()
        self.turns = 0

    async def _update_settings(self, delta) -> dict[str, Any]:
        changed = await super()._update_settings(delta)
        if "language" in changed and is_given(self._settings.language) and self._settings.language:
            self._follow_language(str(self._settings.language))
        return changed

    def _follow_language(self, language: str) -> None:
        # Slots, results and the pending question carry over; the next answer starts with the
        # acknowledgement in the new language (FlightDialogue.switch_language).
        if self.dialogue.switch_language(language):
            logger.info(f"{self}: dialogue language now {self.dialogue.language}")

    def caller_heard(self, heard: str) -> None:
        """The caller cut the last answer off and heard only ``heard`` of it ("" for none)."""
        self.dialogue.caller_heard(heard)

    def would_act_on(self, text: str, language: str | None = None) -> bool:
        """Whether the dialogue would act on the caller's ``text`` (:meth:`FlightDialogue.would_act_on`)."""
        return self.dialogue.would_act_on(text, language)

    def greeting(self) -> str:
        """The opening line (the bot speaks first)."""
        return self.dialogue.greeting()

    async def speak(self, text: str) -> None:
        """Emit ``text`` as one LLM response, word by word with inter-word spaces."""
        await self.push_frame(LLMFullResponseStartFrame())
        words = text.split(" ")
        for i, word in enumerate(words):
            await self.push_frame(LLMTextFrame(word if i == len(words) - 1 else word + " "))
        await self.push_frame(LLMFullResponseEndFrame())

    async def _act(self, turn: BrainTurn, context) -> None:
        if turn.say:
            await self.speak(turn.say)
        if turn.tool_call is not None:
            await self.run_function_calls([
                FunctionCallFromLLM(
                    function_name=TOOL_NAME,
                    tool_call_id=f"call_{uuid.uuid4().hex[:12]}",
                    arguments=turn.tool_call,
                    context=context,
                )
            ])
        if turn.transfer:
            call_id = f"call_{uuid.uuid4().hex[:12]}"
            self._transfer_ids.add(call_id)
            await self.run_function_calls([
                FunctionCallFromLLM(
                    function_name=TRANSFER_CALL_TOOL, tool_call_id=call_id,
                    arguments={**self.dialogue.handover(), "reason": "caller asked"}, context=context,
                )
            ])
        if turn.end_call:
            call_id = f"call_{uuid.uuid4().hex[:12]}"
            self._end_call_ids.add(call_id)
            await self.run_function_calls([
                FunctionCallFromLLM(
                    function_name=END_CALL_TOOL, tool_call_id=call_id,
                    arguments={"reason": "goodbye"}, context=context,
                )
            ])

    @traced_llm  # an "llm" span per answer when the worker traces (Pipecat's own decorator)
    async def _respond(self, context: LLMContext) -> None:
        messages = context.get_messages()
        new = messages[self._handled_messages:]
        self._handled_messages = len(messages)
        last = next((m for m in reversed(new) if isinstance(m, dict) and m.get("role") in ("user", "tool")), None)
        if last is None:
            return
        if last["role"] == "tool" and last.get("tool_call_id") in self._end_call_ids:
            return  # the call is ending: nothing more to say
        if self._language is not None:
            self._follow_language(self._language.current)
        self.turns += 1
        if last["role"] == "tool":
            content = _message_text(last)
            if content == "IN_PROGRESS":
                return
            try:
                result = json.loads(content)
            except json.JSONDecodeError:
                result = {"status": "error", "message": content}
            if not isinstance(result, dict):
                result = {}
            if last.get("tool_call_id") in self._transfer_ids:
                if result.get("status") == "transferring":
                    return  # the tool said "transferring"; the call is being handed over
                turn = self.dialogue.transfer_unavailable()
            else:
                turn = self.dialogue.handle_tool_result(result)
        else:
            # The aggregator joins a turn's transcripts; every user message since our last answer
            # belongs to this turn.
            text = " ".join(_message_text(m) for m in new if isinstance(m, dict) and m.get("role") == "user")
            if KEYPAD_PREFIX in text and "0 on the keypad" in text:
                turn = self.dialogue.repeat()  # DTMF 0 (processors.dtmf_commands)
            elif KEYPAD_PREFIX in text and f"{TRANSFER_DIGIT} on the keypad" in text:
                turn = BrainTurn(say=None, transfer=True)
            else:
                turn = self.dialogue.handle_user(text)
        await self._act(turn, context)

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Answer each ``LLMContextFrame``; everything else behaves as in ``LLMService``."""
        await super().process_frame(frame, direction)
        if isinstance(frame, LLMContextFrame):
            try:
                await self.start_processing_metrics()
                await self._respond(frame.context)
            except Exception as e:  # never let a rule bug kill the call: apologise instead
                logger.exception(f"{self}: dialogue error: {e}")
                await self.speak(self.dialogue.apology())
            finally:
                await self.stop_processing_metrics()
        else:
            await self.push_frame(frame, direction)
