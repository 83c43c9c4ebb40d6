"""dialogue.understanding: what one caller turn says (places, dates, options, passenger counts,
corrections), with the real flights/ resolver and dates and no dialogue state."""

from __future__ import annotations

from datetime import date

import pytest

from dialogue.understanding import (
    PastDate,
    has,
    is_closing,
    is_halt,
    is_short_complete,
    is_substantive,
    is_whole_request,
    normalize,
    only,
    parse,
    pick_candidate,
    remove,
    resolve_span,
    same_place,
)
from flights.places import resolve_place

TODAY = date(2026, 11, 21)  # a Saturday


def understand(text: str, language: str = "en", **state):
    return parse(normalize(text), language, today=TODAY, **state)


def test_normalize_drops_punctuation_and_marks_sentence_ends():
    assert normalize("J.F.K. to L.A.X. on the fifth of March.") == "jfk to lax on the fifth of march |"
    assert normalize("[BLANK_AUDIO] Hi, I\u2019m flying to St. Louis!") == "hi i'm flying to st louis |"


@pytest.mark.parametrize(
    "text, origin, destination, day",
    [
        ("Hi, I need a flight from Boston to Paris next Friday, please.", "boston", "paris", date(2026, 11, 27)),
        ("To Paris from Boston tomorrow.", "boston", "paris", date(2026, 11, 22)),
        ("Boston to Miami on December 24th", "boston", "miami", date(2026, 12, 24)),
        ("J.F.K. to L.A.X. on the fifth of March.", "jfk", "lax", date(2027, 3, 5)),
    ],
)
def test_route_and_date(text, origin, destination, day):
    p = understand(text)
    assert (p.origin_text, p.destination_text) == (origin, destination)
    assert p.departure.reason == "ok" and p.departure.value == day and p.ret is None


@pytest.mark.parametrize(
    "language, text, origin, destination, day",
    [
        ("es", "Hola, quiero ir de Boston a Roma el 15 de abril, por favor.", "boston", "roma", date(2027, 4, 15)),
        ("fr", "Je voudrais un vol de Paris à Londres vendredi prochain.", "paris", "londres", date(2026, 11, 27)),
        ("de", "Von Hamburg nach Wien morgen, bitte.", "hamburg", "wien", date(2026, 11, 22)),
        ("it", "Da Milano a Parigi domani.", "milano", "parigi", date(2026, 11, 22)),
        ("pt", "De Lisboa para Londres amanhã.", "lisboa", "londres", date(2026, 11, 22)),
    ],
)
def test_route_and_date_in_other_languages(language, text, origin, destination, day):
    p = understand(text, language)
    assert (p.origin_text, p.destination_text) == (origin, destination)
    assert p.departure.value == day


def test_a_correction_keeps_the_last_place_named():
    assert understand("from Boston to Chicago, no, to Denver tomorrow").destination_text == "denver"
    # "abril" heard as "a Will": "Will" is not a place, so "Roma" stays the destination
    assert understand("Hola, quiero ir a Roma el 15 de a Will, por favor.", "es").destination_text == "roma"


def test_a_lone_place_has_no_role():
    p = understand("Miami.")
    assert p.lone_text == "miami" and not p.has_route and not p.has_options


def test_passenger_counts_cabin_and_nonstop():
    p = understand("Two adults in business class from Boston to Paris on Friday")
    assert (p.adults, p.children, p.travel_class) == (2, None, "BUSINESS")
    p = understand("Going to Denver, non-stop, for three passengers with one child")
    assert (p.adults, p.children, p.nonstop) == (2, 1, True)
    assert understand("from Boston to Paris tomorrow in premium economy").travel_class == "PREMIUM_ECONOMY"
    # "first class" is a cabin, not the 1st of the month
    p = understand("I'd like to fly out of Chicago to Seattle on Monday, first class")
    assert p.travel_class == "FIRST" and p.departure.value == date(2026, 11, 23)


