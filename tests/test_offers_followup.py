"""After the flights are read out: "what are the other options?", "anything cheaper?", "something
earlier / later?" are answered from the offers the search found (the real FlightToolProcessor result
over the sample timetable, fed to FlightDialogue), in every language, without a new search; an
interruption makes "the other options" start from the first one the caller did not hear."""

from __future__ import annotations

import copy
import json
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest

from dialogue.catalogs import catalog
from dialogue.policy import FlightDialogue
from flights.search import FlightSearch
from processors.flight_tool import FlightToolProcessor

TODAY = date(2026, 11, 21)  # a Saturday; "next Friday" is 27 November
OFFERS = catalog("offers")

#: a request per language whose route has more flights than one answer reads (10 in the timetable)
REQUESTS = {
    "en": "From Boston to Chicago next Friday.",
    "es": "De Madrid a Roma el viernes.",
    "fr": "De Paris à Londres vendredi.",
    "de": "Von Berlin nach Paris am Freitag.",
    "it": "Da Roma a Milano venerdì.",
    "pt": "De Lisboa para Madrid na sexta-feira.",
}
CHEAPER = {"en": "Is there anything cheaper?", "es": "¿Hay algo más barato?", "fr": "Quelque chose de moins cher ?",
           "de": "Gibt es was Günstigeres?", "it": "C'è qualcosa di più economico?", "pt": "Tem algo mais barato?"}
OTHERS = {"en": "What are the other options?", "es": "¿Cuáles son las otras opciones?", "fr": "Et les autres ?",
          "de": "Was gibt es noch?", "it": "E le altre?", "pt": "E as outras opções?"}
EARLIER = {"en": "Is there something earlier?", "es": "¿Algo más temprano?", "fr": "Un vol plus tôt ?",
           "de": "Gibt es einen früheren?", "it": "Uno che parte prima?", "pt": "Tem algum mais cedo?"}
LATER = {"en": "Is there a later one?", "es": "¿Hay uno más tarde?", "fr": "Et plus tard ?",
         "de": "Gibt es einen späteren?", "it": "Uno più tardi?", "pt": "Tem algum mais tarde?"}


async def _results(language: str) -> tuple[FlightDialogue, str, dict]:
    """A dialogue right after the results were read: (dialogue, what it said, the search result)."""
    d = FlightDialogue(language, today=TODAY)
    d.greeting()
    turn = d.handle_user(REQUESTS[language])
    assert turn.tool_call is not None, turn.say
    result = await FlightToolProcessor(FlightSearch(), language=language).run(turn.tool_call)
    assert result["status"] == "ok" and result["count"] > 6
    return d, d.handle_tool_result(result).say, result


def _whole(price: str) -> str:
    return str(int(Decimal(price).quantize(Decimal("1"), rounding=ROUND_HALF_UP)))


async def test_the_search_result_carries_every_offer_as_json():
    _, _, result = await _results("en")
    offers = json.loads(json.dumps(result["offers"]))  # what an LLM profile is given
    assert len(offers) == result["count"]
    assert {"carrier", "departure", "arrival", "stops", "via", "price", "currency"} <= set(offers[0])


@pytest.mark.parametrize("language", sorted(REQUESTS))
async def test_the_other_options_are_the_ones_not_read_yet(language):
    d, first_answer, result = await _results(language)
    offers, search = result["offers"], dict(d._last_search)
    turn = d.handle_user(OTHERS[language])
    assert turn.tool_call is None and not turn.end_call and d._last_search == search
    option_4 = OFFERS.text(language, "ordinal_n", n=4)
    assert turn.say.startswith(f"{option_4} {offers[3]['carrier']}")
    assert OFFERS.text(language, "ordinal_n", n=6) in turn.say and OFFERS.text(language, "ordinal_n", n=7) not in turn.say
    assert _whole(offers[3]["price"]) in turn.say
    assert OFFERS.text(language, "ordinal_1") not in turn.say  # not the first three again
    assert OFFERS.text(language, "ordinal_1") in first_answer


