"""parse_travel_date / find_date_in_text with a fixed today (Saturday 2026-11-21)."""

from datetime import date, timedelta

import pytest

from flights.dates import day_in_week, find_date_in_text, is_clock_time, is_day_number, parse_travel_date

TODAY = date(2026, 11, 21)  # a Saturday


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tomorrow", date(2026, 11, 22)),
        ("day after tomorrow", date(2026, 11, 23)),
        ("next Friday", date(2026, 11, 27)),
        ("Friday", date(2026, 11, 27)),
        ("Friday after next", date(2026, 12, 4)),
        ("the fifth of March", date(2027, 3, 5)),
        ("March 5th", date(2027, 3, 5)),
        ("December 12", date(2026, 12, 12)),
        ("in two weeks", date(2026, 12, 5)),
        ("the 20th", date(2026, 12, 20)),
        ("the twenty first of December", date(2026, 12, 21)),
    ],
)
def test_english_phrases(text: str, expected: date) -> None:
    res = parse_travel_date(text, today=TODAY)
    assert (res.value, res.reason) == (expected, "ok"), res


@pytest.mark.parametrize(
    "text, language, expected",
    [
        ("mañana", "es", date(2026, 11, 22)),
        ("el cinco de marzo", "es", date(2027, 3, 5)),
        ("vendredi prochain", "fr", date(2026, 11, 27)),
        ("nächsten Freitag", "de", date(2026, 11, 27)),
        ("il cinque marzo", "it", date(2027, 3, 5)),
        ("próxima sexta-feira", "pt", date(2026, 11, 27)),
    ],
)
def test_other_languages(text: str, language: str, expected: date) -> None:
    assert parse_travel_date(text, language, today=TODAY).value == expected


def test_past_and_too_far() -> None:
    past = parse_travel_date("March 5th 2026", today=TODAY)
    assert past.reason == "past" and past.value == date(2026, 3, 5)
    assert parse_travel_date("yesterday", today=TODAY).reason == "past"
    far = parse_travel_date("March 5th 2028", today=TODAY)
    assert far.reason == "too_far" and far.value == date(2028, 3, 5)
    assert parse_travel_date("December 1", today=TODAY, horizon_days=5).reason == "too_far"


@pytest.mark.parametrize("text", ["", "blah", "two", "2", "two adults", "Boston"])
def test_unparsed(text: str) -> None:
    res = parse_travel_date(text, today=TODAY)
    assert res.value is None and res.reason == "unparsed"


def test_find_date_in_sentence() -> None:
    res = find_date_in_text("I want to fly from Boston to Chicago next Friday please", today=TODAY)
    assert res is not None and res.value == date(2026, 11, 27) and res.reason == "ok"
    res = find_date_in_text("two adults from Boston to Chicago on the fifth of March", today=TODAY)
    assert res is not None and res.value == date(2027, 3, 5)
    res = find_date_in_text("leaving December 12 and back on the 20th", today=TODAY)
    assert res is not None and res.value == date(2026, 12, 12)  # the first date is the departure
    res = find_date_in_text("quiero volar a Madrid el cinco de marzo", "es", today=TODAY)
    assert res is not None and res.value == date(2027, 3, 5)


@pytest.mark.parametrize("text", ["the second one", "the first one please", "the next one", "I'll take the third one"])
def test_an_item_of_a_list_is_no_date(text: str) -> None:
    # "the second one" became "the 2nd 1", which the date parser read as 1 February
    assert find_date_in_text(text, today=TODAY) is None


def test_an_ordinal_alone_or_beside_a_date_still_is_one() -> None:
    assert find_date_in_text("on the second", today=TODAY).value == date(2026, 12, 2)
    assert find_date_in_text("the first one on Friday", today=TODAY).value == date(2026, 11, 27)


@pytest.mark.parametrize("text", ["I need a flight to London", "book two tickets to Rome", "3 adults to Paris", ""])
def test_find_date_none(text: str) -> None:
    assert find_date_in_text(text, today=TODAY) is None