@pytest.mark.parametrize("text, language", [
    ("Me and my wife want to go from Dallas to Cancun on the 20th.", "en"),
    ("My husband and I need flights from Boston to Rome on Friday.", "en"),
    ("Mi esposa y yo queremos ir de Madrid a Roma el viernes.", "es"),
    ("Mon frère et moi, de Paris à Rome vendredi.", "fr"),
    ("Meine Frau und ich möchten am Freitag von Berlin nach Rom.", "de"),
    ("Io e mia moglie vorremmo andare da Roma a Parigi venerdì.", "it"),
    ("Eu e a minha mãe queremos ir de Lisboa para Paris na sexta.", "pt"),
])
def test_the_caller_and_a_companion_are_two_passengers(text, language):
    # "me and my wife" searched for one adult
    assert understand(text, language).adults == 2


def test_a_family_of_four_and_companions_beside_counted_children():
    assert understand("Family of four from Boston to Orlando on Friday.").adults == 4
    p = understand("Boston to Orlando on Friday, it's me and my two kids.")
    assert (p.adults, p.children) == (1, 2)  # the caller and two children: one adult, said
    assert understand("I want to visit my sister in Miami on Friday").adults is None


@pytest.mark.parametrize("text, language, party", [
    # "my husband, me and our baby" was one passenger: only "me and my X" pairs were counted
    ("Boston to Denver on Friday for my husband, me and our baby.", "en", (2, 1)),
    ("Me, my wife and our two kids, from Boston to Orlando.", "en", (2, 2)),
    ("Me, my husband and my mother, to Denver on Friday.", "en", (3, None)),
    ("My sister and her husband want to fly to Denver.", "en", (2, None)),
    ("Me and a friend, Boston to Denver.", "en", (2, None)),
    ("Me and my wife and our baby, Boston to Miami.", "en", (2, 1)),
    ("De Madrid a Roma para mi marido, yo y nuestro bebé.", "es", (2, 1)),
    ("Mi mujer, mis dos hijos y yo queremos ir a Roma.", "es", (2, 2)),
    ("De Paris à Rome pour mon mari, moi et notre bébé.", "fr", (2, 1)),
    ("Ma femme, nos deux enfants et moi, de Paris à Nice.", "fr", (2, 2)),
    ("Von Berlin nach Rom für meinen Mann, mich und unser Baby.", "de", (2, 1)),
    ("Meine Frau, unsere zwei Kinder und ich fliegen nach Rom.", "de", (2, 2)),
    ("Da Roma a Parigi per mio marito, me e il nostro bambino.", "it", (2, 1)),
    ("Mia moglie, i nostri due figli e io andiamo a Parigi.", "it", (2, 2)),
    ("De Lisboa a Paris para o meu marido, eu e o nosso bebé.", "pt", (2, 1)),
    ("A minha mulher, os nossos dois filhos e eu vamos a Paris.", "pt", (2, 2)),
])
def test_a_party_listed_by_name_counts_every_member(text, language, party):
    p = understand(text, language)
    assert (p.adults, p.children) == party


@pytest.mark.parametrize("text, language, party", [
    # the people the caller travels with: "with my wife" was no traveller (one fare for two people)
    ("I'm travelling with my wife from Boston to Denver on Friday.", "en", (2, None)),
    ("Flying with a friend from Boston to Denver.", "en", (2, None)),
    ("With my wife and our two kids, Boston to Orlando.", "en", (2, 2)),
    ("With my wife and me, Boston to Denver.", "en", (2, None)),  # the caller named: counted once
    ("Viajo con mi esposa de Madrid a Sevilla el viernes.", "es", (2, None)),
    ("Je voyage avec ma femme de Paris à Nice vendredi.", "fr", (2, None)),
    ("Ich fliege mit meiner Frau von Berlin nach München am Freitag.", "de", (2, None)),
    ("Con mia moglie e i miei due figli da Roma a Milano.", "it", (2, 2)),
    ("Vou com o meu filho de Lisboa para o Porto.", "pt", (1, 1)),
    # "with" before no companion is no party
    ("Boston to Denver on Friday with United.", "en", (None, None)),
    ("I'd like to travel with my dog from Boston to Denver.", "en", (None, None)),
    ("De Madrid a Sevilla con escala, con Iberia.", "es", (None, None)),
    ("Mit Lufthansa von Berlin nach München.", "de", (None, None)),
])
def test_the_people_the_caller_travels_with_are_counted(text, language, party):
    p = understand(text, language)
    assert (p.adults, p.children, p.more_adults) == (*party, 0)


