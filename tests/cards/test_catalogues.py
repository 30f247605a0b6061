"""The gettext catalogues (cards/locale, made by `make messages`): every text the code and the
templates mark is in each shipped language's catalogue, translated, not fuzzy, with the same
{fields} / %(fields)s as the English, and the compiled .mo files say what the .po files say."""

from __future__ import annotations

import re
from functools import cache
from io import BytesIO
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from cards.i18n import LANGUAGES, LOCALE_DIR, translations
from tests.helpers.environment import ROOT

TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
KEYWORDS = {"tr": (2,), "ntr": (2, 3), "_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
FIELD = re.compile(r"\{\w+\}|%\(\w+\)s")


@cache
def extracted() -> frozenset[str | tuple[str, ...]]:
    """The message ids `make messages` extracts from the source now (same babel.cfg, keywords)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as config:
        method_map, options_map = parse_mapping(config)
    ids: set[str | tuple[str, ...]] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords={**KEYWORDS, "tr": (2,), "ntr": (2, 3)},
    ):
        ids.add(message if isinstance(message, str) else tuple(message))
    return frozenset(ids)


def catalogue(lang: str) -> Catalog:
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po").open("rb") as po:
        return read_po(po, locale=lang)


def _texts(catalog: Catalog) -> dict[object, object]:
    def key(value: object) -> object:
        return value if isinstance(value, str) else tuple(value)  # type: ignore[arg-type]
    return {key(m.id): key(m.string) for m in catalog if m.id}


def _ids(catalog: Catalog) -> set[str | tuple[str, ...]]:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def test_the_extraction_finds_the_candidates_texts() -> None:
    ids = extracted()
    assert "Book this time" in ids  # a button title kept in a constant (N_)
    assert "Hello %(name)s," in ids  # the mail templates
    assert "Opening your chat…" in ids  # the chat page
    assert ("{n} minute", "{n} minutes") in ids  # a plural


@pytest.mark.parametrize("lang", TRANSLATED)
def test_each_catalogue_has_every_text_marked_in_the_code_and_no_other(lang: str) -> None:
    ids = _ids(catalogue(lang))
    assert not extracted() - ids, "texts not in the catalogue: run `make messages` and translate them"
    assert not ids - extracted(), "texts no longer in the code: run `make messages`"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_no_text_is_untranslated_or_fuzzy(lang: str) -> None:
    catalog = catalogue(lang)
    assert not catalog.fuzzy
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, f"fuzzy in {lang}: {message.id!r}"
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(s.strip() for s in strings), f"untranslated in {lang}: {message.id!r}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_translation_keeps_the_fields_of_the_english(lang: str) -> None:
    for message in catalogue(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(FIELD.findall(ids[-1]))
        for string in strings:
            assert set(FIELD.findall(string)) == wanted, f"{lang}: {message.id!r} -> {string!r}"
            assert string.count("**") == ids[0].count("**"), f"{lang}: bold lost in {string!r}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_the_compiled_catalogue_is_the_po_file_compiled(lang: str) -> None:
    mo_path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.mo"
    compiled = BytesIO()
    write_mo(compiled, catalogue(lang))
    with mo_path.open("rb") as shipped:
        shipped_catalog = read_mo(shipped)
    fresh = read_mo(BytesIO(compiled.getvalue()))
    assert _texts(shipped_catalog) == _texts(fresh), "the .mo is stale: run `make messages`"
    assert translations(lang).gettext("Book this time") != "Book this time"


def test_the_shipped_languages_are_the_catalogues_on_disk() -> None:
    on_disk = {p.parent.parent.name for p in Path(LOCALE_DIR).glob("*/LC_MESSAGES/messages.po")}
    assert on_disk == set(TRANSLATED)