@pytest.mark.parametrize("sentence, expected, reason", [
    ("I want to fly from Boston to Denver on January 3rd, 2025.", date(2025, 1, 3), "past"),
    ("I want to fly on January third, twenty twenty-five.", date(2025, 1, 3), "past"),
    ("Boston to Paris in January 2028", date(2028, 1, 1), "too_far"),
    ("leaving on the 5th please", date(2026, 12, 5), "ok"),
    ("on the 30th.", date(2026, 11, 30), "ok"),
    ("I wanted to go last friday", date(2026, 11, 20), "past"),
])
def test_years_and_day_of_month_inside_sentences(sentence, expected, reason):
    found = find_date_in_text(sentence, today=date(2026, 11, 21))
    assert found is not None and (found.value, found.reason) == (expected, reason)


@pytest.mark.parametrize("text, language", [
    ("El 22.", "es"), ("el día 22", "es"), ("Día 22.", "es"), ("para el 22", "es"),
    ("Le 22.", "fr"), ("pour le 22", "fr"),
    ("Il 22.", "it"), ("il giorno 22", "it"), ("per il 22", "it"),
    ("Am 22.", "de"), ("den 22.", "de"),
    ("Dia 22.", "pt"), ("No dia 22.", "pt"), ("para o dia 22", "pt"),
])
def test_a_day_of_the_month_alone_in_the_other_languages(text, language):
    # the answer to "which day?" in es/fr/it/de/pt: only "the 22nd" in English was understood
    assert parse_travel_date(text, language, today=TODAY).value == date(2026, 11, 22)
    assert find_date_in_text(text, language, today=TODAY).value == date(2026, 11, 22)


@pytest.mark.parametrize("sentence, language", [
    ("Quiero volar de Madrid a Roma el día 3", "es"),
    ("Je voudrais aller à Nice le 3", "fr"),
    ("Vorrei partire per Milano il 3", "it"),
    ("Ich möchte am 3. nach Wien fliegen", "de"),
    ("Quero voar para Paris no dia 3", "pt"),
])
def test_a_day_of_the_month_inside_a_sentence_in_the_other_languages(sentence, language):
    assert find_date_in_text(sentence, language, today=TODAY).value == date(2026, 12, 3)


@pytest.mark.parametrize("text, language", [
    ("somos 2 adultos", "es"), ("dos adultos", "es"), ("deux adultes", "fr"), ("2 Erwachsene", "de"),
    ("due adulti", "it"), ("2 adultos", "pt"), ("I am 22", "en"), ("the 22", "en"),
])
def test_a_bare_number_is_still_no_date(text, language):
    assert find_date_in_text(text, language, today=TODAY) is None


@pytest.mark.parametrize("text, expected", [
    ("na sexta", date(2026, 11, 27)), ("sexta", date(2026, 11, 27)), ("na segunda", date(2026, 11, 23)),
    ("na próxima sexta", date(2026, 11, 27)), ("na terça de manhã", date(2026, 11, 24)),
    ("Preciso de uma passagem de São Paulo para o Rio na quinta.", date(2026, 11, 26)),
])
def test_portuguese_weekdays_said_short(text, expected):
    # "segunda" … "sexta" are ordinals too, and text2num made "na sexta" "na 6ª": no date at all
    assert find_date_in_text(text, "pt", today=TODAY).value == expected


@pytest.mark.parametrize("text", ["quero a segunda opção", "a segunda", "fico com a quinta", "o segundo voo"])
def test_portuguese_ordinals_stay_ordinals(text):
    assert find_date_in_text(text, "pt", today=TODAY) is None


