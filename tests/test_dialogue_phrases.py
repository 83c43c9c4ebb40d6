"""dialogue.phrases: the rule brain's localized phrases and its keyword lists."""

from __future__ import annotations

from dialogue.keywords import keywords
from dialogue.phrases import phrase, templates

EN = templates("en")


def test_phrase_table_complete_and_formattable():
    needed = {
        "greeting", "ask_origin", "ask_destination", "ask_date", "ask_origin_and_destination",
        "unknown_place", "ambiguous_place", "same_place", "past_date", "too_far", "searching",
        "no_flights", "goodbye", "anything_else", "nothing_to_repeat", "didnt_understand",
        "search_failed", "confirm_new_search", "apology",
    }
    assert needed <= set(EN)
    for key in EN:
        if not key.startswith("kw_"):
            assert phrase("en", key, origin="A", destination="B", date="D", heard="H", a="A", b="B", month="M")
    assert "goodbye" in keywords("en", "goodbye") and "bye" in keywords("en", "goodbye")
    assert phrase("xx", "goodbye") == EN["goodbye"]  # an unknown language falls back to English




# ---- the gettext catalogs -----------------------------------------------------------------------

import re  # noqa: E402
import shutil  # noqa: E402
from datetime import date  # noqa: E402

import pytest  # noqa: E402

from dialogue.catalogs import DOMAINS, LOCALE_DIR, Catalog, CatalogError, MessageArgumentError, catalog  # noqa: E402
from dialogue.phrases import SYSTEM_PROMPT, arguments  # noqa: E402
from dialogue.policy import FlightDialogue  # noqa: E402
from dialogue.speech import speak_date, speak_offers  # noqa: E402
from flights import FlightQuery  # noqa: E402
from flights.languages import SUPPORTED_LANGUAGES  # noqa: E402

COUNTS = (0, 1, 2, 5, 21, 1_000_000)  # every CLDR plural category of the six languages


def sample(names) -> dict[str, str]:
    return {name: f"<{name}>" for name in names}


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_every_message_formats_with_its_documented_arguments(domain, language):
    cat = catalog(domain)
    assert set(cat.keys()) == set(cat.specs)
    for key, spec in cat.specs.items():
        fields = sample(spec.arguments - {"n"})  # n is the count: a number
        for n in COUNTS if spec.plural else (7 if "n" in spec.arguments else None,):
            text = cat.text(language, key, n=n, **fields)
            assert text and "{" not in text and "}" not in text, (language, key, text)
            # every field a translation uses is one the code passes
            assert set(re.findall(r"<(\w+)>", text)) <= spec.arguments | {"n"}, (language, key)


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("language", SUPPORTED_LANGUAGES)
def test_a_missing_argument_fails_the_same_way_in_every_language(domain, language):
    cat = catalog(domain)
    for key, spec in cat.specs.items():
        for left_out in spec.arguments | ({"n"} if spec.plural else set()):
            fields = sample(spec.arguments - {left_out, "n"})
            n = None if left_out == "n" else (2 if spec.plural or "n" in spec.arguments else None)
            with pytest.raises(MessageArgumentError, match=key):
                cat.text(language, key, n=n, **fields)


def test_translations_are_real_and_english_is_the_fallback():
    for domain in DOMAINS:
        cat = catalog(domain)
        for language in SUPPORTED_LANGUAGES:
            assert cat.translations(language) is cat.translations(language.upper() + "-XX")
        # most messages read differently in another language than in English
        for language in SUPPORTED_LANGUAGES[1:]:
            same = [k for k in cat.keys() if cat.template(language, k) == cat.template("en", k)]
            assert len(same) < len(cat.keys()) / 4, (domain, language, same)
        assert cat.translations("xx") is cat.translations("en")


def test_plurals_through_ngettext():
    q = FlightQuery(origin="BOS", destination="LON", departure_date=date(2027, 3, 5))
    offers = catalog("offers")
    route = {"origin": "Boston", "destination": "London", "date": "Friday, March 5"}
    assert offers.text("en", "found_flights", n=1, count=1, **route).startswith("I found one flight from")
    assert offers.text("en", "found_flights", n=4, count=4, **route).startswith("I found 4 flights from")
    assert offers.text("de", "more_options", n=1) == "Es gibt noch eine weitere Option."
    assert offers.text("de", "more_options", n=3) == "Es gibt noch 3 weitere Optionen."
    assert offers.text("fr", "stops", n=2) == "avec 2 escales"
    assert offers.text("es", "currency_EUR", n=1) == "1 euro" and offers.text("es", "currency_EUR", n=7) == "7 euros"
    assert speak_offers([], q, "it").startswith("Non ho trovato voli da Boston a Londra")


