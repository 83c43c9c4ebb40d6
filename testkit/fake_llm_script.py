"""The scripted "model" behind the fake OpenAI servers (Realtime and chat completions).

It is a test double of an unreachable vendor: deterministic rules map the conversation so far to
the next reply, so a test knows exactly what the "model" will do.

- instructions that quote words to say («…», a Realtime ``response.create``'s own instructions) →
  those words, as an instruction-following model would say them;
- no user message yet → :attr:`ScriptedModel.greeting` (in the language of the instructions);
- the last item is a system message about a dropped connection → a short apology;
- a ``search_flights`` result came in since the last user message → the result's ``speech`` read
  out once (the figures the caller must hear come from the tool result, not from the script), or an
  apology when the status is not ``ok``;
- an ``end_call`` result came in since → nothing more is said;
- otherwise the first rule whose regular expression matches the last user message (case-folded)
  → its :class:`Say` or :class:`Call`; no match → "Sorry, could you say that again?".

The reply language is read from the system instructions (their ``system_prompt_language`` line, or
"Answer in Spanish") so tests can see a
language switch reach the model: the reply then starts with ``[es]``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

LANGUAGE_NAMES = {"english": "en", "spanish": "es", "french": "fr", "german": "de", "italian": "it",
                  "portuguese": "pt"}


@dataclass
class Say:
    """Speak ``text``."""

    text: str


@dataclass
class Call:
    """Call tool ``name`` with ``arguments``; ``text`` (optional) is spoken first, in the same reply."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    text: str = ""


def instructions_language(instructions: str | None) -> str | None:
    """The language the instructions ask for, or ``None``: the gateway's prompt line
    ``system_prompt_language`` of any catalog (as the real model would read it), else an English
    "answer in Spanish" → ``es``."""
    from dialogue.phrases import phrase
    from flights.languages import SUPPORTED_LANGUAGES

    for code in SUPPORTED_LANGUAGES:
        if phrase(code, "system_prompt_language") in (instructions or ""):
            return code
    found = re.findall(r"\b(?:answer|speak|reply|respond)\s+(?:only\s+)?in\s+(\w+)", instructions or "", re.I)
    codes = [LANGUAGE_NAMES[w.lower()] for w in found if w.lower() in LANGUAGE_NAMES]
    return codes[-1] if codes else None


class ScriptedModel:
    """See the module docstring.

    Args:
        rules: ``[(regex, Say | Call)]`` tried in order against the last user message.
        greeting: the first reply.
    """

    def __init__(self, rules: list[tuple[str, Say | Call]] | None = None,
                 greeting: str = "Hello, flight desk. Where would you like to fly?"):
        self.rules = [(re.compile(p, re.I), a) for p, a in (rules or [])]
        self.greeting = greeting
        self.decisions: list[Say | Call] = []

    def respond(self, messages: list[dict[str, Any]], instructions: str | None = None) -> Say | Call | None:
        """The next reply for ``messages`` (``[{"role", "content", "name"?}]``, tool results with
        ``role="tool"`` and the tool's ``name``); ``None`` = say nothing."""
        quoted = re.search(r"«(.+?)»", instructions or "", re.S)
        if quoted:
            self.decisions.append(Say(quoted.group(1)))
            return self.decisions[-1]
        decision = self._decide(messages)
        lang = instructions_language(instructions)
        if decision is not None and lang and lang != "en":
            if isinstance(decision, Say):
                decision = Say(f"[{lang}] {decision.text}")
            elif decision.text:
                decision = Call(decision.name, decision.arguments, f"[{lang}] {decision.text}")
        self.decisions.append(decision)
        return decision

    def _decide(self, messages: list[dict[str, Any]]) -> Say | Call | None:
        if messages and messages[-1].get("role") == "system" and "dropped" in (messages[-1].get("content") or ""):
            return Say("Sorry, the line dropped for a moment. Could you say that again?")
        convo = [m for m in messages if m.get("role") != "system"]
        last_user = max((i for i, m in enumerate(convo) if m.get("role") == "user"), default=-1)
        tail = convo[last_user + 1:]  # what happened since the caller last spoke
        results = [i for i, m in enumerate(tail) if m.get("role") == "tool"]
        if results:  # a tool answered since: read its result once (a filler said meanwhile is no answer)
            last = tail[results[-1]]
            if last.get("name") == "end_call":
                return None
            try:
                result = json.loads(last.get("content") or "{}")
            except json.JSONDecodeError:
                result = {}
            if not (isinstance(result, dict) and result.get("status") in ("ok", "no_flights") and result.get("speech")):
                return Say("Sorry, I could not search flights just now.")
            speech = str(result["speech"])
            if any(speech[:30] in (m.get("content") or "") for m in tail[results[-1] + 1:] if m.get("role") == "assistant"):
                return None
            return Say(speech)
        users = [m for m in convo if m.get("role") == "user" and (m.get("content") or "").strip()]
        if not users:
            return Say(self.greeting)
        text = users[-1]["content"]
        for pattern, action in self.rules:
            if pattern.search(text):
                return action
        return Say("Sorry, could you say that again?")


#: The dialogue most tests use: a route and date → search_flights; goodbye → end_call.
#: ``filler``: the model says "Let me check…" before the search (speech-to-speech profiles).
def flight_desk_model(filler: bool = False) -> ScriptedModel:
    return ScriptedModel([
        (r"boston.*chicago|chicago.*boston", Call("search_flights", {
            "origin": "BOS", "destination": "ORD", "departure_date": "2027-03-05"},
            text="Let me check flights from Boston to Chicago." if filler else "")),
        (r"madrid.*barcelona|barcelona", Call("search_flights", {
            "origin": "MAD", "destination": "BCN", "departure_date": "2027-04-15"},
            text="Voy a buscar vuelos de Madrid a Barcelona." if filler else "")),
        (r"\b(goodbye|bye|adi[oó]s)\b", Call("end_call", {}, text="Thank you for calling. Goodbye!")),
        (r"\bwait\b|\bstop\b", Say("Of course, go ahead.")),
    ])
