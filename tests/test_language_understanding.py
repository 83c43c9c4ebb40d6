"""Issue 12 on scripted transcripts: fused language evidence, parsing across languages, partial
understanding and corrections after results, in all six languages.

Transcripts carry the language probabilities the STT would report (``TranscriptionFrame.result``)
and go through the real LanguageSwitchProcessor and LocalBrainService (the aggregator's
``LLMContextFrame`` is sent after each turn's transcripts, as the user aggregator does), or through
the real FlightDialogue; lingua, the place resolver and the dates are real. No models, no audio.
"""

from __future__ import annotations

from datetime import date

import pytest
from pipecat.frames.frames import (
    LLMContextFrame,
    LLMFullResponseEndFrame,
    LLMFullResponseStartFrame,
    LLMTextFrame,
    TranscriptionFrame,
)
from pipecat.pipeline.pipeline import Pipeline
from pipecat.processors.aggregators.llm_context import LLMContext
from pipecat.tests.utils import SleepFrame, run_test

from dialogue.phrases import phrase
from dialogue.policy import FlightDialogue
from dialogue.speech import place_name
from dialogue.understanding import normalize, parse
from processors.call_language import CallLanguage
from processors.language_fusion import (
    FUSED_CONFIDENT,
    TextLanguageDetector,
    fuse,
    is_mixed,
)
from processors.language_switch import LanguageSwitchProcessor
from processors.local_brain import LocalBrainService, LocalBrainSettings

TODAY = date(2026, 11, 18)  # a Wednesday


def tf(text: str, lang: str | None, p: float | None) -> TranscriptionFrame:
    result = {"language": lang, "language_probability": p, "language_source": "detected"} if p is not None else None
    return TranscriptionFrame(text, "caller", "2026-11-21T00:00:00Z", None, result=result)


async def converse(language: str, turns: list[tuple[str, str | None, float | None]]):
    """Each turn through LanguageSwitchProcessor → LocalBrainService; ``(replies, state, dialogue)``."""
    state = CallLanguage(current=language, source="explicit")
    dialogue = FlightDialogue(language=language, today=TODAY)
    dialogue.greeting()
    switch = LanguageSwitchProcessor(state=state, llm_settings=lambda c: LocalBrainSettings(language=c),
                                     tts_settings=None, call_sid="CAtest")
    brain = LocalBrainService(dialogue=dialogue, language=state)
    frames, said = [], []
    for text, lang, p in turns:
        said.append({"role": "user", "content": text})
        frames += [tf(text, lang, p), LLMContextFrame(context=LLMContext(messages=list(said))), SleepFrame(0.1)]
    down, _ = await run_test(Pipeline([switch, brain]), frames_to_send=frames)
    replies, current = [], None
    for f in down:
        if isinstance(f, LLMFullResponseStartFrame):
            current = []
        elif isinstance(f, LLMTextFrame) and current is not None:
            current.append(f.text)
        elif isinstance(f, LLMFullResponseEndFrame) and current is not None:
            replies.append("".join(current))
            current = None
    return replies, state, dialogue


def name(code: str, language: str) -> str:
    return place_name(code, language)


# ---- 1. fused evidence ----------------------------------------------------------------------------


def test_fusion_rule_weights_and_renormalisation():
    es_text = {"es": 0.8, "en": 0.2}
    f = fuse("x", "es", 0.4, text_confidences=es_text, dialogue=frozenset({"es"}))
    assert (f.language, f.probability, f.acoustic) == ("es", pytest.approx(0.3 * 0.4 + 0.35 * 0.8 + 0.35), 0.4)
    # no text identifier: the text weight is left out
    f = fuse("x", "es", 0.4, text_confidences=None, dialogue=frozenset({"es"}))
    assert f.probability == pytest.approx((0.3 * 0.4 + 0.35) / 0.65)
    # no acoustic probability: the text's confidence stands in for it
    f = fuse("x", None, None, text_confidences=es_text, dialogue=frozenset())
    assert (f.language, f.probability, f.acoustic) == ("es", pytest.approx(0.65 * 0.8), 0.8)
    # Whisper sure of Spanish, but the text and the dialogue say English: English wins
    en_text = TextLanguageDetector.confidences("I need a flight to Boston please")
    f = fuse("I need a flight to Boston please", "es", 0.85, text_confidences=en_text)
    assert f.language == "en" and "en" in f.dialogue and "es" not in f.dialogue


