"""False place matches: how many of a language's common words the place matcher takes for a place.

A word Whisper writes where the dialogue expects a place ("to much", "was") must not become an
airport. For each language this resolves the ``--words`` most frequent words of ``wordfreq``
(https://github.com/rspeer/wordfreq) alone, as :func:`flights.places.resolve_place` sees a lone
answer, and counts those that resolve:

- **taken**: best candidate at or above the dialogue's ``ACCEPT_CONFIDENCE`` (taken without asking);
- **asked**: between ``CONFIRM_CONFIDENCE`` and it ("Did you mean …?");

leaving out words that are a place's own name or code in capitals ("paris", "roma", "nice": right
to resolve). Printed with the common-word rule (``flights.places.COMMON_WORD_FACTOR``) and without
it (factor 1.0), so the rule's effect is a figure, not a claim.

Usage: ``python bench/place_false_matches.py [--words 5000] [--examples 8]``. Runs in about a minute.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from wordfreq import top_n_list  # noqa: E402

from dialogue.understanding import ACCEPT_CONFIDENCE, CONFIRM_CONFIDENCE  # noqa: E402
from flights import places  # noqa: E402
from flights.languages import SUPPORTED_LANGUAGES  # noqa: E402


def own_name(word: str) -> bool:
    """The word is itself a place's name (an exact alias), so resolving it is right."""
    idx = places._index()
    return places._fold(word) in idx.alias


def count(language: str, words: list[str]) -> tuple[list[tuple[str, str, float]], list[tuple[str, str, float]]]:
    taken, asked = [], []
    for word in words:
        if not word.isalpha() or own_name(word):
            continue
        res = places.resolve_place(word, language)
        if res.best is None:
            continue
        row = (word, res.best.code, res.confidence)
        if res.confidence >= ACCEPT_CONFIDENCE:
            taken.append(row)
        elif res.confidence >= CONFIRM_CONFIDENCE:
            asked.append(row)
    return taken, asked


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--words", type=int, default=5000, help="most frequent words per language")
    ap.add_argument("--examples", type=int, default=8, help="false matches to show per language")
    args = ap.parse_args()
    rule = places.COMMON_WORD_FACTOR
    print(f"{args.words} most frequent words per language (wordfreq), each resolved alone; "
          f"taken >= {ACCEPT_CONFIDENCE}, asked >= {CONFIRM_CONFIDENCE}; words that are a place's own name left out\n")
    print("| language | taken, without the rule | asked, without | taken, with the rule | asked, with | "
          "examples still taken (with the rule) |")
    print("|---|---|---|---|---|---|")
    for language in SUPPORTED_LANGUAGES:
        words = top_n_list(language, args.words)
        places.COMMON_WORD_FACTOR = 1.0
        before = count(language, words)
        places.COMMON_WORD_FACTOR = rule
        after = count(language, words)
        shown = ", ".join(f"{w}→{c} {s:.2f}" for w, c, s in after[0][: args.examples])
        print(f"| {language} | {len(before[0])} | {len(before[1])} | {len(after[0])} | {len(after[1])} | {shown} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
