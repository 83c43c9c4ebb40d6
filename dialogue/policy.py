"""Rule-based flight dialogue: the local profile's "brain" (no Pipecat in here).

:class:`FlightDialogue` is a small state machine driven one complete user turn at a time
(the transcript of what the caller said) and answering with a :class:`BrainTurn`: text to
speak, and/or the arguments of a ``search_flights`` tool call, and whether the call should
end. The Pipecat wrapper (``processors/local_brain.py``) speaks ``say``, runs ``tool_call``
and feeds the tool's result back through :meth:`FlightDialogue.handle_tool_result`.

It fills origin, destination and departure date (required) plus return date, passengers,
cabin and nonstop (optional) from free speech ("from Boston to Paris next Friday, two adults
in business"), asks only for what is missing, and copes with what Whisper makes of a phone
line (punctuation, "J.F.K.", misspelled cities: resolution is fuzzy in ``flights.places``).

This module is the *policy* (what to ask or do next); what a turn says (places, dates,
options, corrections) comes from :mod:`dialogue.understanding`. Every spoken word comes from
:mod:`dialogue.phrases`, so ``language`` can change mid-call and the state carries over.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from loguru import logger

from dialogue.phrases import DEFAULT_LANGUAGE, phrase
from dialogue.speech import (OPTIONS_AT_ONCE, PICKS, option_sentences, place_name, speak_date, speak_month,
                             speak_more_options, speak_pick)
from dialogue.understanding import (
    ACCEPT_CONFIDENCE,
    CABINS,
    CONFIRM_CONFIDENCE,
    Parsed,
    country_name,
    distinct_candidates,
    has,
    is_closing,
    is_halt,
    normalize,
    only,
    parse,
    pick_candidate,
    remove,
    resolve_span,
    same_place,
    split_words,
    subdivision,
)
from flights.dates import DateResult, day_in_month, day_in_week
from flights.languages import normalize_language
from flights.places import Place, is_common_phrase, resolve_place


MAX_HEARD_WORDS = 5
"""A longer unresolvable phrase is not read back as a place name ("didn't understand" instead)."""
#: After results, a marked end resolving below this (no candidate at all, in practice) names no
#: place: "alla fine", "de novo", "to come along" keep the agreed route (a misheard city still scores
#: well above it and is asked about).
NO_PLACE_BELOW = 0.5


# ---------------------------------------------------------------------------------------------
# data


@dataclass
class Slots:
    """What the caller asked for so far."""

    origin: Place | None = None
    destination: Place | None = None
    departure_date: date | None = None
    return_date: date | None = None
    adults: int = 1
    children: int = 0
    travel_class: str = "ECONOMY"
    nonstop: bool = False


#: Travellers (adults + children) one flight search can carry: Amadeus Flight Offers Search takes at
#: most 9 seated travellers (https://developers.amadeus.com/self-service/category/flights/api-doc/flight-offers-search).
MAX_TRAVELLERS = 9


@dataclass
class BrainTurn:
    """The dialogue's answer to one event."""

    say: str | None
    """Text to speak now (None when the turn is only a tool call)."""
    tool_call: dict | None = None
    """Arguments for ``search_flights`` (the tool schema exactly), or None."""
    end_call: bool = False
    """True once the goodbye is in ``say``: hang up after speaking it."""
    transfer: bool = False
    """The caller asked for a person: call ``transfer_call`` (with :meth:`FlightDialogue.handover`)."""
    understood: bool = True
    """False when the turn gave the dialogue nothing to act on (the answer is "I didn't understand")."""
    guess: bool = False
    """The answer only asks "Did you mean X?" about a place the resolver is not sure of."""


@dataclass
class _Pending:
    """The question the caller is answering."""

    kind: str  # "both" | "origin" | "destination" | "date" | "return_date" | "ambiguous" | "confirm" | "which_end"
    role: str | None = None  # "origin" | "destination" for place questions
    candidates: list[Place] = field(default_factory=list)
    heard: str | None = None
    month: date | None = None  # "date"/"return_date" asked as "Which day in January?": its first day
    week: date | None = None  # … asked as "Which day that week?": its Monday (or today)


# ---------------------------------------------------------------------------------------------
# the dialogue


#: a date said as an article and a day of the month alone ("the 2nd", "den 2.", "le 2"): no month, no weekday
_BARE_DAY = re.compile(r"^\W*(?:[^\W\d]+\s+)?\d{1,2}(?:st|nd|rd|th|er|º|ª)?\W*$")


def _a_bare_day(parsed: Parsed) -> bool:
    """Whether ``parsed`` holds nothing but a departure said as a bare day of the month."""
    departure = parsed.departure
    if departure is None or parsed.has_route or parsed.ret is not None or parsed.wants_return:
        return False
    if any(x is not None for x in (parsed.adults, parsed.children, parsed.travel_class, parsed.nonstop)):
        return False
    return bool(_BARE_DAY.match(getattr(departure, "text", "") or ""))


