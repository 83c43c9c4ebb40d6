"""LanguageSwitchProcessor driven with TranscriptionFrames through Pipecat's run_test, plus the rule,
the starting-language helper and NUMBER_LANGUAGES parsing."""

from __future__ import annotations

import pytest
from pipecat.frames.frames import (
    LLMUpdateSettingsFrame,
    TranscriptionFrame,
    TTSUpdateSettingsFrame,
    UserStartedSpeakingFrame,
    UserStoppedSpeakingFrame,
)
from pipecat.tests.utils import SleepFrame, run_test
from prometheus_client import CollectorRegistry

from processors.language_metrics import LanguageMetrics
from processors.language_switch import (
    LanguageDecider,
    LanguageSwitchProcessor,
    TurnEvidence,
    parse_number_languages,
    starting_language,
)
from processors.local_brain import LocalBrainSettings


def tf(text: str, lang: str | None, p: float | None) -> TranscriptionFrame:
    result = {"language": lang, "language_probability": p} if p is not None else None
    return TranscriptionFrame(text, "caller", "2026-11-21T00:00:00Z", None, result=result)


def processor(language="en", source="explicit", **kw) -> LanguageSwitchProcessor:
    return LanguageSwitchProcessor(language=language, source=source,
                                   llm_settings=lambda c: LocalBrainSettings(language=c), call_sid="CAtest", **kw)


async def drive(proc, *frames):
    down, _ = await run_test(proc, frames_to_send=list(frames))
    return [f for f in down if not isinstance(f, (UserStartedSpeakingFrame, UserStoppedSpeakingFrame))]


def kinds(frames) -> list[str]:
    out = []
    for f in frames:
        if isinstance(f, LLMUpdateSettingsFrame):
            out.append(f"llm:{f.delta.language}")
        elif isinstance(f, TTSUpdateSettingsFrame):
            out.append(f"tts:{f.delta.language}")
        elif isinstance(f, TranscriptionFrame):
            out.append("text")
    return out


async def test_one_confident_turn_switches_and_settings_go_before_the_transcript():
    registry = CollectorRegistry()
    metrics = LanguageMetrics.create(registry)
    proc = processor(metrics=metrics)
    down = await drive(proc, tf("Hola, quiero ir a Roma el 15 de abril.", "es", 0.87))
    assert kinds(down) == ["llm:es", "tts:es", "text"]
    assert proc.language == "es" and proc.switches == [("en", "es", "confident")]
    assert registry.get_sample_value("gateway_language_switches_total", {"from_language": "en", "to_language": "es"}) == 1
    assert registry.get_sample_value("gateway_call_language_total", {"language": "en", "source": "explicit"}) == 1
    assert registry.get_sample_value("gateway_language_switches_per_call_count") == 1


async def test_short_turns_never_switch_even_when_confident():
    proc = processor()
    down = await drive(proc, tf("Sí.", "es", 0.99), tf("Barcelona.", "es", 0.95), tf("Muy bien.", "es", 0.97))
    assert kinds(down) == ["text", "text", "text"]
    assert proc.language == "en"


async def test_ambiguous_turns_never_switch():
    proc = processor()
    down = await drive(proc, tf("quiero volar de mas rima", "es", 0.34), tf("a la de la por favor", "es", 0.22),
                       tf("que era un pueblo", "es", 0.45))
    assert kinds(down) == ["text", "text", "text"]
    assert proc.language == "en"


# Turns that count but are not confident: fairly sure acoustically (p < 0.8), Spanish text, and
# nothing the dialogue can parse (a turn naming a place in Spanish would switch at once).
ES_1, ES_2 = "Claro que sí, eso es lo que quiero.", "Pues sí, muchas gracias, señor."


async def test_two_consecutive_agreeing_turns_switch_on_the_second():
    proc = processor()
    down = await drive(proc, tf(ES_1, "es", 0.78), tf(ES_2, "es", 0.78))
    assert kinds(down) == ["text", "llm:es", "tts:es", "text"]
    assert proc.switches == [("en", "es", "2 agreeing turns")]


async def test_no_flapping_alternating_or_interrupted_turns_do_not_switch():
    proc = processor()
    down = await drive(
        proc,
        tf(ES_1, "es", 0.78),
        tf("I want to fly to Rome", "en", 0.9),   # current language: the streak is reset
        tf(ES_2, "es", 0.78),
        tf("Oui, c'est bien ça, merci beaucoup.", "fr", 0.78),  # another language: a new streak
        tf(ES_1, "es", 0.78),
        tf("OK", "es", 0.9),                       # short: ignored, does not count
    )
    assert "llm:es" not in kinds(down) and "llm:fr" not in kinds(down)
    assert proc.language == "en"


async def test_switch_back_needs_the_same_evidence_and_happens_once_per_turn():
    proc = processor(language="es")
    down = await drive(
        proc,
        tf("Now search from Miami to Atlanta tomorrow.", "en", 0.99),
        tf("Then Spanish again por favor amigos", "es", 0.6),
    )
    assert kinds(down) == ["llm:en", "tts:en", "text", "text"]
    assert proc.language == "en"


