"""gettext catalogs of everything the gateway says, one ``.po`` per language and domain.

Layout: ``dialogue/locale/<lang>/LC_MESSAGES/<domain>.po`` for every language in
``flights.languages.SUPPORTED_LANGUAGES``. Domains: ``dialogue`` (what the flight desk says in
conversation, plus the LLM profiles' system prompt) and ``offers`` (spoken flight offers).

**Message ids are stable keys** (``"ask_date"``, ``"found_flights"``), not English text: the code
names a message, the English wording lives in ``en/`` like any other language, and rewording
English does not orphan five translations. Plural messages have the id pair
``(key, key + "_plural")`` and are read with ``ngettext`` under each language's CLDR plural rule
(the ``Plural-Forms`` header). Each message of the English catalog documents the ``str.format``
fields the code passes in an extracted comment, ``#. arguments: origin, destination`` (or
``(none)``); a translation may use any subset of them.

The ``.po`` files are compiled when this module is imported (``babel.messages.pofile.read_po`` ->
``babel.messages.mofile.write_mo`` into memory -> ``gettext.GNUTranslations``), so a fresh clone
needs no build step, and they are **validated** then: every language must have every English
key (all plural forms filled, none fuzzy, no extra keys) and every translation must be a valid
format string using only its documented fields. A broken catalog raises :class:`CatalogError` at
import — at start-up and in the unit tests — never in the middle of a call.

Formatting (:meth:`Catalog.text`) raises :class:`MessageArgumentError` when the caller omits a
documented argument, whatever the language, so a caller's mistake fails the same way in every
language (and in the English tests) instead of only where a translation happens to use the field.
Extra keyword arguments are ignored.

Adding a message: add it to ``en/LC_MESSAGES/<domain>.po`` with its ``#. arguments:`` comment,
then to the five other catalogs (the unit tests name any language left out); for a plural message
give ``msgid_plural "<key>_plural"`` and as many ``msgstr[i]`` as the language's ``Plural-Forms``.

gettext: https://docs.python.org/3/library/gettext.html · babel catalogs:
https://babel.pocoo.org/en/latest/messages.html
"""

from __future__ import annotations

import gettext
import re
import string
from dataclasses import dataclass
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from flights.languages import SUPPORTED_LANGUAGES, normalize_language

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
"""Root of the catalogs: ``<LOCALE_DIR>/<lang>/LC_MESSAGES/<domain>.po``."""

SOURCE_LANGUAGE = "en"
"""The reference catalog (keys, documented arguments) and the fallback language."""

DOMAINS = ("dialogue", "offers")

_ARGUMENTS = re.compile(r"^arguments:\s*(.*)$")
_FIELD = re.compile(r"^[a-z_][a-z0-9_]*$")


class CatalogError(ValueError):
    """A ``.po`` catalog is missing, incomplete, or holds a bad format string (names file and key)."""


class MessageArgumentError(KeyError):
    """A message was formatted without one of its documented arguments (names the key)."""


@dataclass(frozen=True)
class MessageSpec:
    """What the English catalog says about one message: its key, fields, and whether it is plural."""

    key: str
    arguments: frozenset[str]
    plural: bool


def _fields(template: str, where: str) -> set[str]:
    """Field names of a ``str.format`` template; CatalogError when malformed or not a plain name."""
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise CatalogError(f"{where}: malformed format string {template!r}: {exc}") from None
    names: set[str] = set()
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not _FIELD.match(name) or spec or conversion:
            raise CatalogError(f"{where}: use plain named fields like {{origin}}, not {{{name}}} in {template!r}")
        names.add(name)
    return names


def _read(locale_dir: Path, language: str, domain: str):
    path = locale_dir / language / "LC_MESSAGES" / f"{domain}.po"
    try:
        with open(path, "rb") as fh:
            return path, read_po(fh, locale=language, domain=domain, abort_invalid=True)
    except FileNotFoundError:
        raise CatalogError(f"missing catalog {path}") from None
    except Exception as exc:  # babel's PoFileError and friends
        raise CatalogError(f"{path}: unreadable catalog: {exc}") from None


def _specs(path: Path, catalog) -> dict[str, MessageSpec]:
    specs: dict[str, MessageSpec] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        plural = isinstance(message.id, (tuple, list))
        key = message.id[0] if plural else message.id
        args = None
        for comment in message.auto_comments:
            m = _ARGUMENTS.match(comment.strip())
            if m:
                body = m.group(1).strip()
                args = frozenset() if body == "(none)" else frozenset(a.strip() for a in body.split(",") if a.strip())
        if args is None:
            raise CatalogError(f"{path}: message {key!r} has no '#. arguments:' comment")
        specs[key] = MessageSpec(key, args, plural)
    return specs


