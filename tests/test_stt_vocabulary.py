"""Vocabulary biasing: the Whisper prompt follows what the dialogue still lacks, in the decoded language."""

from __future__ import annotations

import asyncio
from datetime import date

import numpy as np
import pytest
import soundfile as sf
import soxr

from dialogue.policy import FlightDialogue
from processors.stt_vocabulary import ExpectedVocabulary, date_words, place_words
from processors.whisper_stt import SharedWhisperSTTService
from tests.conftest import fixture

TODAY = date(2026, 12, 1)


def test_a_new_call_expects_places_and_dates_in_the_decoded_language():
    vocab = ExpectedVocabulary(FlightDialogue("en", today=TODAY))
    es = vocab("es")
    assert "Londres" in es and "viernes" in es and "enero" in es
    de = vocab("de")
    assert "München" in de and "Freitag" in de and "Londres" not in de


def test_once_the_route_is_known_only_dates_are_expected_and_nothing_once_complete():
    d = FlightDialogue("es", today=TODAY)
    d.greeting()
    d.handle_user("De Madrid a Barcelona.")
    vocab = ExpectedVocabulary(d)
    assert vocab("es") == date_words("es") + "."
    d.handle_user("El viernes.")
    assert d.slots.departure_date == date(2026, 12, 4)
    assert vocab("es") is None


def test_an_unknown_locale_gives_no_date_words_rather_than_an_error():
    assert date_words("xx-not-a-locale") == ""
    assert place_words("en").startswith("Atlanta")  # busiest airport first, no localisation needed


def _pcm16(stem: str) -> bytes:
    data, rate = sf.read(fixture(stem), dtype="float32")
    a = soxr.resample(data, rate, 16000)
    return (np.clip(a, -1, 1) * 32767).astype("<i2").tobytes()


@pytest.mark.e2e  # the shared Whisper model
def test_the_stt_asks_the_vocabulary_in_the_language_it_decodes(local_resources):
    asked: list[str] = []

    def vocabulary(language: str) -> str | None:
        asked.append(language)
        return ExpectedVocabulary()(language)

    stt = SharedWhisperSTTService(model=local_resources.core.models.whisper,
                                  allowed_languages=["en", "es", "fr", "de", "it", "pt"], vocabulary=vocabulary)
    stt._load()

    async def run():
        return [f async for f in stt.run_stt(_pcm16("es_route"))]

    frames = asyncio.run(run())
    assert asked == ["es"]
    assert frames and frames[-1].result["language"] == "es" and frames[-1].text