class FlightDialogue:
    """Slot-filling dialogue for one call.

    Phases: ``collecting`` (asking for what is missing) -> ``searching`` (a tool call was
    returned; waiting for :meth:`handle_tool_result`) -> ``results`` (offers spoken, "another
    flight?" asked) -> back to ``collecting`` or ``ended``. ``retry`` follows a failed search.
    """

    _told_not_live = False
    _party_capped = False

    def __init__(self, language: str = DEFAULT_LANGUAGE, today: date | None = None):
        self.language = normalize_language(language) or DEFAULT_LANGUAGE
        self.today = today
        self.slots = Slots()
        self.phase = "collecting"
        self._pending: _Pending | None = None
        self._wants_return = False
        self._stay_days: int | None = None  # a trip length said before the departure (days)
        self._last_answer: str | None = None
        self._last_search: dict | None = None
        self._announce_switch = False
        self._answer_stale = False
        self._switch_turn = False
        self._search_halted = False  # "wait" stopped the search: the open question asks to go on
        self._before_goodbye: tuple[str, _Pending | None] | None = None  # (phase, pending) a goodbye ended
        self._turn_norm = ""  # the turn being handled, normalized
        self._offers: list[dict] = []  # the last search's offers (dialogue.speech.offer_summary), in order
        self._offers_read = 0  # how many of them (from the first) the caller has heard read out
        # the options the last answer reads out: (index of its first, the option sentences), so that
        # an interruption can tell how far the caller heard (caller_heard)
        self._reading: tuple[int, list[str]] | None = None

    # ---- public API ----------------------------------------------------------------------

    def greeting(self) -> str:
        text = self._p("greeting")
        self._pending = _Pending("both")
        self._last_answer = text
        return text

    def last_answer(self) -> str | None:
        """What to say for "repeat that" (the last question or the last results)."""
        return self._last_answer

    def caller_heard(self, heard: str) -> None:
        """The caller cut the last answer off after hearing only ``heard`` of it (whole sentences).

        What the dialogue remembers of it ("repeat that", the offers read out) becomes what was
        heard; ``""`` (nothing of it was heard) keeps the answer before it.
        """
        heard = (heard or "").strip()
        if heard:
            self._last_answer = heard
        if self._reading is not None:  # "the other options" go on from the first the caller missed
            start, sentences = self._reading
            n = 0
            while n < len(sentences) and sentences[n] in heard:
                n += 1
            self._offers_read = start + n

    def open_question(self) -> str:
        """The question the caller is expected to answer now, in the current language (for an idle
        re-prompt): the pending slot question, "anything else?" after results, or the retry offer."""
        return self._question_text()

    def handover(self) -> dict[str, str]:
        """What the caller gave so far, spoken in the current language, for a person taking over:
        ``{"origin", "destination", "date"}`` (only the slots that are filled; ``{}`` for none)."""
        s = self.slots
        out = {}
        if s.origin is not None:
            out["origin"] = self._name(s.origin)
        if s.destination is not None:
            out["destination"] = self._name(s.destination)
        if s.departure_date is not None:
            out["date"] = self._spoken_date(s.departure_date)
        return out

    def transfer_unavailable(self) -> BrainTurn:
        """No one can take the call: say so and carry on with the open question."""
        return self._reply(self._join(self._p("no_agent"), self._question_text()), remember=False)

    def searching_text(self) -> str | None:
        """The filler for the search about to run ("Let me check flights from A to B.")."""
        if self.slots.origin is None or self.slots.destination is None:
            return None
        return self._p("searching")

    def apology(self) -> str:
        """Something broke outside the rules (the wrapper's last resort); asks to say it again."""
        return self._p("apology")

    def cancel_search(self) -> None:
        """Forget an outstanding tool call (e.g. the wrapper cancelled it on barge-in)."""
        if self.phase == "searching":
            self.phase = "collecting"

    def switch_language(self, language: str) -> bool:
        """Speak and parse ``language`` from now on; slots, results and the pending question stay.

        The next user turn's answer starts with the ``language_switched`` acknowledgement (once);
        "repeat" re-asks the pending question, or re-runs the last search, in the new language.
        Returns False when ``language`` is already the current one.
        """
        code = normalize_language(language) or DEFAULT_LANGUAGE
        if code == self.language:
            return False
        self.language = code
        self._announce_switch = True
        self._answer_stale = True
        return True

    def handle_user(self, text: str) -> BrainTurn:
        """One complete user turn (final transcript) -> what to do."""
        logger.debug("dialogue [{}] heard: {!r}", self.language, text)  # transcripts only at DEBUG
        announce, self._announce_switch = self._announce_switch, False
        self._switch_turn = announce
        try:
            turn = self._handle_user(text if isinstance(text, str) else str(text or ""))
        except Exception:
            logger.exception("dialogue: unexpected failure on a user turn")
            turn = replace(self._reply(self._join(self._p("didnt_understand"), self._question_text())),
                           understood=False)
        finally:
            self._switch_turn = False
        if announce:
            turn = replace(turn, say=self._join(self._p("language_switched"), turn.say))
        return turn

    def would_act_on(self, text: str, language: str | None = None) -> bool:
        """Whether :meth:`handle_user` would act on ``text``; never changes the dialogue's state.

        False when the whole answer would be "I didn't understand" (nothing in the turn fills a slot,
        changes an option, asks for a repeat, a person or the end of the call), or only "Did you
        mean X?" about a word no place marker introduced (a guess: "Inama" → Bahrain), or when the
        dialogue has ended (its answer would be the same goodbye again), unless the turn asks the
        bot to stop (``halt`` or ``no`` keywords: "wait", "hold on", "espera", "Moment"…).
        ``language``: the call's language now, when a switch may not have reached the dialogue
        yet; a turn in another language than the dialogue's is always acted on (it is answered in
        the new language). The resume gate uses this: an interruption the dialogue cannot act on
        (a hum Whisper wrote as "In Emma.") goes on with the answer instead of "I didn't understand".
        Never raises (an internal failure counts as acting on it: the bot stays stopped).
        """
        try:
            if language is not None and (normalize_language(language) or DEFAULT_LANGUAGE) != self.language:
                return True
            norm = normalize(text if isinstance(text, str) else str(text or ""))
            if has(self.language, norm, "halt", "no"):
                return True
            if self.phase == "ended":
                # The goodbye is being said: a closing or anything else the dialogue cannot act on
                # (most often the caller's own "thanks, bye") would get the same goodbye again, so the
                # cut one goes on instead; a request reopens the call (above: a halt).
                return self._reopens(text, norm)
            probe = copy.deepcopy(self)
            logger.disable("dialogue")  # the probe's decisions are not the call's: keep them out of the log
            try:
                turn = probe._handle_user(text)
                if self._says_again(turn, probe, norm):
                    return False
                if turn.guess:
                    marked = parse(norm, self.language, today=self.today)
                    return bool(marked.origin_text or marked.destination_text)
                return turn.understood
            finally:
                logger.enable("dialogue")
        except Exception:
            logger.exception("dialogue: would_act_on failed")
            return True

    def _reopens(self, text: str, norm: str) -> bool:
        """Whether a turn heard over the goodbye keeps the call going: a halt ("Wait."), a request
        for a person, a new search, or anything that fills a slot ("No, Tuesday", "to Denver");
        never a closing ("Thanks, bye."), a lone "no" or "say that again" (the goodbye is what it
        would repeat). A lone word reopens it only if it names a place ("Denver."): an unknown one
        is most often Whisper's guess at a noise or a half-heard "thanks" ("Thank you for watching.",
        "Gracias por ver el video."), and the call would stay open after its goodbye."""
        lang = self.language
        if is_closing(text, lang):
            return False
        if is_halt(text, lang) or has(lang, norm, "transfer", "new_search", "start_over"):
            return True
        parsed = parse(norm, lang, today=self.today)
        if parsed.has_route or parsed.has_options:
            return True
        return bool(parsed.lone_text) and self._resolves(parsed.lone_text, CONFIRM_CONFIDENCE)

    def _says_again(self, turn: BrainTurn, probe: FlightDialogue, norm: str) -> bool:
        """Whether ``turn`` (the ``probe``'s answer to ``norm``) only says again part of the answer
        being read, changing nothing: a trailing "please" after "Next Friday," (the VAD made two
        segments of one sentence) would restart the question the caller was already hearing. The
        cut answer going on from the sentence the caller did not hear says the same, without the
        restart. A request to repeat is not this: the caller wants it from the top. Any repeat word
        counts here, also one ``_handle_user`` would not take as a request alone ("Sorry,
        please?"): keeping the bot stopped is the safe side."""
        return (bool(turn.say) and turn.tool_call is None and not turn.end_call and not turn.transfer
                and probe.slots == self.slots and probe.phase == self.phase
                and turn.say.strip() in (self._last_answer or "")
                and not has(self.language, norm, "repeat", "repeat_alone"))

    def handle_tool_result(self, result: dict) -> BrainTurn:
        """Result of ``search_flights`` -> the spoken answer (remembered for "repeat")."""
        try:
            return self._handle_tool_result(result)
        except Exception:
            logger.exception("dialogue: unexpected failure on a tool result")
            self.phase = "retry"
            return self._reply(self._p("search_failed"))

    # ---- turn handling -------------------------------------------------------------------

    def _handle_user(self, text: str) -> BrainTurn:
        lang = self.language
        norm = normalize(text)
        self._turn_norm = norm  # the whole turn, for the parts that see only a chunk of it
        words = split_words(norm)

        if self.phase == "ended":
            if not self._reopens(text, norm):
                return BrainTurn(say=self._p("goodbye"), end_call=True)
            # The caller spoke over the goodbye ("Wait, one more thing", "No, Tuesday"): the call
            # goes on where it was (the gateway withdraws the hang-up the goodbye asked for).
            logger.info("dialogue: the caller spoke over the goodbye: the call goes on")
            self.phase, self._pending = self._before_goodbye or ("collecting", None)

        if not words or not any(ch.isalnum() for ch in norm):
            logger.debug("dialogue: empty or noise turn")
            return self._not_understood()

        if has(lang, norm, "transfer"):
            logger.info("dialogue: caller asks for a person")
            return BrainTurn(say=None, transfer=True)

        if self.phase == "retry" and self._last_search is not None and has(lang, norm, "retry") \
                and not has(lang, norm, "no"):
            # "Shall I try again?" — "sí, inténtelo otra vez", "ja, bitte nochmal versuchen": not a
            # request to repeat the question ("otra vez", "nochmal" are repeat words too)
            return self._search()
        if has(lang, norm, "repeat") or only(lang, norm, ("repeat_alone",), ("hesitation", "greeting")):
            return self._repeat()

        parsed = parse(norm, lang, today=self.today,
                       answering_return=bool(self._pending and self._pending.kind == "return_date"),
                       known_departure=self.slots.departure_date)

        if has(lang, norm, "goodbye") and not self._names_a_place(parsed):
            return self._goodbye()

        if has(lang, norm, "start_over"):
            logger.info("dialogue: caller starts over")
            self._reset()
            if not parsed.has_anything:
                return self._ask(prefix=self._p("confirm_new_search"))

        chatter = ("greeting", "hesitation", "ack")
        if is_halt(text, lang) or (self._search_halted and self.phase == "searching"
                                   and only(lang, norm, ("no",), chatter + ("please",))):
            return self._halt()  # "No." to "Shall I go ahead?": still listening

        if self.phase in ("results", "retry"):
            return self._after_results(norm, parsed)

        if self.phase == "searching":
            # The wrapper registers search_flights with cancel_on_interruption: a caller turn
            # during the search has most likely cancelled it, so search again (with any change).
            self.phase = "collecting"
            if not (parsed.has_route or parsed.has_options) and self._question_key() is None:
                logger.info("dialogue: caller spoke during the search; searching again")
                return self._search()

        pending = self._pending
        if pending and pending.kind in ("ambiguous", "confirm", "which_end"):
            turn = self._answer_pending(norm, parsed, pending)
            if turn is not None:
                return turn

        if not parsed.has_anything:
            if only(lang, norm, ("no",), chatter):
                return self._ask()
            if has(lang, norm, "greeting", "ack", "yes") and not remove(lang, norm, "greeting", "hesitation", "ack", "yes", "filler"):
                return self._ask()  # "hi there", "okay", "yes please": the question again
            if not remove(lang, norm, *chatter, "filler"):
                # only hesitation / request filler ("um", "I need a flight")
                if remove(lang, norm, "hesitation"):
                    return self._ask()
                return self._not_understood()
            return self._not_understood()
        return self._apply(parsed)

    def _after_results(self, norm: str, parsed: Parsed) -> BrainTurn:
        lang = self.language
        asked = self._about_the_flights(norm, parsed)
        if asked is not None:
            return asked
        chatter = ("greeting", "hesitation", "ack")
        new_search = has(lang, norm, "new_search")
        if has(lang, norm, "results_question"):
            # "How much was it?", "¿A qué hora sale?": a word of the question is no new destination
            # ("much" sounds like Munich to the place matcher), and the answer is in the results.
            parsed = replace(parsed, lone_text=None)
            if not (parsed.origin_text or parsed.destination_text or parsed.has_options or new_search):
                logger.info("dialogue: a question about the results: reading them again")
                return self._repeat()
        # a marked end that names no place is none ("alla fine", "de novo", "my sister wants to come
        # along": the agreed end was dropped and the caller asked where "come along" is)
        if parsed.origin_text and not self._resolves(parsed.origin_text, NO_PLACE_BELOW):
            parsed = replace(parsed, origin_text=None)
        if parsed.destination_text and not self._resolves(parsed.destination_text, NO_PLACE_BELOW):
            parsed = replace(parsed, destination_text=None)
        correction = self._correction_role(parsed)
        if correction is not None:
            # "actually, make that Denver instead", "no, from Chicago": the same search with one
            # end changed (a place without "from" is the destination); dates and options stay
            role, heard = correction
            logger.info("dialogue: correction after results: new {}", role)
            self.phase = "collecting"
            self._pending = None
            setattr(self.slots, role, None)
            return self._apply(replace(parsed, origin_text=heard if role == "origin" else None,
                                       destination_text=heard if role == "destination" else None,
                                       lone_text=None))
        if parsed.has_route or (new_search and not parsed.has_options):
            logger.info("dialogue: new search in the same call")
            self._reset()
            if not parsed.has_anything:
                return self._ask(prefix=self._p("confirm_new_search"))
            return self._apply(parsed)
        if self.phase == "results" and has(lang, norm, "book") and _a_bare_day(parsed):
            # "Ich nehme den zweiten", "I'll take the second": the second of the flights read out, not
            # the 2nd of the month ("book it for Saturday" still searches Saturday, below)
            return self._cannot_book()
        if parsed.has_options and self._last_search is not None:
            # "what about Saturday?", "and in business?": same route, changed options
            logger.info("dialogue: refining the previous search")
            self.phase = "collecting"
            self._pending = None
            return self._apply(parsed)
        if self.phase == "results" and has(lang, norm, "book"):
            # "Can I book it?", "I'll take the second one"
            return self._cannot_book()
        if only(lang, norm, ("yes",), chatter + ("filler",)):
            if self.phase == "retry" and self._last_search is not None:
                return self._search()
            self._reset()
            return self._ask(prefix=self._p("confirm_new_search"))
        if only(lang, norm, ("no",), chatter + ("filler",)):
            if self.phase == "retry":
                self.phase = "results"
                return self._reply(self._p("anything_else"))
            return self._goodbye()
        question = self._p("search_failed") if self.phase == "retry" else self._p("anything_else")
        if not remove(lang, norm, *chatter):
            return self._reply(question)
        return replace(self._reply(self._join(self._p("didnt_understand"), question), remember=False),
                       understood=False)

    def _about_the_flights(self, norm: str, parsed: Parsed) -> BrainTurn | None:
        """A question about the flights just found, answered from them without a new search: "what
        are the other options?" reads the next :data:`~dialogue.speech.OPTIONS_AT_ONCE` from the first
        the caller did not hear; "anything cheaper?", "something earlier?", "¿el último?" read the
        cheapest / earliest / latest of them (with its place in the list). ``None`` when the turn is
        not that, or names a place, a day or an option (a new or refined search), or books."""
        lang = self.language
        if self.phase != "results" or not self._offers:
            return None
        if parsed.origin_text or parsed.destination_text or parsed.has_options or has(lang, norm, "book"):
            return None
        try:
            if has(lang, norm, "other_options"):
                start = self._offers_read
                logger.info("dialogue: the other options, from option {}", start + 1)
                turn = self._reply(self._join(speak_more_options(self._offers, start, lang), self._p("anything_else")))
                self._read_options(start)
                return turn
            for which in PICKS:
                if has(lang, norm, which):
                    logger.info("dialogue: the {} of the flights found", which)
                    return self._reply(self._join(speak_pick(self._offers, which, lang), self._p("anything_else")))
        except (KeyError, ValueError, TypeError):  # a result's offer without a field we read
            logger.exception("dialogue: cannot read the offers of the last search")
        return None

    def _read_options(self, start: int) -> None:
        """The answer just given reads the options from ``start`` (at most OPTIONS_AT_ONCE): the
        caller has heard them, unless an interruption says otherwise (:meth:`caller_heard`)."""
        try:
            sentences = option_sentences(self._offers, start, self.language)
        except (KeyError, ValueError, TypeError):
            sentences = []
        self._reading = (start, sentences) if sentences else None
        self._offers_read = min(len(self._offers), start + OPTIONS_AT_ONCE)

    def _cannot_book(self) -> BrainTurn:
        """This line finds flights, a person books them: say so and ask for a transfer (without
        ``TRANSFER_NUMBER`` the gateway says no one is available and the call carries on)."""
        logger.info("dialogue: the caller wants to book: transfer to a person")
        return BrainTurn(say=self._p("cannot_book"), transfer=True)

    def _correction_role(self, parsed: Parsed) -> tuple[str, str] | None:
        """``(slot, heard)`` when a turn after results changes one end of the last search.

        One end marked ("from Chicago", "a Valencia") changes that end; a lone place that resolves
        (at least ``CONFIRM_CONFIDENCE``: "actually, make that Denver instead") changes the
        destination. Both ends marked is a new search (``None``), and so is anything before a search.
        """
        if self._last_search is None or self.slots.origin is None or self.slots.destination is None:
            return None
        if parsed.origin_text and parsed.destination_text:
            return None
        if parsed.origin_text:
            return "origin", parsed.origin_text
        if parsed.destination_text:
            return "destination", parsed.destination_text
        if parsed.lone_text and self._new_place(parsed.lone_text, CONFIRM_CONFIDENCE):
            return "destination", parsed.lone_text
        return None

    def _new_place(self, heard: str, confidence: float) -> bool:
        """``heard`` resolves (≥ ``confidence``) to a place that is neither end of the route."""
        try:
            res = resolve_span(heard, self.language)
        except Exception:
            logger.exception("dialogue: resolve_place failed")
            return False
        if res.best is None or res.confidence < confidence:
            return False
        return not any(end is not None and same_place(res.best, end)
                       for end in (self.slots.origin, self.slots.destination))

    def _names_a_place(self, parsed: Parsed) -> bool:
        """Whether a marked end of ``parsed`` names a place at all ("no grazie, a posto così" marks
        "posto così", which is none: the goodbye stands)."""
        return any(text and self._resolves(text, NO_PLACE_BELOW)
                   for text in (parsed.origin_text, parsed.destination_text))

    def _resolves(self, heard: str, confidence: float) -> bool:
        try:
            res = resolve_span(heard, self.language)
        except Exception:
            logger.exception("dialogue: resolve_place failed")
            return False
        return res.best is not None and res.confidence >= confidence

    def _answer_pending(self, norm: str, parsed: Parsed, pending: _Pending) -> BrainTurn | None:
        """Answers to "Did you mean A or B?", "Did you mean A?", "from or to?"."""
        lang = self.language
        chatter = ("greeting", "hesitation", "ack", "filler")
        role = pending.role or "destination"
        said = parsed.origin_text or parsed.destination_text
        if pending.kind == "which_end" and pending.candidates and said \
                and not (parsed.origin_text and parsed.destination_text):
            place, other = pending.candidates[0], self._sure_place(said)
            if other is not None and not same_place(other, place):
                # "Orlando." "From or to?" "I'm flying out of Boston.": the place asked about is the
                # other end (Orlando was dropped)
                self._pending = None
                end = "destination" if parsed.origin_text else "origin"
                return self._set_place(end, place) or self._apply(parsed)
        if pending.kind == "ambiguous":
            choice = pick_candidate(norm, pending.candidates, self.language)
            if choice is not None:
                self._pending = None
                return self._set_place(role, choice) or self._next()
            if only(lang, norm, ("no",), chatter):
                self._pending = _Pending(role, role=role)
                return self._ask_place(role)
        elif pending.kind == "confirm":
            if only(lang, norm, ("yes",), chatter) and pending.candidates:
                self._pending = None
                return self._set_place(role, pending.candidates[0]) or self._next()
            if only(lang, norm, ("no",), chatter):
                self._pending = _Pending(role, role=role)
                return self._ask_place(role)
        elif pending.kind == "which_end" and pending.candidates and not parsed.has_route:
            place = pending.candidates[0]
            if has(lang, norm, "origin_words"):
                self._pending = None
                return self._set_place("origin", place) or self._apply(replace(parsed, lone_text=None))
            if has(lang, norm, "destination_words"):
                self._pending = None
                return self._set_place("destination", place) or self._apply(replace(parsed, lone_text=None))
            other = self._sure_place(parsed.lone_text) if parsed.lone_text else None
            if other is not None and not same_place(other, place):
                # "Boston." "From or to?" "Seattle.": the two ends in the order they were said
                self._pending = None
                return self._set_place("origin", place) or self._apply(
                    replace(parsed, destination_text=parsed.lone_text, lone_text=None))
            if parsed.lone_text is None and (parsed.departure is not None or parsed.has_options):
                # "Friday": kept, and the question about the place asked again
                turn = self._apply(parsed)
                if self.slots.origin is None and self.slots.destination is None:
                    self._pending = _Pending("which_end", candidates=[place], heard=pending.heard)
                    return self._reply(self._p("ask_which_end", heard=self._name(place)))
                return turn
        # anything else: parse normally; a lone place answers the role we asked about
        if pending.kind in ("ambiguous", "confirm"):
            self._pending = _Pending(role, role=role)
        else:
            self._pending = _Pending("both")
        return None

    # ---- applying ------------------------------------------------------------------------

    def _apply(self, parsed: Parsed) -> BrainTurn:
        """Put what was parsed into the slots; answer with the first problem or the next step."""
        s = self.slots
        pending = self._pending
        if parsed.travel_class:
            s.travel_class = parsed.travel_class
        if parsed.nonstop is not None:
            s.nonstop = parsed.nonstop
        if parsed.adults is not None:
            s.adults = parsed.adults
        if parsed.more_adults or parsed.more_children:  # "and my wife too", "one more person"
            s.adults = min(99, int(s.adults) + parsed.more_adults)
            s.children = min(99, int(s.children) + parsed.more_children)
        if parsed.children is not None:
            s.children = parsed.children
        if parsed.wants_return:
            self._wants_return = True
        if parsed.one_way:  # "actually just make it one way": the return said before is dropped
            self._wants_return = False
            self._stay_days = None
            s.return_date = None
        if parsed.stay_days is not None and parsed.ret is None:
            # "From Boston to Paris for a week" before any departure: back a week after it, once said
            self._stay_days = parsed.stay_days

        problem: BrainTurn | None = None

        # places
        origin_text, dest_text = parsed.origin_text, parsed.destination_text
        if parsed.lone_text and not parsed.has_route:
            role = self._lone_role(pending)
            if role == "origin":
                origin_text = parsed.lone_text
            elif role == "destination":
                dest_text = parsed.lone_text
            elif role == "which_end":
                problem = self._which_end(parsed.lone_text)
            elif self._new_place(parsed.lone_text, ACCEPT_CONFIDENCE):
                # route complete: a sure new lone place corrects the destination ("make that Denver")
                logger.info("dialogue: lone place replaces the destination")
                s.destination = None
                dest_text = parsed.lone_text
            elif self._resolves(parsed.lone_text, ACCEPT_CONFIDENCE):
                logger.debug("dialogue: lone place repeats one end of the route")
            else:
                logger.debug("dialogue: lone place text ignored (route already complete)")
                if not parsed.has_options:
                    problem = self._not_understood()
        todo: list[tuple[str, str]] = []
        for role, heard in (("origin", origin_text), ("destination", dest_text)):
            if not heard:
                continue
            if getattr(s, role) is not None:
                # A place already agreed is only replaced by a sure one: a stray chunk of a noisy
                # transcript (often after a language switch) must not overwrite it.
                res = resolve_place(heard, self.language)
                if res.best is None or res.ambiguous or res.confidence < 0.9:
                    logger.debug("dialogue: kept {} (weak replacement, confidence {:.2f})", role, res.confidence)
                    continue
            todo.append((role, heard))
        # Sure places first, so that a question about the other end can confirm them ("Flying to
        # Madrid. Where would you like to fly to Madrid from?") instead of losing them.
        for role, heard in list(todo):
            sure = self._sure_place(heard)
            if sure is not None:
                todo.remove((role, heard))
                turn = self._set_place(role, sure, ask=False)
                if problem is None:
                    problem = turn
        for role, heard in todo:
            if problem is None:
                problem = self._resolve_into(role, heard)
            else:  # one question at a time: keep a sure place silently, ask about the rest later
                self._resolve_quietly(role, heard)
        if problem is None and s.origin and s.destination and same_place(s.origin, s.destination):
            same = s.origin
            s.destination = None
            self._pending = _Pending("destination", role="destination")
            problem = self._reply(self._p("same_place", origin=self._name(same)))

        # dates
        dep, ret = parsed.departure, parsed.ret
        if pending is not None and pending.kind == "date":
            dep = self._day_in_asked_period(pending, dep) or dep
        elif pending is not None and pending.kind == "return_date":
            ret = self._day_in_asked_period(pending, ret) or ret
        date_noted = False
        if dep is not None:
            if dep.reason == "ok" and dep.value is not None:
                date_noted = dep.value != s.departure_date
                s.departure_date = dep.value
                if s.return_date and s.return_date < dep.value and ret is None:
                    s.return_date = None
            elif problem is None:
                problem = self._date_problem(dep.reason, "date", dep.value)
        if ret is None and self._stay_days is not None and s.departure_date and s.return_date is None:
            ret = DateResult(s.departure_date + timedelta(days=self._stay_days), "ok", "")
            self._stay_days = None
        if ret is not None:
            if ret.reason == "ok" and ret.value is not None:
                if s.departure_date and ret.value < s.departure_date:
                    if problem is None:
                        self._pending = _Pending("return_date")
                        problem = self._reply(self._p("return_before_departure"))
                else:
                    s.return_date = ret.value
            elif problem is None:
                problem = self._date_problem(ret.reason, "return_date", ret.value)

        if problem is not None:
            return problem
        # A date given while a place is still missing is confirmed, so the caller knows it was kept
        # ("Leaving on Friday, December 4. Flying to London. Where are you flying from?").
        return self._next(self._p("date_noted") if date_noted else None)

    def _lone_role(self, pending: _Pending | None) -> str | None:
        s = self.slots
        if pending and pending.kind in ("origin", "destination"):
            return pending.kind
        if s.origin is None and s.destination is None:
            return "which_end"
        if s.origin is None:
            return "origin"
        if s.destination is None:
            return "destination"
        return None

    def _resolve_into(self, role: str, heard: str) -> BrainTurn | None:
        """Resolve ``heard`` into slot ``role``; a BrainTurn when we must ask about it."""
        try:
            res = resolve_span(heard, self.language)
        except Exception:
            logger.exception("dialogue: resolve_place failed")
            res = None
        best = res.best if res is not None else None
        if best is not None and res.confidence < CONFIRM_CONFIDENCE:
            best = None
        if best is not None and res.ambiguous and len(res.candidates) >= 2:
            cands = distinct_candidates(res)
            if len(cands) >= 2:
                self._pending = _Pending("ambiguous", role=role, candidates=cands[:2], heard=heard)
                a, b = self._distinct_names(cands[0], cands[1])
                return self._reply(self._p("ambiguous_place", a=a, b=b, heard=heard))
        if best is not None and res.confidence >= ACCEPT_CONFIDENCE:
            return self._set_place(role, best, ask=False)
        if best is not None and res.confidence >= CONFIRM_CONFIDENCE:
            self._pending = _Pending("confirm", role=role, candidates=[best], heard=heard)
            return replace(self._reply(self._p("confirm_place", a=self._name(best), heard=heard)), guess=True)
        if is_common_phrase(heard, self.language) and has(self.language, self._turn_norm, "ack", "please", "greeting"):
            # "Thank you very much." left "very much", "Bitte sehr." "sehr": politeness, not a place
            # the caller tried to name ("Sorry, I didn't catch where very much is" was the answer);
            # the question again. A bare "Little Rock" the index lacks is still asked about.
            logger.info("dialogue: only common words where a place could be ({} words): asking again", len(heard.split()))
            return self._ask()
        logger.info("dialogue: unknown place ({} words) for {}", len(heard.split()), role)
        self._pending = _Pending(role, role=role, heard=heard)
        short = len(heard.split()) <= MAX_HEARD_WORDS
        other = self.slots.destination if role == "origin" else self.slots.origin
        if other is not None:  # keep and confirm the end we understood; ask only for this one
            return self._reply(self._p(f"missing_{role}_heard" if short else f"missing_{role}", heard=heard))
        if not short:
            return self._not_understood()
        return self._reply(self._p("unknown_place", heard=heard))

    def _sure_place(self, heard: str) -> Place | None:
        """The place ``heard`` names when it is sure (≥ ``ACCEPT_CONFIDENCE``, not ambiguous)."""
        try:
            res = resolve_span(heard, self.language)
        except Exception:
            logger.exception("dialogue: resolve_place failed")
            return None
        if res.best is not None and res.confidence >= ACCEPT_CONFIDENCE and not res.ambiguous:
            return res.best
        return None

    def _resolve_quietly(self, role: str, heard: str) -> None:
        try:
            res = resolve_place(heard, language=self.language)
        except Exception:
            logger.exception("dialogue: resolve_place failed")
            return
        other = self.slots.destination if role == "origin" else self.slots.origin
        if res.best is not None and res.confidence >= ACCEPT_CONFIDENCE and not res.ambiguous:
            if other is None or not same_place(res.best, other):
                setattr(self.slots, role, res.best)

    def _set_place(self, role: str, place: Place, ask: bool = True) -> BrainTurn | None:
        s = self.slots
        other = s.destination if role == "origin" else s.origin
        if other is not None and same_place(place, other):
            if role == "origin":
                s.origin = place
            s.destination = None
            self._pending = _Pending("destination", role="destination")
            return self._reply(self._p("same_place", origin=self._name(place)))
        setattr(s, role, place)
        if self._pending and self._pending.kind in (role, "both"):
            self._pending = None
        return None

    def _which_end(self, heard: str) -> BrainTurn:
        try:
            res = resolve_place(heard, language=self.language)
        except Exception:
            logger.exception("dialogue: resolve_place failed")
            res = None
        if res is None or res.best is None or res.confidence < ACCEPT_CONFIDENCE or res.ambiguous:
            # ask about the place itself first; it will be the origin if it resolves
            return self._resolve_into("origin", heard) or self._next()
        self._pending = _Pending("which_end", candidates=[res.best], heard=heard)
        return self._reply(self._p("ask_which_end", heard=self._name(res.best)))

    def _day_in_asked_period(self, pending: _Pending, said: DateResult | None) -> DateResult | None:
        """``said`` read in the period the date question named: the answer to "Which day in
        January?" ("the 15th" is January's) or to "Which day that week?" ("Wednesday" is that
        week's); ``None`` when the question named none or ``said`` is no such answer."""
        if pending.month is not None:
            return day_in_month(said, pending.month, self.language, self.today)
        if pending.week is not None:
            return day_in_week(said, pending.week, self.language, self.today)
        return None

    def _date_problem(self, reason: str, which: str, value: date | None = None) -> BrainTurn:
        asked = self._pending
        self._pending = _Pending(which)
        if reason == "no_such_date" and asked is not None and asked.kind == which:
            self._pending.month = asked.month  # "the 30th" of February: still a day of February
        if reason == "month_only" and value is not None:  # "in January", "mid-March", "next month"
            self._pending.month = value
            key = "ask_return_day_in_month" if which == "return_date" else "ask_day_in_month"
            return self._reply(self._p(key, month=self._spoken_month(value)))
        if reason == "week_only" and value is not None:  # "next week", "la semana que viene"
            self._pending.week = value
            return self._reply(self._p("ask_return_day_in_week" if which == "return_date" else "ask_day_in_week"))
        if reason == "past":
            return self._reply(self._p("past_return_date" if which == "return_date" else "past_date"))
        if reason == "too_far":
            return self._reply(self._p("too_far"))
        if reason == "no_such_date":  # "the 31st of February"
            return self._reply(self._p("no_such_return_date" if which == "return_date" else "no_such_date"))
        return self._reply(self._p("unclear_date") if which == "date" else self._p("ask_return_date"))

    # ---- answers -------------------------------------------------------------------------

    def _next(self, prefix: str | None = None) -> BrainTurn:
        """Search when every required slot is filled, else ask for the next one.

        ``prefix`` (an acknowledgement) goes before a question only: a search speaks its own
        filler, which names the route and the date.
        """
        question = self._question_key()
        if question is None:
            return self._search()
        return self._ask(prefix)

    def _question_key(self) -> str | None:
        s = self.slots
        if s.origin is None and s.destination is None:
            return "ask_origin_and_destination"
        if s.origin is None:
            return "ask_origin"
        if s.destination is None:
            return "ask_destination"
        if s.departure_date is None:
            return "ask_date"
        if self._wants_return and s.return_date is None:
            return "ask_return_date"
        return None

    def _question_text(self) -> str:
        if self.phase in ("results",):
            return self._p("anything_else")
        if self.phase == "retry":
            return self._p("search_failed")
        key = self._question_key()
        if key is None:
            if self.phase == "searching":
                return self._p("resume_search") if self._search_halted else self._p("still_searching")
            return self._p("ask_origin_and_destination")
        return self._p(key)

    def _ask(self, prefix: str | None = None) -> BrainTurn:
        key = self._question_key()
        if key is None:
            return self._search() if prefix is None else self._reply(self._join(prefix, self._question_text()))
        pending = {
            "ask_origin_and_destination": _Pending("both"),
            "ask_origin": _Pending("origin", role="origin"),
            "ask_destination": _Pending("destination", role="destination"),
            "ask_date": _Pending("date"),
            "ask_return_date": _Pending("return_date"),
        }[key]
        if not (self._pending and self._pending.kind == pending.kind):
            self._pending = pending
        return self._reply(self._join(prefix, self._p(key)))

    def _ask_place(self, role: str) -> BrainTurn:
        key = "ask_origin" if role == "origin" else "ask_destination"
        if role == "destination" and self.slots.origin is None:
            key = "ask_origin_and_destination"
        if role == "origin" and self.slots.destination is None:
            key = "ask_origin_and_destination"
        return self._reply(self._p(key))

    def _search(self) -> BrainTurn:
        s = self.slots
        args: dict[str, Any] = {
            "origin": s.origin.code,
            "destination": s.destination.code,
            "departure_date": s.departure_date.isoformat(),
        }
        if s.return_date is not None:
            args["return_date"] = s.return_date.isoformat()
        # at most MAX_TRAVELLERS seated travellers per search (Amadeus and most providers): the adults
        # first (children travel with them), then as many children as fit; the answer says so
        asked = (max(1, int(s.adults)), max(0, int(s.children)))
        adults = min(asked[0], MAX_TRAVELLERS)
        children = min(asked[1], MAX_TRAVELLERS - adults)
        self._party_capped = (adults, children) != asked
        args["adults"], args["children"] = adults, children
        args["travel_class"] = s.travel_class if s.travel_class in CABINS else "ECONOMY"
        args["nonstop"] = bool(s.nonstop)
        self.phase = "searching"
        self._search_halted = False
        self._pending = None
        self._last_search = dict(args)
        self._last_answer = self._p("searching")  # "repeat" while searching: the filler
        logger.info("dialogue: search_flights {}->{} on {}", args["origin"], args["destination"], args["departure_date"])
        return BrainTurn(say=None, tool_call=args)

    def _handle_tool_result(self, result: dict) -> BrainTurn:
        if not isinstance(result, dict):
            logger.warning("dialogue: tool result is not a dict: {}", type(result).__name__)
            result = {"status": "error"}
        status = result.get("status")
        if status in ("ok", "no_flights"):
            speech = (result.get("speech") or "").strip()
            if not speech:
                speech = self._p("no_flights") if status == "no_flights" else ""
            # The provider's notice is a machine string; what the caller hears is a phrase, said
            # once per call for sample (not live) fares.
            if status == "ok" and result.get("fallback"):
                # live providers failed and the timetable answered: say so plainly, every time
                self._told_not_live = True
                speech = self._join(self._p("live_unavailable"), speech)
            elif status == "ok" and result.get("live") is False and not self._told_not_live:
                self._told_not_live = True
                speech = self._join(speech, self._p("sample_fares"))
            if self._party_capped:  # "for 12 people": the fares are for nine
                speech = self._join(self._p("party_capped"), speech)
            self.phase = "results"
            self._pending = None
            self._answer_stale = False
            offers = result.get("offers") if status == "ok" else None
            self._offers = [o for o in offers if isinstance(o, dict)] if isinstance(offers, list) else []
            turn = self._reply(self._join(speech, self._p("anything_else")))
            self._read_options(0)  # speak_offers read the first OPTIONS_AT_ONCE
            return turn
        if status == "invalid":  # the search rejected the query: start over on what was asked
            logger.info("dialogue: search rejected: {}", result.get("message"))
            self.slots = Slots()
            self.phase = "collecting"
            self._pending = None
            return self._reply(self._p("rephrase"))
        if status != "error":
            logger.warning("dialogue: unknown tool result status {!r}", status)
        else:
            logger.info("dialogue: search failed: {}", result.get("message"))
        self.phase = "retry"
        self._pending = None
        return self._reply(self._p("search_failed"))

    def repeat(self) -> BrainTurn:
        """Say the last answer again (in the current language), e.g. for keypad 0."""
        try:
            return self._repeat()
        except Exception:
            logger.exception("dialogue: repeat failed")
            return BrainTurn(say=self.apology())

    def _repeat(self) -> BrainTurn:
        if self._answer_stale:  # the last answer was in another language: say it again in this one
            if self.phase == "results" and self._last_search is not None:
                return self._search_again()
            if self.phase in ("collecting", "retry"):
                return self._reply(self._question_text())
        if self._last_answer:
            return BrainTurn(say=self._last_answer)
        return self._reply(self._p("nothing_to_repeat"))

    def _halt(self) -> BrainTurn:
        """The caller asked the bot to stop ("Wait.", "Un momento."): a brief "go ahead", then listen.

        Nothing the caller gave is dropped. A search the barge-in cancelled is not run again until
        the caller says so: the next turn that changes nothing searches (as after any turn during
        a search), and the open question (the idle re-prompt's) asks whether to go on.
        """
        if self.phase == "searching":
            self._search_halted = True
        logger.info("dialogue: the caller asked the bot to wait ({})", self.phase)
        return self._reply(self._p("halted"), remember=False)

    def _goodbye(self) -> BrainTurn:
        if self.phase != "ended":
            self._before_goodbye = (self.phase, self._pending)
        self.phase = "ended"
        self._pending = None
        return BrainTurn(say=self._p("goodbye"), end_call=True)

    def _search_again(self) -> BrainTurn:
        s, args = self.slots, dict(self._last_search or {})
        self.phase = "searching"
        self._search_halted = False
        self._pending = None
        self._last_answer = self._p("searching") if s.origin and s.destination else None
        return BrainTurn(say=None, tool_call=args)

    def _not_understood(self) -> BrainTurn:
        if self._switch_turn:  # "can we speak Spanish?": no apology, just the question in Spanish
            return replace(self._reply(self._question_text()), understood=False)
        return replace(self._reply(self._join(self._p("didnt_understand"), self._question_text()), remember=False),
                       understood=False)

    def _reply(self, text: str, remember: bool = True) -> BrainTurn:
        self._reading = None  # an answer that reads options says so after this (_read_options)
        if remember and text:
            self._last_answer = text
            self._answer_stale = False
        return BrainTurn(say=text or None)

    def _reset(self) -> None:
        self._offers, self._offers_read, self._reading = [], 0, None
        self.slots = Slots()
        self.phase = "collecting"
        self._pending = None
        self._wants_return = False
        self._stay_days = None
        self._search_halted = False

    # ---- wording -------------------------------------------------------------------------

    def _p(self, key: str, **fields: Any) -> str:
        s = self.slots
        base = {
            "origin": self._name(s.origin) if s.origin else "",
            "destination": self._name(s.destination) if s.destination else "",
            "date": self._spoken_date(s.departure_date) if s.departure_date else "",
            "heard": "",
            "a": "",
            "b": "",
        }
        base.update(fields)
        return phrase(self.language, key, **base)

    def _name(self, place: Place | None) -> str:
        if place is None:
            return ""
        # a city, or an airport named by its city (Lisbon's one airport): the city's name in the
        # call's language ("Lisboa", "Parigi"); a named airport ("London Heathrow") keeps its name
        if place.kind == "city" or place.name == place.city:
            try:
                name = place_name(place.code, self.language)
                if name:
                    return name
            except Exception:
                logger.debug("dialogue: place_name failed for {}", place.code)
        return place.name or place.city or place.code

    def _spoken_month(self, d: date) -> str:
        try:
            return speak_month(d, self.language)
        except Exception:
            logger.exception("dialogue: speak_month failed")
            return d.strftime("%B")

    def _spoken_date(self, d: date) -> str:
        try:
            return speak_date(d, self.language)
        except Exception:
            logger.exception("dialogue: speak_date failed")
            return d.isoformat()

    def _distinct_names(self, a: Place, b: Place) -> tuple[str, str]:
        na, nb = self._name(a), self._name(b)
        if na.lower() != nb.lower():
            return na, nb
        sa, sb = subdivision(a), subdivision(b)
        if sa and sb and sa != sb and a.country == b.country:
            return f"{na}, {sa}", f"{nb}, {sb}"
        ca, cb = country_name(a.country, self.language), country_name(b.country, self.language)
        if ca and cb and ca != cb:
            return f"{na}, {ca}", f"{nb}, {cb}"
        return f"{na} {' '.join(a.code)}", f"{nb} {' '.join(b.code)}"

    @staticmethod
    def _join(*parts: str | None) -> str:
        return " ".join(p.strip() for p in parts if p and p.strip())


__all__ = ["BrainTurn", "FlightDialogue", "Slots"]
