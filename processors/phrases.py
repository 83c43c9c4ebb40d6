"""Spoken phrases and intent keywords of the local flight dialogue brain, per language.

``PHRASES[language][key]`` is either

* a spoken template (``str.format``; every template receives the same keyword
  arguments, so a translation may use any subset of ``{origin}``,
  ``{destination}``, ``{date}``, ``{heard}``, ``{a}``, ``{b}``), or
* a keyword list, for keys starting with ``kw_``: alternatives separated by
  ``|``, matched as whole words on a lower-cased transcript whose punctuation
  has been removed (apostrophes kept). Longer alternatives are tried first.

Adding a language is adding a row: copy ``"en"`` and translate. Missing keys
fall back to English (see :func:`phrase` / :func:`keywords`), so a partial row
still works.
"""

from __future__ import annotations

from loguru import logger

DEFAULT_LANGUAGE = "en"

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        # ---- spoken templates -------------------------------------------------
        "greeting": "Hello, this is the flight desk. Where would you like to fly from, and where to?",
        "ask_origin_and_destination": "Where would you like to fly from, and where to?",
        "ask_origin": "Flying to {destination}. Where are you flying from?",
        "ask_destination": "Flying from {origin}. Where would you like to go?",
        "ask_date": "From {origin} to {destination}. What day would you like to leave?",
        "ask_return_date": "And what day would you like to come back?",
        "ask_which_end": "Is {heard} where you are flying from, or where you are going?",
        "unknown_place": "Sorry, I didn't catch where {heard} is. Which city or airport did you mean?",
        "ambiguous_place": "Did you mean {a} or {b}?",
        "confirm_place": "Did you mean {a}?",
        "same_place": "You can't fly from {origin} to {origin}. Where would you like to go?",
        "past_date": "That date has already passed. What day would you like to leave?",
        "past_return_date": "That return date has already passed. What day would you like to come back?",
        "too_far": "I can only search about a year ahead. Which other day would work?",
        "return_before_departure": "You would come back before you leave. What day would you like to come back?",
        "unclear_date": "Sorry, I didn't catch the date. What day would you like to leave?",
        "searching": "Let me check flights from {origin} to {destination}.",
        "still_searching": "I'm still checking flights for you. One moment, please.",
        "no_flights": "Sorry, I couldn't find any flights from {origin} to {destination} on {date}.",
        "search_failed": "I'm sorry, I couldn't reach the flight search just now. Shall I try again?",
        "anything_else": "Would you like to search for another flight?",
        "sample_fares": "These are sample timetable fares, not live prices.",
        "confirm_new_search": "Sure, a new search.",
        "goodbye": "Thank you for calling. Goodbye!",
        "nothing_to_repeat": "I haven't said anything yet. Where would you like to fly from, and where to?",
        "didnt_understand": "Sorry, I didn't understand that.",
        "apology": "Sorry, something went wrong on my side. Could you say that again?",
        # ---- keyword lists (kw_*: alternatives separated by "|") --------------
        # whole-turn intents
        "kw_goodbye": (
            "goodbye|good bye|bye|bye bye|that's all|that is all|that's it|that is it|"
            "no thanks|no thank you|nothing else|hang up|i'm done|i am done|we're done|"
            "end the call|that'll be all|that will be all|see you"
        ),
        "kw_repeat": (
            "repeat|repeat that|say that again|say it again|come again|pardon|pardon me|"
            "what did you say|what was that|one more time|i didn't hear|i didn't catch that"
        ),
        # a turn consisting only of one of these asks for a repeat
        "kw_repeat_alone": "what|huh|sorry|excuse me|eh",
        "kw_yes": (
            "yes|yeah|yep|yup|sure|of course|okay|ok|correct|right|absolutely|"
            "please|go ahead|i would|i do|definitely|that's right|exactly|try again"
        ),
        "kw_no": "no|nope|nah|not really|no way|not now|wrong|neither",
        "kw_new_search": (
            "another|another flight|another one|new search|different flight|one more|"
            "now|also|how about|what about a flight|next search"
        ),
        "kw_start_over": "start over|start again|begin again|restart|from scratch",
        # words that carry nothing: greetings, hesitations, acknowledgements
        "kw_greeting": (
            "hi|hello|hey|hiya|hi there|hello there|hey there|good morning|good afternoon|"
            "good evening|greetings|howdy|yes hello"
        ),
        "kw_hesitation": "um|uh|uhm|umm|er|erm|ah|hmm|mm|mhm|uh huh|eh",
        "kw_ack": "okay|ok|so|well|alright|all right|right|yeah|yes|thanks|thank you|great|cool|fine|sure|oh",
        # request filler stripped around place names
        "kw_filler": (
            "i|we|me|us|my|our|i'd|we'd|i'm|we're|would|like|want|wanna|need|needs|have|"
            "looking|look|for|a|an|the|one|flight|flights|ticket|tickets|trip|book|booking|find|"
            "search|get|fly|flying|travel|travelling|traveling|go|going|can|could|you|please|"
            "just|to|be|is|it|that|this|actually|and|also|then|there|check|price|prices|"
            "thank|thanks|cheap|cheapest|best|some|any|let's|let|see|show|tell|about|what|how|oh|"
            "one-way|one way|round trip|round-trip|return trip|now|another|instead|sorry|no|not"
        ),
        # place markers
        "kw_from": "from|out of|leaving from|leaving|departing from|departing|starting from|flying out of|fly out of|based in",
        "kw_to": "to|into|going to|heading to|arriving in|arriving at|landing in|destination is|destination",
        "kw_return": (
            "returning|returning on|return on|return|coming back|come back|coming home|"
            "back on|flying back|fly back|get back|back home|and back"
        ),
        # words that end a place name (plus weekdays, months, markers, numbers)
        "kw_stop": (
            "on|next|this|coming|tomorrow|today|tonight|in|within|for|with|and|at|around|"
            "by|before|after|leaving|departing|returning|please|business|economy|premium|first|"
            "class|nonstop|non-stop|direct|adult|adults|child|children|kid|kids|passenger|"
            "passengers|people|person|persons|of|day|week|weeks|days|month|morning|afternoon|"
            "evening|night|round|one-way|asap|soon|later|then|but|or|so|is|are|am|was|i|we|"
            "would|want|need|like|can|could"
        ),
        "kw_weekdays": "monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend",
        "kw_months": (
            "january|february|march|april|may|june|july|august|september|october|november|"
            "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
        ),
        "kw_date_words": (
            "on|the|of|next|this|coming|tomorrow|today|tonight|day|after|in|days|weeks|week|"
            "month|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
            "twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
            "nineteenth|twentieth|thirtieth|twenty|thirty|st|nd|rd|th|morning|evening|afternoon"
        ),
        # date phrases that are always in the past (when the date parser finds nothing)
        "kw_past_words": "yesterday|last week|last month|the day before yesterday|ago",
        # options
        "kw_cabin_premium_economy": "premium economy|premium",
        "kw_cabin_business": "business class|business",
        "kw_cabin_first": "first class",
        "kw_cabin_economy": "economy class|economy|coach",
        "kw_nonstop": "nonstop|non-stop|non stop|direct|direct flight|no stops|no layovers|without stops",
        "kw_adults": "adult|adults|grown up|grown ups|grown-up|grown-ups|grownups",
        "kw_children": "child|children|kid|kids|infant|infants|baby|babies|son|daughter",
        "kw_passengers": "passenger|passengers|people|persons|person|travelers|travellers|tickets|seats|of us",
        "kw_one": "a|an|one|single",
        "kw_for_count": "for|for all|party of|group of",  # "business class for 2"
        "kw_round_trip": "round trip|round-trip|return trip|return ticket|return flight|there and back",
        "kw_numbers": (
            "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            "a couple|couple|both|all"
        ),
        "kw_cabin_words": "business|economy|premium|first|class|coach",
        # answers to "is X where you are flying from, or where you are going?"
        "kw_origin_words": "from|leaving|departing|origin|start|starting|out of|home|i live|live there|fly out",
        "kw_destination_words": "to|going|destination|heading|arriving|visit|visiting|go there|fly there",
    },
}


def _table(language: str) -> dict[str, str]:
    return PHRASES.get((language or DEFAULT_LANGUAGE).split("-")[0].lower(), {})


def phrase(language: str, key: str, **fields: object) -> str:
    """The spoken template ``key`` in ``language`` (English fallback), formatted."""
    template = _table(language).get(key) or PHRASES[DEFAULT_LANGUAGE].get(key)
    if template is None:
        logger.warning("phrases: no template {!r} for language {!r}", key, language)
        return ""
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        logger.warning("phrases: template {!r}/{!r} failed to format: {}", language, key, exc)
        return template


def keywords(language: str, key: str) -> list[str]:
    """Keyword alternatives ``kw_<key>`` for ``language`` (English fallback), longest first."""
    raw = _table(language).get(f"kw_{key}") or PHRASES[DEFAULT_LANGUAGE].get(f"kw_{key}", "")
    words = [w.strip().lower() for w in raw.split("|") if w.strip()]
    return sorted(set(words), key=lambda w: (-len(w), w))