def test_system_prompt_for_the_llm_profiles_in_every_language():
    assert arguments(SYSTEM_PROMPT) == frozenset()
    prompts = {language: phrase(language, SYSTEM_PROMPT) for language in SUPPORTED_LANGUAGES}
    assert len(set(prompts.values())) == len(SUPPORTED_LANGUAGES)  # translated, not copied
    for language, text in prompts.items():
        assert not re.search(r"[*#_`]|^\s*[-\d]", text), language  # nothing a TTS would read as markup
        assert len(text) < 400 and text.count(".") >= 4, language
    assert "three" in prompts["en"] and "missing" in prompts["en"] and "route" in prompts["en"]


def test_one_date_formatter_for_the_brain_and_the_offers():
    thursday = date(2027, 4, 15)
    assert speak_date(thursday, "es") == "jueves 15 de abril"
    assert speak_date(thursday, "en") == "Thursday, April 15"
    assert speak_date(thursday, "de") == "Donnerstag, 15. April"
    d = FlightDialogue(language="es", today=date(2026, 11, 18))
    d.greeting()
    d.handle_user("Quiero volar de Madrid a Barcelona el 15 de abril.")
    said = d.handle_tool_result({"status": "no_flights", "speech": ""}).say
    assert "el jueves 15 de abril" in said


# ---- a broken catalog fails at load, naming the file and the key ----------------------------------


def broken_copy(tmp_path, language, domain, old, new):
    root = tmp_path / "locale"
    shutil.copytree(LOCALE_DIR, root)
    path = root / language / "LC_MESSAGES" / f"{domain}.po"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "language, old, new, error",
    [
        ("es", '"Vuelo a {destination}. ', '"Vuelo a {destination. ', "malformed format string"),
        ("fr", "{destination}", "{ville}", "uses ['ville']"),
        ("de", "{origin}", "{origin!r}", "plain named fields"),
        ("it", 'msgid "goodbye"\nmsgstr "Grazie per la chiamata. Arrivederci!"', 'msgid "goodbye"\nmsgstr ""', "empty translation"),
        ("pt", 'msgid "goodbye"', 'msgid "goodbye_typo"', "not in the en catalog"),
        ("en", "#. arguments: destination\n", "", "no '#. arguments:' comment"),
    ],
)
def test_a_broken_catalog_is_refused_at_load(tmp_path, language, old, new, error):
    root = broken_copy(tmp_path, language, "dialogue", old, new)
    with pytest.raises(CatalogError, match=re.escape(error)):
        Catalog("dialogue", locale_dir=root)


def test_a_missing_plural_form_or_catalog_is_refused(tmp_path):
    root = broken_copy(tmp_path, "fr", "offers", 'msgstr[2] "Il y a encore {n} options."\n', "")
    with pytest.raises(CatalogError, match="'more_options': empty translation"):  # babel pads the form
        Catalog("offers", locale_dir=root)
    (root / "es" / "LC_MESSAGES" / "offers.po").unlink()  # es is read before the broken fr
    with pytest.raises(CatalogError, match="missing catalog"):
        Catalog("offers", locale_dir=root)
    assert Catalog("dialogue", locale_dir=root).keys() == catalog("dialogue").keys()


def test_per_language_tables_cover_exactly_the_supported_languages():
    from dialogue.keywords import KEYWORDS
    from dialogue.speech import DATE_PATTERNS, LOCALES

    for table in (KEYWORDS, DATE_PATTERNS, LOCALES):
        assert set(table) == set(SUPPORTED_LANGUAGES)
    assert {p.name for p in LOCALE_DIR.iterdir() if p.is_dir()} == set(SUPPORTED_LANGUAGES)
    assert set(KEYWORDS["en"]) >= {k for row in KEYWORDS.values() for k in row}  # no key only abroad