@pytest.mark.parametrize("text, language, expected", [
    ("On Christmas Eve.", "en", date(2026, 12, 24)), ("Christmas", "en", date(2026, 12, 25)),
    ("New Year's Eve", "en", date(2026, 12, 31)), ("on New Year's Day", "en", date(2027, 1, 1)),
    ("Easter", "en", date(2027, 3, 28)), ("Thanksgiving", "en", date(2026, 11, 26)),
    ("Nochebuena", "es", date(2026, 12, 24)), ("el día de Año Nuevo", "es", date(2027, 1, 1)),
    ("pour le réveillon de Noël", "fr", date(2026, 12, 24)), ("le jour de l'an", "fr", date(2027, 1, 1)),
    ("zu Weihnachten", "de", date(2026, 12, 25)), ("am zweiten Weihnachtstag", "de", date(2026, 12, 26)),
    ("Silvester", "de", date(2026, 12, 31)),
    ("la vigilia di Natale", "it", date(2026, 12, 24)), ("a Capodanno", "it", date(2027, 1, 1)),
    ("véspera de Natal", "pt", date(2026, 12, 24)), ("no Natal", "pt", date(2026, 12, 25)),
])
def test_holidays_are_dates(text, language, expected):
    # dateparser knows no holiday: "On Christmas Eve." got "Sorry, I didn't understand that"
    assert parse_travel_date(text, language, today=TODAY).value == expected
    assert find_date_in_text(text, language, today=TODAY).value == expected


def test_a_holiday_inside_a_sentence_and_its_next_occurrence():
    found = find_date_in_text("I want to fly from Chicago to Miami on Christmas Eve please", today=TODAY)
    assert (found.value, found.reason) == (date(2026, 12, 24), "ok")
    assert find_date_in_text("Quiero ir a Madrid para Navidad", "es", today=TODAY).value == date(2026, 12, 25)
    # the first date said is still the departure
    assert find_date_in_text("leaving on the 20th, back after Christmas", today=TODAY).value == date(2026, 12, 20)
    # past this year's: next year's (here beyond the horizon, so "too far", not a past date)
    late = parse_travel_date("Christmas", today=date(2026, 12, 26))
    assert (late.value, late.reason) == (date(2027, 12, 25), "too_far")


@pytest.mark.parametrize("text, language", [
    ("De Natal para Recife", "pt"),  # Natal, Brazil, is a city
    ("from New York", "en"), ("a new year", "en"), ("from Boston to Natal", "pt"),
])
def test_words_of_holidays_that_are_no_holiday(text, language):
    assert find_date_in_text(text, language, today=TODAY) is None


@pytest.mark.parametrize("text, language", [
    ("this weekend", "en"), ("Minneapolis to Detroit this weekend.", "en"), ("este fin de semana", "es"),
    ("ce week-end", "fr"), ("am Wochenende", "de"), ("questo fine settimana", "it"), ("no fim de semana", "pt"),
])
def test_the_weekend_is_its_saturday(text, language):
    # "this weekend" got "What day would you like to leave?"
    assert find_date_in_text(text, language, today=TODAY + timedelta(days=1)).value == date(2026, 11, 28)
    assert parse_travel_date("this weekend", today=TODAY).value == TODAY  # a Saturday: today


@pytest.mark.parametrize("text, language, expected", [
    ("the day after Christmas", "en", date(2026, 12, 26)), ("the day before Christmas", "en", date(2026, 12, 24)),
    ("two days after Christmas", "en", date(2026, 12, 27)), ("the day after New Year's Day", "en", date(2027, 1, 2)),
    ("el día después de Navidad", "es", date(2026, 12, 26)), ("dos días antes de Nochevieja", "es", date(2026, 12, 29)),
    ("le lendemain de Noël", "fr", date(2026, 12, 26)), ("la veille du jour de l'an", "fr", date(2026, 12, 31)),
    ("am Tag nach Weihnachten", "de", date(2026, 12, 26)), ("zwei Tage vor Silvester", "de", date(2026, 12, 29)),
    ("il giorno dopo Natale", "it", date(2026, 12, 26)), ("o dia seguinte ao Natal", "pt", date(2026, 12, 26)),
    ("um dia antes do Natal", "pt", date(2026, 12, 24)),
])
def test_a_day_before_or_after_a_holiday(text, language, expected):
    # "the day after Christmas" was Christmas; "two days after Christmas" two days after today
    found = find_date_in_text(f"{text}, please", language, today=TODAY)
    assert (found.value, found.reason) == (expected, "ok")
    # said on Christmas Day, the day before Christmas is next year's (beyond the horizon)
    late = find_date_in_text("the day before Christmas", today=date(2026, 12, 25))
    assert (late.value, late.reason) == (date(2027, 12, 24), "too_far")


