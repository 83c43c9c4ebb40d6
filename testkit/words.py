"""Word overlap between a reference text and what a recogniser heard (accents and case ignored)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter


def normalize_words(text: str) -> list[str]:
    """Lower-case words without accents: ``"Próximo viernes"`` → ``["proximo", "viernes"]``."""
    text = unicodedata.normalize("NFKD", text.lower())
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.findall(r"[a-z0-9']+", text.replace("-", " "))


def overlap(ref: str, hyp: str) -> float:
    """Share (0-1) of the reference's words, with multiplicity, found in the hypothesis."""
    r, h = Counter(normalize_words(ref)), Counter(normalize_words(hyp))
    return sum((r & h).values()) / max(1, sum(r.values()))