async def test_asking_for_more_until_none_are_left():
    d, _, result = await _results("en")
    said = [d.handle_user(q).say for q in ("The other options?", "And the rest?", "Any more options?", "The others?")]
    assert said[0].startswith("Option 4 is") and said[1].startswith("Option 7 is")
    assert f"Option {result['count']} is" in said[2] and "Those are all the flights I found." in said[2]
    assert said[3].startswith("Those are all the flights I found.")


async def test_after_an_interruption_the_other_options_start_where_the_caller_stopped_hearing():
    d, answer, result = await _results("en")
    heard = answer[: answer.index("The second is")].strip()  # cut off during the second option
    d.caller_heard(heard)
    turn = d.handle_user("What are the other options?")
    assert turn.say.startswith(f"The second is {result['offers'][1]['carrier']}")
    assert "Option 4 is" in turn.say and "Option 5 is" not in turn.say


@pytest.mark.parametrize("language", sorted(REQUESTS))
async def test_anything_cheaper_reads_the_cheapest_found(language):
    d, _, result = await _results(language)
    offers, search = result["offers"], dict(d._last_search)
    cheapest = min(range(len(offers)), key=lambda i: Decimal(offers[i]["price"]))
    turn = d.handle_user(CHEAPER[language])
    assert turn.tool_call is None and d._last_search == search and d.slots.origin is not None
    assert turn.say.startswith(f"{OFFERS.text(language, 'ordinal_cheapest')} {offers[cheapest]['carrier']}")
    assert _whole(offers[cheapest]["price"]) in turn.say
    if cheapest > 0:
        assert OFFERS.text(language, "option_number", n=cheapest + 1) in turn.say


@pytest.mark.parametrize("language", sorted(REQUESTS))
async def test_earlier_and_later_read_the_first_and_last_departures(language):
    d, _, result = await _results(language)
    offers = result["offers"]
    departs = [datetime.fromisoformat(o["departure"]) for o in offers]
    earliest = departs.index(min(departs))
    latest = departs.index(max(departs))
    turn = copy.deepcopy(d).handle_user(EARLIER[language])
    assert turn.tool_call is None
    assert turn.say.startswith(f"{OFFERS.text(language, 'ordinal_earliest')} {offers[earliest]['carrier']}")
    turn = copy.deepcopy(d).handle_user(LATER[language])
    assert turn.tool_call is None
    assert turn.say.startswith(f"{OFFERS.text(language, 'ordinal_latest')} {offers[latest]['carrier']}")


async def test_a_question_with_a_new_day_or_place_still_searches_again():
    d, _, _ = await _results("en")
    call = copy.deepcopy(d).handle_user("Anything cheaper on Saturday?").tool_call
    assert call is not None and (call["origin"], call["destination"], call["departure_date"]) == ("BOS", "CHI", "2026-11-28")
    call = copy.deepcopy(d).handle_user("How about a day later?").tool_call
    assert call is not None and call["departure_date"] == "2026-11-28"
    call = copy.deepcopy(d).handle_user("Something cheaper to Denver?").tool_call
    assert call is not None and call["destination"] == "DEN"
    turn = copy.deepcopy(d).handle_user("I'll take the cheapest one.")
    assert turn.transfer  # booking is a person's job, as for "I'll take the second"


@pytest.mark.parametrize("language, bye", [("fr", "À plus tard."), ("de", "Bis später!"), ("it", "A più tardi."),
                                           ("pt", "Até mais tarde."), ("en", "Talk to you later.")])
async def test_a_goodbye_that_says_later_still_ends_the_call(language, bye):
    d, _, _ = await _results(language)
    assert d.handle_user(bye).end_call


def test_without_offers_in_the_result_the_question_is_not_understood_as_before():
    d = FlightDialogue("en", today=TODAY)
    d.greeting()
    assert d.handle_user("From Boston to Chicago next Friday.").tool_call
    d.handle_tool_result({"status": "ok", "speech": "I found a flight.", "count": 1, "live": True})
    turn = d.handle_user("Anything cheaper?")
    assert turn.tool_call is None and not turn.understood