async def test_segments_of_one_turn_are_one_turn():
    """With turn frames, segments add up: 'Sí.' + 'Quiero ir a Roma' decide together, once."""
    proc = processor()
    down = await drive(
        proc,
        UserStartedSpeakingFrame(), SleepFrame(0.05),
        tf("Sí.", "es", 0.9), tf("quiero ir a Roma mañana", "es", 0.85), tf("por favor", "es", 0.9),
        SleepFrame(0.05), UserStoppedSpeakingFrame(), SleepFrame(0.05),
    )
    assert kinds(down) == ["text", "llm:es", "tts:es", "text", "text"]
    assert proc.switches == [("en", "es", "confident")]


async def test_two_segments_of_one_turn_are_not_two_agreeing_turns():
    proc = processor()
    down = await drive(
        proc,
        UserStartedSpeakingFrame(), SleepFrame(0.05),
        tf(ES_1, "es", 0.78), tf(ES_2, "es", 0.78),
        SleepFrame(0.05), UserStoppedSpeakingFrame(), SleepFrame(0.05),
    )
    assert "llm:es" not in kinds(down)


async def test_weak_prior_is_overridden_by_the_first_counted_turn():
    proc = processor(language="es", source="caller_country")
    down = await drive(proc, tf("I need a flight to Boston", "en", 0.6))
    assert kinds(down) == ["llm:en", "tts:en", "text"]
    assert proc.switches[0][2] == "weak start overridden"


async def test_weak_prior_confirmed_by_a_turn_in_its_language_becomes_normal():
    proc = processor(language="es", source="caller_country")
    down = await drive(proc, tf("quiero ir a Roma mañana", "es", 0.9), tf("I need a flight please", "en", 0.78))
    assert kinds(down) == ["text", "text"]


async def test_text_detection_when_the_stt_gives_no_probability():
    proc = processor()
    down = await drive(proc, tf("Je voudrais un vol de Paris à Londres vendredi prochain.", None, None))
    assert kinds(down) == ["llm:fr", "tts:fr", "text"]


def test_turn_evidence_is_word_weighted():
    ev = TurnEvidence.combine([TurnEvidence("es", 0.9, 1), TurnEvidence("en", 0.6, 6)])
    assert ev.language == "en" and ev.words == 7
    assert ev.probability == pytest.approx(0.6)  # a short segment in another language does not dilute
    # seen on a call: "Hola" heard as Italian, then the Spanish sentence
    ev = TurnEvidence.combine([TurnEvidence("it", 0.45, 1), TurnEvidence("es", 0.87, 10)])
    assert (ev.language, ev.probability) == ("es", pytest.approx(0.87))
    ev = TurnEvidence.combine([TurnEvidence("en", 0.9, 4), TurnEvidence("es", 0.9, 6)])
    assert (ev.language, ev.probability) == ("es", pytest.approx(0.54))  # a long segment does


def test_decider_without_pipecat():
    d = LanguageDecider("en")
    assert d.evaluate(TurnEvidence("de", 0.79, 5)) is None
    d.commit(TurnEvidence("de", 0.79, 5))
    assert d.evaluate(TurnEvidence("de", 0.55, 4)) == ("de", "2 agreeing turns")
    assert d.evaluate(TurnEvidence("xx", 0.99, 5)) is None


@pytest.mark.parametrize(
    "explicit, to, frm, table, expected",
    [
        ("es", "+34911234567", "+4930123456", {"+34911234567": "fr"}, ("es", "explicit")),
        ("ES-es", "", "", {}, ("es", "explicit")),
        ("xx", "+34911234567", "", {"+34911234567": "fr"}, ("fr", "number")),
        (None, "+34 911 234 567", "", {"+34911234567": "it"}, ("it", "number")),
        (None, "+15550001111", "+34612345678", {}, ("es", "caller_country")),
        (None, "", "+33612345678", {}, ("fr", "caller_country")),
        (None, "", "+4915112345678", {}, ("de", "caller_country")),
        (None, "", "+393123456789", {}, ("it", "caller_country")),
        (None, "", "+351912345678", {}, ("pt", "caller_country")),
        (None, "", "+5511912345678", {}, ("pt", "caller_country")),
        (None, "", "+81312345678", {}, ("en", "default")),
        (None, "", "", {}, ("en", "default")),
        (None, "", "anonymous", {}, ("en", "default")),
    ],
)
def test_starting_language(explicit, to, frm, table, expected):
    assert starting_language(explicit, to, frm, table) == expected


def test_starting_language_default_is_settable():
    assert starting_language(None, "", "", {}, default="de") == ("de", "default")
    assert starting_language(None, "", "", {}, default="zz") == ("en", "default")


def test_parse_number_languages():
    assert parse_number_languages("+34911234567=es, +33 1 44 55 66 77=fr;0049301234=DE") == {
        "+34911234567": "es", "+33144556677": "fr", "+49301234": "de"}
    assert parse_number_languages("") == {} and parse_number_languages(None) == {}
    with pytest.raises(ValueError, match="NUMBER=LANGUAGE"):
        parse_number_languages("+34911234567")
    with pytest.raises(ValueError, match="language must be one of"):
        parse_number_languages("+34911234567=zz")


def test_a_segment_whose_language_was_carried_over_is_no_evidence():
    from pipecat.frames.frames import TranscriptionFrame

    from processors.language_switch import TurnEvidence, transcription_evidence

    carried = TranscriptionFrame("y a la gente y a la gente", "", "", None,
                                 result={"language": "es", "language_probability": 0.0, "language_source": "recent"})
    ev, _ = transcription_evidence(carried)
    assert ev.language is None
    detected = TurnEvidence("es", 0.77, 9)
    assert TurnEvidence.combine([detected, ev]).probability == pytest.approx(0.77)