async def test_plain_spanish_with_low_acoustic_probability_switches_in_one_turn():
    text = "Quiero volar desde Sevilla a Madrid el martes, por favor."
    confidences = TextLanguageDetector.confidences(text)
    assert fuse(text, "es", 0.35, text_confidences=confidences).probability >= FUSED_CONFIDENT
    replies, state, dialogue = await converse("en", [(text, "es", 0.35)])
    assert state.current == "es" and [s[:2] for s in state.switches] == [("en", "es")]
    assert state.switches[0][2] == "confident fused"
    call = dialogue.slots
    assert (call.origin.code, call.destination.code, call.departure_date) == ("SVQ", "MAD", date(2026, 11, 24))
    assert replies[-1].startswith(phrase("es", "language_switched"))


@pytest.mark.parametrize("p", [0.34, 0.45])
async def test_spanish_looking_text_without_anything_the_dialogue_can_parse_does_not_switch(p):
    # Whisper writes Spanish-looking words whenever it decodes in Spanish: with an unsure acoustic
    # probability, text alone is not enough
    replies, state, _ = await converse("en", [("quiero volar de mas rima", "es", p), ("que era un pueblo", "es", p)])
    assert state.current == "en" and state.switches == []


async def test_mixed_turns_never_switch_nor_count():
    mixed = "I want to fly a Roma mañana please"
    f = fuse(mixed, "es", 0.6, text_confidences=TextLanguageDetector.confidences(mixed))
    assert f.language == "es" and is_mixed(f, "en")
    replies, state, dialogue = await converse("en", [(mixed, "es", 0.6), (mixed, "es", 0.7)])
    assert state.current == "en" and state.switches == []
    assert dialogue.slots.destination.code == "ROM"  # understood all the same (Spanish "a Roma")


async def test_alternating_turns_do_not_switch():
    turns = [("Claro que sí, eso es lo que quiero.", "es", 0.78), ("Yes, that is what I want, thank you.", "en", 0.9),
             ("Pues sí, muchas gracias, señor.", "es", 0.78), ("Yes, that is what I want, thank you.", "en", 0.9)]
    _, state, _ = await converse("en", turns)
    assert state.switches == []


# ---- 2. parsing across languages ------------------------------------------------------------------


@pytest.mark.parametrize(
    "call, text, lang, code",
    [
        ("en", "a Roma", "es", "ROM"),
        ("en", "nach Berlin", "de", "BER"),
        ("en", "per Napoli", "it", "NAP"),
        ("en", "para Lisboa", "pt", "LIS"),
        ("en", "vers Lyon", "fr", "LYS"),
        ("es", "to Boston", "en", "BOS"),
        ("de", "a Madrid", "es", "MAD"),
    ],
)
async def test_a_cross_language_place_marker_fills_a_slot_before_the_switch(call, text, lang, code):
    # two words: never a switch, but the destination is understood in the call's language
    replies, state, dialogue = await converse(call, [(text, lang, 0.9)])
    assert state.current == call and state.switches == []
    assert dialogue.slots.destination is not None and dialogue.slots.destination.code == code
    assert dialogue.slots.origin is None
    assert replies == [phrase(call, "ask_origin", destination=name(code, call))]


def test_cross_language_parsing_keeps_current_language_precedence_and_no_false_fills():
    def places(text, language):
        p = parse(normalize(text), language, today=TODAY)
        return p.origin_text, p.destination_text, p.lone_text

    # the current language's own markers come first
    assert places("from Boston to Paris", "en") == ("boston", "paris", None)
    # one place by itself is not another language's marker ("de"), nor a month ("janeiro")
    assert places("Rio de Janeiro", "en") == (None, None, "rio de janeiro")
    assert parse(normalize("Rio de Janeiro"), "en", today=TODAY).departure is None
    assert places("Ciudad de México", "en") == (None, None, "ciudad de méxico")
    # function words after another language's marker are no place ("la" is not LAX)
    assert places("a la de la por favor", "en")[:2] == (None, None)
    assert places("de nada", "en")[:2] == (None, None)
    # another language's weekday gives the date when the call's language finds none
    assert parse(normalize("el martes"), "en", today=TODAY).departure.value == date(2026, 11, 24)


# ---- 3. partial understanding ---------------------------------------------------------------------

PARTIAL = [
    ("en", "I want to fly from Blorgo to Madrid on Tursday", "MAD"),
    ("es", "Quiero volar desde Blorgo a Madrid el marte", "MAD"),
    ("fr", "Je voudrais aller de Blorgo à Madrid marde", "MAD"),
    ("de", "Ich möchte von Blorgo nach Madrid am Dinstog fliegen", "MAD"),
    ("it", "Vorrei volare da Blorgo a Madrid martino", "MAD"),
    ("pt", "Quero voar de Blorgo para Madrid na terçinha", "MAD"),
]


