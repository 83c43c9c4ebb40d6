"""The system prompt that makes an LLM (Realtime or a cascade's chat model) a phone flight desk.

Kept in this one place for both LLM profiles; every sentence of it comes from the gettext
catalogs the rule brain speaks from (``dialogue/locale/<lang>/LC_MESSAGES/dialogue.po``, see
:mod:`dialogue.catalogs`), in the caller's language:

- ``system_prompt`` — the role and the style (short spoken sentences, no markdown, ask only for
  what is missing, at most three options, confirm the route);
- ``system_prompt_rules`` (argument ``date``: today, ISO) — greeting, how to say times/prices/dates, the
  ``search_flights`` tool and its JSON statuses, odd requests, goodbye → ``end_call``;
- ``system_prompt_filler_spoken`` / ``system_prompt_filler_system`` — who says "let me check";
- ``system_prompt_language`` — "answer in <this language>", the line the language switch changes
  by rewriting the whole prompt in the new language.

Tool names, JSON keys and statuses (``search_flights``, ``"status"``, ``"no_flights"``…) stay
literal in every language: they are what the model receives.
"""

from __future__ import annotations

from dialogue.phrases import phrase
from flights.languages import normalize_language


def agent_instructions(language: str, today: str, *, speaks_filler: bool) -> str:
    """The full system prompt in ``language`` (English for an unsupported code).

    Args:
        language: ISO 639-1 code of the caller's language.
        today: ISO date the model should count from (``YYYY-MM-DD``).
        speaks_filler: the model itself says "let me check" before a search (speech-to-speech
            profiles); otherwise the gateway's tool processor speaks the filler.
    """
    code = normalize_language(language or "") or "en"
    filler = "system_prompt_filler_spoken" if speaks_filler else "system_prompt_filler_system"
    return "\n".join([phrase(code, "system_prompt"), phrase(code, "system_prompt_rules", date=today),
                      phrase(code, filler), phrase(code, "system_prompt_language")])
