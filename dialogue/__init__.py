"""The rule brain's language room: understanding, dialogue policy and localized phrases.

No Pipecat imports here (``processors/`` wraps it in frame processors); it may import ``flights``
and nothing above it. Modules:

* :mod:`dialogue.understanding` — what one transcript says: places, dates, options, passenger
  counts, corrections (pure functions of text and language);
* :mod:`dialogue.policy` — :class:`~dialogue.policy.FlightDialogue`, the state machine deciding
  what to ask or do next (``BrainTurn``: text to say, a ``search_flights`` call, end of call);
* :mod:`dialogue.keywords` — the keyword lists parsing uses, plain data per language;
* :mod:`dialogue.catalogs` — gettext catalogs (``locale/<lang>/LC_MESSAGES/<domain>.po``),
  compiled and validated at import;
* :mod:`dialogue.phrases` — what the brain says (``dialogue`` domain, and the LLM system prompt);
* :mod:`dialogue.speech` — spoken flight offers, city names, dates, times and prices
  (``offers`` domain).
"""