def _check(path: Path, catalog, specs: dict[str, MessageSpec]) -> None:
    seen: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        plural = isinstance(message.id, (tuple, list))
        key = message.id[0] if plural else message.id
        where = f"{path}: {key!r}"
        spec = specs.get(key)
        if spec is None:
            raise CatalogError(f"{where}: not in the {SOURCE_LANGUAGE} catalog")
        if spec.plural != plural:
            raise CatalogError(f"{where}: plural in one catalog and not in the other")
        if message.fuzzy:
            raise CatalogError(f"{where}: fuzzy translation")
        forms = list(message.string) if plural else [message.string]
        if plural and len(forms) != catalog.num_plurals:
            raise CatalogError(f"{where}: {len(forms)} plural forms, the language has {catalog.num_plurals}")
        for form in forms:
            if not form:
                raise CatalogError(f"{where}: empty translation")
            unknown = _fields(form, where) - spec.arguments
            if unknown:
                raise CatalogError(f"{where}: uses {sorted(unknown)}, documented arguments are {sorted(spec.arguments)}")
        seen.add(key)
    missing = set(specs) - seen
    if missing:
        raise CatalogError(f"{path}: missing {sorted(missing)}")


def _compile(catalog) -> gettext.GNUTranslations:
    buf = BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


class Catalog:
    """The compiled, validated catalogs of one domain in every supported language.

    Args:
        domain: one of :data:`DOMAINS` (the ``.po`` file name).
        locale_dir: root of the catalogs (tests point it at a copy).

    Raises:
        CatalogError: a catalog is missing, incomplete or holds a bad format string.
    """

    def __init__(self, domain: str, locale_dir: Path = LOCALE_DIR):
        self.domain = domain
        path, source = _read(locale_dir, SOURCE_LANGUAGE, domain)
        self.specs: dict[str, MessageSpec] = _specs(path, source)
        _check(path, source, self.specs)
        self._templates: dict[str, dict[str, tuple[str, ...]]] = {}
        self._translations: dict[str, gettext.GNUTranslations] = {}
        english = _compile(source)
        for language in SUPPORTED_LANGUAGES:
            path, catalog = (path, source) if language == SOURCE_LANGUAGE else _read(locale_dir, language, domain)
            _check(path, catalog, self.specs)
            translations = english if language == SOURCE_LANGUAGE else _compile(catalog)
            if translations is not english:
                translations.add_fallback(english)
            self._translations[language] = translations
            self._templates[language] = {
                (m.id[0] if isinstance(m.id, (tuple, list)) else m.id):
                    tuple(m.string) if isinstance(m.id, (tuple, list)) else (m.string,)
                for m in catalog if m.id
            }

    def keys(self) -> list[str]:
        """Every message key, in catalog order."""
        return list(self.specs)

    def arguments(self, key: str) -> frozenset[str]:
        """The documented arguments of ``key`` (KeyError for an unknown key)."""
        return self.specs[key].arguments

    def translations(self, language: str | None) -> gettext.GNUTranslations:
        """The ``gettext`` translations of ``language`` (English for an unsupported code)."""
        return self._translations[normalize_language(language) or SOURCE_LANGUAGE]

    def template(self, language: str | None, key: str) -> str:
        """The unformatted text of ``key`` in ``language`` (first form of a plural message)."""
        return self._templates[normalize_language(language) or SOURCE_LANGUAGE][key][0]

    def text(self, language: str | None, key: str, n: int | None = None, **arguments: Any) -> str:
        """Message ``key`` in ``language`` (English for an unsupported code), formatted.

        Args:
            language: ISO 639-1 code or BCP 47 tag ("es", "pt-BR").
            key: a key of :meth:`keys`.
            n: the count selecting the plural form (required for plural messages); it is also
                passed to the template as ``{n}`` unless given explicitly.
            arguments: the documented fields; extras are ignored.

        Raises:
            KeyError: ``key`` is not in the catalog.
            MessageArgumentError: a documented argument (or ``n`` of a plural message) is missing.
        """
        spec = self.specs[key]
        translations = self.translations(language)
        if n is not None:
            arguments.setdefault("n", n)
        if spec.plural:
            if n is None:
                raise MessageArgumentError(f"{self.domain}/{key}: plural message needs n")
            template = translations.ngettext(key, key + "_plural", n)
        else:
            template = translations.gettext(key)
        missing = spec.arguments - arguments.keys()
        if missing:
            raise MessageArgumentError(f"{self.domain}/{key}: missing arguments {sorted(missing)}")
        return template.format(**arguments)


@lru_cache(maxsize=None)
def catalog(domain: str) -> Catalog:
    """The :class:`Catalog` of ``domain``, compiled once per process."""
    return Catalog(domain)


__all__ = ["Catalog", "CatalogError", "DOMAINS", "LOCALE_DIR", "MessageArgumentError", "MessageSpec",
           "SOURCE_LANGUAGE", "catalog"]