def test_a_holiday_shifted_inside_a_sentence_ends_at_its_name():
    found = find_date_in_text("From Boston to Chicago the day after Christmas, coming back on the 3rd", today=TODAY)
    assert (found.value, found.text) == (date(2026, 12, 26), "the day after christmas")
    # "after" with no day word before it is no shift: "back after Christmas" stays a return phrase
    assert find_date_in_text("leaving on the 20th, back after Christmas", today=TODAY).value == date(2026, 12, 20)


@pytest.mark.parametrize("text, language", [
    ("on the 31st of February", "en"), ("February 30th", "en"), ("April 31", "en"), ("the 31st of November", "en"),
    ("el 30 de febrero", "es"), ("le 31 avril", "fr"), ("am 31. Juni", "de"), ("il 31 settembre", "it"),
    ("dia 31 de abril", "pt"),
])
def test_a_day_the_month_does_not_have_is_no_such_date(text, language):
    # dateparser made "February 30th" the 1st of February and "the 31st of February" the 31st of
    # December: a search on a day the caller never said
    for res in (parse_travel_date(text, language, today=TODAY), find_date_in_text(text, language, today=TODAY)):
        assert (res.value, res.reason) == (None, "no_such_date")
    assert find_date_in_text("the 28th of February", today=TODAY).value == date(2027, 2, 28)
    assert find_date_in_text("the 31st of January", today=TODAY).value == date(2027, 1, 31)


@pytest.mark.parametrize("text, language, first", [
    ("in January", "en", date(2027, 1, 1)), ("mid-January", "en", date(2027, 1, 1)),
    ("the first week of January", "en", date(2027, 1, 1)), ("the end of January", "en", date(2027, 1, 1)),
    ("next month", "en", date(2026, 12, 1)), ("this month", "en", TODAY), ("in November", "en", TODAY),
    ("March 2027", "en", date(2027, 3, 1)),
    ("a mediados de enero", "es", date(2027, 1, 1)), ("el mes que viene", "es", date(2026, 12, 1)),
    ("mi-janvier", "fr", date(2027, 1, 1)), ("le mois prochain", "fr", date(2026, 12, 1)),
    ("Ende Januar", "de", date(2027, 1, 1)), ("a fine gennaio", "it", date(2027, 1, 1)),
    ("no final de janeiro", "pt", date(2027, 1, 1)),
])
def test_a_month_without_a_day_is_month_only(text, language, first):
    # all of them were searched as the 1st of the month ("the first week of January" as in a week)
    found = find_date_in_text(text, language, today=TODAY)
    assert (found.value, found.reason) == (first, "month_only")


def test_a_bare_day_is_read_in_the_month_asked_about():
    from flights.dates import day_in_month
    january = date(2027, 1, 1)
    for text, language in (("the 15th", "en"), ("el 15", "es"), ("am 15.", "de"), ("dia 15", "pt")):
        res = day_in_month(find_date_in_text(text, language, today=TODAY), january, language, TODAY)
        assert (res.value, res.reason) == (date(2027, 1, 15), "ok"), text
    feb = day_in_month(find_date_in_text("the 30th", today=TODAY), date(2027, 2, 1), "en", TODAY)
    assert (feb.value, feb.reason) == (None, "no_such_date")
    # anything more than a day of the month is taken as said
    assert day_in_month(find_date_in_text("Friday", today=TODAY), january, "en", TODAY) is None
    assert day_in_month(find_date_in_text("March 3rd", today=TODAY), january, "en", TODAY) is None


@pytest.mark.parametrize("text, expected", [
    ("May I fly from Boston to Paris tomorrow?", date(2026, 11, 22)), ("I may need two seats", None),
    ("We march on Friday", date(2026, 11, 27)), ("in May", date(2027, 5, 1)), ("May 5th", date(2027, 5, 5)),
])
def test_may_and_march_are_months_only_where_a_month_can_be(text, expected):
    # "May I fly … tomorrow" was the 1st of May
    found = find_date_in_text(text, today=TODAY)
    assert (found.value if found else None) == expected