@pytest.mark.parametrize("text, language, more", [
    # someone said to come with the caller joins the party: "my wife is coming with me" was no one
    ("From Boston to Denver Friday. Oh and my wife is coming with me.", "en", (1, 0)),
    ("My husband is coming along, Boston to Denver Friday.", "en", (1, 0)),
    ("Can my son come along?", "en", (0, 1)),
    ("Mi mujer viene conmigo, de Madrid a Sevilla el viernes.", "es", (1, 0)),
    ("Ma femme vient avec moi, de Paris à Nice vendredi.", "fr", (1, 0)),
    ("Meine Frau kommt mit, von Berlin nach München am Freitag.", "de", (1, 0)),
    ("Mia moglie viene con me, da Roma a Milano venerdì.", "it", (1, 0)),
    ("A minha mulher vem comigo, de Lisboa para o Porto na sexta.", "pt", (1, 0)),
])
def test_someone_coming_with_the_caller_joins_the_party(text, language, more):
    p = understand(text, language)
    assert (p.more_adults, p.more_children) == more and p.adults is None


@pytest.mark.parametrize("text", [
    "Me, my wife and our kids, Boston to Orlando.",  # how many kids? not a guess
    "Me and my kids to Denver on Friday.",
    "Flights for my wife, I think on Friday.",  # "my wife, I" is no list: "and" joins its last member
])
def test_a_party_with_a_member_it_cannot_count_is_left_unsaid(text):
    p = understand(text)
    assert (p.adults, p.children) == (None, None)


def test_a_return_day_of_the_month_before_the_departure_is_next_months():
    p = understand("Round trip from Boston to Miami leaving the 28th and coming back the 3rd.")
    assert (p.departure.value, p.ret.value) == (date(2026, 11, 28), date(2026, 12, 3))


def test_return_leg_and_round_trip():
    p = understand("A round trip from Denver to Las Vegas leaving Friday and coming back Sunday.")
    assert p.wants_return and (p.departure.value, p.ret.value) == (date(2026, 11, 27), date(2026, 11, 29))
    assert understand("Boston to Paris on Friday, round trip").wants_return


def test_state_the_caller_is_answering_comes_in_as_arguments():
    # answering "what day would you like to come back?": a lone date is the return date
    p = understand("December 10th", answering_return=True)
    assert p.departure is None and p.ret.value == date(2026, 12, 10)
    assert understand("December 10th").departure.value == date(2026, 12, 10)
    # a return weekday rolls forward past the departure already agreed
    p = understand("coming back Sunday", known_departure=date(2026, 11, 27))
    assert p.ret.value == date(2026, 11, 29)


def test_a_surely_past_phrase_is_a_past_date():
    p = understand("yesterday")
    assert isinstance(p.departure, PastDate) and p.departure.reason == "past"


def test_keyword_helpers():
    norm = normalize("Okay, yes please.")
    assert only("en", norm, ("yes",), ("ack", "filler"))
    assert remove("en", normalize("um, Heathrow please"), "hesitation", "filler") == "heathrow"


@pytest.mark.parametrize("answer, language, code", [
    ("The second one.", "en", "PWM"),   # was Oregon: "one" counted as "the first"
    ("The one in Maine.", "en", "PWM"),  # was Oregon, the same way
    ("Two.", "en", "PWM"), ("The first one.", "en", "PDX"), ("Oregon.", "en", "PDX"),
    ("El segundo.", "es", "PWM"), ("El primero.", "es", "PDX"), ("Le deuxième.", "fr", "PWM"),
    ("Der zweite.", "de", "PWM"), ("Il secondo.", "it", "PWM"), ("O primeiro.", "pt", "PDX"),
])
def test_which_of_two_places_the_caller_chose(answer, language, code):
    portland = resolve_place("Portland")
    a, b = portland.candidates[0][0], portland.candidates[1][0]
    assert (a.code, b.code) == ("PDX", "PWM")
    assert pick_candidate(normalize(answer), [a, b], language).code == code


@pytest.mark.parametrize("text", ["What flights do you have to Paris tomorrow?", "Anything to Paris tomorrow?"])
def test_words_before_to_that_name_no_place_are_no_origin(text):
    # "I didn't recognise do as a city"
    p = understand(text)
    assert p.origin_text is None and p.destination_text == "paris"


