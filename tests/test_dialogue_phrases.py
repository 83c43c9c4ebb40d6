"""dialogue.phrases: the rule brain's localized phrases and its keyword lists."""

from __future__ import annotations

from dialogue.keywords import keywords
from dialogue.phrases import phrase, templates

EN = templates("en")


def test_phrase_table_complete_and_formattable():
    needed = {
        "greeting", "ask_origin", "ask_destination", "ask_date", "ask_origin_and_destination",
        "unknown_place", "ambiguous_place", "same_place", "past_date", "too_far", "searching",
        "no_flights", "goodbye", "anything_else", "nothing_to_repeat", "didnt_understand",
        "search_failed", "confirm_new_search", "apology",
    }
    assert needed <= set(EN)
    for key in EN:
        if not key.startswith("kw_"):
            assert phrase("en", key, origin="A", destination="B", date="D", heard="H", a="A", b="B")
    assert "goodbye" in keywords("en", "goodbye") and "bye" in keywords("en", "goodbye")
    assert phrase("xx", "goodbye") == EN["goodbye"]  # an unknown language falls back to English