@pytest.mark.parametrize("text, expected", [
    ("10 days from today", date(2026, 12, 1)), ("two weeks from today", date(2026, 12, 5)),
    ("a week from now", date(2026, 11, 28)), ("a week from tomorrow", date(2026, 11, 29)),
    ("three days from now", date(2026, 11, 24)), ("a week today", date(2026, 11, 28)),
    ("a month from today", date(2026, 12, 21)),
])
def test_spans_counted_from_today(text, expected):
    # "10 days from today" was today, "two weeks from today" 16 days on, "a week from tomorrow" tomorrow
    assert find_date_in_text(f"I'd like to leave {text}", today=TODAY).value == expected


@pytest.mark.parametrize("text, language, expected", [
    ("Friday the 27th", "en", date(2026, 11, 27)), ("on Friday the 4th", "en", date(2026, 12, 4)),
    ("Friday the 8th", "en", date(2027, 1, 8)),  # the next 8th that is a Friday
    ("el viernes 4", "es", date(2026, 12, 4)), ("vendredi 4", "fr", date(2026, 12, 4)),
    ("Freitag, den 4.", "de", date(2026, 12, 4)), ("venerdì 4", "it", date(2026, 12, 4)),
])
def test_a_weekday_and_its_day(text, language, expected):
    # dateparser read "Friday the 4th" as a Friday in April
    assert find_date_in_text(text, language, today=TODAY).value == expected


@pytest.mark.parametrize("text, language", [
    ("Friday, 2 adults", "en"), ("el viernes 2 adultos", "es"), ("vendredi, 2 personnes", "fr"),
])
def test_a_count_of_people_is_no_day(text, language):
    # "Friday 2 adults" was the 6th of February, "el viernes 2 adultos" the 2nd of January
    assert find_date_in_text(text, language, today=TODAY).value == date(2026, 11, 27)


def test_a_day_beats_a_longer_span_that_only_names_the_month():
    # "de Gaulle on December" (4 words, a month alone) was chosen over "on December 12th" (3): a
    # span that only names a month holds date words only
    found = find_date_in_text("From Heathrow to Charles de Gaulle on December twelfth.", today=TODAY)
    assert (found.value, found.reason) == (date(2026, 12, 12), "ok")


@pytest.mark.parametrize("text, language, expected", [
    ("el día 15 de enero", "es", date(2027, 1, 15)), ("el primero de enero", "es", date(2027, 1, 1)),
    ("il 15 di gennaio", "it", date(2027, 1, 15)), ("il giorno 15 di gennaio", "it", date(2027, 1, 15)),
    ("il primo gennaio", "it", date(2027, 1, 1)), ("no dia 15 de janeiro", "pt", date(2027, 1, 15)),
    ("no dia primeiro de janeiro", "pt", date(2027, 1, 1)), ("dia 1º de janeiro", "pt", date(2027, 1, 1)),
])
def test_day_words_and_ordinal_signs_before_a_month(text, language, expected):
    # "el día 15 de enero" was this month's 15th ("el día 15" alone), "el primero de enero" ("el 1º")
    # only January
    found = find_date_in_text(text, language, today=TODAY)
    assert (found.value, found.reason) == (expected, "ok")
    assert find_date_in_text("No dia 22.", "pt", today=TODAY).value == date(2026, 11, 22)  # still a day


def test_at_a_tie_the_span_naming_a_month_wins():
    # "pour le vingt décembre" was "pour le 20" (this month's 20th), not "le 20 décembre"
    found = find_date_in_text("Un aller simple Bordeaux Lyon pour le vingt décembre.", "fr", today=TODAY)
    assert found.value == date(2026, 12, 20)


_NEXT_MONDAY, _MONDAY_AFTER = date(2026, 11, 23), date(2026, 11, 30)


