"""speak_offers in es/fr/de/it/pt: sentences, babel dates and times, currency words, city names."""

from __future__ import annotations

import re
from datetime import date

import pytest

from dialogue.speech import place_name, speak_offers, speak_price
from flights import FlightQuery, FlightSearch

DAY = date(2027, 3, 5)  # a Friday

EXPECTED = {
    # language: (opening, date as spoken, "leaving at" word, price unit, more options)
    "es": ("de Boston a Londres el viernes 5 de marzo", "sale a las", "dólares", "opciones más"),
    "fr": ("de Boston à Londres le vendredi 5 mars", "départ à", "dollars", "Il y a encore"),
    "de": ("von Boston nach London am Freitag, 5. März", "Abflug um", "Dollar", "weitere Optionen"),
    "it": ("da Boston a Londra venerdì 5 marzo", "parte alle", "dollari", "Ci sono altre"),
    "pt": ("de Boston para Londres sexta-feira, 5 de março", "sai às", "dólares", "Há mais"),
}


@pytest.mark.parametrize("language", list(EXPECTED))
async def test_speak_offers_per_language(language):
    q = FlightQuery(origin="BOS", destination="LON", departure_date=DAY)
    result = await FlightSearch().search(q)
    assert len(result.offers) > 3
    text = speak_offers(result.offers, q, language)
    print(text)
    route, leaving, unit, more = EXPECTED[language]
    assert route in text
    assert text.count(leaving) == 3
    assert unit in text and more in text
    assert re.search(r"\b\d{1,2}:\d{2}\b", text) and " AM" not in text and " PM" not in text  # 24 h clock
    assert "I found" not in text and "leaving at" not in text


@pytest.mark.parametrize("language, none", [("es", "No he encontrado"), ("fr", "Je n'ai trouvé aucun"),
                                            ("de", "Ich habe keine Flüge"), ("it", "Non ho trovato"),
                                            ("pt", "Não encontrei")])
def test_no_offers_per_language(language, none):
    q = FlightQuery(origin="BOS", destination="ROM", departure_date=DAY)
    assert speak_offers([], q, language).startswith(none)


def test_city_names_and_prices_in_the_language():
    assert [place_name("LON", lang) for lang in ("en", "es", "fr", "de", "it", "pt")] == [
        "London", "Londres", "Londres", "London", "Londra", "Londres"]
    assert place_name("MUC", "de") == "München" and place_name("ROM", "de") == "Rom"
    assert place_name("LHR", "es") == "Londres"   # an airport of a named metro
    assert place_name("EWR", "es") == "Newark"    # ...but not when it is another city
    assert speak_price(1, "EUR", "es") == "1 euro" and speak_price(212, "USD", "it") == "212 dollari"
    assert speak_price(3, "GBP", "fr") == "3 livres"
