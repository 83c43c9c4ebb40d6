"""Silent callers: re-prompt, then say goodbye and hang up — on Pipecat's ``UserIdleController``.

The user aggregator (``LLMUserAggregator``) owns a ``UserIdleController`` armed with
``LLMUserAggregatorParams.user_idle_timeout`` (the shell sets it from ``IDLE_REPROMPT_SECS``). Its
timer starts when the bot stops speaking (``BotStoppedSpeakingFrame``) and is cancelled when the
bot or the caller starts speaking again, during a user turn and while function calls — a flight
search — are in progress, so it only fires while the bot is *waiting for an answer*
(``pipecat/turns/user_idle_controller.py``). Each firing raises the aggregator's
``on_user_turn_idle`` event, which :class:`IdleCaller` handles:

- the first ``max_reprompts`` times: "Are you still there?" and the open question again, in the
  call's language (the re-prompt is speech, so the timer re-arms once it has been played);
- the next time: the idle goodbye, then a :class:`~processors.call_marks.HangupRequestFrame`
  (reason ``idle``) behind it, so the call ends once Twilio reports the goodbye played.

A caller turn with words (``on_user_turn_stopped`` with content) resets the count. Nothing happens
once the call is ending (a goodbye or transfer was asked for).
"""

from __future__ import annotations

from collections.abc import Callable

from loguru import logger
from pipecat.frames.frames import Frame

from dialogue.phrases import phrase
from processors.call_language import CallLanguage
from processors.call_marks import HangupRequestFrame

IDLE_HANGUP_REASON = "idle"


class IdleCaller:
    """Handles ``on_user_turn_idle`` of a user aggregator; see the module docstring.

    Args:
        language: the call's language state (read at each re-prompt).
        speak: ``text -> Frame`` that makes the profile's speaker say ``text``.
        open_question: ``() -> str | None``, the question the caller is expected to answer now.
        max_reprompts: re-prompts before the goodbye (``IDLE_MAX_REPROMPTS``; 0: goodbye at once).
        is_ending: ``() -> bool``, whether the call is already ending (no re-prompt then).

    Attributes:
        reprompts: re-prompts since the caller last said something.
        hung_up: whether the idle goodbye was said.
    """

    def __init__(self, *, language: CallLanguage, speak: Callable[[str], Frame],
                 open_question: Callable[[], str | None], max_reprompts: int = 2,
                 is_ending: Callable[[], bool] = lambda: False) -> None:
        self._language = language
        self._speak = speak
        #: ``() -> str | None``: the question the caller is expected to answer now
        self.open_question = open_question
        self._max = max(0, int(max_reprompts))
        self._is_ending = is_ending
        self.reprompts = 0
        self.total_reprompts = 0
        self.hung_up = False

    def attach(self, aggregator) -> None:
        """Listen to ``aggregator``'s ``on_user_turn_idle`` and ``on_user_turn_stopped`` events."""
        aggregator.add_event_handler("on_user_turn_idle", self.on_idle)
        aggregator.add_event_handler("on_user_turn_stopped", self.on_user_turn_stopped)

    def next_frames(self) -> list[Frame]:
        """What to push for the idle event happening now (``[]`` when nothing should be said)."""
        if self.hung_up or self._is_ending():
            return []
        language = self._language.current
        if self.reprompts < self._max:
            self.reprompts += 1
            self.total_reprompts += 1
            question = ""
            try:
                question = (self.open_question() or "").strip()
            except Exception as e:  # a brain bug must not silence the re-prompt
                logger.warning(f"idle re-prompt: no open question ({e})")
            text = " ".join(p for p in (phrase(language, "idle_reprompt"), question) if p)
            logger.info(f"caller idle: re-prompt {self.reprompts}/{self._max}")
            return [self._speak(text)]
        self.hung_up = True
        logger.info(f"caller idle after {self._max} re-prompts: goodbye")
        return [self._speak(phrase(language, "idle_goodbye")), HangupRequestFrame(reason=IDLE_HANGUP_REASON)]

    async def on_idle(self, aggregator) -> None:
        """``on_user_turn_idle``: push the re-prompt or the goodbye downstream from ``aggregator``."""
        for frame in self.next_frames():
            await aggregator.push_frame(frame)

    async def on_user_turn_stopped(self, _aggregator, _strategy, message) -> None:
        """A caller turn with words resets the re-prompt count, and after the idle goodbye, the
        goodbye itself: words that withdrew its hang-up (the shell does, for a request the brain
        answers) leave a live call that re-prompts again when the caller next falls silent. While
        the hang-up still stands (a "bye" over the goodbye), ``is_ending`` keeps the caller alone."""
        if getattr(message, "content", None):
            self.reprompts = 0
            self.hung_up = False


def last_question(messages: list) -> str | None:
    """The last sentence of the last assistant message in an LLM context's ``messages`` (a
    profile's fallback for :class:`IdleCaller`'s ``open_question``), ``None`` if there is none."""
    import re

    for message in reversed(messages or []):
        if not isinstance(message, dict) or message.get("role") != "assistant":
            continue
        content = message.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        if not isinstance(content, str) or not content.strip():
            continue
        sentences = [s for s in re.split(r"(?<=[.?!¿¡])\s+", content.strip()) if s.strip()]
        return sentences[-1] if sentences else None
    return None