@pytest.mark.parametrize("text, language, value, reason", [
    ("next week", "en", _NEXT_MONDAY, "week_only"), ("sometime next week", "en", _NEXT_MONDAY, "week_only"),
    ("early next week", "en", _NEXT_MONDAY, "week_only"), ("the week after next", "en", _MONDAY_AFTER, "week_only"),
    ("this week", "en", TODAY, "week_only"),
    ("la semana que viene", "es", _NEXT_MONDAY, "week_only"), ("la próxima semana", "es", _NEXT_MONDAY, "week_only"),
    ("la semaine prochaine", "fr", _NEXT_MONDAY, "week_only"), ("nächste Woche", "de", _NEXT_MONDAY, "week_only"),
    ("übernächste Woche", "de", _MONDAY_AFTER, "week_only"),
    ("la settimana prossima", "it", _NEXT_MONDAY, "week_only"),
    ("a semana que vem", "pt", _NEXT_MONDAY, "week_only"), ("na próxima semana", "pt", _NEXT_MONDAY, "week_only"),
    # a day or a count of weeks said: a date as before
    ("in two weeks", "en", date(2026, 12, 5), "ok"), ("a week from Friday", "en", date(2026, 12, 4), "ok"),
    ("next Friday", "en", date(2026, 11, 27), "ok"), ("in zwei Wochen", "de", date(2026, 12, 5), "ok"),
])
def test_a_week_without_a_day_is_week_only(text, language, value, reason):
    # "next week" was searched as a week from today (the weekday the caller happened to call on);
    # "la semana que viene" and "la semaine prochaine" were no date at all
    found = find_date_in_text(text, language, today=TODAY)
    assert (found.value, found.reason) == (value, reason)


_A_MONDAY = date(2026, 11, 23)


@pytest.mark.parametrize("text, language, value", [
    # on a Monday, "Tuesday next week" was tomorrow, "next week Tuesday" a question about the week
    ("Tuesday next week", "en", date(2026, 12, 1)), ("next week on Tuesday", "en", date(2026, 12, 1)),
    ("the Tuesday after next", "en", date(2026, 12, 1)), ("Friday this week", "en", date(2026, 11, 27)),
    ("Tuesday the week after next", "en", date(2026, 12, 8)),
    ("el martes de la semana que viene", "es", date(2026, 12, 1)),
    ("la semana que viene el martes", "es", date(2026, 12, 1)),
    ("mardi de la semaine prochaine", "fr", date(2026, 12, 1)), ("mardi en huit", "fr", date(2026, 12, 1)),
    ("nächste Woche Dienstag", "de", date(2026, 12, 1)), ("am Dienstag nächster Woche", "de", date(2026, 12, 1)),
    ("martedì della settimana prossima", "it", date(2026, 12, 1)),
    ("na terça-feira da semana que vem", "pt", date(2026, 12, 1)),
    # no week said: the coming one, as before
    ("next Tuesday", "en", date(2026, 11, 24)), ("nächsten Dienstag", "de", date(2026, 11, 24)),
])
def test_a_weekday_of_a_week_said_with_it_is_that_weeks(text, language, value):
    found = find_date_in_text(text, language, today=_A_MONDAY)
    assert (found.value, found.reason) == (value, "ok")


@pytest.mark.parametrize("text, language", [
    ("next weekend", "en"), ("el fin de semana que viene", "es"), ("for a week", "en"), ("por una semana", "es"),
])
def test_a_weekend_or_a_stay_is_no_week_to_ask_about(text, language):
    found = find_date_in_text(text, language, today=TODAY)
    assert found is None or found.reason != "week_only"


