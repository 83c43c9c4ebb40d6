"""The project's one list of supported languages and one language-code normaliser.

It lives in the lowest room (``flights``) so every room — gateway, pipelines, processors, dialogue,
flights — can import it without breaking the one-way import rule.

Codes are ISO 639-1 (https://www.iso.org/iso-639-language-code).
"""

from __future__ import annotations

from typing import Any

#: The languages the gateway understands and speaks, ISO 639-1, English first (the fallback).
SUPPORTED_LANGUAGES: tuple[str, ...] = ("en", "es", "fr", "de", "it", "pt")


def normalize_language(code: Any) -> str | None:
    """ISO 639-1 base code of ``code`` if supported, else ``None``.

    Accepts plain codes (``"ES"``), BCP 47 tags (``"es-ES"``, ``"pt_BR"``) and enums whose ``value``
    is such a code (Pipecat's ``Language.ES``). Anything else — ``None``, other languages, control
    characters, over-long strings — gives ``None``; callers choose their fallback.
    """
    if code is None:
        return None
    value = str(getattr(code, "value", code))
    if len(value) > 35:  # longest sensible BCP 47 tag
        return None
    base = value.strip().lower().replace("_", "-").split("-")[0]
    return base if base in SUPPORTED_LANGUAGES else None


__all__ = ["SUPPORTED_LANGUAGES", "normalize_language"]
