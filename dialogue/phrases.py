"""What the rule brain says, per language: the ``dialogue`` gettext domain.

    phrase(language, key, **fields) -> str      e.g. phrase("es", "ask_origin", destination="Roma")
    templates(language) -> {key: template}      the unformatted texts (tests, tools)
    SYSTEM_PROMPT = "system_prompt"             key of the LLM profiles' system prompt

Texts live in ``dialogue/locale/<lang>/LC_MESSAGES/dialogue.po`` (see :mod:`dialogue.catalogs`
for the layout, the stable-key convention and the checks made at import). Each message's
documented fields are a subset of ``origin``, ``destination``, ``date``, ``heard``, ``a``, ``b``,
``month``.
An unsupported language reads English. The keyword lists the brain parses with are plain data
in :mod:`dialogue.keywords`. Adding a language: add it to ``flights.languages``, copy
``en/LC_MESSAGES/*.po`` to the new code, translate, and add a keyword row.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from dialogue.catalogs import catalog
from dialogue.keywords import DEFAULT_LANGUAGE

DOMAIN = "dialogue"
SYSTEM_PROMPT = "system_prompt"
"""Key of a short system prompt for a phone flight desk (the LLM profiles), in every language."""

_CATALOG = catalog(DOMAIN)  # compiled and validated at import: a broken .po fails start-up


def phrase(language: str | None, key: str, **fields: object) -> str:
    """The message ``key`` in ``language`` (English for an unsupported code), formatted.

    Raises:
        KeyError: unknown ``key``.
        dialogue.catalogs.MessageArgumentError: a documented field of ``key`` was not passed.
    """
    return _CATALOG.text(language, key, **fields)


def arguments(key: str) -> frozenset[str]:
    """The fields ``key`` documents (``frozenset({"destination"})`` for ``ask_origin``)."""
    return _CATALOG.arguments(key)


def templates(language: str | None) -> Mapping[str, str]:
    """Read-only ``{key: unformatted text}`` of ``language`` (English for an unsupported code)."""
    return MappingProxyType({key: _CATALOG.template(language, key) for key in _CATALOG.keys()})


__all__ = ["DEFAULT_LANGUAGE", "DOMAIN", "SYSTEM_PROMPT", "arguments", "phrase", "templates"]