def test_a_weekday_answered_for_a_week_is_that_weeks():
    after_next = date(2026, 11, 30)

    def answer(text, language="en", asked=after_next):
        return day_in_week(find_date_in_text(text, language, today=TODAY), asked, language, TODAY)
    assert answer("Wednesday.").value == date(2026, 12, 2)  # not the next Wednesday, the 25th
    assert answer("On Monday.").value == date(2026, 11, 30)
    assert answer("El miércoles.", "es").value == date(2026, 12, 2)
    assert answer("Am Mittwoch.", "de").value == date(2026, 12, 2)
    assert answer("Sunday.").value == date(2026, 12, 6)
    assert answer("Monday.", asked=date(2026, 11, 23)).value == date(2026, 11, 23)
    this_monday = answer("Monday.", asked=TODAY)  # this week's Monday is gone
    assert (this_monday.value, this_monday.reason) == (date(2026, 11, 16), "past")
    assert answer("The 15th.") is None and answer("Wednesday the 2nd.") is None
    assert day_in_week(None, after_next) is None


@pytest.mark.parametrize("text, language", [
    # "aujourd'hui" lost its apostrophe before dateparser (which reads no other spelling): no date
    ("aujourd'hui", "fr"), ("Je pars aujourd'hui de Paris.", "fr"),
    # "as soon as possible" read nothing: the earliest day there is
    ("As soon as possible.", "en"), ("Boston to Denver, ASAP.", "en"), ("Lo antes posible.", "es"),
    ("Le plus tôt possible.", "fr"), ("So bald wie möglich.", "de"), ("Il prima possibile.", "it"),
    ("O mais rápido possível.", "pt"),
])
def test_today_and_as_soon_as_possible_are_today(text, language):
    found = find_date_in_text(text, language, today=TODAY)
    assert (found.value, found.reason) == (TODAY, "ok")


_FIRST_OF_DECEMBER = date(2026, 12, 1)


@pytest.mark.parametrize("text, language, value", [
    # a day of "next month" said as such: dateparser made "el 3 del mes que viene" March, "next
    # month on the 3rd" the 1st, "el 20 de este mes" August 2028; on the 1st, "the 3rd" alone is this month's
    ("el 3 del mes que viene", "es", date(2027, 1, 3)), ("next month on the 3rd", "en", date(2027, 1, 3)),
    ("the 3rd of next month", "en", date(2027, 1, 3)), ("le 3 du mois prochain", "fr", date(2027, 1, 3)),
    ("am 3. nächsten Monats", "de", date(2027, 1, 3)), ("am dritten nächsten Monat", "de", date(2027, 1, 3)),
    ("il 3 del mese prossimo", "it", date(2027, 1, 3)), ("dia 3 do mês que vem", "pt", date(2027, 1, 3)),
    ("el 20 de este mes", "es", date(2026, 12, 20)), ("the 20th of this month", "en", date(2026, 12, 20)),
])
def test_a_day_of_next_or_this_month_is_that_months(text, language, value):
    found = find_date_in_text(text, language, today=_FIRST_OF_DECEMBER)
    assert (found.value, found.reason) == (value, "ok")


def test_next_month_without_a_day_is_still_the_month_question():
    found = find_date_in_text("next month", "en", today=_FIRST_OF_DECEMBER)
    assert (found.value, found.reason) == (date(2027, 1, 1), "month_only")


@pytest.mark.parametrize("text, language", [("esta noche", "es"), ("ce soir", "fr"), ("stasera", "it"),
                                            ("tonight", "en"), ("heute Abend", "de"), ("hoje à noite", "pt")])
def test_tonight_is_today_in_every_language(text, language):
    found = find_date_in_text(text, language, today=TODAY)
    assert (found.value, found.reason) == (TODAY, "ok")


@pytest.mark.parametrize("sentence, language", [
    ("on Friday 9 a m please", "en"),  # the recognizer's "a.m." with its dots dropped: was Friday the 9th (April)
    ("Friday 9 am", "en"),
    ("le vendredi 9 h", "fr"),
    ("el viernes 9 horas", "es"),
])
def test_an_hour_before_a_clock_word_is_no_day(sentence, language):
    assert find_date_in_text(sentence, language, TODAY).value == date(2026, 11, 27)