@pytest.mark.parametrize("language, text, code", PARTIAL)
async def test_a_partly_understood_turn_keeps_the_understood_slot_and_asks_for_the_rest(language, text, code):
    replies, state, dialogue = await converse(language, [(text, language, 0.95)])
    assert dialogue.slots.destination.code == code and dialogue.slots.origin is None
    expected = phrase(language, "missing_origin_heard", heard="blorgo", destination=name(code, language))
    assert replies == [expected]
    assert phrase(language, "didnt_understand") not in replies[0]


@pytest.mark.parametrize("language, text, code", PARTIAL[1:])
async def test_a_partly_understood_turn_that_switches_keeps_the_slot(language, text, code):
    replies, state, dialogue = await converse("en", [(text, language, 0.9)])
    assert state.current == language
    assert dialogue.slots.destination.code == code
    assert replies == [phrase(language, "language_switched") + " " + phrase(
        language, "missing_origin_heard", heard="blorgo", destination=name(code, language))]


# ---- corrections after results --------------------------------------------------------------------

ROUTES = {
    "en": ("From Boston to Miami on Friday.", "BOS", "MIA"),
    "es": ("Quiero volar de Madrid a Barcelona el próximo viernes.", "MAD", "BCN"),
    "fr": ("Je voudrais un vol de Paris à Londres vendredi prochain.", "PAR", "LON"),
    "de": ("Ich möchte von Berlin nach München am nächsten Freitag fliegen.", "BER", "MUC"),
    "it": ("Vorrei un volo da Roma a Milano venerdì prossimo.", "ROM", "MIL"),
    "pt": ("Quero voar de Lisboa para Madrid na próxima sexta-feira.", "LIS", "MAD"),
}
FRIDAY, TUESDAY = "2026-11-20", "2026-11-24"
CORRECTIONS = [
    # (language, what the caller says after the results, origin, destination, departure)
    ("en", "Actually, make that Denver instead.", "BOS", "DEN", FRIDAY),
    ("en", "No, from Chicago.", "CHI", "MIA", FRIDAY),
    ("en", "No, Tuesday.", "BOS", "MIA", TUESDAY),
    ("es", "En realidad, mejor Valencia.", "MAD", "VLC", FRIDAY),
    ("es", "No, desde Sevilla.", "SVQ", "BCN", FRIDAY),
    ("es", "No, el martes.", "MAD", "BCN", TUESDAY),
    ("fr", "En fait, plutôt Nice.", "PAR", "NCE", FRIDAY),
    ("fr", "Non, depuis Lyon.", "LYS", "LON", FRIDAY),
    ("fr", "Non, mardi.", "PAR", "LON", TUESDAY),
    ("de", "Eigentlich lieber Hamburg.", "BER", "HAM", FRIDAY),
    ("de", "Nein, von Köln.", "CGN", "MUC", FRIDAY),
    ("de", "Nein, am Dienstag.", "BER", "MUC", TUESDAY),
    ("it", "Anzi, meglio Napoli.", "ROM", "NAP", FRIDAY),
    ("it", "No, da Torino.", "TRN", "MIL", FRIDAY),
    ("it", "No, martedì.", "ROM", "MIL", TUESDAY),
    ("pt", "Na verdade, prefiro Faro.", "LIS", "FAO", FRIDAY),
    ("pt", "Não, do Porto.", "OPO", "MAD", FRIDAY),
    ("pt", "Não, na terça.", "LIS", "MAD", TUESDAY),
]


@pytest.mark.parametrize("language, correction, origin, destination, departure", CORRECTIONS)
def test_a_correction_after_results_changes_the_slot_the_caller_means(language, correction, origin,
                                                                      destination, departure):
    d = FlightDialogue(language=language, today=TODAY)
    d.greeting()
    text, first_origin, first_destination = ROUTES[language]
    first = d.handle_user(text).tool_call
    assert (first["origin"], first["destination"], first["departure_date"]) == (first_origin, first_destination, FRIDAY)
    d.handle_tool_result({"status": "ok", "speech": "…", "count": 1, "live": True})
    call = d.handle_user(correction).tool_call
    assert call is not None, d.last_answer()
    assert (call["origin"], call["destination"], call["departure_date"]) == (origin, destination, departure)


@pytest.mark.parametrize("language", ["en", "es"])
def test_repeating_one_end_of_the_route_is_no_correction(language):
    d = FlightDialogue(language=language, today=TODAY)
    d.greeting()
    text, origin, destination = ROUTES[language]
    d.handle_user(text.split(" el ")[0] if language == "es" else "From Boston to Miami.")
    assert (d.slots.origin.code, d.slots.destination.code) == (origin, destination)
    turn = d.handle_user(name(origin, language) + ".")  # answering "what day?" with the origin again
    assert (d.slots.origin.code, d.slots.destination.code) == (origin, destination)
    assert turn.say == phrase(language, "ask_date", origin=name(origin, language),
                              destination=name(destination, language))