def test_an_unmarked_origin_before_a_later_to():
    p = understand("I'd like to go Boston to Paris tomorrow.")
    assert resolve_place(p.origin_text).best.code == "BOS" and p.destination_text == "paris"
    assert understand("Bostin to Paris").origin_text == "bostin"  # a slip still counts: it resolves


def test_place_helpers():
    portland = resolve_place("Portland")
    a, b = portland.candidates[0][0], portland.candidates[1][0]
    assert pick_candidate(normalize("Portland, Maine"), [a, b], "en").code == "PWM"
    assert pick_candidate(normalize("the first one"), [a, b], "en") is a
    assert pick_candidate(normalize("neither"), [a, b], "en") is None
    assert resolve_span("qué dirá roma", "es").best.code == "ROM"  # a place glued to other words
    assert same_place(resolve_place("JFK").best, resolve_place("New York").best)
    assert not same_place(resolve_place("Boston").best, resolve_place("Denver").best)


# ---- is_substantive ---------------------------------------------------------------


@pytest.mark.parametrize("text", ["Hi there.", "hello", "Hello?", "um", "okay so", "Uh, hi.", "", "[BLANK_AUDIO]",
                                  "Wait.", "Hold on, please."])
def test_not_substantive(text):
    assert is_substantive(text) is False


@pytest.mark.parametrize("text", ["Hi there, I need a flight", "Boston", "to Paris", "tomorrow", "no",
                                  "Wait, no, Tuesday.", "Hold on, no."])
def test_substantive(text):
    assert is_substantive(text) is True


# ---- is_closing ----------------------------------------------------------------------


@pytest.mark.parametrize("language, text", [
    ("en", "Thank you. Goodbye."), ("en", "Okay, bye bye."), ("en", "Thanks."), ("es", "Gracias, adiós."),
    ("fr", "Merci, au revoir."), ("de", "Danke, tschüss."), ("it", "Grazie, arrivederci."), ("pt", "Obrigado, tchau."),
    # the longer thanks and farewells (each of these reopened a call said over the bot's goodbye)
    ("en", "Thank you very much. Goodbye."), ("en", "Thank you so much. Bye."), ("en", "Thank you. Bye-bye."),
    ("en", "Thanks a lot, have a nice day."), ("en", "Cheers, take care."), ("es", "Muchísimas gracias, adiós."),
    ("de", "Danke, schönen Tag noch."), ("pt", "Obrigado, tenha um bom dia."), ("pt", "Muito obrigada, tchau."),
])
def test_thanks_and_goodbyes_only_close_the_call(language, text):
    assert is_closing(text, language) is True


@pytest.mark.parametrize("language, text", [
    ("en", "Wait, bye."), ("en", "Bye, actually one more thing."), ("en", "Thanks, and a hotel in Paris."),
    ("en", ""), ("en", "..."), ("es", "Espera, gracias."), ("de", "Danke, nach Berlin bitte."),
    ("en", "Thank you very much, one more thing."), ("es", "Buen día, quiero volar a Madrid."),
])
def test_a_closing_with_anything_else_in_it_is_no_closing(language, text):
    assert is_closing(text, language) is False


# ---- is_halt ----------------------------------------------------------------------


@pytest.mark.parametrize("language, text", [
    ("en", "Wait."), ("en", "Wait, stop."), ("en", "Okay, hold on."), ("en", "No, wait, please."),
    ("es", "Espera."), ("es", "Un momento, por favor."), ("fr", "Attendez."), ("de", "Moment, bitte."),
    ("it", "Aspetta."), ("pt", "Espera aí."),
])
def test_a_turn_that_only_asks_the_bot_to_stop_is_a_halt(language, text):
    assert is_halt(text, language) is True
    # the turn hold waits for what follows "Wait,": neither substantive nor complete by itself
    assert is_substantive(text, language) is False or has(language, normalize(text), "no")
    assert is_short_complete(text, language) is False


@pytest.mark.parametrize("language, text", [
    ("en", "Wait, no, Tuesday."), ("en", "No."), ("en", "Hold on, I meant Boston."), ("en", ""),
    ("es", "Espera, el martes."), ("de", "Ja."),
])
def test_a_turn_that_says_more_than_stop_is_no_halt(language, text):
    assert is_halt(text, language) is False