def test_day_numbers_and_clock_times_as_tokens():
    assert all(is_day_number(t) for t in ["5", "31st", "1er", "5e", "15º", "20.", "fifth", "twentieth"])
    assert not any(is_day_number(t) for t in ["123", "fifty", "may", "5pm"])
    assert not is_day_number("fifth", "fr")  # English ordinal words only in English
    assert is_clock_time("9 a m".split(), 0) and is_clock_time("3 o'clock".split(), 0)
    assert is_clock_time("um 15 uhr".split(), 1) and is_clock_time("9 p.m.".split(), 0)
    assert not is_clock_time("9 a".split(), 0) and not is_clock_time("9 adults".split(), 0)
    assert not is_clock_time(["9"], 0) and not is_clock_time("friday am".split(), 0)


@pytest.mark.parametrize("text, language, expected", [
    # "la víspera de Navidad" was Christmas Day and "la vigilia di Capodanno" New Year's Day: the eve
    # words of es/it/pt are "the day before" as the French "veille" was
    ("la víspera de Navidad", "es", date(2026, 12, 24)), ("la víspera de Año Nuevo", "es", date(2026, 12, 31)),
    ("la vigilia di Capodanno", "it", date(2026, 12, 31)), ("na véspera de Ano Novo", "pt", date(2026, 12, 31)),
    ("la vigilia di Natale", "it", date(2026, 12, 24)), ("na véspera de Natal", "pt", date(2026, 12, 24)),
])
def test_the_eve_of_a_holiday(text, language, expected):
    assert find_date_in_text(f"Da Roma a Londra {text}", language, today=TODAY).value == expected


def test_a_holiday_s_span_holds_the_words_before_its_name():
    found = find_date_in_text("Da Roma a Londra la vigilia di Natale", "it", today=TODAY)
    assert (found.text, found.holiday) == ("la vigilia di natale", True)
    assert find_date_in_text("From Boston on Christmas Eve", today=TODAY).text == "on christmas eve"
    assert not find_date_in_text("From Boston on Friday", today=TODAY).holiday


@pytest.mark.parametrize("sentence, language, expected", [
    # "après-demain" as written was no date inside a sentence; "depois de amanhã" was tomorrow
    ("De Paris à Rome après-demain", "fr", date(2026, 11, 23)),
    ("De Lisboa para Paris depois de amanhã", "pt", date(2026, 11, 23)),
    # "of" starts no span: "the morning of the 3rd" was the 1st of March
    ("Boston to Denver the morning of the 3rd", "en", date(2026, 12, 3)),
    ("on the evening of the 5th", "en", date(2026, 12, 5)),
])
def test_the_day_after_tomorrow_and_a_day_of_the_month_said_with_its_part_of_day(sentence, language, expected):
    assert find_date_in_text(sentence, language, TODAY).value == expected


@pytest.mark.parametrize("sentence, language, expected", [
    # the weekday of its week of the month: dateparser read the 1st of the month
    ("Boston to Denver on the first Monday of December", "en", date(2026, 12, 7)),
    ("the last Friday of November", "en", date(2026, 11, 27)),
    ("the second Saturday in January", "en", date(2027, 1, 9)),
    ("el primer lunes de diciembre", "es", date(2026, 12, 7)),
    ("le dernier vendredi de janvier", "fr", date(2027, 1, 29)),
    ("am ersten Montag im Dezember", "de", date(2026, 12, 7)),
    ("il primo lunedì di dicembre", "it", date(2026, 12, 7)),
    ("a primeira sexta de dezembro", "pt", date(2026, 12, 4)),
])
def test_the_nth_weekday_of_a_month(sentence, language, expected):
    assert find_date_in_text(sentence, language, TODAY).value == expected


@pytest.mark.parametrize("text, expected", [
    # text2num made "prima" (before) the ordinal "1ª": "il giorno prima di Natale" was Christmas Day and
    # "due giorni prima di Natale" two days from today
    ("il giorno prima di Natale", date(2026, 12, 24)),
    ("due giorni prima di Natale", date(2026, 12, 23)),
    ("il primo dicembre", date(2026, 12, 1)),
])
def test_italian_prima_before_a_holiday(text, expected):
    assert find_date_in_text(text, "it", TODAY).value == expected