@pytest.mark.parametrize("text", ["boston denver friday", "Boston, Denver, Friday."])
def test_two_places_said_without_from_or_to_are_origin_then_destination(text):
    # "boston denver friday" got "Flying from Denver. Where would you like to go?"
    p = understand(text)
    assert (p.origin_text, p.destination_text) == ("boston", "denver")


@pytest.mark.parametrize("text", ["Salt Lake City.", "Rio de Janeiro.", "New York.", "Boston, Boston."])
def test_one_place_of_several_words_is_not_split(text):
    p = understand(text)
    assert p.origin_text is None and p.destination_text is None and p.lone_text


@pytest.mark.parametrize("text, language, route", [
    ("Boston-Denver on Friday.", "en", ("boston", "denver")),
    ("Vorrei prenotare un volo Roma-Parigi per venerdì.", "it", ("roma", "parigi")),
    ("Madrid-Barcelona el viernes.", "es", ("madrid", "barcelona")),
    ("I'd like to fly Boston-Chicago tomorrow.", "en", ("boston", "chicago")),  # the "to" of "like to"
])
def test_a_hyphenated_route(text, language, route):
    p = understand(text, language)
    assert (p.origin_text, p.destination_text) == route


def test_a_hyphenated_place_stays_one():
    assert understand("Mexiko-Stadt.", "de").lone_text == "mexiko-stadt"


def test_a_place_after_to_is_no_origin_for_a_later_to():
    # "¿Tiene vuelos a Bogotá para mañana?" got "No puede volar de Bogota a Bogota"
    p = understand("¿Tiene vuelos a Bogotá para mañana?", "es")
    assert p.origin_text is None and p.destination_text == "bogotá"


@pytest.mark.parametrize("text, route", [
    ("Leaving Houston for Cancun on December 22nd.", ("houston", "cancun")),
    ("A flight from Miami bound for Bogota tomorrow.", ("miami", "bogota")),
    ("From Boston for Friday.", ("boston", None)),                 # "for" a day: no place
    ("From Boston for me and my wife on Friday.", ("boston", None)),
])
def test_for_before_a_sure_place_is_the_destination(text, route):
    # "Leaving Houston for Cancun" got "Flying from Houston. Where would you like to go?"
    p = understand(text, "en")
    assert (p.origin_text, p.destination_text) == route


@pytest.mark.parametrize("text,language,whole", [
    ("I want to fly from New York to London.", "en", True),
    ("To Madrid next Friday.", "en", True),
    ("Quiero volar de Madrid a Barcelona.", "es", True),
    ("Ich möchte von Berlin nach Paris fliegen.", "de", True),
    ("Je voudrais aller à Paris demain.", "fr", True),
    ("I want to fly from New York", "en", False),   # the caller is often still saying where to
    ("Hi, I need a flight", "en", False),
    ("Next Friday, please.", "en", False),          # a lone day: is_short_complete's case
    ("Wait, stop.", "en", False),
])
def test_is_whole_request(text, language, whole):
    assert is_whole_request(text, language) is whole


@pytest.mark.parametrize("text, party", [
    # "wir sind zu dritt" (three of us) was one passenger
    ("Wir sind zu dritt, von München nach Lissabon am Freitag.", (3, None)),
    ("Zu zweit nach Rom, bitte.", (2, None)),
    ("Wir sind vier, nach Rom am Freitag.", (4, None)),
    ("Von Berlin zu viert mit zwei Kindern.", (2, 2)),
    ("Ich fliege zu meiner Schwester nach Rom.", (None, None)),
])
def test_a_german_party_said_as_zu_dritt_or_wir_sind_counts(text, party):
    p = understand(text, "de")
    assert (p.adults, p.children) == party


@pytest.mark.parametrize("text, party", [
    # a child named by its age was no traveller ("a five-year-old": the number is the age)
    ("Two adults and a five-year-old, Boston to Denver on Saturday.", (2, 1)),
    ("Me, my wife and our 3 year old.", (2, 1)),
    ("Two adults and two 8-year-olds.", (2, 2)),
    ("Two adults with a 10 year old and a 12 year old.", (2, 2)),
    ("I am 45 years old.", (None, None)),
])
def test_a_child_named_by_its_age(text, party):
    p = parse(normalize(text), "en", today=date(2026, 11, 18))
    assert (p.adults, p.children) == party
